export * from './well-known.js';
export { serviceIPFamily } from './ip-family.js';
export {
  findPort,
  hasSelector,
  podIPForService,
  podReference,
  selectPodsForService,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './pod-endpoint-rules.js';
export { compareEndpointAddresses, compareEndpointPorts, repackSubsets, sortSubsets } from './repack-subsets.js';
export { computeEndpoints, endpointsEqual, truncateSubsets, type ComputeEndpointsOptions } from './compute-endpoints.js';
export { formatRFC3339Nano, TriggerTimeTracker } from './trigger-time-tracker.js';
export { ObservedTimes } from './observed-times.js';
export { compareEndpoints, endpointKey, endpointsEqualBeyondHash, portMapKey } from './endpoint-set.js';
export { randomNameGenerator, sliceNamePrefix, type NameGenerator } from './slice-names.js';
export type { SliceChanges } from './slice-changes.js';
export { podToEndpoint, reconcileEndpointSlices, type ReconcileSlicesOptions, type SliceReconcileResult } from './compute-slices.js';
export { mirrorEndpoints, mirroredSlicesFor, shouldMirror, type MirrorEvent, type MirrorOptions, type MirrorResult } from './mirror-slices.js';
export { podEndpointsChanged, servicesSelectingPod, servicesToSyncForPodChange, type PodChange } from './pod-changes.js';
