/**
 * The pure part of the Kubernetes EndpointSlice mirroring controller
 * (pkg/controller/endpointslicemirroring): Endpoints that users manage by hand, for a Service
 * without a selector, are mirrored into EndpointSlices so that slice consumers (kube-proxy, DNS)
 * see them. One slice per subset (after RepackSubsets), at most `maxEndpointsPerSubset` (1000)
 * addresses each: ready addresses first, the rest are skipped with a warning event, as are
 * addresses that are not valid IPv4. Slices are owned by the Endpoints object and carry its
 * labels and annotations (minus the trigger time and kubectl's last-applied configuration).
 */
import { pushAll, normalizeIPv4, type Endpoint, type EndpointAddress, type EndpointSlice, type EndpointSlicePort, type Endpoints, type OwnerReference, type Service } from '@minimesh/api';
import { EndpointSet, compareEndpoints, compareSlicePorts, endpointsEqualBeyondHash, portMapKey } from './endpoint-set.js';
import { hasSelector } from './pod-endpoint-rules.js';
import { repackSubsets } from './repack-subsets.js';
import { stringMapsEqual, withoutKeys } from './semantic-equal.js';
import { byName, identityOf, type SliceChanges } from './slice-changes.js';
import { randomNameGenerator, sliceNamePrefix, type NameGenerator } from './slice-names.js';
import {
  ANNOTATION_LAST_APPLIED_CONFIG,
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  ANNOTATION_LEADER_ELECTION,
  DEFAULT_MIRRORING_MAX_ENDPOINTS_PER_SUBSET,
  ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LABEL_SKIP_MIRROR,
} from './well-known.js';

export interface MirrorOptions {
  /** --mirroring-max-endpoints-per-subset: 1000 by default. */
  maxEndpointsPerSubset?: number;
  /** Most addresses mirrored from one Endpoints object across its subsets: 1000 by default. */
  maxEndpointsPerObject?: number;
  /** Names for new slices; random `<endpoints>-xxxxx` by default. */
  generateName?: NameGenerator;
}

/** An event the controller records on the Endpoints (reasons InvalidIPAddress, TooManyAddressesToMirror). */
export interface MirrorEvent {
  type: 'Warning';
  reason: 'InvalidIPAddress' | 'TooManyAddressesToMirror';
  message: string;
}

export interface MirrorResult extends SliceChanges {
  events: MirrorEvent[];
}

/** shouldMirror: not labelled skip-mirror "true" and not a leader-election lock. */
export function shouldMirror(endpoints: Endpoints): boolean {
  if (endpoints.metadata.labels?.[LABEL_SKIP_MIRROR] === 'true') return false;
  return endpoints.metadata.annotations?.[ANNOTATION_LEADER_ELECTION] === undefined;
}

/** Slices this controller mirrored for the Endpoints of this namespace and name. */
export function mirroredSlicesFor(namespace: string, name: string, slices: readonly EndpointSlice[]): EndpointSlice[] {
  return slices
    .filter(
      (s) =>
        s.metadata.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME &&
        s.metadata.labels?.[LABEL_SERVICE_NAME] === name &&
        (s.metadata.namespace ?? '') === namespace,
    )
    .sort(byName);
}

function endpointsOwnerReference(endpoints: Endpoints): OwnerReference {
  const m = endpoints.metadata;
  return { apiVersion: 'v1', kind: 'Endpoints', name: m.name ?? '', uid: m.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function mirroredAnnotations(endpoints: Endpoints): Record<string, string> {
  return withoutKeys(endpoints.metadata.annotations, ANNOTATION_LAST_CHANGE_TRIGGER_TIME, ANNOTATION_LAST_APPLIED_CONFIG);
}

/** newEndpointSlice: every label of the Endpoints (service-name and managed-by overridden), its annotations. */
function newMirroredSlice(endpoints: Endpoints, ports: EndpointSlicePort[], name: string | undefined): EndpointSlice {
  const labels: Record<string, string> = { ...(endpoints.metadata.labels ?? {}) };
  labels[LABEL_SERVICE_NAME] = endpoints.metadata.name ?? '';
  labels[LABEL_MANAGED_BY] = ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME;
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: endpoints.metadata.namespace,
      labels,
      ownerReferences: [endpointsOwnerReference(endpoints)],
    },
    addressType: 'IPv4',
    endpoints: [],
    ports: structuredClone(ports),
  };
  const annotations = mirroredAnnotations(endpoints);
  if (Object.keys(annotations).length > 0) slice.metadata.annotations = annotations;
  if (name) slice.metadata.name = name;
  else slice.metadata.generateName = sliceNamePrefix(endpoints.metadata.name ?? '');
  return slice;
}

