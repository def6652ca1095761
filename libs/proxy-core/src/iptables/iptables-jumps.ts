/**
 * The jumps from the built-in chains into ours (kube-proxy's iptablesJumpChains and
 * iptablesKubeletJumpChains). They are not part of the restore input: `--noflush` must not
 * rewrite PREROUTING, INPUT and friends, so kube-proxy ensures each with `iptables -C` / `-I`
 * (prepend), on full syncs only. And the canary chain it watches to notice a flush.
 */
import { topLevelChains } from './chain-names.js';

export interface JumpRule {
  readonly table: 'filter' | 'nat';
  /** The built-in chain the jump lives in (INPUT, FORWARD, OUTPUT, PREROUTING, POSTROUTING). */
  readonly chain: string;
  /** Our chain it jumps to (create it first if missing, as EnsureChain does). */
  readonly target: string;
  /** Everything after the chain name: `iptables -t <table> -C|-I <chain> ...args` (argv, no quoting). */
  readonly args: readonly string[];
}

export interface JumpOptions {
  prefix: string;
  /** Adds kubelet's KUBE-FIREWALL jumps from INPUT and OUTPUT (kube-proxy does, for localhost NodePorts). */
  localhostNodePorts: boolean;
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];

/** The jump rules in kube-proxy's order; each is ensured with Prepend (`-I`). */
export function ensureJumps(opts: JumpOptions): JumpRule[] {
  const c = topLevelChains(opts.prefix);
  const spec: [JumpRule['table'], string, string, string, string[]][] = [
    ['filter', 'INPUT', c.externalServices, 'kubernetes externally-visible service portals', NEW],
    ['filter', 'FORWARD', c.externalServices, 'kubernetes externally-visible service portals', NEW],
    ['filter', 'INPUT', c.nodePorts, 'kubernetes health check service ports', []],
    ['filter', 'FORWARD', c.services, 'kubernetes service portals', NEW],
    ['filter', 'OUTPUT', c.services, 'kubernetes service portals', NEW],
    ['filter', 'FORWARD', c.forward, 'kubernetes forwarding rules', []],
    ['filter', 'INPUT', c.proxyFirewall, 'kubernetes load balancer firewall', NEW],
    ['filter', 'OUTPUT', c.proxyFirewall, 'kubernetes load balancer firewall', NEW],
    ['filter', 'FORWARD', c.proxyFirewall, 'kubernetes load balancer firewall', NEW],
    ['nat', 'OUTPUT', c.services, 'kubernetes service portals', []],
    ['nat', 'PREROUTING', c.services, 'kubernetes service portals', []],
    ['nat', 'POSTROUTING', c.postrouting, 'kubernetes postrouting rules', []],
  ];
  const jumps: JumpRule[] = spec.map(([table, chain, target, comment, extra]) => ({
    table,
    chain,
    target,
    args: [...extra, '-m', 'comment', '--comment', comment, '-j', target],
  }));
  if (opts.localhostNodePorts) {
    for (const chain of ['INPUT', 'OUTPUT']) jumps.push({ table: 'filter', chain, target: c.firewall, args: ['-j', c.firewall] });
  }
  return jumps;
}

export interface CanarySpec {
  /** KUBE-PROXY-CANARY (with the prefix): an empty chain; if it vanishes, force a full sync. */
  readonly chain: string;
  readonly tables: readonly ('mangle' | 'nat' | 'filter')[];
}

export function canaryChain(prefix: string): CanarySpec {
  return { chain: topLevelChains(prefix).canary, tables: ['mangle', 'nat', 'filter'] };
}
