/**
 * An immutable picture of what cluster DNS answers from: Services, the ready endpoints of their
 * EndpointSlices, Namespaces and (for `pods verified`) pod IPs, cut down to what DNS needs
 * (CoreDNS plugin/kubernetes/object: ToService, EndpointSliceToEndpoints, ToPod). The shell
 * rebuilds it after changes; answering only reads it.
 */
import { LABEL_SERVICE_NAME, type EndpointSlice, type Namespace, type Pod, type Service } from '@minimesh/api';
import { canonicalIP } from './ip.js';

export type ServiceKind = 'ClusterIP' | 'Headless' | 'ExternalName';

export interface PortRecord {
  /** '' for an unnamed port. */
  name: string;
  protocol: string;
  /** -1 when the slice declares no ports (CoreDNS's sentinel: A answers, no SRV). */
  port: number;
}

export interface ServiceRecord {
  name: string;
  namespace: string;
  kind: ServiceKind;
  /** Canonical, without 'None'. */
  clusterIPs: readonly string[];
  /** spec.externalName as written (no trailing dot added). */
  externalName: string;
  ports: readonly PortRecord[];
}

export interface AddressRecord {
  ip: string;
  /** The endpoint's hostname field, '' when unset. */
  hostname: string;
  /** The targetRef pod name when shorter than 64 characters, else ''. */
  targetRefName: string;
}

/** One EndpointSlice's ready addresses and ports (CoreDNS keeps one subset per slice). */
export interface Subset {
  addresses: readonly AddressRecord[];
  ports: readonly PortRecord[];
}

/** Where an endpoint IP appears: the service key (`name.namespace`) and the subset holding it. */
export interface EndpointRef {
  service: string;
  namespace: string;
  address: AddressRecord;
}

export interface ClusterSnapshot {
  /** False until every informer has listed once: name errors become SERVFAIL. */
  synced: boolean;
  /** SOA serial: Unix seconds of the last Service/EndpointSlice/Pod change. */
  serial: number;
  namespaces: ReadonlySet<string>;
  /** By `name.namespace` (CoreDNS's ServiceKey). */
  services: ReadonlyMap<string, ServiceRecord>;
  /** By `name.namespace` of the service the slices belong to, whether or not it exists. */
  endpoints: ReadonlyMap<string, readonly Subset[]>;
  /** ClusterIP → the first service holding it (SvcIndexReverse). */
  serviceByIP: ReadonlyMap<string, ServiceRecord>;
  /** Endpoint IP → every (service, address) that lists it (EpIndexReverse). */
  endpointsByIP: ReadonlyMap<string, readonly EndpointRef[]>;
  /** Pod IP → namespaces of the (non-terminating) pods holding it; only filled for `pods verified`. */
  podNamespacesByIP: ReadonlyMap<string, readonly string[]>;
}

/**
 * A frozen object here must be frozen all through (as the informer cache deep-freezes what it
 * holds): the snapshot keeps what it made of a frozen object and reads it only once.
 */
export interface SnapshotInput {
  services: readonly Service[];
  slices: readonly EndpointSlice[];
  namespaces: readonly Namespace[];
  pods?: readonly Pod[];
  synced: boolean;
  serial: number;
}

export function serviceKey(name: string, namespace: string): string {
  return `${name}.${namespace}`;
}

export function toServiceRecord(svc: Service): ServiceRecord {
  const spec = svc.spec ?? {};
  const kind: ServiceKind = spec.type === 'ExternalName' ? 'ExternalName' : spec.clusterIP === 'None' ? 'Headless' : 'ClusterIP';
  const raw = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const clusterIPs = raw.map((ip) => canonicalIP(ip)).filter((ip): ip is string => ip !== undefined);
  return {
    name: svc.metadata.name ?? '',
    namespace: svc.metadata.namespace ?? '',
    kind,
    clusterIPs: kind === 'ClusterIP' ? clusterIPs : [],
    externalName: kind === 'ExternalName' ? (spec.externalName ?? '') : '',
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port })),
  };
}