/** addressToEndpoint; undefined when the address is not a valid IPv4 address. */
function addressToEndpoint(address: EndpointAddress, ready: boolean): Endpoint | undefined {
  const ip = normalizeIPv4(address.ip);
  if (ip === undefined) return undefined;
  const ep: Endpoint = { addresses: [ip], conditions: { ready } };
  if (address.hostname) ep.hostname = address.hostname;
  if (address.targetRef) ep.targetRef = structuredClone(address.targetRef);
  if (address.nodeName) ep.nodeName = address.nodeName;
  return ep;
}

interface Desired {
  ports: EndpointSlicePort[];
  set: EndpointSet;
}

/** The mirroring reconciler's decision for one set of ports. */
function reconcilePortMapping(endpoints: Endpoints, existing: EndpointSlice[], desired: Desired, max: number): SliceChanges {
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  if (desired.set.size === 0) {
    changes.delete = existing;
    return changes;
  }
  const first = existing[0];
  if (first) {
    changes.delete = existing.slice(1);
    const wanted = desired.set;
    let matches = 0;
    let changed = false;
    for (const ep of first.endpoints ?? []) {
      const want = wanted.get(ep);
      if (!want) changed = true;
      else {
        matches++;
        if (!endpointsEqualBeyondHash(want, ep)) changed = true;
      }
    }
    if (wanted.size !== matches) changed = true;
    const labels = withoutKeys(first.metadata.labels, LABEL_MANAGED_BY, LABEL_SERVICE_NAME);
    if (
      !changed &&
      stringMapsEqual(endpoints.metadata.labels, labels) &&
      stringMapsEqual(mirroredAnnotations(endpoints), first.metadata.annotations)
    ) {
      return changes; // the first slice already mirrors this subset
    }
  }
  const slice = newMirroredSlice(endpoints, desired.ports, first?.metadata.name);
  if (first) slice.metadata = { ...slice.metadata, ...identityOf(first) };
  while (desired.set.size > 0 && slice.endpoints!.length < max) slice.endpoints!.push(desired.set.pop()!);
  (first ? changes.update : changes.create).push(slice);
  return changes;
}

/**
 * The slice changes for one Endpoints object. `svc` is the Service of the same name (undefined
 * when there is none). Mirroring happens only when that Service exists without a selector and
 * the Endpoints may be mirrored (shouldMirror); otherwise every slice this controller mirrored
 * for it is deleted. `existingSlices` may be any slices: only this controller's slices for this
 * Endpoints are considered, so slices of other managers are never touched.
 */
