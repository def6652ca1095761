/** `exec`: runs a command inside a pod's, a node's or the outside client's network namespace. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { CommandLine } from '@minimesh/runtime';
import { CLUSTER_FLAG, NAMESPACE_FLAG, UserError, clusterRef, exactlyOne, requireRoot, type Command } from '../cli.js';
import { podKey, requireState, type ClusterState } from '../state.js';
import { inCgroup, nodeCgroup } from '../cgroups.js';

export const exec: Command = {
  usage: 'minimesh-cluster exec <pod|node|outside> [-n NS] -- <command> [args...]',
  description:
    'Runs a command inside a network namespace of the cluster, with stdin/stdout/stderr passed through and its\n' +
    'exit code returned: a pod (by name, in -n NS, default "default"; /etc/resolv.conf is the pod\'s), a node\n' +
    '(node1, node2, ...) or `outside`, the client on the fabric outside the nodes. Needs root.\n' +
    'Example: minimesh-cluster exec web-1 -n study -- curl -s http://10.244.2.10/',
  flags: [NAMESPACE_FLAG, CLUSTER_FLAG],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const target = exactlyOne(args, 'pod, node or `outside` (the command goes after --)');
    if (args.rest.length === 0) throw new UserError('no command given: put it after --, e.g. exec node1 -- ip route');
    const state = requireState(cluster, layout);
    const [command, argv] = execCommandLine(state, target, args.optional('namespace'), args.rest);
    requireRoot('exec');
    return new Promise((resolve, reject) => {
      const child = spawn(command, argv, { stdio: 'inherit' });
      child.once('error', (e) => reject(new UserError(`could not run ip netns exec: ${e.message}`)));
      child.once('exit', (code, signal) => {
        if (code !== null) resolve(code);
        else resolve(128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      });
    });
  },
};

/**
 * The command line that runs `cmd` in a target's network namespace: `ip netns exec` (which also
 * puts the namespace's /etc/netns/<ns>/resolv.conf in place) and, in a pod or on a node, inside that
 * node's cgroup, as the node's own processes run. Throws UserError for an unknown target.
 */
export function execCommandLine(state: ClusterState, target: string, namespace: string | undefined, cmd: string[]): [string, string[]] {
  const netns = resolveTarget(state, target, namespace);
  const node = target === 'outside' && namespace === undefined ? undefined : nodeOfTarget(state, target, namespace);
  return inCgroup(node === undefined ? undefined : nodeCgroup(state.name, node), 'ip', ['netns', 'exec', netns, ...cmd]);
}

/** The node a target runs on (undefined for `outside`). */
function nodeOfTarget(state: ClusterState, target: string, namespace: string | undefined): string | undefined {
  if (namespace === undefined && state.plan.nodes.some((n) => n.name === target)) return target;
  return state.pods[podKey(namespace ?? 'default', target)]?.node;
}

/** A node or `outside` when no namespace is given; otherwise (or else) a pod. */
export function resolveTarget(state: ClusterState, target: string, namespace: string | undefined): string {
  if (namespace === undefined) {
    if (target === 'outside') return state.plan.outsideNetns;
    const node = state.plan.nodes.find((n) => n.name === target);
    if (node) return node.netns;
  }
  const ns = namespace ?? 'default';
  const pod = state.pods[podKey(ns, target)];
  if (pod) return pod.netns;
  const nodes = state.plan.nodes.map((n) => n.name).join(', ');
  throw new UserError(`pod "${target}" not found in namespace "${ns}" (nodes are ${nodes}; the client outside the nodes is "outside")`);
}
