/**
 * kube-proxy's iptables chain names (pkg/proxy/iptables/proxier.go): per-service chains are a
 * prefix plus the first 16 characters of base32(sha256(input)) (RFC 4648 alphabet, upper case),
 * where input is ServicePortName.String() + lower(protocol) [+ "ip:port" for an endpoint chain].
 * "IPTables Chain Names must be <= 28 chars long". The prefix (default "KUBE-") is configurable
 * so the agent can run beside kube-proxy; it does not enter the hash.
 */
import type { EndpointInfo } from '../endpoint-info.js';
import { hash16 } from '../name-hash.js';
import type { ServicePortInfo } from '../service-port.js';

export const DEFAULT_CHAIN_PREFIX = 'KUBE-';
/** iptables' limit (XT_EXTENSION_MAXNAMELEN - 1). */
export const MAX_CHAIN_NAME_LENGTH = 28;

/** portProtoHash(servicePortName, protocol): hash16(name + lower(protocol)). */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return hash16(servicePortName + protocol.toLowerCase());
}

/** The hash of an endpoint chain: hash16(name + lower(protocol) + "ip:port"). */
export function endpointHash(servicePortName: string, protocol: string, endpoint: string): string {
  return hash16(servicePortName + protocol.toLowerCase() + endpoint);
}

/** KUBE-SVC-…: the service port's chain for Cluster traffic policy. */
export function servicePortChainName(servicePortName: string, protocol: string, prefix = DEFAULT_CHAIN_PREFIX): string {
  return `${prefix}SVC-${portProtoHash(servicePortName, protocol)}`;
}

/** KUBE-SVL-…: the service port's chain for Local traffic policy. */
export function servicePortLocalChainName(servicePortName: string, protocol: string, prefix = DEFAULT_CHAIN_PREFIX): string {
  return `${prefix}SVL-${portProtoHash(servicePortName, protocol)}`;
}

/** KUBE-EXT-…: external (NodePort, externalIP, LoadBalancer) traffic of the service port. */
export function serviceExternalChainName(servicePortName: string, protocol: string, prefix = DEFAULT_CHAIN_PREFIX): string {
  return `${prefix}EXT-${portProtoHash(servicePortName, protocol)}`;
}

/** KUBE-FW-…: loadBalancerSourceRanges filtering of the service port. */
export function serviceFirewallChainName(servicePortName: string, protocol: string, prefix = DEFAULT_CHAIN_PREFIX): string {
  return `${prefix}FW-${portProtoHash(servicePortName, protocol)}`;
}

/** KUBE-SEP-…: one endpoint ("ip:port") of the service port. */
export function servicePortEndpointChainName(servicePortName: string, protocol: string, endpoint: string, prefix = DEFAULT_CHAIN_PREFIX): string {
  return `${prefix}SEP-${endpointHash(servicePortName, protocol, endpoint)}`;
}

const SERVICE_CHAIN_KINDS = ['SVC-', 'SVL-', 'SEP-', 'FW-', 'EXT-'];

/** isServiceChainName: a per-service chain of ours (the ones stale-chain cleanup may delete). */
export function isServiceChainName(chain: string, prefix = DEFAULT_CHAIN_PREFIX): boolean {
  return chain.startsWith(prefix) && SERVICE_CHAIN_KINDS.some((k) => chain.startsWith(prefix + k));
}

/** The fixed chains, for a prefix. */
export interface TopLevelChains {
  /** nat + filter */
  readonly services: string;
  /** filter */
  readonly externalServices: string;
  /** nat + filter */
  readonly nodePorts: string;
  /** nat */
  readonly postrouting: string;
  /** nat */
  readonly markMasq: string;
  /** filter */
  readonly forward: string;
  /** filter: loadBalancerSourceRanges drops */
  readonly proxyFirewall: string;
  /** filter: kubelet's anti-martian rule for localhost NodePorts (KUBE-FIREWALL) */
  readonly firewall: string;
  /** mangle, nat, filter: empty chain whose disappearance reveals a flush */
  readonly canary: string;
}

export function topLevelChains(prefix = DEFAULT_CHAIN_PREFIX): TopLevelChains {
  validateChainPrefix(prefix);
  return {
    services: `${prefix}SERVICES`,
    externalServices: `${prefix}EXTERNAL-SERVICES`,
    nodePorts: `${prefix}NODEPORTS`,
    postrouting: `${prefix}POSTROUTING`,
    markMasq: `${prefix}MARK-MASQ`,
    forward: `${prefix}FORWARD`,
    proxyFirewall: `${prefix}PROXY-FIREWALL`,
    firewall: `${prefix}FIREWALL`,
    canary: `${prefix}PROXY-CANARY`,
  };
}

/** The longest per-service name is prefix + "SVC-" + 16; it must fit iptables' 28 characters. */
export function validateChainPrefix(prefix: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(prefix)) throw new Error(`invalid chain prefix ${JSON.stringify(prefix)}`);
  const longest = Math.max(prefix.length + 4 + 16, prefix.length + 'EXTERNAL-SERVICES'.length);
  if (longest > MAX_CHAIN_NAME_LENGTH) throw new Error(`chain prefix ${JSON.stringify(prefix)} is too long: chain names would exceed ${MAX_CHAIN_NAME_LENGTH} characters`);
}

// Hashes are pure functions of the objects' names; the trackers keep unchanged objects, so
// caching per object saves a sha256 per chain on every sync.
const serviceHashes = new WeakMap<ServicePortInfo, string>();
const endpointHashes = new WeakMap<EndpointInfo, { input: string; hash: string }>();

/** portProtoHash of a service port, computed once per ServicePortInfo. */
export function cachedServicePortHash(svc: ServicePortInfo): string {
  let h = serviceHashes.get(svc);
  if (h === undefined) serviceHashes.set(svc, (h = portProtoHash(svc.nameString, svc.protocol)));
  return h;
}

/** An endpoint's chain name (prefix + "SEP-" + endpointHash), its hash computed once per EndpointInfo. */
export function cachedEndpointChainName(prefix: string, svc: ServicePortInfo, ep: EndpointInfo): string {
  const input = `${svc.nameString}\u0000${svc.protocol}`;
  let cached = endpointHashes.get(ep);
  if (cached === undefined || cached.input !== input) {
    cached = { input, hash: endpointHash(svc.nameString, svc.protocol, ep.endpoint) };
    endpointHashes.set(ep, cached);
  }
  return `${prefix}SEP-${cached.hash}`;
}
