import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '@minimesh/runtime';
import { IpvsProxier } from './ipvs/proxier.js';
import { IptablesProxier } from './iptables/proxier.js';
import { proxyMetrics } from './metrics.js';
import { defaultNodeAgentOptions } from './options.js';
import { createProxier, effectiveProxyMode, sockLbPaths } from './proxy-modes.js';
import { EbpfProxier } from './ebpf/proxier.js';
import { UserspaceProxier } from './userspace/proxier.js';

function recordingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger('test', { level: 'warn', write: (line: string) => lines.push(line) });
  return { log, lines };
}

describe('proxy modes', () => {
  it('ipvs falls back to iptables, with one clear line, where the kernel has no IPVS', () => {
    const { log, lines } = recordingLog();
    expect(effectiveProxyMode('ipvs', log, false)).toBe('iptables');
    expect(lines.join('\n')).toContain("Can't use the IPVS proxier: IPVS is not available in this kernel (no /proc/net/ip_vs); using iptables proxy mode");
    expect(effectiveProxyMode('ipvs', log, true)).toBe('ipvs');
    expect(effectiveProxyMode('userspace', log)).toBe('userspace');
    expect(effectiveProxyMode('nftables', log)).toBe('nftables');
    expect(effectiveProxyMode('iptables', log)).toBe('iptables');
  });

  it('ebpf falls back to nftables, with one line saying why, where it cannot run', () => {
    const { log, lines } = recordingLog();
    expect(effectiveProxyMode('ebpf', log, false, () => 'the BPF programs are not built (bpf/build/sock-lb.o; bash tools/setup.sh builds them)')).toBe('nftables');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("Can't use the ebpf proxier: the BPF programs are not built (bpf/build/sock-lb.o; bash tools/setup.sh builds them); using nftables proxy mode");
    expect(effectiveProxyMode('ebpf', log, false, () => undefined)).toBe('ebpf');
  });

  it('each mode gets its proxier with its own flags', () => {
    const o = { ...defaultNodeAgentOptions(), 'ipvs-scheduler': 'lc' };
    const metrics = proxyMetrics();
    const shared = { nodeName: 'n', nodeAddresses: () => [], minSyncMs: 0, syncMs: 1000, exec: async () => ({ code: 0, stdout: '', stderr: '' }), metrics };
    const log = createLogger('test', { level: 'error' });
    expect(createProxier('ipvs', o, shared, log, metrics.registry)).toBeInstanceOf(IpvsProxier);
    expect(createProxier('userspace', o, shared, log, metrics.registry)).toBeInstanceOf(UserspaceProxier);
    expect(createProxier('iptables', o, shared, log, metrics.registry)).toBeInstanceOf(IptablesProxier);
    const ebpf = createProxier('ebpf', { ...o, 'node-name': 'node7' }, shared, log, metrics.registry);
    expect(ebpf).toBeInstanceOf(EbpfProxier);
    expect(sockLbPaths({ ...o, 'node-name': 'node7' }).pinDir).toBe('/sys/fs/bpf/minimesh/node7');
  });
});
