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
 */
import { categorizeEndpoints, type TopologyOptions } from '../categorize-endpoints.js';
import type { EndpointInfo } from '../endpoint-info.js';
import type { ProxyProtocol, ServicePortInfo } from '../service-port.js';

export interface SockLbFrontend {
  readonly ip: string;
  readonly port: number;
  readonly protocol: ProxyProtocol;
  /** Which backends it chooses from: the ClusterIP's (internal) or the external addresses'. */
  readonly uses: 'internal' | 'external';
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
}

export function sockLbServicePort(sp: ServicePortInfo, endpoints: readonly EndpointInfo[], node: TopologyOptions): SockLbServicePort {
  const cat = categorizeEndpoints(endpoints, sp, node);
  const affinitySeconds = sp.sessionAffinityClientIP ? sp.stickyMaxAgeSeconds : 0;
  const frontends: SockLbFrontend[] = [{ ip: sp.clusterIP, port: sp.port, protocol: sp.protocol, uses: 'internal', affinitySeconds }];
  const externals = sp.externalIPs.length + sp.loadBalancerVIPs.length;
  if (externals > 0) {
    for (const ip of new Set([...sp.externalIPs, ...sp.loadBalancerVIPs])) {
      if (ip !== sp.clusterIP) frontends.push({ ip, port: sp.port, protocol: sp.protocol, uses: 'external', affinitySeconds });
    }
  }
  const cluster: SockLbBackendSet = { backends: cat.clusterEndpoints, drop: false };
  if (!sp.internalPolicyLocal) return { frontends, internal: cluster };
  const internal: SockLbBackendSet = { backends: cat.localEndpoints, drop: cat.localEndpoints.length === 0 && cat.hasAnyEndpoints };
  return externals > 0 ? { frontends, internal, external: cluster } : { frontends, internal };
}
