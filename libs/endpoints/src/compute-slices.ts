/**
 * What the Kubernetes EndpointSlice controller (k8s.io/endpointslice reconciler.go, utils.go)
 * creates, updates and deletes for a Service. Follows the reconciler's plan so existing slices are
 * reused rather than churned: (1) keep each existing slice's endpoints that are still desired,
 * updating those that changed and dropping the rest (a slice left empty is deleted); (2) fill the
 * slices already being updated, fullest first; (3) put what remains into the unchanged slice that
 * ends up closest to full, else into new slices; deletions are recycled into updates when
 * something is to be created; a Service whose pods yield no endpoint gets exactly one empty
 * placeholder slice. An unchanged slice is never in `update`.
 */
import { pushAll, ipFamilyOf, isPodReady, isPodTerminating, isServiceIPSet, podIPs, type Endpoint, type EndpointSlice, type EndpointSlicePort, type IPFamily, type Node, type OwnerReference, type Pod, type Service } from '@minimesh/api';
import {
  EndpointSet,
  compareEndpoints,
  compareSlicePorts,
  endpointsEqualBeyondHash,
  ownedBy,
  portMapKey,
} from './endpoint-set.js';
import { serviceIPFamily } from './ip-family.js';
import {
  findPort,
  hasSelector,
  podReference,
  selectPodsForService,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './pod-endpoint-rules.js';
import { stringMapsEqual } from './semantic-equal.js';
import { randomNameGenerator, sliceNamePrefix, type NameGenerator } from './slice-names.js';
import { byName, identityOf, setTriggerTimeAnnotation, type SliceChanges } from './slice-changes.js';
import {
  DEFAULT_MAX_ENDPOINTS_PER_SLICE,
  ENDPOINTSLICE_CONTROLLER_NAME,
  LABEL_HEADLESS_SERVICE,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LABEL_TOPOLOGY_ZONE,
} from './well-known.js';

export interface ReconcileSlicesOptions {
  /** --max-endpoints-per-slice: 100 by default (Kubernetes allows 1..1000). */
  maxEndpointsPerSlice?: number;
  /**
   * Nodes by name, for each endpoint's zone (label topology.kubernetes.io/zone). When given, a pod
   * whose node is missing is left out (unless publishNotReadyAddresses) and reported in `errors`
   * so the caller retries, as Kubernetes does; when absent, no zones are set and no pod is skipped.
   */
  nodes?: ReadonlyMap<string, Node>;
  /** From TriggerTimeTracker.compute; set on every created or updated slice, removed when absent. */
  triggerTime?: Date;
  /** Names for new slices; random `<service>-xxxxx` by default. */
  generateName?: NameGenerator;
}

export interface SliceReconcileResult extends SliceChanges {
  /** Kubernetes' requeue reasons ("skipping Pod p for Service ns/s: Node n Not Found"). */
  errors: string[];
}

type AddressType = IPFamily;

/** The labels a slice of `svc` must carry (setEndpointSliceLabels) and whether its own labels are stale. */
function sliceLabels(svc: Service, current: Record<string, string> | undefined): { labels: Record<string, string>; changed: boolean } {
  const reserved = (k: string): boolean => k === LABEL_SERVICE_NAME || k === LABEL_MANAGED_BY || k === LABEL_HEADLESS_SERVICE;
  const pick = (m: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !reserved(k)));
  const labels = pick(svc.metadata.labels);
  const changed = !stringMapsEqual(pick(current), labels);
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS_SERVICE] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata.name ?? '';
  labels[LABEL_MANAGED_BY] = ENDPOINTSLICE_CONTROLLER_NAME;
  return { labels, changed };
}

function serviceOwnerReference(svc: Service): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name ?? '', uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** newEndpointSlice: an unnamed slice (generateName `<svc>-`) for these ports. */
function newSlice(svc: Service, ports: EndpointSlicePort[], addressType: AddressType): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: sliceNamePrefix(svc.metadata.name ?? ''),
      namespace: svc.metadata.namespace,
      labels: sliceLabels(svc, undefined).labels,
      ownerReferences: [serviceOwnerReference(svc)],
    },
    addressType,
    endpoints: [],
    ports: structuredClone(ports),
  };
}

/** getEndpointPorts: the pod's port for each Service port it has (a missing named port is skipped). */
function endpointPorts(svc: Service, pod: Pod): EndpointSlicePort[] {
  const ports: EndpointSlicePort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const p: EndpointSlicePort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol !== undefined) p.appProtocol = sp.appProtocol;
    ports.push(p);
  }
  return ports.sort(compareSlicePorts);
}

