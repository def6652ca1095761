/** The node agent's flags (kube-proxy's names where it has one), each also settable by its environment variable. */
import { hostname } from 'node:os';
import { parseIPv4CIDR } from '@minimesh/api';
import { INFORMER_FLAGS } from '@minimesh/informer';
import { parseIpvsScheduler, parseUserspaceScheduler, validateChainPrefix } from '@minimesh/proxy-core';
import { durationFlag, formatDuration, integer, nonEmpty, oneOf, parseFlags, parseListenAddress, type FlagSpecs, type FlagValues } from '@minimesh/runtime';

export const PROXY_MODES = ['iptables', 'nftables', 'ipvs', 'userspace', 'ebpf'] as const;

/** kube-proxy's check of --cluster-cidr, single-stack IPv4. */
export function parseClusterCIDR(raw: string): string {
  if (raw.trim() === '') return '';
  if (raw.includes(':')) throw new Error(`IPv6 is not supported (minimesh is single-stack IPv4): ${raw}`);
  if (parseIPv4CIDR(raw.trim()) === undefined) throw new Error(`"${raw}" must be a valid CIDR block (e.g. 10.100.0.0/16)`);
  return raw;
}

/** kube-proxy's check of --nodeport-addresses: every entry a CIDR (IPv6 ones are accepted and, as the other family, ignored). */
export function parseNodePortAddressesFlag(raw: string): string {
  for (const entry of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const ok = entry.includes(':') ? /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(entry) : parseIPv4CIDR(entry) !== undefined;
    if (!ok) throw new Error(`"${entry}" must be a valid CIDR`);
  }
  return raw;
}

/** Comma-separated IPv4 CIDRs. */
export function parseServiceCIDRsFlag(raw: string): string {
  for (const entry of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (parseIPv4CIDR(entry) === undefined) throw new Error(`"${entry}" must be a valid IPv4 CIDR`);
  }
  return raw;
}

/** An nftables table name: nft's identifier syntax. */
export function parseNftTable(raw: string): string {
  if (!/^[A-Za-z_.][A-Za-z0-9_./-]*$/.test(raw) || raw.length > 255) throw new Error(`"${raw}" is not an nftables table name (a letter, "_" or "." first, then letters, digits, "_", ".", "/" or "-")`);
  return raw;
}

