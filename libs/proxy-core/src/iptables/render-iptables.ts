/**
 * The desired iptables state of one node, as kube-proxy's syncProxyRules
 * (pkg/proxy/iptables/proxier.go) writes it: `iptables-restore --noflush` input for the filter
 * and nat tables, plus the jump rules from the built-in chains and the canary chain, which the
 * applier ensures outside the restore. Pure: the same maps give the same text.
 *
 * Full sync: every chain. Partial sync (KEP-3453 MinimizeIPTablesRestore): the top-level chains
 * and the whole filter table, but the per-service nat chains (SVC/SVL/EXT/FW/SEP) only for the
 * Services in `changedServices`; the others stay in the kernel untouched. Either way, service
 * chains in `existingNatChains` that the ruleset no longer has are flushed and deleted (`-X`).
 */
import { cidrContains, isLoopbackIPv4, parseIPv4, parseIPv4CIDR } from '@minimesh/api';
import { resolveRenderOptions, type ProxyRenderOptions, type RenderNode } from '../render-options.js';
import { categorizeEndpoints } from '../categorize-endpoints.js';
import { cachedEndpointChainName, cachedServicePortHash, DEFAULT_CHAIN_PREFIX, isServiceChainName, topLevelChains, type TopLevelChains } from './chain-names.js';
import type { EndpointInfo, EndpointsMap } from '../endpoint-info.js';
import { canaryChain, ensureJumps, type CanarySpec, type JumpRule } from './iptables-jumps.js';
import { nodePortIPs } from '../node-port-addresses.js';
import { probability } from './probability.js';
import { RestoreTable, type TableName, type TableSink } from './restore-table.js';
import type { IptablesRenderCache, ServiceRules } from './service-rules-cache.js';
import { compareServicePorts, externallyAccessible, serviceNamespacedName, usesClusterEndpoints, usesLocalEndpoints, type ServicePortInfo, type ServicePortMap } from '../service-port.js';
import { kernelComment, kernelWord } from '../kernel-names.js';

export interface RenderOptions extends ProxyRenderOptions {
  /** Chain prefix (default "KUBE-"); another one lets the agent run beside kube-proxy. */
  prefix?: string;
  /** The host sets nf_conntrack_tcp_be_liberal: no INVALID DROP in KUBE-FORWARD (default false). */
  conntrackTCPBeLiberal?: boolean;
  /** Above this many endpoints, per-endpoint comments are left out (default 1000). */
  largeClusterEndpointsThreshold?: number;
  /**
   * The nfacct counters localhost_nps_accepted_pkts and ct_state_invalid_dropped_pkts exist
   * (kube-proxy ≥ v1.29 counts localhost NodePort and INVALID-dropped packets with them).
   */
  nfacct?: boolean;
}

/** kube-proxy's nfacct counter names (kubeproxy_iptables_*_packets_total metrics). */
export const NFACCT_LOCALHOST_NODEPORTS = 'localhost_nps_accepted_pkts';
export const NFACCT_CT_STATE_INVALID_DROPPED = 'ct_state_invalid_dropped_pkts';

export interface RenderInput {
  services: ServicePortMap;
  endpoints: EndpointsMap;
  node: RenderNode;
  opts?: RenderOptions;
  /** Partial restore: "namespace/name" of the Services whose nat chains are rewritten. Omit for a full sync. */
  changedServices?: ReadonlySet<string>;
  /** The nat chains in the kernel now (the last result's natChains, or `iptables-save -t nat` at start). */
  existingNatChains?: Iterable<string>;
  /**
   * What unchanged Services contributed last time (kept by the caller from sync to sync): a
   * partial sync then renders only the Services it writes. The result is the same without it.
   */
  cache?: IptablesRenderCache;
}