/**
 * podToEndpoint: serving = Ready, terminating = has a deletionTimestamp, ready = serving and not
 * terminating (or publishNotReadyAddresses). Terminating pods stay, so proxies can fall back to them.
 */
export function podToEndpoint(pod: Pod, node: Node | undefined, svc: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = isPodTerminating(pod);
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = {
    addresses: podIPs(pod).filter((ip) => ipFamilyOf(ip) === addressType),
    conditions: { ready, serving, terminating },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec!.hostname!;
  ep.targetRef = podReference(pod);
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
  if (zone) ep.zone = zone;
  return ep;
}

/** getSliceToFill: the slice that will be closest to full once `count` endpoints are added. */
function sliceToFill(slices: EndpointSlice[], count: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (count + (s.endpoints?.length ?? 0));
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) break;
    }
  }
  return closest;
}

interface PortMappingResult {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** reconcileByPortMapping for one set of ports. `existing` are slices owned by the Service with these ports. */
function reconcilePortMapping(
  svc: Service,
  existing: EndpointSlice[],
  desired: EndpointSet,
  ports: EndpointSlicePort[],
  addressType: AddressType,
  max: number,
): PortMappingResult {
  const byName = new Map<string, EndpointSlice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();

  // 1. Keep desired endpoints in existing slices, update changed ones, drop the rest.
  for (const slice of existing) {
    const name = slice.metadata.name ?? '';
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let endpointUpdated = false;
    for (const ep of slice.endpoints ?? []) {
      const want = desired.get(ep);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, ep)) endpointUpdated = true;
      desired.delete(ep);
    }
    const { labels, changed: labelsChanged } = sliceLabels(svc, slice.metadata.labels);
    if (endpointUpdated || kept.length !== (slice.endpoints?.length ?? 0)) {
      if (kept.length === 0) {
        toDelete.add(name);
      } else {
        const copy = structuredClone(slice);
        copy.endpoints = kept;
        copy.metadata.labels = labels;
        byName.set(name, copy);
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      const copy = structuredClone(slice);
      copy.metadata.labels = labels;
      byName.set(name, copy);
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }

  // 2. Fill the slices being updated anyway, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((n) => byName.get(n)!);
    slices.sort((a, b) => (b.endpoints?.length ?? 0) - (a.endpoints?.length ?? 0));
    for (const s of slices) {
      s.endpoints ??= [];
      while (desired.size > 0 && s.endpoints.length < max) s.endpoints.push(desired.pop()!);
    }
  }

  // 3. Fit the rest into one unchanged slice if possible, else create new slices.
  const create: EndpointSlice[] = [];
  while (desired.size > 0) {
    let target: EndpointSlice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      const found = sliceToFill([...unchanged].map((n) => byName.get(n)!), desired.size, max);
      if (found) {
        target = structuredClone(found);
        byName.set(found.metadata.name ?? '', target);
      }
    }
    target ??= newSlice(svc, ports, addressType);
    target.endpoints ??= [];
    while (desired.size > 0 && target.endpoints.length < max) target.endpoints.push(desired.pop()!);
    if (target.metadata.name) {
      toUpdate.add(target.metadata.name);
      unchanged.delete(target.metadata.name);
    } else {
      create.push(target);
    }
  }

  return {
    create,
    update: [...toUpdate].map((n) => byName.get(n)!),
    delete: [...toDelete].map((n) => byName.get(n)!),
  };
}

/** placeholderSliceCompare: same namespace, labels, owners, address type, ports and (no) endpoints. */
function isSamePlaceholder(a: EndpointSlice, b: EndpointSlice): boolean {
  return (
    (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '') &&
    stringMapsEqual(a.metadata.labels, b.metadata.labels) &&
    JSON.stringify(a.metadata.ownerReferences ?? []) === JSON.stringify(b.metadata.ownerReferences ?? []) &&
    a.addressType === b.addressType &&
    (a.endpoints?.length ?? 0) === 0 &&
    (b.endpoints?.length ?? 0) === 0 &&
    portMapKey(a.ports) === portMapKey(b.ports)
  );
}

/**
 * The EndpointSlice changes for `svc`. `pods` may be any pods (the Service's namespace and
 * selector pick them); `existingSlices` may be any slices (only those labelled with this
 * Service's name and managed by endpointslice-controller.k8s.io are considered, so slices of
 * other managers are never touched). Services without a selector and ExternalName Services get
 * no changes at all, as in Kubernetes.
 */
