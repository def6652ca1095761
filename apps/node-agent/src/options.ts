/** The node agent's flags (kube-proxy's names where it has one), each also settable by its environment variable. */
import { hostname } from 'node:os';
import { INFORMER_FLAGS } from '@minimesh/informer';
import { parseFlags, parseListenAddress, type FlagSpecs, type FlagValues } from '@minimesh/runtime';

export const PROXY_MODES = ['iptables', 'nftables', 'ipvs'] as const;

export const NODE_AGENT_FLAGS = {
  ...INFORMER_FLAGS,
  'node-name': { description: 'The Node this agent programs (its endpoints are local).', default: hostname(), env: 'MINIMESH_NODE_NAME' },
  'proxy-mode': {
    description: 'iptables, nftables (one private table, kube-proxy\'s nftables layout), or ipvs (which falls back to iptables when the kernel has no IPVS, as kube-proxy does).',
    default: 'iptables',
    parse: (raw: string) => {
      if (!(PROXY_MODES as readonly string[]).includes(raw)) throw new Error(`"${raw}" is not one of ${PROXY_MODES.join(', ')}`);
      return raw;
    },
  },
  'chain-prefix': { description: 'Prefix of every chain (KUBE-, or another to run beside kube-proxy).', default: 'KUBE-' },
  'nft-table': { description: 'nftables mode: name of the agent\'s table in the ip family (kube-proxy, or another to run beside kube-proxy).', default: 'kube-proxy' },
  'cluster-cidr': { description: 'Pod CIDR of the cluster: traffic from outside it to a ClusterIP is masqueraded.', default: '10.244.0.0/16' },
  'masquerade-all': { description: 'Masquerade all traffic sent to ClusterIPs.', default: false },
  'nodeport-addresses': {
    description: 'Comma-separated CIDRs whose local addresses serve NodePorts; empty: every local address.',
    default: '',
  },
  'localhost-nodeports': { description: 'Serve NodePorts on 127.0.0.1 too (needs route_localnet).', default: true },
  'min-sync-period': { description: 'Seconds: the shortest time between two syncs (changes are batched).', default: 1 },
  'sync-period': { description: 'Seconds: the longest time between two syncs (a full resync).', default: 30 },
  'iptables-restore': { description: 'The iptables-restore binary (iptables-nft-restore or iptables-legacy-restore to pick a backend).', default: 'iptables-restore' },
  'metrics-bind-address': { description: 'HTTP address of /metrics.', default: '127.0.0.1:10249', parse: (raw: string) => parseListenAddress(raw) },
  'healthz-bind-address': { description: 'HTTP address of /healthz and /livez.', default: '0.0.0.0:10256', parse: (raw: string) => parseListenAddress(raw) },
} satisfies FlagSpecs;

export type NodeAgentOptions = FlagValues<typeof NODE_AGENT_FLAGS>;

export function defaultNodeAgentOptions(): NodeAgentOptions {
  return parseFlags(NODE_AGENT_FLAGS, [], {}).values;
}
