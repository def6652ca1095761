/**
 * What the proxy load balancer forwards (a passthrough network load balancer, as a cloud provides
 * one for `ipMode: VIP`): each address the controller assigned, on each port of its Services, to
 * the nodes whose health check passes. A node's check is the node agent's own: kube-proxy's
 * /healthz on 10256 for externalTrafficPolicy Cluster, and for Local the Service's
 * healthCheckNodePort, which answers 200 only where a ready endpoint is local. Packets keep their
 * addresses: the node agents' LoadBalancer rules take them to the pods, so with Local the pod sees
 * the client's address. Pure.
 */
import type { Node, Service } from '@minimesh/api';
import { readServiceDemand, statusIP } from '../controller/service-request.js';
import { LABEL_EXCLUDE_FROM_LB, nodeReady } from '../speaker/l2-election.js';

/** kube-proxy's node-level health port. */
export const NODE_HEALTHZ_PORT = 10256;

export interface ForwardedPort {
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port: number;
}

export interface ForwardedAddress {
  readonly ip: string;
  readonly ports: readonly ForwardedPort[];
  /** The health check URL of each candidate node, by node IP. */
  readonly checks: ReadonlyMap<string, string>;
}

export function nodeIP(n: Node): string | undefined {
  return n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** The health check of a node for one Service. */
export function healthCheckURL(svc: Service, ip: string): string {
  const hc = svc.spec?.externalTrafficPolicy === 'Local' ? svc.spec.healthCheckNodePort : undefined;
  return hc ? `http://${ip}:${hc}/` : `http://${ip}:${NODE_HEALTHZ_PORT}/healthz`;
}

/** Every assigned address of the Services this load balancer serves, with ports and node checks. */
export function forwardingPlan(services: readonly Service[], nodes: readonly Node[], lbClass: string | undefined): ForwardedAddress[] {
  const eligible = nodes.filter((n) => nodeReady(n) && n.metadata.labels?.[LABEL_EXCLUDE_FROM_LB] === undefined && nodeIP(n));
  const byIP = new Map<string, { ports: ForwardedPort[]; checks: Map<string, string> }>();
  for (const svc of [...services].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))) {
    if (readServiceDemand(svc, {}, lbClass).kind !== 'allocate') continue;
    const ip = statusIP(svc);
    if (!ip) continue;
    let entry = byIP.get(ip);
    // Services sharing an address share one node set: the first one's checks (sharing with
    // externalTrafficPolicy Local requires the same selector, hence the same local endpoints).
    if (!entry) byIP.set(ip, (entry = { ports: [], checks: new Map(eligible.map((n) => [nodeIP(n)!, healthCheckURL(svc, nodeIP(n)!)])) }));
    for (const p of svc.spec?.ports ?? []) entry.ports.push({ protocol: (p.protocol ?? 'TCP') as ForwardedPort['protocol'], port: p.port });
  }
  return [...byIP].map(([ip, e]) => ({ ip, ports: e.ports, checks: e.checks })).sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }));
}
