/**
 * What the socket load balancer (ebpf mode) holds for one service port on this node, as a pure
 * function of the port and its endpoints: the frontends (ClusterIP, externalIPs, LoadBalancer IPs;
 * the addresses a connect() on this node is rewritten from) and the backends they choose from.
 *
 * kube-proxy's choices, carried over: the ClusterIP uses the internal traffic policy's endpoints
 * (Local: this node's only); externalIPs and LoadBalancer IPs reached from inside the node use the
 * Cluster endpoints whatever the external policy (kube-proxy short-circuits pod and node traffic to
 * them to the cluster chain); ready endpoints first, serving-and-terminating ones when none is
 * ready (categorizeEndpoints). No endpoint at all: the connect() is refused (kube-proxy's REJECT);
 * internal policy Local with endpoints only elsewhere: it fails as kube-proxy's DROP would.
 *
 * Given the node's addresses for north-south traffic (the tc programs are attached), the same port
 * also has north-south frontends: its NodePort on each of those addresses, its externalIPs and
 * LoadBalancer IPs (the latter not when loadBalancerSourceRanges limit them: nftables keeps those,
 * with kube-proxy's firewall rules). They use the external traffic policy's endpoints: Cluster's,
 * or with Local this node's only (the client's address kept; none here but some elsewhere: dropped).
 */
import { categorizeEndpoints, type TopologyOptions } from '../categorize-endpoints.js';
import type { EndpointInfo } from '../endpoint-info.js';
import type { ProxyProtocol, ServicePortInfo } from '../service-port.js';

export interface SockLbFrontend {
  readonly ip: string;
  readonly port: number;
  readonly protocol: ProxyProtocol;
  /**
   * Which backends it chooses from: the ClusterIP's (internal), the Cluster policy's (external), or
   * this node's for externalTrafficPolicy Local (local, north-south only).
   */
  readonly uses: 'internal' | 'external' | 'local';
  /** A north-south frontend (looked up by the tc programs). */
  readonly northSouth?: boolean;
  /** ClientIP affinity's timeout in seconds; 0 without affinity. */
  readonly affinitySeconds: number;
}

export interface SockLbBackendSet {
  /** Sorted by `endpoint`. */
  readonly backends: readonly EndpointInfo[];
  /** No backend here, but some elsewhere (internal policy Local): fail as a drop, not a refusal. */
  readonly drop: boolean;
}

export interface SockLbServicePort {
  readonly frontends: readonly SockLbFrontend[];
  readonly internal: SockLbBackendSet;
  /** Set when the external addresses use other backends than the ClusterIP (internal policy Local). */
  readonly external?: SockLbBackendSet;
  /** Set when north-south frontends use this node's endpoints only (external policy Local). */
  readonly local?: SockLbBackendSet;
}

export function sockLbServicePort(sp: ServicePortInfo, endpoints: readonly EndpointInfo[], node: TopologyOptions, northSouthAddresses?: readonly string[]): SockLbServicePort {
  const cat = categorizeEndpoints(endpoints, sp, node);
  const affinitySeconds = sp.sessionAffinityClientIP ? sp.stickyMaxAgeSeconds : 0;
  const frontends: SockLbFrontend[] = [{ ip: sp.clusterIP, port: sp.port, protocol: sp.protocol, uses: 'internal', affinitySeconds }];
  const externals = sp.externalIPs.length + sp.loadBalancerVIPs.length;
  if (externals > 0) {
    for (const ip of new Set([...sp.externalIPs, ...sp.loadBalancerVIPs])) {
      if (ip !== sp.clusterIP) frontends.push({ ip, port: sp.port, protocol: sp.protocol, uses: 'external', affinitySeconds });
    }
  }
  if (northSouthAddresses !== undefined) pushNorthSouth(frontends, sp, northSouthAddresses, affinitySeconds);
  const cluster: SockLbBackendSet = { backends: cat.clusterEndpoints, drop: false };
  const usesExternal = frontends.some((f) => f.uses === 'external');
  const local: SockLbBackendSet | undefined = frontends.some((f) => f.uses === 'local') ? { backends: cat.localEndpoints, drop: cat.localEndpoints.length === 0 && cat.hasAnyEndpoints } : undefined;
  if (!sp.internalPolicyLocal) return local ? { frontends, internal: cluster, local } : { frontends, internal: cluster };
  const internal: SockLbBackendSet = { backends: cat.localEndpoints, drop: cat.localEndpoints.length === 0 && cat.hasAnyEndpoints };
  return { frontends, internal, ...(usesExternal ? { external: cluster } : {}), ...(local ? { local } : {}) };
}

/** The north-south frontends of a service port (see above); IPv4 only, as the tc programs. */
function pushNorthSouth(frontends: SockLbFrontend[], sp: ServicePortInfo, nodeAddresses: readonly string[], affinitySeconds: number): void {
  const uses = sp.externalPolicyLocal ? 'local' : 'external';
  const seen = new Set<string>();
  const add = (ip: string, port: number) => {
    const key = `${ip}:${port}`;
    if (seen.has(key) || ip.includes(':')) return;
    seen.add(key);
    frontends.push({ ip, port, protocol: sp.protocol, uses, affinitySeconds, northSouth: true });
  };
  if (sp.nodePort > 0) for (const ip of nodeAddresses) add(ip, sp.nodePort);
  for (const ip of sp.externalIPs) add(ip, sp.port);
  if (sp.loadBalancerSourceRanges.length === 0) for (const ip of sp.loadBalancerVIPs) add(ip, sp.port);
}
