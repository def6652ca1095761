/**
 * kube-proxy's nftables names (pkg/proxy/nftables/proxier.go): one private table, and per
 * service port / endpoint a chain named `<prefix>-<hashAndTruncate(base)>`, where
 * hashAndTruncate(name) = base32(sha256(name))[:8] + "-" + name, cut to 240 characters with
 * "..." (nft's limit is 256). Service base "ns/svc/proto/portName"; endpoint base
 * "ns/svc/proto/portName__ip/port".
 */
import { hash16 } from '../name-hash.js';
import type { EndpointInfo } from '../endpoint-info.js';
import type { ServicePortInfo } from '../service-port.js';

export const DEFAULT_NFT_TABLE = 'kube-proxy';
const MAX_NAME = 240;

export function hashAndTruncate(name: string): string {
  const full = `${hash16(name).slice(0, 8)}-${name}`;
  return full.length <= MAX_NAME ? full : `${full.slice(0, MAX_NAME - 3)}...`;
}

/** "ns/svc/tcp/portName" (portName "" for an unnamed port). */
export function nftServiceBase(svc: ServicePortInfo): string {
  return `${svc.name.namespace}/${svc.name.name}/${svc.protocol.toLowerCase()}/${svc.name.port}`;
}

/** "ns/svc/tcp/portName__ip/port" (IPv6 ":" would become "."). */
export function nftEndpointBase(svc: ServicePortInfo, ep: EndpointInfo): string {
  return `${nftServiceBase(svc)}__${ep.ip.replace(/:/g, '.')}/${ep.port}`;
}

export interface NftServiceChains {
  /** service-…: Cluster traffic policy. */
  readonly cluster: string;
  /** local-…: Local traffic policy. */
  readonly local: string;
  /** external-…: NodePort, externalIP and LoadBalancer traffic. */
  readonly external: string;
  /** firewall-…: loadBalancerSourceRanges. */
  readonly firewall: string;
}

export function nftServiceChains(svc: ServicePortInfo): NftServiceChains {
  const h = hashAndTruncate(nftServiceBase(svc));
  return { cluster: `service-${h}`, local: `local-${h}`, external: `external-${h}`, firewall: `firewall-${h}` };
}

export function nftEndpointChain(svc: ServicePortInfo, ep: EndpointInfo): string {
  return `endpoint-${hashAndTruncate(nftEndpointBase(svc, ep))}`;
}

export function nftAffinitySet(svc: ServicePortInfo, ep: EndpointInfo): string {
  return `affinity-${hashAndTruncate(nftEndpointBase(svc, ep))}`;
}