export const NODE_AGENT_FLAGS = {
  ...INFORMER_FLAGS,
  'node-name': { description: 'The Node this agent programs (its endpoints are local).', default: hostname(), env: 'MINIMESH_NODE_NAME', parse: nonEmpty },
  'proxy-mode': {
    description:
      'iptables, nftables (one private table, kube-proxy\'s nftables layout), ipvs (which falls back to iptables when the kernel has no IPVS, as kube-proxy does), userspace (the agent proxies every connection itself), or ebpf (connect() to a Service goes straight to a backend, chosen by cgroup BPF programs; tc BPF programs balance NodePorts and traffic from outside, nftables rules underneath; falls back to nftables where the kernel or the built programs are missing).',
    default: 'iptables',
    parse: oneOf(PROXY_MODES) as (raw: string) => string,
  },
  'chain-prefix': {
    description: 'Prefix of every chain (KUBE-, or another to run beside kube-proxy).',
    default: 'KUBE-',
    parse: (raw: string) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(raw)) throw new Error(`"${raw}" is not a chain prefix (letters, digits, "_" and "-", a letter or digit first)`);
      validateChainPrefix(raw); // and short enough for iptables' 28-character chain names
      return raw;
    },
  },
  'nft-table': { description: 'nftables mode: name of the agent\'s table in the ip family (kube-proxy, or another to run beside kube-proxy).', default: 'kube-proxy', parse: parseNftTable },
  'nft-netlink': {
    description: 'nftables mode: send each sync to the kernel as one netlink batch (minimesh-nft-batch, which tools/setup.sh builds) instead of through nft, which parses it and first reads every chain into its cache. false: every transaction through nft.',
    default: true,
  },
  'service-cidrs': {
    description: 'nftables mode: comma-separated Service CIDRs (the apiserver\'s --service-cluster-ip-range); traffic to an address in them that is no ClusterIP is dropped, as kube-proxy does with the ServiceCIDRs it watches. Empty: no such rule.',
    default: '',
    parse: parseServiceCIDRsFlag,
  },
  'cluster-cidr': { description: 'Pod CIDR of the cluster: traffic from outside it to a ClusterIP is masqueraded.', default: '10.244.0.0/16', parse: parseClusterCIDR },
  'masquerade-all': { description: 'Masquerade all traffic sent to ClusterIPs.', default: false },
  'nodeport-addresses': {
    description: 'Comma-separated CIDRs whose local addresses serve NodePorts; empty: every local address.',
    default: '',
    parse: parseNodePortAddressesFlag,
  },
  'localhost-nodeports': { description: 'Serve NodePorts on 127.0.0.1 too (needs route_localnet).', default: true },
  'min-sync-period': durationFlag('The shortest time between two syncs (changes are batched); with --adaptive-min-sync the longest such wait.', 1, { min: 'non-negative' }),
  'adaptive-min-sync': {
    description: 'Wait between two syncs twice what syncs recently cost on this node (at most --min-sync-period), instead of --min-sync-period every time: a change lands in about one sync\'s time, and syncs still take at most a third of a core under any churn.',
    default: true,
  },
  'sync-period': durationFlag('The longest time between two syncs (a full resync).', 30, { min: 'positive' }),
  'iptables-restore': { description: 'The iptables-restore binary (iptables-nft-restore or iptables-legacy-restore to pick a backend).', default: 'iptables-restore', parse: nonEmpty },
  'ipvs-scheduler': {
    description: 'ipvs mode: the virtual servers\' scheduler: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq or mh (default rr).',
    default: '',
    parse: (raw: string) => (raw === '' ? '' : parseIpvsScheduler(raw)),
  },
  'ipvs-strict-arp': { description: 'ipvs mode: arp_ignore=1 and arp_announce=2, so the addresses on kube-ipvs0 are never answered for on other interfaces.', default: false },
  'ipvs-exclude-cidrs': {
    description: 'ipvs mode: comma-separated CIDRs whose virtual servers the agent leaves alone when it cleans up.',
    default: '',
    parse: parseNodePortAddressesFlag,
  },
  'userspace-scheduler': {
    description: 'userspace mode: how an endpoint is chosen: rr, lc, dh, sh, sed or nq (IPVS\'s meanings; default rr).',
    default: '',
    parse: (raw: string) => (raw === '' ? '' : parseUserspaceScheduler(raw)),
  },
  // kube-proxy's userspace mode ended flows after 250 ms; 30 s is conntrack's UDP timeout, so a
  // client keeps its endpoint as long as in the other modes.
  'udp-timeout': durationFlag('userspace mode: a UDP flow ends after this long without traffic.', 30, { min: 'positive' }),
  'userspace-max-connections': { description: 'userspace mode: open connections per Service port at most (0: no limit).', default: 10000, parse: integer(0) },
  'bpf-cgroup': {
    description: 'ebpf mode: the cgroup v2 directory whose processes (and those of every cgroup below it) are load-balanced at connect(). Empty: the cgroup v2 root, every process on the host.',
    default: '',
  },
  'bpf-pin-dir': { description: 'ebpf mode: the bpffs directory where the maps are pinned (they outlive the agent). Empty: /sys/fs/bpf/minimesh/<node-name>.', default: '' },
  'bpf-programs': { description: 'ebpf mode: the directory with sock-lb.o and minimesh-sock-lb (tools/setup.sh builds them). Empty: the agent\'s bpf/build.', default: '' },
  'bpf-devices': {
    description: "ebpf mode: the devices on whose tc ingress and egress the north-south programs balance NodePorts, externalIPs and LoadBalancer IPs reached from outside the node, comma-separated; 'none': nftables keeps that traffic. Empty: the devices holding the Node's InternalIP or ExternalIP, else those of the default routes.",
    default: '',
  },
  cleanup: { description: 'Remove what the agent left in the kernel (nftables: its table; ebpf: also its programs and pinned maps) and exit.', default: false },
  'metrics-bind-address': { description: 'HTTP address of /metrics.', default: '127.0.0.1:10249', parse: (raw: string) => parseListenAddress(raw) },
  'healthz-bind-address': { description: 'HTTP address of /healthz and /livez.', default: '0.0.0.0:10256', parse: (raw: string) => parseListenAddress(raw) },
} satisfies FlagSpecs;

