/**
 * The columns `kubectl get` prints for each kind, and their cells (pkg/printers/internalversion/
 * printers.go): `-o wide` adds the priority-1 columns.
 */
import type { ClusterRoleBinding, EndpointSlice, Endpoints, Event, IPAddressPool, Kind, KubeObject, L2Advertisement, Lease, Namespace, Node, Pod, RoleBinding, Service } from '../index.js';
import { formatLabels } from '../labels/index.js';
import { translateTimestampSince } from './age.js';
import { formatDiscoveryEndpoints, formatDiscoveryPorts, formatEndpoints } from './endpoints-format.js';

export interface RowContext {
  wide: boolean;
  now: number;
}

export interface TableColumns {
  headers: string[];
  /** Appended with `-o wide`. */
  wideHeaders: string[];
  /** The order with `-o wide` when the wide columns sit between the others (kubectl's Event columns). */
  wideOrder?: string[];
  cells(obj: KubeObject, ctx: RowContext): string[];
}

/** The columns of a table: the narrow ones, or with `wide` every column in its place. */
export function columnHeaders(cols: TableColumns, wide: boolean): string[] {
  if (!wide) return cols.headers;
  return cols.wideOrder ?? [...cols.headers, ...cols.wideHeaders];
}

/** A LoadBalancer's ingress IPs, sorted, clipped to 16 characters unless wide. */
const LOAD_BALANCER_WIDTH = 16;

function loadBalancerStatus(svc: Service, wide: boolean): string {
  const set = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) set.add(ing.ip);
    else if (ing.hostname) set.add(ing.hostname);
  }
  let r = [...set].sort().join(',');
  if (!wide && r.length > LOAD_BALANCER_WIDTH) r = `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...`;
  return r;
}

