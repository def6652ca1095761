/**
 * The desired nftables state of one node, in kube-proxy's nftables layout
 * (pkg/proxy/nftables/proxier.go, KEP-3866): one private table (`ip kube-proxy` by default),
 * base chains on the nat and filter hooks, verdict maps from `ip . proto . port` to per-service
 * chains, and per-endpoint chains that DNAT. The output is `nft -f -` input in knftables'
 * command form (`add` / `flush` / `delete` lines), one atomic transaction. Pure: the same maps
 * give the same text.
 *
 * Every sync is a full sync: every chain, map and set is re-sent. The first one (`previous`
 * unset) also deletes the table and builds it afresh; later ones `add`+`flush` what exists, so
 * the ClientIP affinity sets keep their members, and stale service chains are flushed now and
 * deleted in a later sync (`deleteChains`), as kube-proxy does for kernels before 6.2.
 *
 * One deliberate difference from kube-proxy: a service chain picks its endpoint with cascaded
 * `numgen random mod <n-i> 0 goto endpoint-…` rules (the iptables probabilities), not one
 * `numgen random mod n vmap { … }`: anonymous per-service maps grow super-linearly in this
 * kernel (measured on Linux 6.18 with nft 1.0.6, 10k services: 16.9 s against 1.2 s).
 */
import { cidrContains, isLoopbackIPv4, parseIPv4, parseIPv4CIDR, pushAll } from '@minimesh/api';
import { categorizeEndpoints } from '../categorize-endpoints.js';
import type { EndpointInfo, EndpointsMap } from '../endpoint-info.js';
import { DEFAULT_NFT_TABLE, nftAffinitySet, nftEndpointChain, nftServiceChains } from './nftables-names.js';
import { nodePortIPs } from '../node-port-addresses.js';
import { resolveRenderOptions, type ProxyRenderOptions, type RenderNode } from '../render-options.js';
import { compareServicePorts, externallyAccessible, usesClusterEndpoints, usesLocalEndpoints, type ServicePortInfo, type ServicePortMap } from '../service-port.js';

export interface NftRenderOptions extends ProxyRenderOptions {
  /** The table's name (default "kube-proxy"); another one lets the agent run beside kube-proxy. */
  table?: string;
}

export interface NftRenderInput {
  services: ServicePortMap;
  endpoints: EndpointsMap;
  node: RenderNode;
  opts?: NftRenderOptions;
  /** What the last successful sync left in the table; unset: start afresh (delete the table). */
  previous?: { readonly chains: ReadonlySet<string>; readonly affinitySets: ReadonlySet<string> };
  /** Stale chains flushed by an earlier sync, now old enough to delete (unless active again). */
  deleteChains?: Iterable<string>;
}

export interface NftRenderResult {
  /** The `nft -f -` input. */
  readonly script: string;
  readonly fresh: boolean;
  /** Every regular (non-base) chain of this ruleset. */
  readonly chains: ReadonlySet<string>;
  readonly affinitySets: ReadonlySet<string>;
  /** Chains of `previous` no longer used: flushed by this script, to delete ≥ 1 s later. */
  readonly staleChains: readonly string[];
  /** Chains of `deleteChains` this script deletes. */
  readonly deletedChains: readonly string[];
  /** Rules (not map elements) in the table after this script. */
  readonly ruleCount: number;
  readonly elementCount: number;
  /** sync_proxy_rules_no_local_endpoints_total{traffic_policy}. */
  readonly noLocalEndpoints: { readonly internal: number; readonly external: number };
}