export type NodeAgentOptions = FlagValues<typeof NODE_AGENT_FLAGS>;

export function defaultNodeAgentOptions(): NodeAgentOptions {
  return parseFlags(NODE_AGENT_FLAGS, [], {}).values;
}

/** The flags that must fit together, in kube-proxy's words (naming the flags). */
export function validateNodeAgentOptions(o: NodeAgentOptions): void {
  if (o['min-sync-period'] > o['sync-period']) {
    throw new Error(`--sync-period (${formatDuration(o['sync-period'])}) must be greater than or equal to --min-sync-period (${formatDuration(o['min-sync-period'])})`);
  }
  // A mode's own flags, given for another mode, would be silently ignored: refuse them.
  const modeFlags: [flag: string, given: boolean, modes: string[]][] = [
    ['--userspace-scheduler', o['userspace-scheduler'] !== '', ['userspace']],
    ['--ipvs-scheduler', o['ipvs-scheduler'] !== '', ['ipvs']],
    ['--ipvs-strict-arp', o['ipvs-strict-arp'], ['ipvs']],
    ['--ipvs-exclude-cidrs', o['ipvs-exclude-cidrs'] !== '', ['ipvs']],
    ['--service-cidrs', o['service-cidrs'] !== '', ['nftables', 'ebpf']],
    ['--bpf-cgroup', o['bpf-cgroup'] !== '', ['ebpf']],
    ['--bpf-pin-dir', o['bpf-pin-dir'] !== '', ['ebpf']],
    ['--bpf-programs', o['bpf-programs'] !== '', ['ebpf']],
    ['--bpf-devices', o['bpf-devices'] !== '', ['ebpf']],
  ];
  for (const [flag, given, modes] of modeFlags) {
    if (given && !modes.includes(o['proxy-mode'])) throw new Error(`${flag} applies to --proxy-mode=${modes.join(' or ')} only, not --proxy-mode=${o['proxy-mode']}`);
  }
  if (o['bpf-pin-dir'] !== '' && !o['bpf-pin-dir'].startsWith('/sys/fs/bpf/')) throw new Error(`--bpf-pin-dir must be a directory in bpffs, under /sys/fs/bpf/ (not "${o['bpf-pin-dir']}")`);
  parseBpfDevices(o['bpf-devices']);
}

/** Linux's interface names: 1 to 15 bytes, no "/", ":", space or NUL; "." and ".." are taken. */
const DEVICE_NAME = /^(?!\.{1,2}$)[^/:\s\0]{1,15}$/;

/** --bpf-devices: undefined for the automatic choice (north-south-devices.ts), 'none', or the names given. */
export function parseBpfDevices(raw: string): readonly string[] | 'none' | undefined {
  if (raw.trim() === '') return undefined;
  if (raw.trim() === 'none') return 'none';
  const names = raw.split(',').map((x) => x.trim());
  for (const n of names) if (!DEVICE_NAME.test(n)) throw new Error(`--bpf-devices: "${n}" is not a network device name (1 to 15 characters, no "/", ":" or space)`);
  return names;
}
