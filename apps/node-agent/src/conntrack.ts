/**
 * Deleting stale UDP conntrack entries (kube-proxy's classic bug: without it a UDP client keeps
 * talking to an endpoint that is gone). `conntrack -D` exits 1 when nothing matched; that is fine.
 */
import type { ConntrackCleanup } from '@minimesh/proxy-core';
import { CommandError, type Exec } from '@minimesh/runtime';

function deletedCount(stderr: string): number {
  const m = /(\d+) flow entries have been deleted/.exec(stderr);
  return m ? Number(m[1]) : 0;
}

export async function clearStaleUdpConntrack(exec: Exec, c: ConntrackCleanup, bin = 'conntrack'): Promise<number> {
  const runs: string[][] = [
    ...c.serviceIPs.map((ip) => ['--orig-dst', ip]),
    ...c.nodePorts.map((port) => ['--orig-port-dst', String(port)]),
    ...c.natEntries.map((e) => ['--orig-dst', e.origDst, '--dst-nat', e.endpointIP]),
    ...c.nodePortNatEntries.map((e) => ['--orig-port-dst', String(e.nodePort), '--dst-nat', e.endpointIP]),
  ];
  let deleted = 0;
  for (const args of runs) {
    const r = await exec(bin, ['-D', '-p', 'udp', ...args]);
    if (r.code !== 0 && r.code !== 1) throw new CommandError(`${bin} -D -p udp ${args.join(' ')}`, r.code, r.stderr);
    deleted += deletedCount(r.stderr);
  }
  return deleted;
}

export const EMPTY_CLEANUP: ConntrackCleanup = { serviceIPs: [], nodePorts: [], natEntries: [], nodePortNatEntries: [] };

/** Two syncs' stale flows, for a cleanup that waits until the rules are in place. */
export function mergeCleanups(a: ConntrackCleanup, b: ConntrackCleanup): ConntrackCleanup {
  return {
    serviceIPs: [...new Set([...a.serviceIPs, ...b.serviceIPs])],
    nodePorts: [...new Set([...a.nodePorts, ...b.nodePorts])],
    natEntries: [...a.natEntries, ...b.natEntries],
    nodePortNatEntries: [...a.nodePortNatEntries, ...b.nodePortNatEntries],
  };
}