export interface RenderResult {
  /** `*filter` … `COMMIT` */
  readonly filter: string;
  /** `*nat` … `COMMIT` */
  readonly nat: string;
  /** filter + nat: the `iptables-restore --noflush` input. */
  readonly restore: string;
  /**
   * The rules of the chains that are not a Service's own (the whole filter table, nat's SERVICES,
   * NODEPORTS, POSTROUTING, MARK-MASQ), by `table:chain`: an applier that remembers what it last
   * restored can leave out the ones that did not change, or edit them (`restoreWith`).
   */
  topLevelRules(): Map<string, readonly string[]>;
  /** How many first rules of a top-level chain are Services' (no fixed rule before them), by `table:chain`: any order (headEdits). */
  readonly serviceRuleHeads: ReadonlyMap<string, number>;
  /**
   * `restore` with other plans for some chains (by `table:chain`): null leaves one out, a list of
   * `-D`/`-I` commands (chainEdits) edits it in place.
   */
  restoreWith(instead: ReadonlyMap<string, readonly string[] | null>): string;
  readonly partial: boolean;
  /** Jumps from the built-in chains, to ensure with `-C`/`-I` on full syncs. */
  readonly ensureJumps: readonly JumpRule[];
  readonly canary: CanarySpec;
  /** Every nat chain of this ruleset (also the unchanged services' ones in a partial restore). */
  readonly natChains: ReadonlySet<string>;
  /** Service chains flushed and deleted by this restore. */
  readonly deletedChains: readonly string[];
  /** sync_proxy_rules_iptables_total{table} (filter, nat) and _last{nat} (natWritten). */
  readonly ruleCounts: { readonly filter: number; readonly nat: number; readonly natWritten: number };
  /** sync_proxy_rules_no_local_endpoints_total{traffic_policy}. */
  readonly noLocalEndpoints: { readonly internal: number; readonly external: number };
  /** More endpoints than the threshold: per-endpoint comments were left out. */
  readonly largeClusterMode: boolean;
}

interface Ctx {
  readonly chains: TopLevelChains;
  readonly prefix: string;
  readonly filter: RestoreTable;
  readonly nat: RestoreTable;
  readonly active: Set<string>;
  readonly node: RenderNode;
  readonly nodeIP: number | undefined;
  readonly clusterCIDR: string | undefined;
  readonly masqueradeAll: boolean;
  readonly largeClusterMode: boolean;
  readonly localhostNodePorts: boolean;
  readonly nfacct: boolean;
  readonly changed: ReadonlySet<string> | undefined;
  readonly noLocal: { internal: number; external: number };
}

/** Where the chains of a Service a partial restore does not write go (they are only counted). */
const UNWRITTEN: TableSink = { declare: () => undefined, append: () => undefined };

/** One array for every Service without endpoints: a cached entry keys on the endpoints array. */
const NO_ENDPOINTS: readonly EndpointInfo[] = Object.freeze([]);

const NODEPORTS_COMMENT = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';

