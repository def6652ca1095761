/**
 * Ending a pod the way a kubelet ends one, once the apiserver has marked it for deletion
 * (deletionTimestamp, deletionGracePeriodSeconds): its echo server gets SIGTERM and at most the
 * grace period to exit (then SIGKILL), its namespace and resolv.conf go, the cluster state forgets
 * it, and the delete is confirmed with a grace period of 0, so the object goes from the API.
 */
import { NotFoundError, type Pod } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { podKey, podProcessName, readState, withLock, writeState, type StateLayout } from './state.js';
import { removePod } from './teardown.js';
import { podNames } from './topology.js';

/** The least time an echo server gets to exit on SIGTERM, even with a grace period of 0. */
const MIN_STOP_MS = 200;

export async function terminatePod(api: ApiClient, cluster: string, layout: StateLayout, pod: Pod): Promise<void> {
  const namespace = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name ?? '';
  const key = podKey(namespace, name);
  const record = readState(layout)?.pods[key];
  const graceMs = Math.max(MIN_STOP_MS, (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000);
  await removePod(layout, record ?? { process: podProcessName(namespace, name), netns: podNames(cluster, namespace, name).netns }, graceMs);
  await withLock(layout, async () => {
    const current = readState(layout);
    if (current?.pods[key]) {
      delete current.pods[key];
      writeState(layout, current);
    }
  });
  try {
    await api.delete('Pod', namespace, name, { gracePeriodSeconds: 0, preconditions: pod.metadata.uid ? { uid: pod.metadata.uid } : undefined });
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
}
