/**
 * `minimesh-cluster kubelet`: the part of a kubelet the local cluster needs, started by `up` (one
 * process for the whole cluster, in the root namespace). It lists and watches Pods and acts as
 * pod-termination.ts's kubeletAction says:
 *   - a pod on one of the cluster's nodes marked for deletion (`meshctl delete pod x` only marks
 *     it) is ended the way `pod delete` ends it: its program stopped within the grace period, its
 *     network removed, the delete confirmed with grace 0 (a second delete that shortens the grace
 *     period starts a second, shorter stop);
 *   - a pod removed outright (a forced delete) whose program the cluster still runs is stopped and
 *     its network removed; so is one a relist no longer finds (its DELETED event was missed).
 * `down` stops it; it also ends by itself once the cluster's state says it is no longer up.
 */
import { dirname } from 'node:path';
import { ExpiredError, type Pod } from '@minimesh/api';
import { connectApiClient, type WatchEvent } from '@minimesh/client';
import type { CommandLine } from '@minimesh/runtime';
import { tokenFileOf } from '../identities.js';
import { CLUSTER_FLAG, clusterRef, requireRoot, warn, type Command } from '../cli.js';
import { forgetPod, kubeletAction, missedDeletions, terminatePod } from '../pod-termination.js';
import { NotUpError, podKey, readState, stateDirExists, stateLayout, type ClusterState, type StateLayout } from '../state.js';

const RETRY_MS = 1000;
/** How long it waits for `up` to finish writing the state when it starts before that. */
const STATE_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const kubelet: Command = {
  usage: 'minimesh-cluster kubelet [--name NAME] [--state-file PATH]',
  description: "Runs until stopped: ends the cluster's pods that the apiserver marks for deletion (started by up; internal).",
  flags: [CLUSTER_FLAG, { name: 'state-file', type: 'string', valueName: 'PATH', help: "The cluster's state file (default: the cluster's usual place)." }],
  async run(args: CommandLine): Promise<number> {
    requireRoot('kubelet');
    const ref = clusterRef(args);
    const cluster = ref.cluster;
    const stateFile = args.optional('state-file');
    const layout = stateFile ? stateLayout(cluster, { MINIMESH_CLUSTER_STATE_DIR: dirname(dirname(stateFile)) }) : ref.layout;
    const stopping = new AbortController();
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stopping.abort());
    const state = await waitUp(cluster, layout, stopping.signal);
    if (!state) return 0;
    const api = connectApiClient(state.apiserver.unix, { timeoutMs: 30_000, tokenFile: tokenFileOf(layout, 'admin') });

    /** Pods being ended, with the grace period (s) of the stop under way. */
    const ending = new Map<string, number>();
    const handle = (type: WatchEvent['type'], pod: Pod): void => {
      if (type === 'BOOKMARK') return;
      const current = readState(layout);
      if (!current) return;
      const action = kubeletAction(type, pod, current);
      if (!action) return;
      const key = podKey(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '');
      const grace = pod.metadata.deletionGracePeriodSeconds ?? 0;
      const running = ending.get(key);
      if (running !== undefined && grace >= running) return;
      ending.set(key, grace);
      const work = action === 'terminate' ? terminatePod(api, cluster, layout, pod) : forgetPod(cluster, layout, pod);
      work
        .catch((e: Error) => warn(`ending pod ${key}: ${e.message}`))
        .finally(() => {
          if (ending.get(key) === grace) ending.delete(key);
        });
    };

    while (!stopping.signal.aborted) {
      try {
        const before = Object.values(readState(layout)?.pods ?? {});
        const list = await api.list('Pod');
        for (const pod of list.items) handle('MODIFIED', pod);
        for (const pod of missedDeletions(before, list.items)) handle('DELETED', pod);
        for await (const ev of api.watch('Pod', { resourceVersion: list.resourceVersion, storeId: list.storeId, signal: stopping.signal })) {
          if (ev.object) handle(ev.type, ev.object);
        }
      } catch (e) {
        if (stopping.signal.aborted) break;
        // The cluster went away without stopping us (its apiserver is gone and so is its state): end too.
        if (readState(layout)?.status !== 'up') break;
        if (!(e instanceof ExpiredError)) warn(`watching pods: ${(e as Error).message}`);
        await sleep(RETRY_MS);
      }
    }
    api.close();
    return 0;
  },
};

/**
 * The cluster's state once `up` has marked it up (`up` starts this process just before it does);
 * undefined when stopped meanwhile. Fails when the state never comes up.
 */
async function waitUp(cluster: string, layout: StateLayout, signal: AbortSignal): Promise<ClusterState | undefined> {
  const deadline = Date.now() + STATE_WAIT_MS;
  for (;;) {
    if (signal.aborted) return undefined;
    const state = readState(layout);
    if (state?.status === 'up') return state;
    if (Date.now() > deadline || !stateDirExists(layout)) throw new NotUpError(cluster);
    await sleep(100);
  }
}
