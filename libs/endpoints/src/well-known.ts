/**
 * The label and annotation keys, controller names and limits the Kubernetes endpoints,
 * EndpointSlice and EndpointSlice-mirroring controllers use, spelled exactly as Kubernetes does.
 */
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR } from '@minimesh/api';

export { LABEL_MANAGED_BY, LABEL_SERVICE_NAME, LABEL_SKIP_MIRROR };

/** v1.IsHeadlessService: set (value "") on Endpoints and EndpointSlices of a Service without a cluster IP. */
export const LABEL_HEADLESS_SERVICE = 'service.kubernetes.io/headless';

/** endpoint.LabelManagedBy: marks Endpoints written by the endpoints controller. */
export const LABEL_ENDPOINTS_MANAGED_BY = 'endpoints.kubernetes.io/managed-by';
/** endpoint.ControllerName: the value of LABEL_ENDPOINTS_MANAGED_BY. */
export const ENDPOINTS_CONTROLLER_NAME = 'endpoint-controller';

/** The LABEL_MANAGED_BY value of slices the EndpointSlice controller owns. */
export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** The LABEL_MANAGED_BY value of slices the EndpointSlice mirroring controller owns. */
export const ENDPOINTSLICE_MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';

/** v1.EndpointsLastChangeTriggerTime (network programming latency SLI). */
export const ANNOTATION_LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** v1.EndpointsOverCapacity, set to "truncated" when an Endpoints had more than 1000 addresses. */
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
export const OVER_CAPACITY_TRUNCATED = 'truncated';

/** kubectl's last-applied-configuration: never mirrored into EndpointSlices. */
export const ANNOTATION_LAST_APPLIED_CONFIG = 'kubectl.kubernetes.io/last-applied-configuration';
/** resourcelock.LeaderElectionRecordAnnotationKey: Endpoints carrying it are leader-election locks, never mirrored. */
export const ANNOTATION_LEADER_ELECTION = 'control-plane.alpha.kubernetes.io/leader';

/** v1.LabelTopologyZone, read from the Node into each slice endpoint's `zone`. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** endpoint.maxCapacity: addresses kept in one Endpoints object. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** --max-endpoints-per-slice default (allowed 1..1000). */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;
/** --mirroring-max-endpoints-per-subset default (allowed 1..1000). */
export const DEFAULT_MIRRORING_MAX_ENDPOINTS_PER_SUBSET = 1000;
