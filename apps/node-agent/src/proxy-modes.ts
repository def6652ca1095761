/**
 * The proxy modes: which one runs (ipvs falls back to iptables where the kernel has no IPVS, as
 * kube-proxy's CanUseIPVSProxier decides), and the proxier of each, built from the agent's flags.
 */
import { existsSync } from 'node:fs';
import type { UserspaceSchedulerName } from '@minimesh/proxy-core';
import type { Registry } from 'prom-client';
import type { Logger } from '@minimesh/runtime';
import { Iptables } from './iptables/iptables.js';
import { IptablesProxier } from './iptables/proxier.js';
import { Nft } from './nftables/nft.js';
import { NftablesProxier } from './nftables/proxier.js';
import type { NodeAgentOptions } from './options.js';
import type { ProxierBaseOptions } from './proxier-base.js';
import { IpvsProxier } from './ipvs/proxier.js';
import { UserspaceProxier } from './userspace/proxier.js';

export type EffectiveProxyMode = 'iptables' | 'nftables' | 'ipvs' | 'userspace';
export type Proxier = IptablesProxier | NftablesProxier | IpvsProxier | UserspaceProxier;

/** kube-proxy falls back to iptables when the kernel has no IPVS (CanUseIPVSProxier); so does minimesh. */
export function effectiveProxyMode(requested: string, log: Logger, ipvsPresent = existsSync('/proc/net/ip_vs')): EffectiveProxyMode {
  if (requested === 'nftables' || requested === 'userspace') return requested;
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
export function createProxier(mode: EffectiveProxyMode, o: NodeAgentOptions, shared: Omit<ProxierBaseOptions, 'log'>, log: Logger, registry: Registry, helperPrefix?: readonly string[]): Proxier {
  const nodePortAddresses = o['nodeport-addresses'] ? o['nodeport-addresses'].split(',').map((x) => x.trim()) : undefined;
  const iptables = () => new Iptables(shared.exec, { restoreBin: o['iptables-restore'] });
  const common = { clusterCIDR: o['cluster-cidr'] || undefined, masqueradeAll: o['masquerade-all'], nodePortAddresses, localhostNodePorts: o['localhost-nodeports'] };
  switch (mode) {
    case 'nftables':
      return new NftablesProxier({
        ...shared,
        render: { table: o['nft-table'], serviceCIDRs: o['service-cidrs'].split(',').map((x) => x.trim()).filter((x) => x !== ''), ...common },
        nft: new Nft(shared.exec, { log: log.child('nftables'), session: helperPrefix === undefined ? undefined : { prefix: helperPrefix } }),
        log: log.child('nftables'),
      });
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