/** The ready endpoints of one slice (ready unset counts as ready), or undefined for FQDN slices. */
export function toSubset(slice: EndpointSlice): Subset | undefined {
  if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return undefined;
  const addresses: AddressRecord[] = [];
  for (const ep of slice.endpoints ?? []) {
    if (ep.conditions?.ready === false) continue;
    const refName = ep.targetRef?.name ?? '';
    for (const a of ep.addresses) {
      const ip = canonicalIP(a);
      if (!ip) continue;
      addresses.push({ ip, hostname: ep.hostname ?? '', targetRefName: refName.length < 64 ? refName : '' });
    }
  }
  const ports: PortRecord[] = slice.ports?.length
    ? slice.ports.map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? -1 }))
    : [{ name: '', protocol: '', port: -1 }];
  return { addresses, ports };
}

function podIPs(pod: Pod): string[] {
  const ips = new Set<string>();
  for (const p of pod.status?.podIPs ?? []) if (p.ip) ips.add(p.ip);
  if (pod.status?.podIP) ips.add(pod.status.podIP);
  return [...ips].map((ip) => canonicalIP(ip)).filter((ip): ip is string => ip !== undefined);
}

function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * What each object turned into the last time, for objects that cannot change any more: the
 * informer cache deep-freezes what it holds and replaces an object on every update, so a frozen
 * object seen before gives the same record. A rebuild after one change then converts one object,
 * not all of them (at 10,000 Services and slices: 36 → 16 ms a rebuild, apps/dns/bench/snapshot.ts).
 * Unfrozen input is converted every time. Weak: a record goes with its object.
 */
const serviceRecords = new WeakMap<Service, ServiceRecord>();
const sliceSubsets = new WeakMap<EndpointSlice, Subset | null>();
const podAddresses = new WeakMap<Pod, string[]>();

function remembered<K extends object, V>(memo: WeakMap<K, V>, obj: K, make: (obj: K) => V): V {
  if (!Object.isFrozen(obj)) return make(obj);
  let v = memo.get(obj);
  if (v === undefined) memo.set(obj, (v = make(obj)));
  return v;
}

export function buildSnapshot(input: SnapshotInput): ClusterSnapshot {
  const services = new Map<string, ServiceRecord>();
  const serviceByIP = new Map<string, ServiceRecord>();
  for (const svc of input.services) {
    const rec = remembered(serviceRecords, svc, toServiceRecord);
    services.set(serviceKey(rec.name, rec.namespace), rec);
    for (const ip of rec.clusterIPs) if (!serviceByIP.has(ip)) serviceByIP.set(ip, rec);
  }

  const endpoints = new Map<string, Subset[]>();
  const endpointsByIP = new Map<string, EndpointRef[]>();
  for (const slice of input.slices) {
    const svcName = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    const namespace = slice.metadata.namespace ?? '';
    if (!svcName) continue;
    const subset = remembered(sliceSubsets, slice, (sl) => toSubset(sl) ?? null);
    if (!subset) continue;
    pushTo(endpoints, serviceKey(svcName, namespace), subset);
    for (const address of subset.addresses) pushTo(endpointsByIP, address.ip, { service: svcName, namespace, address });
  }

  const podNamespacesByIP = new Map<string, string[]>();
  for (const pod of input.pods ?? []) {
    if (pod.metadata.deletionTimestamp) continue;
    for (const ip of remembered(podAddresses, pod, podIPs)) pushTo(podNamespacesByIP, ip, pod.metadata.namespace ?? '');
  }

  return {
    synced: input.synced,
    serial: input.serial,
    namespaces: new Set(input.namespaces.map((n) => n.metadata.name ?? '')),
    services,
    endpoints,
    serviceByIP,
    endpointsByIP,
    podNamespacesByIP,
  };
}

export function emptySnapshot(): ClusterSnapshot {
  return buildSnapshot({ services: [], slices: [], namespaces: [], synced: false, serial: 0 });
}
