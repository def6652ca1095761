/**
 * Ending a pod the way a kubelet ends one, once the apiserver has marked it for deletion
 * (deletionTimestamp, deletionGracePeriodSeconds): its program gets SIGTERM and at most the grace
 * period to exit (then SIGKILL), its network goes (namespace, veth, resolv.conf; a hostNetwork
 * pod's node namespace stays), the cluster state forgets it, and the delete is confirmed with a
 * grace period of 0, so the object goes from the API.
 *
 * Both `pod delete` and the cluster's kubelet (`minimesh-cluster kubelet`) do this, and may do it
 * for the same pod at once: every step is idempotent (a pid file goes only once its process is
 * gone, a missing namespace is fine, the confirming delete names the pod's uid and a NotFound is
 * success), so the shorter grace period wins and the object goes only after the process has.
 */
import { NotFoundError, type Pod } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { podKey, podProcessName, readState, withLock, writeState, type ClusterState, type PodRecord, type StateLayout } from './state.js';
import { removePod } from './teardown.js';
import { podNames } from './topology.js';

/** The least time a program gets to exit on SIGTERM, even with a grace period of 0. */
const MIN_STOP_MS = 200;

/** What the cluster's kubelet does about a Pod event. */
export type KubeletAction =
  /** Marked for deletion on one of the cluster's nodes: stop, remove the network, confirm. */
  | 'terminate'
  /** Gone from the API (a forced delete) while this cluster still runs it: stop it, remove the network. */
  | 'forget'
  | undefined;

export function kubeletAction(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: Pod, state: Pick<ClusterState, 'plan' | 'pods'>): KubeletAction {
  const record = state.pods[podKey(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '')];
  // A record of another pod of the same name (its uid differs) is not this pod's.
  const sameRecord = record !== undefined && (record.uid === undefined || record.uid === pod.metadata.uid);
  if (type === 'DELETED') return sameRecord && record.uid !== undefined ? 'forget' : undefined;
  if (!pod.metadata.deletionTimestamp) return undefined;
  if (!state.plan.nodes.some((n) => n.name === pod.spec?.nodeName)) return undefined;
  if (record !== undefined && !sameRecord) return undefined;
  return 'terminate';
}

/**
 * Pods this cluster runs whose objects a fresh list no longer has (removed while no watch was
 * open, e.g. by the apiserver when their grace period ended), as the DELETED events that were
 * missed. Only records read before the list began count: a pod added since may not be listed yet.
 */
export function missedDeletions(recordsBeforeList: readonly PodRecord[], listed: readonly Pod[]): Pod[] {
  const uids = new Set(listed.map((p) => p.metadata.uid));
  return recordsBeforeList
    .filter((r) => r.uid !== undefined && !uids.has(r.uid))
    .map((r) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: r.name, namespace: r.namespace, uid: r.uid }, spec: { nodeName: r.node, containers: [] } }));
}

/** How long the pod's program gets between SIGTERM and SIGKILL: the deletion's grace period, else the pod's own. */
export function stopGraceMs(pod: Pod): number {
  return Math.max(MIN_STOP_MS, (pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 0) * 1000);
}

/** The pod's record, or what it would be (its process and namespace names) when the state has none. */
function recordOf(cluster: string, layout: StateLayout, pod: Pod): Pick<PodRecord, 'process' | 'netns' | 'hostNetwork'> {
  const namespace = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name ?? '';
  return readState(layout)?.pods[podKey(namespace, name)] ?? { process: podProcessName(namespace, name), netns: podNames(cluster, namespace, name).netns };
}

async function forgetRecord(layout: StateLayout, key: string): Promise<void> {
  await withLock(layout, async () => {
    const current = readState(layout);
    if (current?.pods[key]) {
      delete current.pods[key];
      writeState(layout, current);
    }
  });
}

/**
 * A marked pod: stop → remove its network → forget it → confirm the delete with grace 0.
 * `graceSeconds` caps the stop below the pod's deletion grace period (a delete asking for less than
 * the mark it found, e.g. `pod delete --grace-period 0` of a pod already terminating).
 */
export async function terminatePod(api: ApiClient, cluster: string, layout: StateLayout, pod: Pod, graceSeconds?: number): Promise<void> {
  const namespace = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name ?? '';
  const graceMs = Math.min(stopGraceMs(pod), graceSeconds === undefined ? Infinity : Math.max(MIN_STOP_MS, graceSeconds * 1000));
  await removePod(layout, recordOf(cluster, layout, pod), graceMs);
  await forgetRecord(layout, podKey(namespace, name));
  try {
    await api.delete('Pod', namespace, name, { gracePeriodSeconds: 0, preconditions: pod.metadata.uid ? { uid: pod.metadata.uid } : undefined });
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
}

/** A pod already gone from the API (forced delete): its program and network go, the state forgets it. */
export async function forgetPod(cluster: string, layout: StateLayout, pod: Pod): Promise<void> {
  await removePod(layout, recordOf(cluster, layout, pod), stopGraceMs(pod));
  await forgetRecord(layout, podKey(pod.metadata.namespace ?? 'default', pod.metadata.name ?? ''));
}