const BASE_CHAINS: readonly (readonly [name: string, type: 'nat' | 'filter', hook: string, priority: number])[] = [
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting', -110],
  ['filter-output-pre-dnat', 'filter', 'output', -110],
  ['filter-forward', 'filter', 'forward', 0],
  ['filter-input', 'filter', 'input', 0],
  ['filter-output', 'filter', 'output', 0],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

const TOP_CHAINS = ['services', 'service-endpoints-check', 'nodeport-endpoints-check', 'firewall-check', 'cluster-ips-check', 'reject-chain', 'mark-for-masquerade', 'masquerading'];

const IP_PROTO_PORT = 'ipv4_addr . inet_proto . inet_service : verdict';
const PROTO_PORT = 'inet_proto . inet_service : verdict';
const MAPS: readonly (readonly [string, string, string])[] = [
  ['service-ips', IP_PROTO_PORT, 'ClusterIP, ExternalIP and LoadBalancer IP traffic'],
  ['service-nodeports', PROTO_PORT, 'NodePort traffic'],
  ['no-endpoint-services', IP_PROTO_PORT, 'vmap to drop or reject packets to services with no endpoints'],
  ['no-endpoint-nodeports', PROTO_PORT, 'vmap to drop or reject packets to service nodeports with no endpoints'],
  ['firewall-ips', IP_PROTO_PORT, 'destinations that are subject to LoadBalancerSourceRanges'],
];

class Script {
  readonly lines: string[] = [];
  rules = 0;
  elements = 0;
  constructor(readonly table: string) {}
  cmd(text: string): void {
    this.lines.push(text);
  }
  rule(chain: string, rule: string): void {
    this.lines.push(`add rule ip ${this.table} ${chain} ${rule}`);
    this.rules++;
  }
  element(map: string, element: string): void {
    this.lines.push(`add element ip ${this.table} ${map} { ${element} }`);
    this.elements++;
  }
}

export function renderNftables(input: NftRenderInput): NftRenderResult {
  const o = input.opts ?? {};
  const table = o.table ?? DEFAULT_NFT_TABLE;
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(table)) throw new Error(`nftables table name "${table}" is not an nft identifier`);
  const common = resolveRenderOptions(o);
  const { mark, clusterCIDR, localhostNodePorts, nodePortAddresses: npa } = common;
  const noLocalhost = localhostNodePorts ? '' : 'ip daddr != 127.0.0.0/8 ';

  const s = new Script(table);
  const fresh = input.previous === undefined;
  s.cmd(`add table ip ${table} { comment "rules for kube-proxy" ; }`);
  if (fresh) {
    s.cmd(`delete table ip ${table}`);
    s.cmd(`add table ip ${table} { comment "rules for kube-proxy" ; }`);
  }
  for (const [name, type, hook, prio] of BASE_CHAINS) {
    s.cmd(`add chain ip ${table} ${name} { type ${type} hook ${hook} priority ${prio} ; }`);
    if (!fresh) s.cmd(`flush chain ip ${table} ${name}`);
  }
  const regular = (name: string) => {
    s.cmd(`add chain ip ${table} ${name}`);
    if (!fresh) s.cmd(`flush chain ip ${table} ${name}`);
  };
  for (const c of TOP_CHAINS) regular(c);
  const set = (name: string, spec: string) => {
    s.cmd(`add ${spec.includes(':') ? 'map' : 'set'} ip ${table} ${name} { ${spec} ; }`);
    if (!fresh) s.cmd(`flush ${spec.includes(':') ? 'map' : 'set'} ip ${table} ${name}`);
  };
  set('cluster-ips', 'type ipv4_addr ; comment "Active ClusterIPs"');
  if (!npa.matchAll) set('nodeport-ips', 'type ipv4_addr ; comment "IPs that accept NodePort traffic"');
  for (const [name, type, comment] of MAPS) set(name, `type ${type} ; comment "${comment}"`);

  // Base chains: the hooks into our regular chains.
  s.rule('filter-prerouting-pre-dnat', 'ct state new jump firewall-check');
  s.rule('filter-output-pre-dnat', 'ct state new jump firewall-check');
  s.rule('filter-forward', 'ct state new jump service-endpoints-check');
  s.rule('filter-forward', 'ct state new jump cluster-ips-check');
  s.rule('filter-input', 'ct state new jump nodeport-endpoints-check');
  s.rule('filter-input', 'ct state new jump service-endpoints-check');
  s.rule('filter-output', 'ct state new jump service-endpoints-check');
  s.rule('filter-output', 'ct state new jump cluster-ips-check');
  s.rule('nat-prerouting', 'jump services');
  s.rule('nat-output', 'jump services');
  s.rule('nat-postrouting', 'jump masquerading');
  if (localhostNodePorts) {
    // Mitigates the route_localnet hole (issue 90259), like kubelet's KUBE-FIREWALL rule.
    s.rule('filter-input', 'ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status != dnat drop comment "block incoming localnet connections"');
  }

  s.rule('reject-chain', 'reject comment "helper for @no-endpoint-services / @no-endpoint-nodeports"');
  s.rule('mark-for-masquerade', `meta mark set meta mark | ${mark}`);
  s.rule('masquerading', `meta mark & ${mark} == 0 return`);
  s.rule('masquerading', `meta mark set meta mark ^ ${mark}`);
  s.rule('masquerading', `masquerade${common.randomFully ? ' fully-random' : ''}`);

  s.rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips');
  s.rule('service-endpoints-check', 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
  s.rule('firewall-check', 'ip daddr . meta l4proto . th dport vmap @firewall-ips');
  s.rule('cluster-ips-check', 'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"');
  if (npa.matchAll) {
    s.rule('services', `fib daddr type local ${noLocalhost}meta l4proto . th dport vmap @service-nodeports`);
    s.rule('nodeport-endpoints-check', `fib daddr type local ${noLocalhost}meta l4proto . th dport vmap @no-endpoint-nodeports`);
  } else {
    s.rule('services', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports');
    s.rule('nodeport-endpoints-check', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports');
    for (const ip of nodePortIPs(npa, input.node.addresses)) {
      if (isLoopbackIPv4(parseIPv4(ip)!) && !localhostNodePorts) continue;
      s.element('nodeport-ips', ip);
    }
  }

  const ctx: Ctx = {
    s,
    node: input.node,
    nodeIP: input.node.addresses[0] === undefined ? undefined : parseIPv4(input.node.addresses[0]),
    clusterCIDR,
    masqueradeAll: common.masqueradeAll,
    chains: new Set(TOP_CHAINS),
    affinitySets: new Set(),
    noLocal: { internal: 0, external: 0 },
    chainLines: [],
    newChain: (name) => {
      ctx.chains.add(name);
      ctx.chainLines.push(`add chain ip ${table} ${name}`);
      if (!fresh && input.previous!.chains.has(name)) ctx.chainLines.push(`flush chain ip ${table} ${name}`);
    },
  };
  const services = [...input.services.values()].sort(compareServicePorts);
  // Chains are declared before any rule or element refers to them.
  const body = new Script(table);
  const ruleCtx = { ...ctx, s: body };
  for (const svc of services) renderServicePort(ruleCtx, svc, input.endpoints.get(svc.key) ?? []);
  pushAll(pushAll(s.lines, ctx.chainLines), body.lines);
  s.rules += body.rules;
  s.elements += body.elements;

  const staleChains: string[] = [];
  const deletedChains: string[] = [];
  if (!fresh) {
    for (const c of input.previous!.chains) {
      if (!ctx.chains.has(c)) {
        s.cmd(`flush chain ip ${table} ${c}`);
        staleChains.push(c);
      }
    }
    // Rules referring to a stale set were flushed above; a stale set can go at once.
    for (const a of input.previous!.affinitySets) if (!ctx.affinitySets.has(a)) s.cmd(`delete set ip ${table} ${a}`);
    for (const c of input.deleteChains ?? []) {
      if (ctx.chains.has(c)) continue;
      s.cmd(`delete chain ip ${table} ${c}`);
      deletedChains.push(c);
    }
  }
  return {
    script: `${s.lines.join('\n')}\n`,
    fresh,
    chains: ctx.chains,
    affinitySets: ctx.affinitySets,
    staleChains,
    deletedChains,
    ruleCount: s.rules,
    elementCount: s.elements,
    noLocalEndpoints: ctx.noLocal,
  };
}

interface Ctx {
  readonly s: Script;
  readonly node: RenderNode;
  readonly nodeIP: number | undefined;
  readonly clusterCIDR: string | undefined;
  readonly masqueradeAll: boolean;
  readonly chains: Set<string>;
  readonly affinitySets: Set<string>;
  readonly noLocal: { internal: number; external: number };
  readonly chainLines: string[];
  readonly newChain: (name: string) => void;
}

function renderServicePort(ctx: Ctx, svc: ServicePortInfo, endpoints: readonly EndpointInfo[]): void {
  const { s } = ctx;
  const p = svc.protocol.toLowerCase();
  const ch = nftServiceChains(svc);
  const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints } = categorizeEndpoints(endpoints, svc, { nodeName: ctx.node.name, zone: ctx.node.zone });
  const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
  const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(svc);
  const internalTrafficChain = svc.internalPolicyLocal ? ch.local : ch.cluster;
  const hasInternalEndpoints = hasAnyEndpoints && !(svc.internalPolicyLocal && localEndpoints.length === 0);
  const externalPolicyChain = svc.externalPolicyLocal ? ch.local : ch.cluster;
  const hasExternalEndpoints = hasAnyEndpoints && !(svc.externalPolicyLocal && localEndpoints.length === 0);
  const usesExternalTrafficChain = hasAnyEndpoints && externallyAccessible(svc);
  const usesFWChain = hasAnyEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;

  let internalVerdict = '';
  let externalVerdict = '';
  if (!hasAnyEndpoints) internalVerdict = externalVerdict = 'goto reject-chain';
  else {
    if (!hasInternalEndpoints) {
      internalVerdict = 'drop';
      ctx.noLocal.internal++;
    }
    if (!hasExternalEndpoints) {
      externalVerdict = 'drop';
      ctx.noLocal.external++;
    }
  }

  if (usesClusterPolicyChain) ctx.newChain(ch.cluster);
  if (usesLocalPolicyChain) ctx.newChain(ch.local);
  if (usesExternalTrafficChain) ctx.newChain(ch.external);
  if (usesFWChain) ctx.newChain(ch.firewall);
  for (const ep of allReachableEndpoints) ctx.newChain(nftEndpointChain(svc, ep));

  s.element('cluster-ips', svc.clusterIP);
  const key = (ip: string) => `${ip} . ${p} . ${svc.port}`;
  if (hasInternalEndpoints) s.element('service-ips', `${key(svc.clusterIP)} : goto ${internalTrafficChain}`);
  else s.element('no-endpoint-services', `${key(svc.clusterIP)} : ${internalVerdict}`);

  for (const ip of svc.externalIPs) {
    if (hasAnyEndpoints) s.element('service-ips', `${key(ip)} : goto ${ch.external}`);
    if (!hasExternalEndpoints) s.element('no-endpoint-services', `${key(ip)} : ${externalVerdict}`);
  }
  for (const ip of svc.loadBalancerVIPs) {
    if (hasAnyEndpoints) s.element('service-ips', `${key(ip)} : goto ${ch.external}`);
    if (usesFWChain) s.element('firewall-ips', `${key(ip)} : goto ${ch.firewall}`);
    if (!hasExternalEndpoints) s.element('no-endpoint-services', `${key(ip)} : ${externalVerdict}`);
  }
  if (svc.nodePort !== 0) {
    if (hasAnyEndpoints) s.element('service-nodeports', `${p} . ${svc.nodePort} : goto ${ch.external}`);
    if (!hasExternalEndpoints) s.element('no-endpoint-nodeports', `${p} . ${svc.nodePort} : ${externalVerdict}`);
  }

  if (hasInternalEndpoints) {
    const match = `ip daddr ${svc.clusterIP} ${p} dport ${svc.port}`;
    if (ctx.masqueradeAll) s.rule(internalTrafficChain, `${match} jump mark-for-masquerade`);
    else if (ctx.clusterCIDR !== undefined) s.rule(internalTrafficChain, `${match} ip saddr != ${ctx.clusterCIDR} jump mark-for-masquerade`);
  }

  if (usesExternalTrafficChain) {
    if (!svc.externalPolicyLocal) s.rule(ch.external, 'jump mark-for-masquerade');
    else {
      if (ctx.clusterCIDR !== undefined) s.rule(ch.external, `ip saddr ${ctx.clusterCIDR} goto ${ch.cluster} comment "short-circuit pod traffic"`);
      s.rule(ch.external, 'fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"');
      s.rule(ch.external, `fib saddr type local goto ${ch.cluster} comment "short-circuit local traffic"`);
    }
    if (hasExternalEndpoints) s.rule(ch.external, `goto ${externalPolicyChain}`);
  }

  if (usesFWChain) {
    // One rule per range instead of kube-proxy's anonymous `ip saddr != { … } drop` set.
    let allowFromNode = false;
    for (const range of svc.loadBalancerSourceRanges) {
      s.rule(ch.firewall, `ip saddr ${range} return`);
      const cidr = parseIPv4CIDR(range);
      if (cidr !== undefined && ctx.nodeIP !== undefined && cidrContains(cidr, ctx.nodeIP)) allowFromNode = true;
    }
    // A VIP bound locally loops a node's own request back with the VIP as source.
    if (allowFromNode) for (const ip of svc.loadBalancerVIPs) s.rule(ch.firewall, `ip saddr ${ip} return`);
    s.rule(ch.firewall, 'drop');
  }

  if (usesClusterPolicyChain) writeServiceToEndpointRules(ctx, svc, ch.cluster, clusterEndpoints);
  if (usesLocalPolicyChain) writeServiceToEndpointRules(ctx, svc, ch.local, localEndpoints);

  for (const ep of allReachableEndpoints) {
    const chain = nftEndpointChain(svc, ep);
    // Hairpin: a pod reaching itself through the service must be masqueraded.
    s.rule(chain, `ip saddr ${ep.ip} jump mark-for-masquerade`);
    if (svc.sessionAffinityClientIP) {
      const aff = nftAffinitySet(svc, ep);
      if (!ctx.affinitySets.has(aff)) {
        ctx.affinitySets.add(aff);
        // Never flushed: the members are the affinity state.
        ctx.chainLines.push(`add set ip ${s.table} ${aff} { type ipv4_addr ; flags dynamic,timeout ; timeout ${svc.stickyMaxAgeSeconds}s ; }`);
      }
      s.rule(chain, `update @${aff} { ip saddr }`);
    }
    s.rule(chain, `meta l4proto ${p} dnat to ${ep.endpoint}`);
  }
}

/** Affinity lookups, then cascaded random picks: 1/n, 1/(n-1), …, the last one unconditional. */
function writeServiceToEndpointRules(ctx: Ctx, svc: ServicePortInfo, chain: string, endpoints: readonly EndpointInfo[]): void {
  if (svc.sessionAffinityClientIP) {
    for (const ep of endpoints) ctx.s.rule(chain, `ip saddr @${nftAffinitySet(svc, ep)} goto ${nftEndpointChain(svc, ep)}`);
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const pick = i < n - 1 ? `numgen random mod ${n - i} 0 ` : '';
    ctx.s.rule(chain, `${pick}goto ${nftEndpointChain(svc, ep)}`);
  });
}
