/** `pod delete`, `pod ready` and `pod label`: changes to a pod that exists. */
import { ConflictError, NotFoundError, type Pod } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import type { CommandLine } from '@minimesh/runtime';
import { CLUSTER_FLAG, NAMESPACE_FLAG, UserError, clusterRef, exactlyOne, print, requireRoot, warn, withApi, type Command } from '../cli.js';
import { applyLabelArgs } from '../labels.js';
import { listNetns } from '../netns.js';
import { kubeTime, withReadiness } from '../objects.js';
import { terminatePod } from '../pod-termination.js';
import { podKey, podProcessName, requireState } from '../state.js';
import { removePod } from '../teardown.js';
import { podNames } from '../topology.js';

const notFound = (name: string, namespace: string) => new UserError(`pod "${name}" not found in namespace "${namespace}"`);

async function getPod(api: ApiClient, namespace: string, name: string): Promise<Pod> {
  try {
    return await api.get('Pod', namespace, name);
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound(name, namespace);
    throw e;
  }
}

/** Read-modify-write of a pod, again on a write conflict. `change` returns undefined for "nothing to do". */
async function modifyPod(api: ApiClient, namespace: string, name: string, change: (pod: Pod) => Promise<Pod | undefined>): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const pod = await getPod(api, namespace, name);
    try {
      return (await change(pod)) !== undefined;
    } catch (e) {
      if (!(e instanceof ConflictError) || attempt >= 5) throw e;
    }
  }
}

export const podDelete: Command = {
  usage: 'minimesh-cluster pod delete NAME [-n NS] [--grace-period N] [--wait]',
  description:
    "Deletes a pod as a kubelet sees it deleted: the apiserver marks the Pod (deletionTimestamp, the grace period:\n" +
    "--grace-period, else the pod's terminationGracePeriodSeconds, else 30 s), its echo server gets SIGTERM and at\n" +
    'most that long to exit, its namespace goes, and the delete is confirmed with a grace period of 0.\n' +
    'With --wait, returns once the Pod object is gone (finalizers may hold it). Needs root.',
  flags: [
    { name: 'grace-period', type: 'string', valueName: 'SECONDS', help: "Seconds the pod has to stop (default: the pod's own, else 30)." },
    { name: 'wait', type: 'bool', help: 'Return only when the Pod object is gone from the apiserver.' },
    NAMESPACE_FLAG,
    CLUSTER_FLAG,
  ],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const name = exactlyOne(args, 'pod name');
    const namespace = args.optional('namespace') ?? 'default';
    const raw = args.optional('grace-period');
    const grace = raw === undefined ? undefined : Number(raw);
    if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) throw new UserError(`--grace-period must be a whole number of seconds, not "${raw}"`);
    const state = requireState(cluster, layout);
    const key = podKey(namespace, name);
    const netns = state.pods[key]?.netns ?? podNames(cluster, namespace, name).netns;
    const local = state.pods[key] !== undefined || (await listNetns()).includes(netns);
    if (local) requireRoot('pod delete');
    const inApi = await withApi(state, async (api) => {
      let marked: Pod;
      try {
        marked = await api.delete('Pod', namespace, name, grace === undefined ? {} : { gracePeriodSeconds: grace });
      } catch (e) {
        if (e instanceof NotFoundError) return false;
        throw e;
      }
      // A pod already marked keeps its mark when this grace is not shorter; it stops within this one all the same.
      if (local) await terminatePod(api, cluster, layout, marked, grace);
      if (args.bool('wait')) await waitGone(api, namespace, name);
      return true;
    }, 600_000);
    if (!inApi && !local) throw notFound(name, namespace);
    if (!inApi) await removePod(layout, state.pods[key] ?? { process: podProcessName(namespace, name), netns });
    print(`pod "${name}" deleted${inApi ? '' : ' (it was not in the apiserver)'}`);
    return 0;
  },
};

async function waitGone(api: ApiClient, namespace: string, name: string): Promise<void> {
  for (;;) {
    try {
      await api.get('Pod', namespace, name);
    } catch (e) {
      if (e instanceof NotFoundError) return;
      throw e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const podReady: Command = {
  usage: 'minimesh-cluster pod ready NAME [-n NS] [--ready=false]',
  description:
    "Sets the pod's Ready (and ContainersReady) condition, with a new lastTransitionTime, as a failing or passing\n" +
    'readiness probe would. The echo server keeps running either way.',
  flags: [
    { name: 'ready', type: 'bool', help: 'The new readiness: --ready (default) or --ready=false.' },
    NAMESPACE_FLAG,
    CLUSTER_FLAG,
  ],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const name = exactlyOne(args, 'pod name');
    const namespace = args.optional('namespace') ?? 'default';
    const ready = args.bool('ready', true);
    const state = requireState(cluster, layout);
    const changed = await withApi(state, (api) =>
      modifyPod(api, namespace, name, async (pod) => {
        const next = withReadiness(pod, ready, kubeTime());
        return next ? api.updateStatus(next) : undefined;
      }),
    );
    print(`pod/${name} ${changed ? '' : 'already '}ready=${ready}`);
    return 0;
  },
};

export const podLabel: Command = {
  usage: 'minimesh-cluster pod label NAME [-n NS] [--overwrite] KEY=VALUE... KEY-...',
  description: 'Updates the labels of a pod with kubectl label semantics: KEY=VALUE sets (an existing different value\nneeds --overwrite), KEY- removes.',
  flags: [
    { name: 'overwrite', type: 'bool', help: 'Allow replacing the value of an existing label.' },
    NAMESPACE_FLAG,
    CLUSTER_FLAG,
  ],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const [name, ...changes] = args.args;
    if (!name) throw new UserError('expected a pod name and at least one label update (KEY=VALUE or KEY-)');
    const namespace = args.optional('namespace') ?? 'default';
    const state = requireState(cluster, layout);
    const changed = await withApi(state, (api) =>
      modifyPod(api, namespace, name, async (pod) => {
        let result;
        try {
          result = applyLabelArgs(pod.metadata.labels ?? {}, changes, args.bool('overwrite'));
        } catch (e) {
          throw new UserError((e as Error).message);
        }
        for (const w of result.warnings) warn(w);
        if (!result.changed) return undefined;
        return api.update({ ...pod, metadata: { ...pod.metadata, labels: result.labels } });
      }),
    );
    print(`pod/${name} ${changed ? 'labeled' : 'not labeled'}`);
    return 0;
  },
};
