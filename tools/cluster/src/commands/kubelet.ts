/**
 * `minimesh-cluster kubelet`: the part of a kubelet the local cluster needs, started by `up` (one
 * process for the whole cluster): it watches Pods and ends those the apiserver marks for deletion
 * (`meshctl delete pod x` only marks them) the way `pod delete` does — echo server stopped within
 * the grace period, namespace removed, delete confirmed with grace 0. `down` stops it; it also
 * ends by itself once the cluster's state says it is no longer up.
 */
import { dirname } from 'node:path';
import { ExpiredError, type Pod } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import type { CommandLine } from '@minimesh/runtime';
import { CLUSTER_FLAG, clusterRef, requireRoot, warn, type Command } from '../cli.js';
import { terminatePod } from '../pod-termination.js';
import { podKey, readState, requireState, stateLayout, type StateLayout } from '../state.js';

const RETRY_MS = 1000;

export const kubelet: Command = {
  usage: 'minimesh-cluster kubelet [--name NAME] [--state-file PATH]',
  description: 'Runs until stopped: ends the cluster\'s pods that the apiserver marks for deletion (started by up; internal).',
  flags: [CLUSTER_FLAG, { name: 'state-file', type: 'string', valueName: 'PATH', help: "The cluster's state file (default: the cluster's usual place)." }],
  async run(args: CommandLine): Promise<number> {
    requireRoot('kubelet');
    const ref = clusterRef(args);
    const cluster = ref.cluster;
    const stateFile = args.optional('state-file');
    const layout = stateFile ? stateLayout(cluster, { MINIMESH_CLUSTER_STATE_DIR: dirname(dirname(stateFile)) }) : ref.layout;
    const state = requireState(cluster, layout);
    const api = connectApiClient(state.apiserver.unix, { timeoutMs: 30_000 });
    const stopping = new AbortController();
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stopping.abort());
    const ending = new Set<string>();
    const end = (pod: Pod): void => {
      const key = podKey(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '');
      if (!pod.metadata.deletionTimestamp || ending.has(key) || !isLocal(layout, key)) return;
      ending.add(key);
      terminatePod(api, cluster, layout, pod)
        .catch((e: Error) => warn(`ending pod ${key}: ${e.message}`))
        .finally(() => ending.delete(key));
    };
    while (!stopping.signal.aborted) {
      try {
        const list = await api.list('Pod');
        for (const pod of list.items) end(pod);
        for await (const ev of api.watch('Pod', { resourceVersion: list.resourceVersion, storeId: list.storeId, signal: stopping.signal })) {
          if (ev.object && ev.type !== 'DELETED') end(ev.object);
        }
      } catch (e) {
        if (stopping.signal.aborted) break;
        // The cluster went away without stopping us (its apiserver is gone and so is its state): end too.
        if (readState(layout)?.status !== 'up') break;
        if (!(e instanceof ExpiredError)) warn(`watching pods: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    api.close();
    return 0;
  },
};

/** A pod this cluster runs (its record is in the state file). */
function isLocal(layout: StateLayout, key: string): boolean {
  return readState(layout)?.pods[key] !== undefined;
}