export function renderIptables(input: RenderInput): RenderResult {
  const o = input.opts ?? {};
  const prefix = o.prefix ?? DEFAULT_CHAIN_PREFIX;
  const chains = topLevelChains(prefix);
  const common = resolveRenderOptions(o);
  const { mark, localhostNodePorts, nodePortAddresses: npa } = common;

  const filter = new RestoreTable('filter', [chains.nodePorts, chains.services]);
  const nat = new RestoreTable('nat', [chains.nodePorts, chains.services]);
  for (const c of [chains.services, chains.externalServices, chains.forward, chains.nodePorts, chains.proxyFirewall]) filter.declare(c);
  for (const c of [chains.services, chains.nodePorts, chains.postrouting, chains.markMasq]) nat.declare(c);

  nat.append(chains.postrouting, `-m mark ! --mark ${mark}/${mark} -j RETURN`);
  nat.append(chains.postrouting, `-j MARK --xor-mark ${mark}`);
  nat.append(chains.postrouting, `-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${common.randomFully ? ' --random-fully' : ''}`);
  nat.append(chains.markMasq, `-j MARK --or-mark ${mark}`);
  if (localhostNodePorts) {
    // Mitigates the route_localnet hole (issue 90259); a copy of kubelet's rule.
    filter.declare(chains.firewall);
    filter.append(chains.firewall, '-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP');
  }

  const services = [...input.services.values()].sort(compareServicePorts);
  let totalEndpoints = 0;
  for (const svc of services) totalEndpoints += input.endpoints.get(svc.key)?.length ?? 0;
  const ctx: Ctx = {
    chains,
    prefix,
    filter,
    nat,
    active: new Set([chains.services, chains.nodePorts, chains.postrouting, chains.markMasq]),
    node: input.node,
    nodeIP: input.node.addresses[0] === undefined ? undefined : parseIPv4(input.node.addresses[0]),
    clusterCIDR: common.clusterCIDR,
    masqueradeAll: common.masqueradeAll,
    largeClusterMode: totalEndpoints > (o.largeClusterEndpointsThreshold ?? 1000),
    localhostNodePorts,
    nfacct: o.nfacct ?? false,
    changed: input.changedServices,
    noLocal: { internal: 0, external: 0 },
  };
  // What the rules of a Service depend on besides its own objects: a cached entry made with other values is not used.
  const optionsKey = JSON.stringify([prefix, ctx.node.name, ctx.node.zone, ctx.nodeIP, ctx.clusterCIDR, ctx.masqueradeAll, ctx.largeClusterMode, ctx.localhostNodePorts, ctx.nfacct]);
  let unwrittenRules = 0;
  // The top-level chains with no rule yet: the Services' rules will be their head.
  const headed = [filter, nat].flatMap((t) => t.chainNames().filter((c) => t.rulesOf(c)!.length === 0).map((c) => [t, c] as const));
  for (const svc of services) {
    const endpoints = input.endpoints.get(svc.key) ?? NO_ENDPOINTS;
    const write = ctx.changed === undefined || ctx.changed.has(serviceNamespacedName(svc.name));
    // Unchanged Services keep their chains in a partial restore: count them, write nothing.
    let rules = write ? undefined : input.cache?.get(svc, endpoints, optionsKey);
    if (rules === undefined) {
      rules = renderServicePort(ctx, svc, endpoints, write ? nat : UNWRITTEN);
      input.cache?.set(svc, endpoints, optionsKey, rules);
    }
    if (!write) unwrittenRules += rules.ownRules;
    for (const [table, chain, rule] of rules.top) (table === 'filter' ? filter : nat).append(chain, rule);
    for (const chain of rules.ownChains) ctx.active.add(chain);
    ctx.noLocal.internal += rules.noLocal.internal;
    ctx.noLocal.external += rules.noLocal.external;
  }

  for (const chain of input.existingNatChains ?? []) {
    if (!ctx.active.has(chain) && isServiceChainName(chain, prefix) && !nat.has(chain)) nat.delete(chain);
  }

  const serviceRuleHeads = new Map(headed.map(([t, c]) => [`${t.name}:${c}`, t.rulesOf(c)!.length]));
  // The tail call to NODEPORTS must stay the last rule of SERVICES.
  if (npa.matchAll) {
    nat.append(chains.services, `-m comment --comment ${NODEPORTS_COMMENT} -m addrtype --dst-type LOCAL${localhostNodePorts ? '' : ' ! -d 127.0.0.0/8'} -j ${chains.nodePorts}`);
  } else {
    for (const ip of nodePortIPs(npa, input.node.addresses)) {
      if (isLoopbackIPv4(parseIPv4(ip)!) && !localhostNodePorts) continue;
      nat.append(chains.services, `-m comment --comment ${NODEPORTS_COMMENT} -d ${ip} -j ${chains.nodePorts}`);
    }
  }

  // Unless the host is liberal, INVALID packets would reset connections (issues 74839, 117924).
  if (!(o.conntrackTCPBeLiberal ?? false)) {
    filter.append(chains.forward, `-m conntrack --ctstate INVALID${ctx.nfacct ? ` -m nfacct --nfacct-name ${NFACCT_CT_STATE_INVALID_DROPPED}` : ''} -j DROP`);
  }
  filter.append(chains.forward, `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filter.append(chains.forward, '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');

  const tables = [filter, nat];
  const forTable = (instead: ReadonlyMap<string, readonly string[] | null>, t: RestoreTable) =>
    new Map([...instead].filter(([k]) => k.startsWith(`${t.name}:`)).map(([k, v]) => [k.slice(t.name.length + 1), v]));
  let texts: { filter: string; nat: string } | undefined;
  const rendered = () => (texts ??= { filter: filter.render(), nat: nat.render() });
  return {
    // Made when asked for: a partial sync's applier may want the restore without some chains.
    get filter() {
      return rendered().filter;
    },
    get nat() {
      return rendered().nat;
    },
    get restore() {
      return rendered().filter + rendered().nat;
    },
    topLevelRules() {
      const out = new Map<string, readonly string[]>();
      for (const t of tables) for (const c of t.chainNames()) if (!isServiceChainName(c, prefix)) out.set(`${t.name}:${c}`, t.rulesOf(c)!);
      return out;
    },
    serviceRuleHeads,
    restoreWith(instead) {
      return tables.map((t) => t.render(forTable(instead, t))).join('');
    },
    partial: input.changedServices !== undefined,
    ensureJumps: ensureJumps({ prefix, localhostNodePorts }),
    canary: canaryChain(prefix),
    natChains: ctx.active,
    deletedChains: nat.deletedChains,
    ruleCounts: { filter: filter.ruleCount, nat: nat.ruleCount + unwrittenRules, natWritten: nat.ruleCount },
    noLocalEndpoints: ctx.noLocal,
    largeClusterMode: ctx.largeClusterMode,
  };
}

/** One service port's rules: its own chains written to `own`, the rest returned. */
function renderServicePort(ctx: Ctx, svc: ServicePortInfo, endpoints: readonly EndpointInfo[], own: TableSink): ServiceRules {
  const { chains } = ctx;
  const top: [TableName, string, string][] = [];
  const filter = { append: (chain: string, rule: string) => void top.push(['filter', chain, rule]) };
  const nat = { append: (chain: string, rule: string) => void top.push(['nat', chain, rule]) };
  const ownChains: string[] = [];
  let ownRules = 0;
  const noLocal = { internal: 0, external: 0 };
  const p = svc.protocol.toLowerCase();
  const proto = `-m ${p} -p ${p}`;
  const name = svc.nameString;
  const hash = cachedServicePortHash(svc);
  const clusterPolicyChain = `${ctx.prefix}SVC-${hash}`;
  const localPolicyChain = `${ctx.prefix}SVL-${hash}`;
  const externalTrafficChain = `${ctx.prefix}EXT-${hash}`;
  const fwChain = `${ctx.prefix}FW-${hash}`;

  const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints } = categorizeEndpoints(endpoints, svc, { nodeName: ctx.node.name, zone: ctx.node.zone });
  const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(svc);
  const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(svc);
  const internalTrafficChain = svc.internalPolicyLocal ? localPolicyChain : clusterPolicyChain;
  const hasInternalEndpoints = hasAnyEndpoints && !(svc.internalPolicyLocal && localEndpoints.length === 0);
  const externalPolicyChain = svc.externalPolicyLocal ? localPolicyChain : clusterPolicyChain;
  const hasExternalEndpoints = hasAnyEndpoints && !(svc.externalPolicyLocal && localEndpoints.length === 0);
  // Based on hasAnyEndpoints: the EXT chain short-circuits local traffic even without local endpoints.
  const usesExternalTrafficChain = hasAnyEndpoints && externallyAccessible(svc);
  const usesFWChain = hasAnyEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
  const loadBalancerTrafficChain = usesFWChain ? fwChain : externalTrafficChain;

  let internalFilter = { target: '', comment: '' };
  let externalFilter = { target: '', comment: '' };
  if (!hasAnyEndpoints) {
    // No nat chains at all; the filter table refuses the service's addresses.
    internalFilter = externalFilter = { target: 'REJECT', comment: kernelComment(`${name} has no endpoints`) };
  } else {
    if (!hasInternalEndpoints) {
      internalFilter = { target: 'DROP', comment: kernelComment(`${name} has no local endpoints`) };
      noLocal.internal++;
    }
    if (!hasExternalEndpoints) {
      externalFilter = { target: 'DROP', comment: kernelComment(`${name} has no local endpoints`) };
      noLocal.external++;
    }
  }

  const clusterIPMatch = `${proto} -d ${svc.clusterIP} --dport ${svc.port}`;
  if (hasInternalEndpoints) nat.append(chains.services, `-m comment --comment ${kernelComment(`${name} cluster IP`)} ${clusterIPMatch} -j ${internalTrafficChain}`);
  else filter.append(chains.services, `-m comment --comment ${internalFilter.comment} ${clusterIPMatch} -j ${internalFilter.target}`);

  for (const ip of svc.externalIPs) {
    if (hasAnyEndpoints) nat.append(chains.services, `-m comment --comment ${kernelComment(`${name} external IP`)} ${proto} -d ${ip} --dport ${svc.port} -j ${externalTrafficChain}`);
    if (!hasExternalEndpoints) filter.append(chains.externalServices, `-m comment --comment ${externalFilter.comment} ${proto} -d ${ip} --dport ${svc.port} -j ${externalFilter.target}`);
  }

  for (const ip of svc.loadBalancerVIPs) {
    if (hasAnyEndpoints) nat.append(chains.services, `-m comment --comment ${kernelComment(`${name} loadbalancer IP`)} ${proto} -d ${ip} --dport ${svc.port} -j ${loadBalancerTrafficChain}`);
    if (usesFWChain) filter.append(chains.proxyFirewall, `-m comment --comment ${kernelComment(`${name} traffic not accepted by ${fwChain}`)} ${proto} -d ${ip} --dport ${svc.port} -j DROP`);
  }
  if (!hasExternalEndpoints) {
    for (const ip of svc.loadBalancerVIPs) filter.append(chains.externalServices, `-m comment --comment ${externalFilter.comment} ${proto} -d ${ip} --dport ${svc.port} -j ${externalFilter.target}`);
  }

  if (svc.nodePort !== 0) {
    // NodePorts are not subject to loadBalancerSourceRanges ("for better or for worse").
    if (hasAnyEndpoints) {
      if (ctx.localhostNodePorts && ctx.nfacct) {
        nat.append(chains.nodePorts, `-m comment --comment ${kernelWord(name)} ${proto} -d 127.0.0.0/8 --dport ${svc.nodePort} -m nfacct --nfacct-name ${NFACCT_LOCALHOST_NODEPORTS} -j ${externalTrafficChain}`);
      }
      nat.append(chains.nodePorts, `-m comment --comment ${kernelWord(name)} ${proto} --dport ${svc.nodePort} -j ${externalTrafficChain}`);
    }
    if (!hasExternalEndpoints) {
      filter.append(chains.externalServices, `-m comment --comment ${externalFilter.comment} -m addrtype --dst-type LOCAL ${proto} --dport ${svc.nodePort} -j ${externalFilter.target}`);
    }
  }

  if (svc.healthCheckNodePort !== 0) {
    filter.append(chains.nodePorts, `-m comment --comment ${kernelComment(`${name} health check node port`)} -m tcp -p tcp --dport ${svc.healthCheckNodePort} -j ACCEPT`);
  }

  const sink: TableSink = {
    declare(chain) {
      own.declare(chain);
      ownChains.push(chain);
    },
    append(chain, rule) {
      own.append(chain, rule);
      ownRules++;
    },
  };
  if (usesClusterPolicyChain) sink.declare(clusterPolicyChain);
  if (usesLocalPolicyChain) sink.declare(localPolicyChain);

  if (hasInternalEndpoints) {
    if (ctx.masqueradeAll) sink.append(internalTrafficChain, `-m comment --comment ${kernelComment(`${name} cluster IP`)} ${clusterIPMatch} -j ${chains.markMasq}`);
    else if (ctx.clusterCIDR !== undefined) {
      // Off-cluster traffic to a service VIP may bounce off-node: masquerade it.
      sink.append(internalTrafficChain, `-m comment --comment ${kernelComment(`${name} cluster IP`)} ${clusterIPMatch} ! -s ${ctx.clusterCIDR} -j ${chains.markMasq}`);
    }
  }

  if (usesExternalTrafficChain) {
    sink.declare(externalTrafficChain);
    if (!svc.externalPolicyLocal) {
      sink.append(externalTrafficChain, `-m comment --comment ${kernelComment(`masquerade traffic for ${name} external destinations`)} -j ${chains.markMasq}`);
    } else {
      if (ctx.clusterCIDR !== undefined) {
        sink.append(externalTrafficChain, `-m comment --comment ${kernelComment(`pod traffic for ${name} external destinations`)} -s ${ctx.clusterCIDR} -j ${clusterPolicyChain}`);
      }
      sink.append(externalTrafficChain, `-m comment --comment ${kernelComment(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${chains.markMasq}`);
      sink.append(externalTrafficChain, `-m comment --comment ${kernelComment(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${clusterPolicyChain}`);
    }
    if (hasExternalEndpoints) sink.append(externalTrafficChain, `-j ${externalPolicyChain}`);
  }

  if (usesFWChain) {
    sink.declare(fwChain);
    const lbComment = `-m comment --comment ${kernelComment(`${name} loadbalancer IP`)}`;
    let allowFromNode = false;
    for (const range of svc.loadBalancerSourceRanges) {
      sink.append(fwChain, `${lbComment} -s ${range} -j ${externalTrafficChain}`);
      const cidr = parseIPv4CIDR(range);
      if (cidr !== undefined && ctx.nodeIP !== undefined && cidrContains(cidr, ctx.nodeIP)) allowFromNode = true;
    }
    // A VIP bound locally loops a node's own request back with the VIP as source.
    if (allowFromNode) for (const ip of svc.loadBalancerVIPs) sink.append(fwChain, `${lbComment} -s ${ip} -j ${externalTrafficChain}`);
    // Falls through un-DNATed, to be dropped by PROXY-FIREWALL in filter.
    sink.append(fwChain, `-m comment --comment ${kernelComment(`other traffic to ${name} will be dropped by ${chains.proxyFirewall}`)}`);
  }

  if (usesClusterPolicyChain) writeServiceToEndpointRules(ctx, sink, svc, clusterPolicyChain, clusterEndpoints);
  if (usesLocalPolicyChain) writeServiceToEndpointRules(ctx, sink, svc, localPolicyChain, localEndpoints);

  for (const ep of allReachableEndpoints) {
    const sep = cachedEndpointChainName(ctx.prefix, svc, ep);
    sink.declare(sep);
    const comment = ctx.largeClusterMode ? '' : `-m comment --comment ${kernelWord(name)} `;
    // Hairpin: a pod reaching itself through the service must be masqueraded.
    sink.append(sep, `${comment}-s ${ep.ip} -j ${chains.markMasq}`);
    const affinity = svc.sessionAffinityClientIP ? `-m recent --name ${sep} --set ` : '';
    sink.append(sep, `${comment}${affinity}${proto} -j DNAT --to-destination ${ep.endpoint}`);
  }
  return { top, ownChains, ownRules, noLocal };
}

/** Affinity checks, then one probabilistic jump per endpoint (the last one unconditional). */
function writeServiceToEndpointRules(ctx: Ctx, sink: TableSink, svc: ServicePortInfo, chain: string, endpoints: readonly EndpointInfo[]): void {
  const comment = (ep: EndpointInfo) => (ctx.largeClusterMode ? '' : `-m comment --comment ${kernelComment(`${svc.nameString} -> ${ep.endpoint}`)} `);
  if (svc.sessionAffinityClientIP) {
    for (const ep of endpoints) {
      const sep = cachedEndpointChainName(ctx.prefix, svc, ep);
      sink.append(chain, `${comment(ep)}-m recent --name ${sep} --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap -j ${sep}`);
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const statistic = i < n - 1 ? `-m statistic --mode random --probability ${probability(n - i)} ` : '';
    sink.append(chain, `${comment(ep)}${statistic}-j ${cachedEndpointChainName(ctx.prefix, svc, ep)}`);
  });
}
