/**
 * The proxy modes: which one runs (ipvs falls back to iptables where the kernel has no IPVS, as
 * kube-proxy's CanUseIPVSProxier decides; ebpf to nftables where the kernel or the built programs
 * are missing), and the proxier of each, built from the agent's flags.
 */
import { existsSync } from 'node:fs';
import type { UserspaceSchedulerName } from '@minimesh/proxy-core';
import type { Registry } from 'prom-client';
import type { Logger } from '@minimesh/runtime';
import { Iptables } from './iptables/iptables.js';
import { IptablesProxier } from './iptables/proxier.js';
import { Nft } from './nftables/nft.js';
import { NftablesProxier } from './nftables/proxier.js';
import { parseBpfDevices, type NodeAgentOptions } from './options.js';
import type { ProxierBaseOptions } from './proxier-base.js';
import { IpvsProxier } from './ipvs/proxier.js';
import { UserspaceProxier } from './userspace/proxier.js';
import { EbpfProxier } from './ebpf/proxier.js';
import { cgroupV2Root } from '@minimesh/runtime';
import { DEFAULT_NORTH_SOUTH_OBJECT, DEFAULT_SOCK_LB_HELPER, DEFAULT_SOCK_LB_OBJECT, DEFAULT_SOCK_LB_SWEEP, defaultPinDir, type SockLbPaths } from './ebpf/sock-lb-programs.js';

export type EffectiveProxyMode = 'iptables' | 'nftables' | 'ipvs' | 'userspace' | 'ebpf';
export type Proxier = IptablesProxier | NftablesProxier | IpvsProxier | UserspaceProxier | EbpfProxier;

/** Where ebpf mode's programs, maps and cgroup are, from the flags. */
export function sockLbPaths(o: NodeAgentOptions): SockLbPaths {
  const dir = o['bpf-programs'];
  return {
    helper: dir ? `${dir}/minimesh-sock-lb` : DEFAULT_SOCK_LB_HELPER,
    object: dir ? `${dir}/sock-lb.o` : DEFAULT_SOCK_LB_OBJECT,
    sweep: dir ? `${dir}/sock-destroy.o` : DEFAULT_SOCK_LB_SWEEP,
    northSouth: dir ? `${dir}/nodeport-lb.o` : DEFAULT_NORTH_SOUTH_OBJECT,
    pinDir: o['bpf-pin-dir'] || defaultPinDir(o['node-name']),
    cgroup: o['bpf-cgroup'] || cgroupV2Root() || '/sys/fs/cgroup',
  };
}

/**
 * kube-proxy falls back to iptables when the kernel has no IPVS (CanUseIPVSProxier); so does
 * minimesh. ebpf mode falls back to nftables, saying why in one line, when `ebpfProblem` finds one.
 */
export function effectiveProxyMode(requested: string, log: Logger, ipvsPresent = existsSync('/proc/net/ip_vs'), ebpfProblem: () => string | undefined = () => 'no check given'): EffectiveProxyMode {
  if (requested === 'nftables' || requested === 'userspace') return requested;
  if (requested === 'ebpf') {
    const problem = ebpfProblem();
    if (problem === undefined) return 'ebpf';
    log.warn(`Can't use the ebpf proxier: ${problem}; using nftables proxy mode`);
    return 'nftables';
  }
  if (requested === 'ipvs') {
    if (ipvsPresent) return 'ipvs';
    log.warn("Can't use the IPVS proxier: IPVS is not available in this kernel (no /proc/net/ip_vs); using iptables proxy mode");
  }
  return 'iptables';
}

/**
 * The proxier of `mode`, with what every mode shares (`shared`) and its own flags.
 * `helperPrefix`: how long-lived helper processes are started ([] as they are; undefined: none).
 */
/**
 * The proxier of `mode`. `inNodeNamespace`: the agent runs in its node's network namespace (no
 * exec of a test in its place); only then may ebpf mode's tc programs go on the devices it sees.
 */
export function createProxier(mode: EffectiveProxyMode, o: NodeAgentOptions, shared: Omit<ProxierBaseOptions, 'log'>, log: Logger, registry: Registry, helperPrefix?: readonly string[], inNodeNamespace = false): Proxier {
  const nodePortAddresses = o['nodeport-addresses'] ? o['nodeport-addresses'].split(',').map((x) => x.trim()) : undefined;
  const iptables = () => new Iptables(shared.exec, { restoreBin: o['iptables-restore'], log: log.child('iptables'), session: helperPrefix === undefined ? undefined : { prefix: helperPrefix } });
  const common = { clusterCIDR: o['cluster-cidr'] || undefined, masqueradeAll: o['masquerade-all'], nodePortAddresses, localhostNodePorts: o['localhost-nodeports'] };
  const nftables = () => ({
    ...shared,
    render: { table: o['nft-table'], serviceCIDRs: o['service-cidrs'].split(',').map((x) => x.trim()).filter((x) => x !== ''), ...common },
    nft: new Nft(shared.exec, {
      log: log.child('nftables'),
      session: helperPrefix === undefined ? undefined : { prefix: helperPrefix },
      netlink: helperPrefix === undefined || !o['nft-netlink'] ? undefined : { prefix: helperPrefix },
    }),
    log: log.child(mode),
  });
  switch (mode) {
    case 'nftables':
      return new NftablesProxier(nftables());
    case 'ebpf':
      return new EbpfProxier({ ...nftables(), sockLb: sockLbPaths(o), northSouthDevices: inNodeNamespace ? (parseBpfDevices(o['bpf-devices']) ?? 'auto') : undefined });
    case 'userspace':
      return new UserspaceProxier({
        ...shared,
        iptables: iptables(),
        prefix: o['chain-prefix'],
        nodePortAddresses,
        scheduler: (o['userspace-scheduler'] || 'rr') as UserspaceSchedulerName,
        udpIdleTimeoutMs: o['udp-timeout'] * 1000,
        maxConnections: o['userspace-max-connections'],
        registry,
        log: log.child('userspace'),
      });
    case 'ipvs':
      return new IpvsProxier({
        ...shared,
        render: {
          ...common,
          scheduler: o['ipvs-scheduler'] || undefined,
          strictARP: o['ipvs-strict-arp'],
          excludeCIDRs: o['ipvs-exclude-cidrs'] ? o['ipvs-exclude-cidrs'].split(',').map((x) => x.trim()) : undefined,
        },
        iptables: iptables(),
        log: log.child('ipvs'),
      });
    case 'iptables':
      return new IptablesProxier({ ...shared, render: { prefix: o['chain-prefix'], ...common }, iptables: iptables(), log: log.child('iptables') });
  }
}
