/**
 * The desired IPVS-mode state of one node, as kube-proxy's syncProxyRules
 * (pkg/proxy/ipvs/proxier.go) computes it: the virtual servers with their real servers, the
 * addresses bound to the dummy device kube-ipvs0, the ipsets with their members, the iptables
 * restore text and jump rules, and the sysctls. IPVS mode has no partial sync: every call
 * recomputes everything from the maps. Pure: the same maps give the same result, sorted.
 *
 * One service port gives a virtual server on its ClusterIP (always bound to kube-ipvs0), on each
 * external IP and load-balancer IP (bound unless the address already is one of the node's), and
 * on each node IP for its NodePort (never bound). Endpoints become Masq real servers of weight 1:
 * the ClusterIP uses the Cluster endpoints (the Local ones with internalTrafficPolicy Local), the
 * other virtual servers the Local ones with externalTrafficPolicy Local; with no local endpoint
 * kube-proxy falls back to the Cluster endpoints (pull 97081: local pods still reach the service).
 */
import { cidrContains, isLoopbackIPv4, normalizeIPv4, parseIPv4, parseIPv4CIDR } from '@minimesh/api';
import type { JumpRule } from '../iptables/iptables-jumps.js';
import { categorizeEndpoints, type CategorizedEndpoints } from '../categorize-endpoints.js';
import type { EndpointInfo, EndpointsMap } from '../endpoint-info.js';
import { nodePortIPs } from '../node-port-addresses.js';
import { resolveRenderOptions, type ProxyRenderOptions, type RenderNode } from '../render-options.js';
import { compareServicePorts, serviceNamespacedName, type ServicePortInfo, type ServicePortMap } from '../service-port.js';
import { formatIpsetEntry, sortIpsetEntries, type IpsetProto, type IpsetState } from './ipset-format.js';
import { ipvsEnsureJumps, renderIpvsIptables, type LbNoNodeAccess } from './ipvs-iptables.js';
import { ipvsSysctls, IPVS_CONN_REUSE_MODE_SYSCTL, type IpvsSysctl } from './ipvs-sysctls.js';
import { parseIpvsScheduler, sortIpvsTable, virtualServerKey, type IpvsScheduler, type IpvsService, type IpvsTable, type RealServer, type VirtualServer } from './ipvs-table.js';
import * as S from './kube-ipsets.js';

/** The dummy device the service addresses are bound to. */
export const KUBE_IPVS_DUMMY_DEVICE = 'kube-ipvs0';

export interface IpvsRenderOptions extends ProxyRenderOptions {
  /** --ipvs-scheduler (default rr). */
  scheduler?: string;
  /** --ipvs-strict-arp: also set arp_ignore=1 and arp_announce=2. */
  strictARP?: boolean;
  /** --ipvs-exclude-cidrs: virtual servers in these CIDRs are never cleaned up (see planIpvs). */
  excludeCIDRs?: readonly string[];
}

export interface IpvsRenderInput {
  services: ServicePortMap;
  endpoints: EndpointsMap;
  node: RenderNode;
  opts?: IpvsRenderOptions;
}

export interface IpvsRenderResult {
  /** Virtual servers and real servers, in ipvsadm's listing order. */
  readonly table: IpvsTable;
  readonly scheduler: IpvsScheduler;
  readonly dummyDevice: string;
  /** Addresses to have on kube-ipvs0 (/32 each), numerically sorted; also KUBE-IPVS-IPS's members. */
  readonly boundAddresses: readonly string[];
  /** Every kube-proxy ipset with its desired members (empty sets included: they are created too). */
  readonly ipsets: readonly IpsetState[];
  /** `*nat` … `COMMIT` */
  readonly nat: string;
  /** `*filter` … `COMMIT` */
  readonly filter: string;
  /** nat + filter, as kube-proxy feeds `iptables-restore --noflush`. */
  readonly restore: string;
  readonly ensureJumps: readonly JumpRule[];
  readonly sysctls: readonly IpvsSysctl[];
  /** Set only on kernels 4.1 ≤ v < 5.9 (see kernelNeedsConnReuseMode). */
  readonly connReuseModeSysctl: IpvsSysctl;
  /** The IPv4 exclude CIDRs, for planIpvs. */
  readonly excludeCIDRs: readonly string[];
  readonly ruleCounts: { readonly nat: number; readonly filter: number };
  /** sync_proxy_rules_no_local_endpoints_total{traffic_policy}: Services counted once. */
  readonly noLocalEndpoints: { readonly internal: number; readonly external: number };
}

interface Ctx {
  readonly scheduler: IpvsScheduler;
  readonly members: Map<string, Set<string>>;
  readonly services: Map<string, IpvsService>;
  readonly bound: Set<string>;
  readonly nodeAddresses: ReadonlySet<string>;
  readonly nodeIP: number | undefined;
  readonly nodeIPs: readonly string[];
  readonly lbNoNodeAccess: LbNoNodeAccess[];
  readonly noLocal: { internal: Set<string>; external: Set<string> };
  readonly node: RenderNode;
}

