/**
 * The part of kube-proxy's nftables table that does not belong to any one service
 * (pkg/proxy/nftables/proxier.go setupNFTables): the base chains on the netfilter hooks, the
 * top-level dispatch chains and their rules, the shared sets and verdict maps, the NodePort
 * addresses, and the check that drops traffic to unallocated ClusterIPs. It depends on the
 * options and the node's addresses only; a change to it makes the next sync a full one.
 */
import { formatIPv4CIDR, isLoopbackIPv4, parseIPv4, parseIPv4CIDR } from '@minimesh/api';
import { nodePortIPs } from '../node-port-addresses.js';
import type { RenderNode, ResolvedRenderOptions } from '../render-options.js';
import type { NftElement } from './nft-service-rules.js';

export const BASE_CHAINS: readonly (readonly [name: string, type: 'nat' | 'filter', hook: string, priority: number])[] = [
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting', -110],
  ['filter-output-pre-dnat', 'filter', 'output', -110],
  ['filter-forward', 'filter', 'forward', 0],
  ['filter-input', 'filter', 'input', 0],
  ['filter-output', 'filter', 'output', 0],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

export const TOP_CHAINS: readonly string[] = ['services', 'service-endpoints-check', 'nodeport-endpoints-check', 'firewall-check', 'cluster-ips-check', 'reject-chain', 'mark-for-masquerade', 'masquerading'];

const IP_PROTO_PORT = 'ipv4_addr . inet_proto . inet_service : verdict';
const PROTO_PORT = 'inet_proto . inet_service : verdict';
const MAPS: readonly (readonly [string, string, string])[] = [
  ['service-ips', IP_PROTO_PORT, 'ClusterIP, ExternalIP and LoadBalancer IP traffic'],
  ['service-nodeports', PROTO_PORT, 'NodePort traffic'],
  ['no-endpoint-services', IP_PROTO_PORT, 'vmap to drop or reject packets to services with no endpoints'],
  ['no-endpoint-nodeports', PROTO_PORT, 'vmap to drop or reject packets to service nodeports with no endpoints'],
  ['firewall-ips', IP_PROTO_PORT, 'destinations that are subject to LoadBalancerSourceRanges'],
];

export interface NftSkeletonOptions extends ResolvedRenderOptions {
  /** The Service CIDRs: traffic to an address in them that is no ClusterIP is dropped. */
  serviceCIDRs: readonly string[];
}

export interface NftSkeleton {
  /** Base chains (with their hook) and top-level chains: `[name, spec]`, spec "" for a regular chain. */
  readonly chains: readonly (readonly [name: string, spec: string])[];
  /** Shared sets and maps: `[kind, name, spec]`. */
  readonly sets: readonly (readonly ['set' | 'map', string, string])[];
  /** `[chain, rule]` in order. */
  readonly rules: readonly (readonly [chain: string, rule: string])[];
  readonly elements: readonly NftElement[];
}

export function nftTableSkeleton(o: NftSkeletonOptions, node: RenderNode): NftSkeleton {
  const { mark, localhostNodePorts, nodePortAddresses: npa } = o;
  const noLocalhost = localhostNodePorts ? '' : 'ip daddr != 127.0.0.0/8 ';
  const chains: [string, string][] = BASE_CHAINS.map(([name, type, hook, prio]) => [name, `type ${type} hook ${hook} priority ${prio} ;`]);
  for (const c of TOP_CHAINS) chains.push([c, '']);
  const sets: ['set' | 'map', string, string][] = [['set', 'cluster-ips', 'type ipv4_addr ; comment "Active ClusterIPs"']];
  if (!npa.matchAll) sets.push(['set', 'nodeport-ips', 'type ipv4_addr ; comment "IPs that accept NodePort traffic"']);
  for (const [name, type, comment] of MAPS) sets.push(['map', name, `type ${type} ; comment "${comment}"`]);

  const rules: [string, string][] = [
    // Base chains: the hooks into the regular chains.
    ['filter-prerouting-pre-dnat', 'ct state new jump firewall-check'],
    ['filter-output-pre-dnat', 'ct state new jump firewall-check'],
    ['filter-forward', 'ct state new jump service-endpoints-check'],
    ['filter-forward', 'ct state new jump cluster-ips-check'],
    ['filter-input', 'ct state new jump nodeport-endpoints-check'],
    ['filter-input', 'ct state new jump service-endpoints-check'],
    ['filter-output', 'ct state new jump service-endpoints-check'],
    ['filter-output', 'ct state new jump cluster-ips-check'],
    ['nat-prerouting', 'jump services'],
    ['nat-output', 'jump services'],
    ['nat-postrouting', 'jump masquerading'],
  ];
  if (localhostNodePorts) {
    // Mitigates the route_localnet hole (issue 90259), like kubelet's KUBE-FIREWALL rule.
    rules.push(['filter-input', 'ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status != dnat drop comment "block incoming localnet connections"']);
  }
  rules.push(
    ['reject-chain', 'reject comment "helper for @no-endpoint-services / @no-endpoint-nodeports"'],
    ['mark-for-masquerade', `meta mark set meta mark | ${mark}`],
    ['masquerading', `meta mark & ${mark} == 0 return`],
    ['masquerading', `meta mark set meta mark ^ ${mark}`],
    ['masquerading', `masquerade${o.randomFully ? ' fully-random' : ''}`],
    ['services', 'ip daddr . meta l4proto . th dport vmap @service-ips'],
    ['service-endpoints-check', 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services'],
    ['firewall-check', 'ip daddr . meta l4proto . th dport vmap @firewall-ips'],
    ['cluster-ips-check', 'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"'],
  );
  if (o.serviceCIDRs.length > 0) rules.push(['cluster-ips-check', `ip daddr { ${o.serviceCIDRs.join(', ')} } drop comment "Drop traffic to unallocated ClusterIPs"`]);
  const elements: NftElement[] = [];
  if (npa.matchAll) {
    rules.push(['services', `fib daddr type local ${noLocalhost}meta l4proto . th dport vmap @service-nodeports`]);
    rules.push(['nodeport-endpoints-check', `fib daddr type local ${noLocalhost}meta l4proto . th dport vmap @no-endpoint-nodeports`]);
  } else {
    rules.push(['services', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports']);
    rules.push(['nodeport-endpoints-check', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports']);
    for (const ip of nodePortIPs(npa, node.addresses)) {
      if (isLoopbackIPv4(parseIPv4(ip)!) && !localhostNodePorts) continue;
      elements.push({ set: 'nodeport-ips', key: ip, value: '' });
    }
  }
  return { chains, sets, rules, elements };
}

/** The Service CIDRs, checked ("a.b.c.d/n" each) and normalized; a bad one throws with its reason. */
export function parseServiceCIDRs(cidrs: readonly string[] | undefined): string[] {
  return (cidrs ?? []).map((raw) => {
    const c = parseIPv4CIDR(raw.trim());
    if (c === undefined) throw new Error(`service CIDR "${raw}" is not an IPv4 CIDR`);
    return formatIPv4CIDR(c);
  });
}