export function reconcileEndpointSlices(
  svc: Service,
  pods: readonly Pod[],
  existingSlices: readonly EndpointSlice[],
  opts: ReconcileSlicesOptions = {},
): SliceReconcileResult {
  const result: SliceReconcileResult = { create: [], update: [], delete: [], errors: [] };
  if (svc.spec?.type === 'ExternalName' || !hasSelector(svc)) return result;

  const max = opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
  const svcName = svc.metadata.name ?? '';
  const namespace = svc.metadata.namespace ?? '';
  const addressType = serviceIPFamily(svc);
  const mine = existingSlices
    .filter(
      (s) =>
        s.metadata.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER_NAME &&
        s.metadata.labels?.[LABEL_SERVICE_NAME] === svcName &&
        (s.metadata.namespace ?? '') === namespace,
    )
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));

  // Slices of an address type the Service no longer has are deleted outright.
  const otherFamily = mine.filter((s) => s.addressType !== addressType);
  const existing = mine.filter((s) => s.addressType === addressType);

  let toDelete: EndpointSlice[] = [];
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    if (!ownedBy(s, 'Service', svc.metadata.uid)) {
      toDelete.push(s); // left behind by an older Service of the same name
      continue;
    }
    const key = portMapKey(s.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), s]);
  }

  const desiredByPorts = new Map<string, { ports: EndpointSlicePort[]; set: EndpointSet }>();
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of selectPodsForService(svc, pods)) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const key = portMapKey(ports);
    let desired = desiredByPorts.get(key);
    if (!desired) {
      desired = { ports, set: new EndpointSet() };
      desiredByPorts.set(key, desired);
    }
    let node: Node | undefined;
    if (opts.nodes) {
      const nodeName = pod.spec?.nodeName ?? '';
      node = opts.nodes.get(nodeName);
      if (!node && !publishNotReady) {
        result.errors.push(`skipping Pod ${pod.metadata.name ?? ''} for Service ${namespace}/${svcName}: Node ${nodeName} Not Found`);
        continue;
      }
    }
    const ep = podToEndpoint(pod, node, svc, addressType);
    if (ep.addresses.length > 0) desired.set.insert(ep);
  }

  let toCreate: EndpointSlice[] = [];
  const toUpdate: EndpointSlice[] = [];
  for (const key of [...desiredByPorts.keys()].sort()) {
    const { ports, set } = desiredByPorts.get(key)!;
    const r = reconcilePortMapping(svc, existingByPorts.get(key) ?? [], set, ports, addressType, max);
    pushAll(toCreate, r.create);
    pushAll(toUpdate, r.update);
    pushAll(toDelete, r.delete);
  }
  for (const [key, slices] of existingByPorts) if (!desiredByPorts.has(key)) pushAll(toDelete, slices);

  // Exactly one empty placeholder when no slice would otherwise remain.
  if (existing.length === toDelete.length && toCreate.length === 0) {
    const placeholder = newSlice(svc, [], addressType);
    if (toDelete.length === 1 && isSamePlaceholder(toDelete[0]!, placeholder)) toDelete = [];
    else toCreate.push(placeholder);
  }

  // finalize: turn creates into updates of slices that would otherwise be deleted.
  for (let i = 0; i < toDelete.length && toCreate.length > 0; ) {
    const old = toDelete[i]!;
    const slice = toCreate[toCreate.length - 1]!;
    if (old.addressType === slice.addressType && ownedBy(old, 'Service', svc.metadata.uid)) {
      delete slice.metadata.generateName;
      slice.metadata = { ...slice.metadata, ...identityOf(old) };
      toCreate.pop();
      toUpdate.push(slice);
      toDelete.splice(i, 1);
    } else {
      i++;
    }
  }
  pushAll(toDelete, otherFamily);

  // Don't create slices for a Service being deleted (the garbage collector is removing them).
  if (svc.metadata.deletionTimestamp) toCreate = [];

  const generate = opts.generateName ?? randomNameGenerator();
  for (const s of toCreate) s.metadata.name = generate(s.metadata.generateName ?? sliceNamePrefix(svcName));
  for (const s of [...toCreate, ...toUpdate]) {
    s.endpoints = [...(s.endpoints ?? [])].sort(compareEndpoints);
    setTriggerTimeAnnotation(s, opts.triggerTime);
  }
  result.create = toCreate;
  result.update = toUpdate.sort(byName);
  result.delete = toDelete.sort(byName);
  return result;
}
