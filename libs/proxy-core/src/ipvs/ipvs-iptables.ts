/**
 * The iptables rules kube-proxy keeps in IPVS mode, as `iptables-restore --noflush` input, laid out
 * as pkg/proxy/ipvs/proxier.go writes it (createAndLinkKubeChain, writeIptablesRules,
 * acceptIPVSTraffic): the nat table then the filter table, each with its chain lines in the
 * iptablesChains order and its rules in the order kube-proxy writes them. Set membership lives in
 * the ipsets, so the rule count stays about constant; a rule matching a set is written only while
 * that set has members, except the KUBE-IPVS-FILTER and health-check rules, which are always there.
 * The jumps from the built-in chains (iptablesJumpChain) are ensured outside the restore.
 */
import type { JumpRule } from '../iptables/iptables-jumps.js';
import {
  KUBE_CLUSTER_IP,
  KUBE_EXTERNAL_IP,
  KUBE_EXTERNAL_IP_LOCAL,
  KUBE_HEALTH_CHECK_NODE_PORT,
  KUBE_IPVS_IPS,
  KUBE_LOAD_BALANCER,
  KUBE_LOAD_BALANCER_FW,
  KUBE_LOAD_BALANCER_LOCAL,
  KUBE_LOAD_BALANCER_SOURCE_CIDR,
  KUBE_LOAD_BALANCER_SOURCE_IP,
  KUBE_LOOP_BACK,
  KUBE_NODE_PORT_LOCAL_SCTP,
  KUBE_NODE_PORT_LOCAL_TCP,
  KUBE_NODE_PORT_LOCAL_UDP,
  KUBE_NODE_PORT_SCTP,
  KUBE_NODE_PORT_TCP,
  KUBE_NODE_PORT_UDP,
  kubeIpset,
  type KubeIpsetName,
} from './kube-ipsets.js';
import type { IpsetProto } from './ipset-format.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_NODE_PORT = 'KUBE-NODE-PORT';
export const KUBE_LOAD_BALANCER_CHAIN = 'KUBE-LOAD-BALANCER';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_SOURCE_RANGES_FIREWALL = 'KUBE-SOURCE-RANGES-FIREWALL';
export const KUBE_IPVS_FILTER = 'KUBE-IPVS-FILTER';
export const KUBE_IPVS_OUT_FILTER = 'KUBE-IPVS-OUT-FILTER';

/** iptablesChains, per table, in kube-proxy's order. */
export const IPVS_NAT_CHAINS = [KUBE_SERVICES, KUBE_POSTROUTING, KUBE_NODE_PORT, KUBE_LOAD_BALANCER_CHAIN, KUBE_MARK_MASQ] as const;
export const IPVS_FILTER_CHAINS = [KUBE_FORWARD, KUBE_NODE_PORT, KUBE_PROXY_FIREWALL, KUBE_SOURCE_RANGES_FIREWALL, KUBE_IPVS_FILTER, KUBE_IPVS_OUT_FILTER] as const;

/** A load balancer IP:port the node itself may not reach (no source range holds the node IP). */
export interface LbNoNodeAccess {
  readonly ip: string;
  readonly protocol: IpsetProto;
  readonly port: number;
}

export interface IpvsIptablesInput {
  /** Names of the ipsets that have members this sync. */
  readonly nonEmptySets: ReadonlySet<string>;
  readonly masqueradeAll: boolean;
  readonly clusterCIDR: string | undefined;
  /** The masquerade mark, `0x4000`. */
  readonly mark: string;
  readonly randomFully: boolean;
  readonly lbNoNodeAccess: readonly LbNoNodeAccess[];
}

export interface IpvsIptablesRules {
  /** `*nat` … `COMMIT` */
  readonly nat: string;
  /** `*filter` … `COMMIT` */
  readonly filter: string;
  readonly ruleCounts: { readonly nat: number; readonly filter: number };
}

