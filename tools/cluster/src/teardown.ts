/**
 * Removing what the cluster tool created, from whatever is left: it needs no intact state file, so
 * it also cleans up after a crash. Processes are found three ways (pid files, `ip netns pids` of
 * every cluster namespace, and root-namespace processes whose command line mentions the state
 * directory); namespaces by their exact name shapes (topology.isClusterNetns).
 */
import { rmSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { deleteNetns, listNetns, netnsPids } from './netns.js';
import { clusterCgroupPids, removeClusterCgroups } from './cgroups.js';
import { etcNetnsEntries, removeEtcNetns } from './network.js';
import { pidFile, processesMentioning, readPidFiles, stopAll, stopByPidFile } from './processes.js';
import { stateDirExists, type PodRecord, type StateLayout } from './state.js';
import { deletionOrder, isClusterNetns } from './topology.js';

export interface TeardownReport {
  processes: number;
  namespaces: string[];
  stateDir: boolean;
}

export async function clusterNamespaces(cluster: string): Promise<string[]> {
  return (await listNetns()).filter((ns) => isClusterNetns(cluster, ns));
}

export async function teardown(cluster: string, layout: StateLayout, graceMs = 5000): Promise<TeardownReport> {
  const namespaces = await clusterNamespaces(cluster);
  const procs: { pid: number; startTime?: number }[] = readPidFiles(layout.pidDir);
  for (const ns of namespaces) for (const pid of await netnsPids(ns)) procs.push({ pid });
  for (const pid of processesMentioning(`${layout.dir}/`)) procs.push({ pid });
  for (const pid of clusterCgroupPids(cluster)) procs.push({ pid });
  const unique = [...new Map(procs.map((p) => [p.pid, p])).values()];
  const processes = await stopAll(unique, graceMs);

  for (const ns of deletionOrder(namespaces)) await deleteNetns(ns);
  for (const entry of etcNetnsEntries()) if (isClusterNetns(cluster, entry)) removeEtcNetns(entry);
  removeClusterCgroups(cluster);
  const hadDir = stateDirExists(layout);
  rmSync(layout.dir, { recursive: true, force: true });
  try {
    rmdirSync(dirname(layout.dir)); // the base folder, when this was its last cluster
  } catch {
    /* other clusters' state is there, or it is gone */
  }
  return { processes, namespaces, stateDir: hadDir };
}

/**
 * One pod: its program (by pid file; SIGTERM, then SIGKILL after `graceMs`), and unless it runs in
 * its node's namespace (hostNetwork), whatever else is in its namespace, the namespace and its
 * resolv.conf. A node's namespace is never touched here.
 */
export async function removePod(layout: StateLayout, pod: Pick<PodRecord, 'process' | 'netns' | 'hostNetwork'>, graceMs = 3000): Promise<void> {
  if (pod.hostNetwork) await stopByPidFile(pidFile(layout.pidDir, pod.process), graceMs);
  else await removePodNetwork(layout, pod.process, pod.netns, graceMs);
}

/**
 * One pod network: its echo server (pid file, then anything left in the namespace; SIGTERM, then
 * SIGKILL after `graceMs`), the namespace, its resolv.conf.
 */
export async function removePodNetwork(layout: StateLayout, processName: string, netns: string, graceMs = 3000): Promise<void> {
  await stopByPidFile(pidFile(layout.pidDir, processName), graceMs);
  const leftovers = await netnsPids(netns);
  if (leftovers.length) await stopAll(leftovers.map((pid) => ({ pid })), graceMs);
  await deleteNetns(netns);
  removeEtcNetns(netns);
}
