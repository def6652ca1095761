import { describe, expect, it } from 'vitest';
import { createLogger, type Exec } from '@minimesh/runtime';
import { cleanupNodeAgent } from './cleanup.js';
import { defaultNodeAgentOptions } from './options.js';

const log = createLogger('test', { level: 'error' });
const paths = { helper: '/nonexistent/minimesh-sock-lb', object: '/nonexistent/sock-lb.o', pinDir: '/sys/fs/bpf/none', cgroup: '/sys/fs/cgroup/none' };

function recording(stderr = ''): { exec: Exec; calls: string[] } {
  const calls: string[] = [];
  const exec: Exec = async (file, args) => {
    calls.push([file, ...args].join(' '));
    return { code: stderr ? 1 : 0, stdout: '', stderr };
  };
  return { exec, calls };
}

describe('--cleanup', () => {
  it('nftables mode: deletes the agent\'s table; a table that is not there is fine', async () => {
    const ok = recording();
    await cleanupNodeAgent({ ...defaultNodeAgentOptions(), 'proxy-mode': 'nftables', 'nft-table': 'mm' }, ok.exec, log, paths);
    expect(ok.calls).toEqual(['nft delete table ip mm']);
    const gone = recording('Error: Could not process rule: No such file or directory');
    await expect(cleanupNodeAgent({ ...defaultNodeAgentOptions(), 'proxy-mode': 'nftables' }, gone.exec, log, paths)).resolves.toBeUndefined();
    const refused = recording('Error: Operation not permitted');
    await expect(cleanupNodeAgent({ ...defaultNodeAgentOptions(), 'proxy-mode': 'nftables' }, refused.exec, log, paths)).rejects.toThrow('nft delete table ip kube-proxy failed (exit 1): Error: Operation not permitted');
  });

  it('says which modes it knows for the others', async () => {
    await expect(cleanupNodeAgent(defaultNodeAgentOptions(), recording().exec, log, paths)).rejects.toThrow('--cleanup is implemented for --proxy-mode=nftables and ebpf, not iptables');
  });

  it('ebpf mode: a helper that is missing is an error, not a silent success', async () => {
    await expect(cleanupNodeAgent({ ...defaultNodeAgentOptions(), 'proxy-mode': 'ebpf' }, recording().exec, log, paths)).rejects.toThrow(/minimesh-sock-lb detach/);
  });
});