export function serviceExternalIP(svc: Service, wide: boolean): string {
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerStatus(svc, wide);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** `80/TCP`, `80:30036/TCP`, joined by commas. */
export function servicePorts(svc: Service): string {
  return (svc.spec?.ports ?? [])
    .map((p) => (p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`))
    .join(',');
}

const serviceColumns: TableColumns = {
  headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
  wideHeaders: ['SELECTOR'],
  cells(obj, ctx) {
    const svc = obj as Service;
    const clusterIPs = svc.spec?.clusterIPs ?? [];
    const cells = [
      svc.metadata.name ?? '',
      svc.spec?.type ?? '',
      clusterIPs.length > 0 ? clusterIPs[0]! : '<none>',
      serviceExternalIP(svc, ctx.wide),
      servicePorts(svc) || '<none>',
      translateTimestampSince(svc.metadata.creationTimestamp, ctx.now),
    ];
    if (ctx.wide) cells.push(formatLabels(svc.spec?.selector));
    return cells;
  },
};

const endpointsColumns: TableColumns = {
  headers: ['NAME', 'ENDPOINTS', 'AGE'],
  wideHeaders: [],
  cells(obj, ctx) {
    const ep = obj as Endpoints;
    return [ep.metadata.name ?? '', formatEndpoints(ep), translateTimestampSince(ep.metadata.creationTimestamp, ctx.now)];
  },
};

const endpointSliceColumns: TableColumns = {
  headers: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
  wideHeaders: [],
  cells(obj, ctx) {
    const s = obj as EndpointSlice;
    return [
      s.metadata.name ?? '',
      s.addressType ?? '',
      formatDiscoveryPorts(s.ports),
      formatDiscoveryEndpoints(s.endpoints),
      translateTimestampSince(s.metadata.creationTimestamp, ctx.now),
    ];
  },
};

function podIsReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * minimesh pods carry no container statuses: a container counts as ready when the pod's Ready
 * condition is True. Restartable init containers (sidecars) count like kubectl counts them.
 */
const podColumns: TableColumns = {
  headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
  wideHeaders: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
  cells(obj, ctx) {
    const pod = obj as Pod;
    const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').length;
    const total = (pod.spec?.containers ?? []).length + sidecars;
    const ready = podIsReady(pod) ? total : 0;
    const phase = pod.status?.phase ?? '';
    let reason = phase;
    if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
    const cells = [
      pod.metadata.name ?? '',
      `${ready}/${total}`,
      reason,
      '0',
      translateTimestampSince(pod.metadata.creationTimestamp, ctx.now),
    ];
    if (ctx.wide) {
      const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
      cells.push(ip, pod.spec?.nodeName || '<none>', '<none>', '<none>');
    }
    return cells;
  },
};

const NODE_ROLE_PREFIX = 'node-role.kubernetes.io/';
const NODE_ROLE_LABEL = 'kubernetes.io/role';

export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(NODE_ROLE_PREFIX)) {
      const role = k.slice(NODE_ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === NODE_ROLE_LABEL && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

export function nodeStatus(node: Node): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeAddress(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

/** minimesh nodes report no NodeSystemInfo: VERSION is empty and the wide system columns `<unknown>`. */
const nodeColumns: TableColumns = {
  headers: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
  wideHeaders: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
  cells(obj, ctx) {
    const node = obj as Node;
    const roles = nodeRoles(node).join(',') || '<none>';
    const cells = [node.metadata.name ?? '', nodeStatus(node), roles, translateTimestampSince(node.metadata.creationTimestamp, ctx.now), ''];
    if (ctx.wide) cells.push(nodeAddress(node, 'InternalIP'), nodeAddress(node, 'ExternalIP'), '<unknown>', '<unknown>', '<unknown>');
    return cells;
  },
};

const namespaceColumns: TableColumns = {
  headers: ['NAME', 'STATUS', 'AGE'],
  wideHeaders: [],
  cells(obj, ctx) {
    const ns = obj as Namespace;
    return [ns.metadata.name ?? '', ns.status?.phase ?? '', translateTimestampSince(ns.metadata.creationTimestamp, ctx.now)];
  },
};

const leaseColumns: TableColumns = {
  headers: ['NAME', 'HOLDER', 'AGE'],
  wideHeaders: [],
  cells(obj, ctx) {
    const lease = obj as Lease;
    return [lease.metadata.name ?? '', lease.spec?.holderIdentity ?? '', translateTimestampSince(lease.metadata.creationTimestamp, ctx.now)];
  },
};

/** A CRD printer column holding a list: kubectl prints it as JSON (`["a","b"]`), absent as empty. */
function jsonCell(v: unknown): string {
  return v === undefined ? '' : JSON.stringify(v);
}

/** MetalLB's additionalPrinterColumns for IPAddressPool. */
const ipAddressPoolColumns: TableColumns = {
  headers: ['NAME', 'AUTO ASSIGN', 'AVOID BUGGY IPS', 'ADDRESSES'],
  wideHeaders: [],
  cells(obj) {
    const pool = obj as IPAddressPool;
    return [pool.metadata.name ?? '', String(pool.spec?.autoAssign ?? true), String(pool.spec?.avoidBuggyIPs ?? false), jsonCell(pool.spec?.addresses)];
  },
};

/** MetalLB's additionalPrinterColumns for L2Advertisement (node selectors only with -o wide). */
const l2AdvertisementColumns: TableColumns = {
  headers: ['NAME', 'IPADDRESSPOOLS', 'IPADDRESSPOOL SELECTORS', 'INTERFACES'],
  wideHeaders: ['NODE SELECTORS'],
  cells(obj, ctx) {
    const adv = obj as L2Advertisement;
    const cells = [adv.metadata.name ?? '', jsonCell(adv.spec?.ipAddressPools), jsonCell(adv.spec?.ipAddressPoolSelectors), jsonCell(adv.spec?.interfaces)];
    if (ctx.wide) cells.push(jsonCell(adv.spec?.nodeSelectors));
    return cells;
  },
};

/** kubectl's printers for roles: the name and the creation time as RFC 3339. */
const roleColumns: TableColumns = {
  headers: ['NAME', 'CREATED AT'],
  wideHeaders: [],
  cells(obj) {
    return [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? ''];
  },
};

/** kubectl's printers for bindings: ROLE as Kind/name; -o wide adds the subjects by kind. */
const bindingColumns: TableColumns = {
  headers: ['NAME', 'ROLE', 'AGE'],
  wideHeaders: ['USERS', 'GROUPS', 'SERVICEACCOUNTS'],
  cells(obj, ctx) {
    const b = obj as RoleBinding | ClusterRoleBinding;
    const cells = [b.metadata.name ?? '', `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, translateTimestampSince(b.metadata.creationTimestamp, ctx.now)];
    if (ctx.wide) {
      const of = (kind: string) => (b.subjects ?? []).filter((s) => s.kind === kind);
      cells.push(
        of('User').map((s) => s.name).join(', '),
        of('Group').map((s) => s.name).join(', '),
        of('ServiceAccount').map((s) => `${s.namespace ?? ''}/${s.name}`).join(', '),
      );
    }
    return cells;
  },
};

/**
 * kube-apiserver's printEvent: FIRST SEEN is the age of firstTimestamp (else eventTime, else
 * `<unknown>`), LAST SEEN of the series' last observation, else lastTimestamp, else FIRST SEEN;
 * OBJECT is kind/name (lower-case kind; the kind alone without a name); with -o wide also the
 * sub-object, the source (component, host), FIRST SEEN, COUNT (1 when unset) and NAME.
 */
const eventColumns: TableColumns = {
  headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  wideHeaders: ['SUBOBJECT', 'SOURCE', 'FIRST SEEN', 'COUNT', 'NAME'],
  wideOrder: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME'],
  cells(obj, ctx) {
    const ev = obj as Event;
    const since = (t: string | undefined) => (t ? translateTimestampSince(t, ctx.now) : '<unknown>');
    const firstSeen = since(ev.firstTimestamp || ev.eventTime);
    const lastSeen = ev.series ? since(ev.series.lastObservedTime) : ev.lastTimestamp ? since(ev.lastTimestamp) : firstSeen;
    const ref = ev.involvedObject ?? {};
    const kind = (ref.kind ?? '').toLowerCase();
    const object = ref.name ? `${kind}/${ref.name}` : kind;
    const message = (ev.message ?? '').trim();
    if (!ctx.wide) return [lastSeen, ev.type ?? '', ev.reason ?? '', object, message];
    const component = ev.source?.component || ev.reportingComponent || '';
    const host = ev.source?.host || ev.reportingInstance || '';
    const source = host ? `${component}, ${host}` : component;
    // Singleton events written the events.k8s.io way carry no count: 1.
    const count = ev.series ? ev.series.count : ev.count || 1;
    return [lastSeen, ev.type ?? '', ev.reason ?? '', object, ref.fieldPath ?? '', source, message, firstSeen, String(count ?? 1), ev.metadata.name ?? ''];
  },
};

export const COLUMNS: Record<Kind, TableColumns> = {
  Service: serviceColumns,
  Endpoints: endpointsColumns,
  EndpointSlice: endpointSliceColumns,
  Pod: podColumns,
  Node: nodeColumns,
  Namespace: namespaceColumns,
  Lease: leaseColumns,
  IPAddressPool: ipAddressPoolColumns,
  L2Advertisement: l2AdvertisementColumns,
  Role: roleColumns,
  ClusterRole: roleColumns,
  RoleBinding: bindingColumns,
  ClusterRoleBinding: bindingColumns,
  Event: eventColumns,
};