/** ipsetWithIptablesChain: a set match jumping from one chain; LOCAL sets before their masq sets. */
const SET_RULES: readonly { set: KubeIpsetName; table: 'nat' | 'filter'; from: string; to: string; match: string; proto?: IpsetProto }[] = [
  { set: KUBE_LOOP_BACK, table: 'nat', from: KUBE_POSTROUTING, to: 'MASQUERADE', match: 'dst,dst,src' },
  { set: KUBE_LOAD_BALANCER, table: 'nat', from: KUBE_SERVICES, to: KUBE_LOAD_BALANCER_CHAIN, match: 'dst,dst' },
  { set: KUBE_LOAD_BALANCER_LOCAL, table: 'nat', from: KUBE_LOAD_BALANCER_CHAIN, to: 'RETURN', match: 'dst,dst' },
  { set: KUBE_NODE_PORT_LOCAL_TCP, table: 'nat', from: KUBE_NODE_PORT, to: 'RETURN', match: 'dst', proto: 'tcp' },
  { set: KUBE_NODE_PORT_TCP, table: 'nat', from: KUBE_NODE_PORT, to: KUBE_MARK_MASQ, match: 'dst', proto: 'tcp' },
  { set: KUBE_NODE_PORT_LOCAL_UDP, table: 'nat', from: KUBE_NODE_PORT, to: 'RETURN', match: 'dst', proto: 'udp' },
  { set: KUBE_NODE_PORT_UDP, table: 'nat', from: KUBE_NODE_PORT, to: KUBE_MARK_MASQ, match: 'dst', proto: 'udp' },
  { set: KUBE_NODE_PORT_LOCAL_SCTP, table: 'nat', from: KUBE_NODE_PORT, to: 'RETURN', match: 'dst,dst', proto: 'sctp' },
  { set: KUBE_NODE_PORT_SCTP, table: 'nat', from: KUBE_NODE_PORT, to: KUBE_MARK_MASQ, match: 'dst,dst', proto: 'sctp' },
  { set: KUBE_LOAD_BALANCER_FW, table: 'filter', from: KUBE_PROXY_FIREWALL, to: KUBE_SOURCE_RANGES_FIREWALL, match: 'dst,dst' },
  { set: KUBE_LOAD_BALANCER_SOURCE_CIDR, table: 'filter', from: KUBE_SOURCE_RANGES_FIREWALL, to: 'RETURN', match: 'dst,dst,src' },
  { set: KUBE_LOAD_BALANCER_SOURCE_IP, table: 'filter', from: KUBE_SOURCE_RANGES_FIREWALL, to: 'RETURN', match: 'dst,dst,src' },
];

const comment = (set: KubeIpsetName) => `-m comment --comment "${kubeIpset(set).comment}"`;