export function mirrorEndpoints(
  endpoints: Endpoints,
  svc: Service | undefined,
  existingSlices: readonly EndpointSlice[],
  opts: MirrorOptions = {},
): MirrorResult {
  const name = endpoints.metadata.name ?? '';
  const mine = mirroredSlicesFor(endpoints.metadata.namespace ?? '', name, existingSlices);
  const result: MirrorResult = { create: [], update: [], delete: [], events: [] };
  if (!shouldMirror(endpoints) || !svc || hasSelector(svc)) {
    result.delete = mine;
    return result;
  }

  const max = opts.maxEndpointsPerSubset ?? DEFAULT_MIRRORING_MAX_ENDPOINTS_PER_SUBSET;
  const maxTotal = opts.maxEndpointsPerObject ?? DEFAULT_MIRRORING_MAX_ENDPOINTS_PER_SUBSET;
  const desiredByKey = new Map<string, Desired>();
  let invalid = 0;
  let skipped = 0;
  let mirrored = 0;
  for (const subset of repackSubsets(endpoints.subsets ?? [])) {
    const ports = (subset.ports ?? [])
      .map((p) => {
        const sp: EndpointSlicePort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
        if (p.appProtocol !== undefined) sp.appProtocol = p.appProtocol;
        return sp;
      })
      .sort(compareSlicePorts);
    const key = portMapKey(ports);
    let desired = desiredByKey.get(key);
    if (!desired) {
      desired = { ports, set: new EndpointSet() };
      desiredByKey.set(key, desired);
    }
    const total = (subset.addresses?.length ?? 0) + (subset.notReadyAddresses?.length ?? 0);
    let added = 0;
    const candidates: [EndpointAddress, boolean][] = [
      ...(subset.addresses ?? []).map((a): [EndpointAddress, boolean] => [a, true]),
      ...(subset.notReadyAddresses ?? []).map((a): [EndpointAddress, boolean] => [a, false]),
    ];
    for (const [address, ready] of candidates) {
      if (added >= max || mirrored >= maxTotal) break;
      const ep = addressToEndpoint(address, ready);
      if (ep) {
        desired.set.insert(ep);
        added++;
        mirrored++;
      } else {
        invalid++;
      }
    }
    skipped += total - added;
  }
  if (invalid > 0) {
    result.events.push({ type: 'Warning', reason: 'InvalidIPAddress', message: `Skipped ${invalid} invalid IP addresses when mirroring to EndpointSlices` });
  }
  if (skipped > invalid) {
    result.events.push({
      type: 'Warning',
      reason: 'TooManyAddressesToMirror',
      message: `A max of ${max} addresses can be mirrored to EndpointSlices per Endpoints subset, and ${maxTotal} per Endpoints object. ${skipped - invalid} addresses were skipped`,
    });
  }

  const existingByKey = new Map<string, EndpointSlice[]>();
  for (const s of mine) {
    // Only IPv4 is mirrored: slices of another address type are never desired.
    const key = s.addressType === 'IPv4' ? portMapKey(s.ports) : `${s.addressType}/${portMapKey(s.ports)}`;
    existingByKey.set(key, [...(existingByKey.get(key) ?? []), s]);
  }

  let toCreate: EndpointSlice[] = [];
  const toUpdate: EndpointSlice[] = [];
  const toDelete: EndpointSlice[] = [];
  for (const key of [...desiredByKey.keys()].sort()) {
    const r = reconcilePortMapping(endpoints, existingByKey.get(key) ?? [], desiredByKey.get(key)!, max);
    pushAll(toCreate, r.create);
    pushAll(toUpdate, r.update);
    pushAll(toDelete, r.delete);
  }
  for (const [key, slices] of existingByKey) if (!desiredByKey.has(key)) pushAll(toDelete, slices);

  // recycleSlices: creates take over the names of slices that would be deleted (same address type).
  for (let i = 0; i < toCreate.length; ) {
    const j = toDelete.findIndex((d) => d.addressType === toCreate[i]!.addressType);
    if (j < 0) {
      i++;
      continue;
    }
    const [old] = toDelete.splice(j, 1);
    const [slice] = toCreate.splice(i, 1);
    delete slice!.metadata.generateName;
    slice!.metadata = { ...slice!.metadata, ...identityOf(old!) };
    toUpdate.push(slice!);
  }

  if (endpoints.metadata.deletionTimestamp) toCreate = [];
  const generate = opts.generateName ?? randomNameGenerator();
  for (const s of toCreate) s.metadata.name = generate(s.metadata.generateName ?? sliceNamePrefix(name));
  for (const s of [...toCreate, ...toUpdate]) s.endpoints = [...(s.endpoints ?? [])].sort(compareEndpoints);
  result.create = toCreate;
  result.update = toUpdate.sort(byName);
  result.delete = toDelete.sort(byName);
  return result;
}