export function renderIpvs(input: IpvsRenderInput): IpvsRenderResult {
  const o = input.opts ?? {};
  const common = resolveRenderOptions(o);
  const ctx: Ctx = {
    scheduler: parseIpvsScheduler(o.scheduler),
    members: new Map(S.KUBE_IPSETS.map((s) => [s.name, new Set<string>()])),
    services: new Map(),
    bound: new Set(),
    nodeAddresses: localAddresses(input.node.addresses),
    nodeIP: input.node.addresses[0] === undefined ? undefined : parseIPv4(input.node.addresses[0]),
    // kube-proxy never uses loopback addresses for NodePorts in IPVS mode.
    nodeIPs: nodePortIPs(common.nodePortAddresses, input.node.addresses).filter((ip) => !isLoopbackIPv4(parseIPv4(ip)!)),
    lbNoNodeAccess: [],
    noLocal: { internal: new Set(), external: new Set() },
    node: input.node,
  };
  for (const svc of [...input.services.values()].sort(compareServicePorts)) renderServicePort(ctx, svc, input.endpoints.get(svc.key) ?? []);

  const ipsMembers = ctx.members.get(S.KUBE_IPVS_IPS)!;
  for (const ip of ctx.bound) ipsMembers.add(ip);
  const ipsets = S.KUBE_IPSETS.map((spec) => ({ spec, entries: sortIpsetEntries(spec.type, ctx.members.get(spec.name)!) }));
  const rules = renderIpvsIptables({
    nonEmptySets: new Set(ipsets.filter((s) => s.entries.length > 0).map((s) => s.spec.name)),
    masqueradeAll: common.masqueradeAll,
    clusterCIDR: common.clusterCIDR,
    mark: common.mark,
    randomFully: common.randomFully,
    lbNoNodeAccess: ctx.lbNoNodeAccess,
  });
  return {
    table: sortIpvsTable({ services: [...ctx.services.values()] }),
    scheduler: ctx.scheduler,
    dummyDevice: KUBE_IPVS_DUMMY_DEVICE,
    boundAddresses: [...ctx.bound].sort((a, b) => parseIPv4(a)! - parseIPv4(b)!),
    ipsets,
    nat: rules.nat,
    filter: rules.filter,
    restore: rules.nat + rules.filter,
    ensureJumps: ipvsEnsureJumps(),
    sysctls: ipvsSysctls(o.strictARP ?? false),
    connReuseModeSysctl: IPVS_CONN_REUSE_MODE_SYSCTL,
    excludeCIDRs: parseExcludeCIDRs(o.excludeCIDRs),
    ruleCounts: rules.ruleCounts,
    noLocalEndpoints: { internal: ctx.noLocal.internal.size, external: ctx.noLocal.external.size },
  };
}

