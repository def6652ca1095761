/**
 * What the userspace proxy serves for each Service port: the endpoints of its internal traffic
 * (ClusterIP) and of its external traffic (NodePort, externalIPs, load-balancer IPs), chosen as
 * the other modes choose them (CategorizeEndpoints: Ready ones, else serving-terminating ones; the
 * node's own with a Local traffic policy). When both sets are the same, one proxy port serves
 * both; when they differ, external traffic gets a port of its own. Pure.
 *
 * SCTP ports are left out: the userspace proxy speaks TCP and UDP (as kube-proxy's did).
 */
import { categorizeEndpoints } from '../categorize-endpoints.js';
import type { EndpointInfo, EndpointsMap } from '../endpoint-info.js';
import type { RenderNode } from '../render-options.js';
import { compareServicePorts, externallyAccessible, type ServicePortInfo, type ServicePortMap } from '../service-port.js';

export interface UserspaceBackend {
  readonly service: ServicePortInfo;
  readonly protocol: 'TCP' | 'UDP';
  /** Endpoints for traffic to the ClusterIP. */
  readonly internal: readonly EndpointInfo[];
  /** Endpoints for traffic from outside (NodePort, externalIPs, LB IPs); undefined: the same as internal. */
  readonly external?: readonly EndpointInfo[];
  /** Usable endpoints exist somewhere in the cluster (without any, the Service refuses; with none here, a Local policy drops). */
  readonly hasAnyEndpoints: boolean;
}

const sameEndpoints = (a: readonly EndpointInfo[], b: readonly EndpointInfo[]) => a.length === b.length && a.every((e, i) => e.endpoint === b[i]!.endpoint);

/** One backend per TCP or UDP service port, in the service ports' order; `skipped` names the others. */
export function userspaceBackends(services: ServicePortMap, endpoints: EndpointsMap, node: RenderNode): { backends: UserspaceBackend[]; skipped: string[] } {
  const backends: UserspaceBackend[] = [];
  const skipped: string[] = [];
  for (const svc of [...services.values()].sort(compareServicePorts)) {
    if (svc.protocol === 'SCTP') {
      skipped.push(svc.key);
      continue;
    }
    const { clusterEndpoints, localEndpoints, hasAnyEndpoints } = categorizeEndpoints(endpoints.get(svc.key) ?? [], svc, { nodeName: node.name, zone: node.zone });
    const internal = svc.internalPolicyLocal ? localEndpoints : clusterEndpoints;
    const wantsExternal = externallyAccessible(svc);
    const external = wantsExternal ? (svc.externalPolicyLocal ? localEndpoints : clusterEndpoints) : internal;
    backends.push({ service: svc, protocol: svc.protocol, internal, ...(sameEndpoints(internal, external) ? {} : { external }), hasAnyEndpoints });
  }
  return { backends, skipped };
}
