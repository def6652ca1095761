/**
 * What the Kubernetes endpoints controller (pkg/controller/endpoint/endpoints_controller.go,
 * syncService) writes for a Service: the v1 Endpoints object, in canonical form, with its labels
 * and annotations. `endpointsEqual` is the controller's "is there actually an update" check.
 */
import { isPodReady, isServiceIPSet, type EndpointAddress, type EndpointPort, type EndpointSubset, type Endpoints, type ObjectMeta, type Pod, type Service } from '@minimesh/api';
import {
  findPort,
  hasSelector,
  podIPForService,
  podReference,
  selectPodsForService,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './pod-endpoint-rules.js';
import { repackSubsets } from './repack-subsets.js';
import { semanticEqual, stringMapsEqual, withoutKeys } from './semantic-equal.js';
import { formatRFC3339Nano } from './trigger-time-tracker.js';
import {
  ANNOTATION_LAST_CHANGE_TRIGGER_TIME,
  ANNOTATION_OVER_CAPACITY,
  ENDPOINTS_CONTROLLER_NAME,
  LABEL_ENDPOINTS_MANAGED_BY,
  LABEL_HEADLESS_SERVICE,
  MAX_ENDPOINTS_CAPACITY,
  OVER_CAPACITY_TRUNCATED,
} from './well-known.js';

export interface ComputeEndpointsOptions {
  /** From TriggerTimeTracker.compute; absent removes the last-change-trigger-time annotation. */
  triggerTime?: Date;
  /**
   * The Endpoints as it is now, if any. Like Kubernetes (which deep-copies the current object),
   * its metadata (resourceVersion, uid, foreign annotations) is carried into the result, so the
   * result can be written as an update.
   */
  existing?: Endpoints;
  /** Addresses kept before truncation; 1000 (maxCapacity) unless a test says otherwise. */
  maxCapacity?: number;
}

/** podToEndpointAddressForService plus the hostname rule; undefined when the pod has no IP of the family. */
function podToEndpointAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  const ip = podIPForService(pod, svc);
  if (ip === undefined) return undefined;
  const address: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) address.hostname = pod.spec!.hostname!;
  if (pod.spec?.nodeName !== undefined) address.nodeName = pod.spec.nodeName;
  address.targetRef = podReference(pod);
  return address;
}

/** The per-pod, per-port subsets before RepackSubsets (addEndpointSubset). */
function rawSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const servicePorts = svc.spec?.ports ?? [];
  const subsets: EndpointSubset[] = [];

  const add = (pod: Pod, address: EndpointAddress, port: EndpointPort | undefined): void => {
    const subset: EndpointSubset = publishNotReady || isPodReady(pod) ? { addresses: [address] } : { notReadyAddresses: [address] };
    if (port) subset.ports = [port];
    subsets.push(subset);
  };

  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = podToEndpointAddress(svc, pod);
    if (!address) continue;
    if (servicePorts.length === 0) {
      // Headless Services may have no ports: publish the addresses alone.
      if (svc.spec?.clusterIP === 'None') add(pod, address, undefined);
      continue;
    }
    for (const sp of servicePorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue; // "no suitable port for manifest": skip this port only
      const ep: EndpointPort = sp.name ? { name: sp.name, port, protocol: sp.protocol ?? 'TCP' } : { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol !== undefined) ep.appProtocol = sp.appProtocol;
      add(pod, address, ep);
    }
  }
  return subsets;
}

function countAddresses(subsets: readonly EndpointSubset[]): { ready: number; notReady: number } {
  let ready = 0;
  let notReady = 0;
  for (const s of subsets) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  return { ready, notReady };
}