function renderServicePort(ctx: Ctx, svc: ServicePortInfo, endpoints: readonly EndpointInfo[]): void {
  const proto = svc.protocol.toLowerCase() as IpsetProto;
  const add = (set: string, entry: string) => ctx.members.get(set)!.add(entry);
  const ipPort = (ip: string, port: number) => formatIpsetEntry('hash:ip,port', { ip, protocol: proto, port });

  // Hairpin: a local endpoint reaching itself through the service is masqueraded.
  for (const ep of endpoints) if (ep.isLocal) add(S.KUBE_LOOP_BACK, formatIpsetEntry('hash:ip,port,ip', { ip: ep.ip, protocol: proto, port: ep.port, ip2: ep.ip }));

  const cat = categorizeEndpoints(endpoints, svc, { nodeName: ctx.node.name, zone: ctx.node.zone });
  const internal = chooseEndpoints(ctx, svc, cat, svc.internalPolicyLocal);
  // Chosen per external virtual server, as kube-proxy does (so a port without any counts nothing).
  const external = () => chooseEndpoints(ctx, svc, cat, svc.externalPolicyLocal);

  add(S.KUBE_CLUSTER_IP, ipPort(svc.clusterIP, svc.port));
  addVirtualServer(ctx, svc, svc.clusterIP, svc.port, internal);
  ctx.bound.add(svc.clusterIP);

  for (const ip of svc.externalIPs) {
    add(svc.externalPolicyLocal ? S.KUBE_EXTERNAL_IP_LOCAL : S.KUBE_EXTERNAL_IP, ipPort(ip, svc.port));
    addVirtualServer(ctx, svc, ip, svc.port, external());
    // Never bind an address another interface of the node already has.
    if (!ctx.nodeAddresses.has(ip)) ctx.bound.add(ip);
  }

  for (const ip of svc.loadBalancerVIPs) {
    add(S.KUBE_LOAD_BALANCER, ipPort(ip, svc.port));
    if (svc.externalPolicyLocal) add(S.KUBE_LOAD_BALANCER_LOCAL, ipPort(ip, svc.port));
    if (svc.loadBalancerSourceRanges.length > 0) {
      add(S.KUBE_LOAD_BALANCER_FW, ipPort(ip, svc.port));
      let allowFromNode = false;
      for (const range of svc.loadBalancerSourceRanges) {
        const cidr = parseIPv4CIDR(range)!;
        add(S.KUBE_LOAD_BALANCER_SOURCE_CIDR, formatIpsetEntry('hash:ip,port,net', { ip, protocol: proto, port: svc.port, net: range }));
        if (ctx.nodeIP !== undefined && cidrContains(cidr, ctx.nodeIP)) allowFromNode = true;
      }
      // A request from the node to its own LB VIP loops back with the VIP as source.
      if (allowFromNode) add(S.KUBE_LOAD_BALANCER_SOURCE_IP, formatIpsetEntry('hash:ip,port,ip', { ip, protocol: proto, port: svc.port, ip2: ip }));
      else ctx.lbNoNodeAccess.push({ ip, protocol: proto, port: svc.port });
    }
    addVirtualServer(ctx, svc, ip, svc.port, external());
    if (!ctx.nodeAddresses.has(ip)) ctx.bound.add(ip);
  }

  if (svc.nodePort !== 0) {
    // kube-proxy skips the rest of the port (health check node port included) without node IPs.
    if (ctx.nodeIPs.length === 0) return;
    if (proto === 'sctp') {
      for (const ip of ctx.nodeIPs) {
        add(S.KUBE_NODE_PORT_SCTP, ipPort(ip, svc.nodePort));
        if (svc.externalPolicyLocal) add(S.KUBE_NODE_PORT_LOCAL_SCTP, ipPort(ip, svc.nodePort));
      }
    } else {
      const [set, localSet] = proto === 'tcp' ? [S.KUBE_NODE_PORT_TCP, S.KUBE_NODE_PORT_LOCAL_TCP] : [S.KUBE_NODE_PORT_UDP, S.KUBE_NODE_PORT_LOCAL_UDP];
      add(set, String(svc.nodePort));
      if (svc.externalPolicyLocal) add(localSet, String(svc.nodePort));
    }
    for (const ip of ctx.nodeIPs) addVirtualServer(ctx, svc, ip, svc.nodePort, external());
  }

  if (svc.healthCheckNodePort !== 0) add(S.KUBE_HEALTH_CHECK_NODE_PORT, String(svc.healthCheckNodePort));
}

/** syncEndpoint's choice: Local endpoints when the policy is Local and there are some, else Cluster ones. */
function chooseEndpoints(ctx: Ctx, svc: ServicePortInfo, cat: CategorizedEndpoints, onlyNodeLocal: boolean): readonly EndpointInfo[] {
  if (!onlyNodeLocal) return cat.clusterEndpoints;
  if (cat.localEndpoints.length > 0) return cat.localEndpoints;
  const name = serviceNamespacedName(svc.name);
  if (cat.hasAnyEndpoints && svc.internalPolicyLocal) ctx.noLocal.internal.add(name);
  if (cat.hasAnyEndpoints && svc.externalPolicyLocal) ctx.noLocal.external.add(name);
  return cat.clusterEndpoints;
}

function addVirtualServer(ctx: Ctx, svc: ServicePortInfo, address: string, port: number, endpoints: readonly EndpointInfo[]): void {
  const vs: VirtualServer = {
    protocol: svc.protocol,
    address,
    port,
    scheduler: ctx.scheduler,
    persistentTimeout: svc.sessionAffinityClientIP ? svc.stickyMaxAgeSeconds : 0,
    // The mh scheduler hashes on the source port too (kube-proxy's FlagSourceHash).
    ...(ctx.scheduler === 'mh' ? { flags: ['mh-port' as const] } : {}),
  };
  const realServers = new Map<string, RealServer>();
  for (const ep of endpoints) realServers.set(ep.endpoint, { address: ep.ip, port: ep.port, forward: 'Masq', weight: 1 });
  // Two service ports on one address:port (a misconfiguration): the later one wins, as in kube-proxy.
  ctx.services.set(virtualServerKey(vs), { vs, realServers: [...realServers.values()] });
}

/** The node's own non-loopback IPv4 addresses, normalized. */
function localAddresses(addresses: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const a of addresses) {
    const n = normalizeIPv4(a);
    if (n !== undefined && !isLoopbackIPv4(parseIPv4(n)!)) out.add(n);
  }
  return out;
}

/** IPv4 exclude CIDRs (IPv6 ones belong to the other family's proxier and are skipped). */
export function parseExcludeCIDRs(cidrs: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const raw of cidrs ?? []) {
    const s = raw.trim();
    if (s.includes(':')) continue;
    if (parseIPv4CIDR(s) === undefined) throw new Error(`excludeCIDRs: ${s} is not an IPv4 CIDR`);
    out.push(s);
  }
  return out;
}
