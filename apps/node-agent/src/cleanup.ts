/**
 * `--cleanup` (kube-proxy's flag): removes what the agent left in the kernel, then exits. A running
 * agent leaves its rules (and in ebpf mode its attached programs and pinned maps) in place on
 * purpose, so traffic flows while it restarts; this is how a node stops using minimesh for good.
 */
import { CommandError, type Exec, type Logger } from '@minimesh/runtime';
import { detachSockLb, type SockLbPaths } from './ebpf/sock-lb-programs.js';
import type { NodeAgentOptions } from './options.js';

/** The modes --cleanup knows how to undo. */
export const CLEANUP_MODES = ['nftables', 'ebpf'];

async function deleteNftTable(exec: Exec, table: string): Promise<boolean> {
  const r = await exec('nft', ['delete', 'table', 'ip', table]);
  if (r.code === 0) return true;
  if (/No such file or directory/.test(r.stderr)) return false;
  throw new CommandError(`nft delete table ip ${table}`, r.code, r.stderr);
}

export async function cleanupNodeAgent(o: NodeAgentOptions, exec: Exec, log: Logger, sockLb: SockLbPaths): Promise<void> {
  const mode = o['proxy-mode'];
  if (!CLEANUP_MODES.includes(mode)) throw new Error(`--cleanup is implemented for --proxy-mode=${CLEANUP_MODES.join(' and ')}, not ${mode}`);
  if (mode === 'ebpf') {
    await detachSockLb(sockLb);
    log.info('socket load balancer removed', { cgroup: sockLb.cgroup, pinDir: sockLb.pinDir });
  }
  const deleted = await deleteNftTable(exec, o['nft-table']);
  log.info(deleted ? 'nftables table deleted' : 'no nftables table to delete', { table: o['nft-table'] });
}
