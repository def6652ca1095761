/**
 * Small questions about a Service that the apiserver, the validation, the controllers and the node
 * agent all ask, answered as Kubernetes' pkg/api/v1/service/util.go, pkg/apis/core/helper
 * (IsServiceIPSet) and the service registry answer them. They read the object defensively (any
 * field may be missing), so validation can ask them of objects it has not validated yet.
 */
import type { Service } from '../types/core.js';
import { list, rec, str } from '../validation/json-access.js';

function spec(svc: Service): Record<string, unknown> {
  return rec(rec(svc).spec);
}

/** The type as stored; absent reads as '' (defaulting makes it ClusterIP). */
function typeOf(svc: Service): string {
  return str(spec(svc).type);
}

/**
 * Headless: `clusterIPs` is exactly ["None"] (before normalization, when clusterIPs is absent,
 * `clusterIP: None`).
 */
export function isHeadlessService(svc: Service): boolean {
  const s = spec(svc);
  const ips = list(s.clusterIPs);
  if (ips.length > 0) return ips.length === 1 && ips[0] === 'None';
  return s.clusterIP === 'None';
}

/** Every type but ExternalName has a clusterIP (or "None"). */
export function serviceNeedsClusterIP(svc: Service): boolean {
  return typeOf(svc) !== 'ExternalName';
}

/** The type is NodePort or LoadBalancer: the types whose ports may carry nodePorts. */
export function serviceTypeHasNodePorts(svc: Service): boolean {
  const t = typeOf(svc);
  return t === 'NodePort' || t === 'LoadBalancer';
}

/** NodePorts are allocated: NodePort, or LoadBalancer unless allocateLoadBalancerNodePorts is false. */
export function serviceNeedsNodePorts(svc: Service): boolean {
  const t = typeOf(svc);
  if (t === 'NodePort') return true;
  return t === 'LoadBalancer' && spec(svc).allocateLoadBalancerNodePorts !== false;
}

/** ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with externalIPs. */
export function isExternallyAccessible(svc: Service): boolean {
  const t = typeOf(svc);
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && list(spec(svc).externalIPs).length > 0);
}

/** RequestsOnlyLocalTraffic: NodePort or LoadBalancer with externalTrafficPolicy Local. */
export function requestsOnlyLocalTraffic(svc: Service): boolean {
  return serviceTypeHasNodePorts(svc) && spec(svc).externalTrafficPolicy === 'Local';
}

/** NeedsHealthCheck: LoadBalancer with externalTrafficPolicy Local (it gets a healthCheckNodePort). */
export function needsHealthCheck(svc: Service): boolean {
  return typeOf(svc) === 'LoadBalancer' && requestsOnlyLocalTraffic(svc);
}

/** helper.IsServiceIPSet: the Service has a cluster IP (not headless, not unset). */
export function isServiceIPSet(svc: Service): boolean {
  const ip = spec(svc).clusterIP;
  return typeof ip === 'string' && ip !== '' && ip !== 'None';
}