/**
 * truncateEndpoints: keep at most `max` addresses, ready ones first, spread over the subsets in
 * proportion to their size (rounded up, so the last subsets may get fewer). Returns true when
 * something was cut. Modifies the subsets in place.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_ENDPOINTS_CAPACITY): boolean {
  const { ready: totalReady, notReady: totalNotReady } = countAddresses(subsets);
  if (totalReady + totalNotReady <= max) return false;

  const truncateReady = totalReady > max;
  const budget = truncateReady ? max : max - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = budget;

  for (const subset of subsets) {
    const inSubset = truncateReady ? (subset.addresses?.length ?? 0) : (subset.notReadyAddresses?.length ?? 0);
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * budget), canBeAdded);
    if (truncateReady) {
      if (subset.addresses) subset.addresses = subset.addresses.slice(0, toBeAdded);
      delete subset.notReadyAddresses;
      canBeAdded -= subset.addresses?.length ?? 0;
    } else {
      if (subset.notReadyAddresses) subset.notReadyAddresses = subset.notReadyAddresses.slice(0, toBeAdded);
      canBeAdded -= subset.notReadyAddresses?.length ?? 0;
    }
    if (subset.addresses?.length === 0) delete subset.addresses;
    if (subset.notReadyAddresses?.length === 0) delete subset.notReadyAddresses;
  }
  return true;
}

/**
 * The Endpoints the endpoints controller writes for `svc`, or null when it writes none: the
 * Service has no selector (absent or empty: its Endpoints are the user's) or is ExternalName.
 * `pods` may be any pods: those in the Service's namespace matching its selector are used.
 */
export function computeEndpoints(svc: Service, pods: readonly Pod[], opts: ComputeEndpointsOptions = {}): Endpoints | null {
  if (svc.spec?.type === 'ExternalName') return null;
  if (!hasSelector(svc)) return null;

  const subsets = repackSubsets(rawSubsets(svc, selectPodsForService(svc, pods)));

  const metadata: ObjectMeta = opts.existing
    ? structuredClone(opts.existing.metadata)
    : { name: svc.metadata.name, namespace: svc.metadata.namespace };
  metadata.name = svc.metadata.name;
  metadata.namespace = svc.metadata.namespace;

  const annotations: Record<string, string> = { ...(metadata.annotations ?? {}) };
  if (opts.triggerTime) annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(opts.triggerTime);
  else delete annotations[ANNOTATION_LAST_CHANGE_TRIGGER_TIME];
  if (truncateSubsets(subsets, opts.maxCapacity ?? MAX_ENDPOINTS_CAPACITY)) annotations[ANNOTATION_OVER_CAPACITY] = OVER_CAPACITY_TRUNCATED;
  else delete annotations[ANNOTATION_OVER_CAPACITY];
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;

  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isServiceIPSet(svc)) delete labels[LABEL_HEADLESS_SERVICE];
  else labels[LABEL_HEADLESS_SERVICE] = '';
  labels[LABEL_ENDPOINTS_MANAGED_BY] = ENDPOINTS_CONTROLLER_NAME;
  metadata.labels = labels;

  const endpoints: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata };
  if (subsets.length > 0) endpoints.subsets = subsets;
  return endpoints;
}

/** Subsets with targetRef.resourceVersion dropped (pod updates that do not matter must not cause writes). */
function withoutTargetRefVersions(subsets: readonly EndpointSubset[] | undefined): EndpointSubset[] {
  const strip = (a: EndpointAddress): EndpointAddress =>
    a.targetRef ? { ...a, targetRef: { ...a.targetRef, resourceVersion: undefined } } : a;
  return (subsets ?? []).map((s) => ({
    ...s,
    addresses: s.addresses?.map(strip),
    notReadyAddresses: s.notReadyAddresses?.map(strip),
  }));
}

/**
 * True when writing `desired` over `current` would change nothing the endpoints controller
 * cares about: the subsets (ignoring targetRef.resourceVersion), the labels (ignoring
 * `service.kubernetes.io/headless`, as Kubernetes does) and the over-capacity annotation.
 * Identity and bookkeeping (resourceVersion, uid, creationTimestamp) and the trigger-time
 * annotation are not compared: a trigger time alone never causes a write.
 */
export function endpointsEqual(current: Endpoints, desired: Endpoints): boolean {
  if (!semanticEqual(withoutTargetRefVersions(current.subsets), withoutTargetRefVersions(desired.subsets))) return false;
  const labelsA = withoutKeys(current.metadata.labels, LABEL_HEADLESS_SERVICE);
  const labelsB = withoutKeys(desired.metadata.labels, LABEL_HEADLESS_SERVICE);
  if (!stringMapsEqual(labelsA, labelsB)) return false;
  return current.metadata.annotations?.[ANNOTATION_OVER_CAPACITY] === desired.metadata.annotations?.[ANNOTATION_OVER_CAPACITY];
}
