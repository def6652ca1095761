/**
 * Which UDP conntrack entries a sync made stale (kube-proxy ≤ v1.31's event-based cleanup, run
 * after the rules are in place). UDP has no connection to close: without this, a client keeps
 * hitting a deleted endpoint (issue #19029), or keeps a "no endpoint" entry after the service
 * got its first endpoint (issue #48370).
 *  - a UDP service port went from 0 to >0 serving endpoints: flush entries to its ClusterIP,
 *    externalIPs and LoadBalancer IPs, and to its NodePort;
 *  - a serving endpoint of a UDP service port went away: flush entries to each service IP that
 *    were DNATed to that endpoint, and NodePort entries DNATed to it;
 *  - a UDP service port was deleted: flush entries to its ClusterIP.
 */
import type { EndpointsMapUpdate, ServiceMapUpdate } from './change-trackers.js';
import type { ServicePortMap } from './service-port.js';

export interface ConntrackCleanup {
  /** ClearEntriesForIP(ip, UDP): original destination is the IP. */
  readonly serviceIPs: readonly string[];
  /** ClearEntriesForPort(port, UDP): original destination port is the NodePort. */
  readonly nodePorts: readonly number[];
  /** ClearEntriesForNAT(origDst, endpointIP, UDP): to origDst, DNATed to endpointIP. */
  readonly natEntries: readonly { readonly origDst: string; readonly endpointIP: string }[];
  /** ClearEntriesForPortNAT(endpointIP, nodePort, UDP): to the NodePort, DNATed to endpointIP. */
  readonly nodePortNatEntries: readonly { readonly nodePort: number; readonly endpointIP: string }[];
}

export function staleUdpConntrack(
  services: ServicePortMap,
  serviceUpdate: Pick<ServiceMapUpdate, 'deletedUdpClusterIPs'> | undefined,
  endpointsUpdate: Pick<EndpointsMapUpdate, 'deletedUdpEndpoints' | 'newlyActiveUdpServices'>,
): ConntrackCleanup {
  const serviceIPs = new Set<string>(serviceUpdate?.deletedUdpClusterIPs ?? []);
  const nodePorts = new Set<number>();
  for (const key of endpointsUpdate.newlyActiveUdpServices) {
    const svc = services.get(key);
    if (svc === undefined) continue;
    for (const ip of [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerVIPs]) serviceIPs.add(ip);
    if (svc.protocol === 'UDP' && svc.nodePort !== 0) nodePorts.add(svc.nodePort);
  }
  const natEntries: { origDst: string; endpointIP: string }[] = [];
  const nodePortNatEntries: { nodePort: number; endpointIP: string }[] = [];
  for (const stale of endpointsUpdate.deletedUdpEndpoints) {
    const svc = services.get(stale.servicePortKey);
    if (svc === undefined) continue;
    if (svc.nodePort !== 0) nodePortNatEntries.push({ nodePort: svc.nodePort, endpointIP: stale.ip });
    for (const ip of [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerVIPs]) natEntries.push({ origDst: ip, endpointIP: stale.ip });
  }
  return { serviceIPs: [...serviceIPs], nodePorts: [...nodePorts], natEntries, nodePortNatEntries };
}
