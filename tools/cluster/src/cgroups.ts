/**
 * One cgroup v2 directory per node, `<cgroup v2 root>/minimesh/<cluster>/<node>`, holding the
 * node's processes (its agent, its pods' programs, what `exec` runs in a pod or on the node): in
 * ebpf mode the node's agent attaches its socket programs there, so it load-balances exactly its
 * own node's connections, as on a real node where the pods are that node's processes. Where cgroup
 * v2 is not mounted, processes run where they are and ebpf mode falls back to nftables.
 * A process is moved in by a shell that writes its own pid to cgroup.procs and then execs the
 * command, so the pid stays the one that was started and nothing runs outside the cgroup first.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { cgroupV2Root } from '@minimesh/runtime';

export { cgroupV2Root };

const clusterCgroup = (root: string, cluster: string) => `${root}/minimesh/${cluster}`;

/** The node's cgroup directory (created when missing), or undefined without cgroup v2. */
export function nodeCgroup(cluster: string, node: string, root = cgroupV2Root()): string | undefined {
  if (root === undefined) return undefined;
  const dir = `${clusterCgroup(root, cluster)}/${node}`;
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return undefined;
  }
}

/** The command line that runs `command args` inside `cgroup` (as it is when there is none). */
export function inCgroup(cgroup: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  if (cgroup === undefined) return [command, [...args]];
  return ['sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, command, ...args]];
}

/** The pids still in the cluster's cgroups. */
export function clusterCgroupPids(cluster: string, root = cgroupV2Root()): number[] {
  if (root === undefined) return [];
  const dir = clusterCgroup(root, cluster);
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  for (const node of readdirSync(dir, { withFileTypes: true })) {
    if (!node.isDirectory()) continue;
    try {
      for (const l of readFileSync(`${dir}/${node.name}/cgroup.procs`, 'utf8').split('\n')) if (l.trim() !== '') pids.push(Number(l));
    } catch {
      /* removed meanwhile */
    }
  }
  return pids;
}

/** Removes the cluster's cgroups (empty by now) and its pinned BPF maps. */
export function removeClusterCgroups(cluster: string, root = cgroupV2Root()): void {
  rmSync(clusterBpfPinDir(cluster), { recursive: true, force: true });
  rmdirQuietly(BPF_PIN_ROOT); // when this was the last cluster
  if (root === undefined) return;
  const dir = clusterCgroup(root, cluster);
  if (!existsSync(dir)) return;
  for (const node of readdirSync(dir, { withFileTypes: true })) {
    if (node.isDirectory()) rmdirQuietly(`${dir}/${node.name}`);
  }
  rmdirQuietly(dir);
  rmdirQuietly(`${root}/minimesh`); // when this was the last cluster
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* still in use, or gone */
  }
}

/** Where a node's agent pins its socket load balancer's maps in ebpf mode. */
const BPF_PIN_ROOT = '/sys/fs/bpf/minimesh';
export const clusterBpfPinDir = (cluster: string): string => `${BPF_PIN_ROOT}/${cluster}`;
export const nodeBpfPinDir = (cluster: string, node: string): string => `${clusterBpfPinDir(cluster)}/${node}`;