export function renderIpvsIptables(input: IpvsIptablesInput): IpvsIptablesRules {
  const nat: string[] = [];
  const filter: string[] = [];
  const has = (set: KubeIpsetName) => input.nonEmptySets.has(set);
  const { mark } = input;

  // Connections to localhost are left alone early in the service chain.
  nat.push(`-A ${KUBE_SERVICES} -s 127.0.0.0/8 -j RETURN`);
  for (const r of SET_RULES) {
    if (!has(r.set)) continue;
    const proto = r.proto === undefined ? '' : `-p ${r.proto} `;
    (r.table === 'nat' ? nat : filter).push(`-A ${r.from} ${proto}${comment(r.set)} -m set --match-set ${r.set} ${r.match} -j ${r.to}`);
  }

  if (has(KUBE_CLUSTER_IP)) {
    const base = `-A ${KUBE_SERVICES} ${comment(KUBE_CLUSTER_IP)} -m set --match-set ${KUBE_CLUSTER_IP}`;
    if (input.masqueradeAll) nat.push(`${base} dst,dst -j ${KUBE_MARK_MASQ}`);
    // Off-cluster traffic to a service VIP may bounce off-node: masquerade it.
    else if (input.clusterCIDR !== undefined) nat.push(`${base} dst,dst ! -s ${input.clusterCIDR} -j ${KUBE_MARK_MASQ}`);
    // No local-traffic detector: masquerade node-originated traffic whose source is a VIP of kube-ipvs0.
    else nat.push(`${base} src,dst -j ${KUBE_MARK_MASQ}`);
  }

  // Traffic to external IPs from off the machine, or to an external IP that is a local address.
  const externalIPAccepts = (match: string) => {
    nat.push(`${match} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`);
    nat.push(`${match} -m addrtype --dst-type LOCAL -j ACCEPT`);
  };
  if (has(KUBE_EXTERNAL_IP)) {
    const match = `-A ${KUBE_SERVICES} ${comment(KUBE_EXTERNAL_IP)} -m set --match-set ${KUBE_EXTERNAL_IP} dst,dst`;
    nat.push(`${match} -j ${KUBE_MARK_MASQ}`);
    externalIPAccepts(match);
  }
  if (has(KUBE_EXTERNAL_IP_LOCAL)) externalIPAccepts(`-A ${KUBE_SERVICES} ${comment(KUBE_EXTERNAL_IP_LOCAL)} -m set --match-set ${KUBE_EXTERNAL_IP_LOCAL} dst,dst`);

  nat.push(`-A ${KUBE_SERVICES} -m addrtype --dst-type LOCAL -j ${KUBE_NODE_PORT}`);
  nat.push(`-A ${KUBE_LOAD_BALANCER_CHAIN} -j ${KUBE_MARK_MASQ}`);
  filter.push(`-A ${KUBE_SOURCE_RANGES_FIREWALL} -j DROP`);
  // The node's own requests to an LB IP arrive from the LB IP (bound on kube-ipvs0).
  for (const e of input.lbNoNodeAccess) {
    filter.push(`-A ${KUBE_IPVS_OUT_FILTER} -s ${e.ip} -m ipvs --vaddr ${e.ip} --vproto ${e.protocol} --vport ${e.port} -j DROP`);
  }
  // Accept traffic to the virtual services, in case later rules would block it; last in KUBE-SERVICES.
  for (const set of [KUBE_CLUSTER_IP, KUBE_LOAD_BALANCER] as const) {
    if (has(set)) nat.push(`-A ${KUBE_SERVICES} -m set --match-set ${set} dst,dst -j ACCEPT`);
  }

  filter.push(`-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filter.push(`-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  filter.push(`-A ${KUBE_NODE_PORT} ${comment(KUBE_HEALTH_CHECK_NODE_PORT)} -m set --match-set ${KUBE_HEALTH_CHECK_NODE_PORT} dst -j ACCEPT`);
  // Ports of the host are not reachable through the VIPs bound on kube-ipvs0 (issue 72236).
  for (const set of [KUBE_LOAD_BALANCER, KUBE_CLUSTER_IP, KUBE_EXTERNAL_IP, KUBE_EXTERNAL_IP_LOCAL] as const) {
    filter.push(`-A ${KUBE_IPVS_FILTER} -m set --match-set ${set} dst,dst -j RETURN`);
  }
  filter.push(`-A ${KUBE_IPVS_FILTER} -m set --match-set ${KUBE_HEALTH_CHECK_NODE_PORT} dst -j RETURN`);
  filter.push(`-A ${KUBE_IPVS_FILTER} -m conntrack --ctstate NEW -m set --match-set ${KUBE_IPVS_IPS} dst -j REJECT`);

  nat.push(`-A ${KUBE_POSTROUTING} -m mark ! --mark ${mark}/${mark} -j RETURN`);
  nat.push(`-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${mark}`);
  nat.push(`-A ${KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${input.randomFully ? ' --random-fully' : ''}`);
  nat.push(`-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${mark}`);

  return {
    nat: table('nat', IPVS_NAT_CHAINS, nat),
    filter: table('filter', IPVS_FILTER_CHAINS, filter),
    ruleCounts: { nat: nat.length, filter: filter.length },
  };
}

function table(name: string, chains: readonly string[], rules: readonly string[]): string {
  return `${[`*${name}`, ...chains.map((c) => `:${c} - [0:0]`), ...rules, 'COMMIT'].join('\n')}\n`;
}

/**
 * iptablesJumpChain: kube-proxy ensures each with Prepend (`-I`), in this order, on every sync.
 * Note IPVS mode jumps to KUBE-PROXY-FIREWALL from INPUT and FORWARD only, with no ctstate match.
 */
export function ipvsEnsureJumps(): JumpRule[] {
  const spec: [JumpRule['table'], string, string, string][] = [
    ['nat', 'OUTPUT', KUBE_SERVICES, 'kubernetes service portals'],
    ['nat', 'PREROUTING', KUBE_SERVICES, 'kubernetes service portals'],
    ['nat', 'POSTROUTING', KUBE_POSTROUTING, 'kubernetes postrouting rules'],
    ['filter', 'FORWARD', KUBE_FORWARD, 'kubernetes forwarding rules'],
    ['filter', 'INPUT', KUBE_NODE_PORT, 'kubernetes health check rules'],
    ['filter', 'INPUT', KUBE_PROXY_FIREWALL, 'kube-proxy firewall rules'],
    ['filter', 'FORWARD', KUBE_PROXY_FIREWALL, 'kube-proxy firewall rules'],
    ['filter', 'INPUT', KUBE_IPVS_FILTER, 'kubernetes ipvs access filter'],
    ['filter', 'OUTPUT', KUBE_IPVS_OUT_FILTER, 'kubernetes ipvs access filter'],
  ];
  return spec.map(([t, chain, target, c]) => ({ table: t, chain, target, args: ['-m', 'comment', '--comment', c, '-j', target] }));
}
