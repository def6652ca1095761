/** `pod add`: a pod namespace on a node, its echo server, and the Pod object in the apiserver. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AlreadyExistsError, NotFoundError, type ContainerPort } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import type { CommandLine } from '@minimesh/runtime';
import { ECHO_SERVER, childEnv } from '../apps.js';
import { CLUSTER_FLAG, NAMESPACE_FLAG, UserError, clusterRef, exactlyOne, print, requireRoot, withApi, type Command } from '../cli.js';
import { parseLabelList } from '../labels.js';
import { buildPod } from '../network.js';
import { kubeTime, parsePortSpec, podObject } from '../objects.js';
import { isAlive, startDetached, type ProcessRecord } from '../processes.js';
import { nodeCgroup } from '../cgroups.js';
import { podKey, podProcessName, readState, requireState, withLock, writeState, type ClusterState, type PodRecord, type StateLayout } from '../state.js';
import { removePod } from '../teardown.js';
import { allocatePodIP, podNames, type NodePlan } from '../topology.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const podAdd: Command = {
  usage: 'minimesh-cluster pod add NAME --node NODE [-n NS] [--labels k=v,...] [--port P[/PROTO][:name]]... [--hostname H --subdomain S] [--not-ready] [--host-network] [--shutdown-delay S]',
  description:
    'Adds a pod: a network namespace with a veth to its node (eth0 10.244.<node>.x/32, default via 10.244.<node>.1),\n' +
    'an echo server answering two lines, `IP: <podIP> <pod> <node>` and `from <client ip>:<client port>`, on every\n' +
    'port (HTTP on TCP, a reply to each UDP datagram), a resolv.conf pointing at cluster DNS 10.96.0.10, and the Pod\n' +
    'object in the apiserver (Running, Ready unless --not-ready). With --host-network the echo server runs in the\n' +
    'node\'s namespace and the pod\'s IP is the node\'s. Needs root.',
  flags: [
    { name: 'node', type: 'string', valueName: 'NODE', help: 'Node to run the pod on (node1, node2, ...). Required.' },
    NAMESPACE_FLAG,
    { name: 'labels', type: 'string', valueName: 'k=v,...', help: 'Labels of the pod, comma-separated.' },
    { name: 'port', type: 'strings', valueName: 'P[/PROTO][:name]', help: 'A container port the echo server serves (repeatable; default 80/TCP), e.g. 53/udp:dns.' },
    { name: 'hostname', type: 'string', valueName: 'H', help: 'spec.hostname of the pod.' },
    { name: 'subdomain', type: 'string', valueName: 'S', help: 'spec.subdomain of the pod.' },
    { name: 'not-ready', type: 'bool', help: 'Register the pod with Ready=False.' },
    { name: 'shutdown-delay', type: 'string', valueName: 'SECONDS', help: 'The echo server keeps serving this long after SIGTERM (a draining app; its pod is terminating but serving).' },
    { name: 'host-network', type: 'bool', help: "Run the pod in its node's network namespace (spec.hostNetwork; its IP is the node's)." },
    CLUSTER_FLAG,
  ],
  async run(args: CommandLine): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const name = exactlyOne(args, 'pod name');
    const namespace = args.optional('namespace') ?? 'default';
    if (!DNS_SUBDOMAIN.test(name) || name.length > 253) throw new UserError(`invalid pod name "${name}": must be a lowercase RFC 1123 subdomain`);
    if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw new UserError(`invalid namespace "${namespace}": must be a lowercase RFC 1123 label`);
    let labels: Record<string, string>;
    let ports: ContainerPort[];
    try {
      labels = parseLabelList(args.optional('labels') ?? '');
      const portSpecs = args.strings('port');
      ports = portSpecs.length ? portSpecs.map(parsePortSpec) : [{ containerPort: 80, protocol: 'TCP' }];
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    const seen = new Set<string>();
    for (const p of ports) {
      const key = `${p.containerPort}/${p.protocol}`;
      if (seen.has(key)) throw new UserError(`port ${key} is given twice`);
      seen.add(key);
    }
    const shutdownDelay = Number(args.optional('shutdown-delay') ?? 0);
    if (!Number.isFinite(shutdownDelay) || shutdownDelay < 0) throw new UserError(`--shutdown-delay must be a number of seconds, not "${args.optional('shutdown-delay')}"`);
    const state = requireState(cluster, layout);
    const nodeName = args.optional('node');
    if (!nodeName) throw new UserError(`--node is required (nodes: ${state.plan.nodes.map((n) => n.name).join(', ')})`);
    const node = state.plan.nodes.find((n) => n.name === nodeName);
    if (!node) throw new UserError(`node "${nodeName}" not found (nodes: ${state.plan.nodes.map((n) => n.name).join(', ')})`);
    requireRoot('pod add');

    const rec = await addPod(cluster, layout, state, {
      name,
      namespace,
      node,
      labels,
      ports,
      hostname: args.optional('hostname'),
      subdomain: args.optional('subdomain'),
      ready: !args.bool('not-ready'),
      hostNetwork: args.bool('host-network'),
      shutdownDelaySeconds: shutdownDelay,
    });
    const portList = rec.ports.map((p) => `${p.containerPort}/${p.protocol}${p.name ? `(${p.name})` : ''}`).join(' ');
    print(`pod/${name} created in namespace ${namespace}: ${rec.ip} on ${rec.node}, ${portList}${args.bool('not-ready') ? ', not ready' : ''} (netns ${rec.netns})`);
    return 0;
  },
};

/** What runs in a pod: by default the echo server; the cluster's own pods (DNS) bring their program. */
export interface PodProgram {
  command: string;
  args: string[];
  /** Resolves once the program serves (it is polled until then, up to `startTimeoutMs`). */
  started: (logText: string) => boolean | Promise<boolean>;
  startTimeoutMs?: number;
  /** The pod's resolv.conf, when it must not point at cluster DNS. */
  resolvConf?: string;
}

export interface AddPodOptions {
  name: string;
  namespace: string;
  node: NodePlan;
  labels: Record<string, string>;
  ports: ContainerPort[];
  hostname?: string;
  subdomain?: string;
  ready: boolean;
  program?: PodProgram;
  /** Run in the node's namespace, with the node's IP (spec.hostNetwork). */
  hostNetwork?: boolean;
  /** The echo server keeps serving this long after SIGTERM. */
  shutdownDelaySeconds?: number;
}

/** Builds the pod's network, starts its program, registers the Pod; undoes it all on failure. */
export async function addPod(cluster: string, layout: StateLayout, state: ClusterState, o: AddPodOptions): Promise<PodRecord> {
  return withLock(layout, async () => {
    const current = readState(layout) ?? state;
    const key = podKey(o.namespace, o.name);
    if (current.pods[key]) throw new UserError(`pod "${o.name}" already exists in namespace "${o.namespace}"`);
    const used = Object.values(current.pods).filter((p) => p.node === o.node.name && !p.hostNetwork).map((p) => p.ip);
    const ip = o.hostNetwork ? o.node.ip : allocatePodIP(o.node, used);
    const names = podNames(cluster, o.namespace, o.name);
    const pod: PodRecord = {
      name: o.name,
      namespace: o.namespace,
      node: o.node.name,
      ip,
      netns: o.hostNetwork ? o.node.netns : names.netns,
      hostVeth: o.hostNetwork ? '' : names.hostVeth,
      ports: o.ports,
      process: podProcessName(o.namespace, o.name),
      ...(o.hostNetwork ? { hostNetwork: true } : {}),
    };
    await withApi(current, async (api) => {
      await mustNotExist(api, o.namespace, o.name);
      try {
        if (!o.hostNetwork) await buildPod({ netns: pod.netns, hostVeth: pod.hostVeth, ip, namespace: o.namespace, node: o.node, resolvConf: o.program?.resolvConf });
        await startPodProgram(layout.logDir, layout.pidDir, pod, o.program ?? echoProgram(pod, o.node.name, o.shutdownDelaySeconds ?? 0), nodeCgroup(cluster, o.node.name));
        await ensureNamespace(api, o.namespace);
        const now = kubeTime();
        const created = await api.create(
          podObject({ name: o.name, namespace: o.namespace, node: o.node, ip, labels: o.labels, ports: o.ports, hostname: o.hostname, subdomain: o.subdomain, ready: o.ready, now, hostNetwork: o.hostNetwork }),
        );
        if (created.metadata.uid) pod.uid = created.metadata.uid;
      } catch (e) {
        await removePod(layout, pod);
        throw e;
      }
    });
    current.pods[key] = pod;
    writeState(layout, current);
    return pod;
  });
}

async function mustNotExist(api: ApiClient, namespace: string, name: string): Promise<void> {
  try {
    await api.get('Pod', namespace, name);
  } catch (e) {
    if (e instanceof NotFoundError) return;
    throw e;
  }
  throw new UserError(`pod "${name}" already exists in namespace "${namespace}" (in the apiserver)`);
}

export async function ensureNamespace(api: ApiClient, namespace: string): Promise<void> {
  try {
    await api.get('Namespace', '', namespace);
    return;
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
  try {
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The echo server answering `IP: <podIP> <pod> <node>` and `from <client ip>:<port>` on every port of the pod. */
function echoProgram(pod: PodRecord, node: string, shutdownDelaySeconds: number): PodProgram {
  const args = [ECHO_SERVER, '--ip', pod.ip, '--pod', pod.name, '--node', node, '--shutdown-delay', String(shutdownDelaySeconds)];
  for (const p of pod.ports) args.push('--port', `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`);
  return { command: process.execPath, args: ['--max-old-space-size=32', ...args], started: (log) => log.includes('echo-server ready') };
}

/** Starts the pod's program inside its namespace and waits until it serves. */
async function startPodProgram(logDir: string, pidDir: string, pod: PodRecord, program: PodProgram, cgroup: string | undefined): Promise<ProcessRecord> {
  const log = join(logDir, `${pod.process}.log`);
  rmSync(log, { force: true });
  const rec = startDetached({ name: pod.process, command: program.command, args: program.args, env: childEnv(), logFile: log, pidDir, netns: pod.netns, cgroup });
  const timeoutMs = program.startTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readLog(log);
    if (await program.started(text)) return rec;
    if (!isAlive(rec.pid, rec.startTime)) throw new Error(`the program of pod "${pod.name}" exited: ${text.trim().split('\n').pop() ?? ''}`);
    if (Date.now() > deadline) throw new Error(`the program of pod "${pod.name}" did not start within ${timeoutMs / 1000} s (log: ${log})`);
    await sleep(50);
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
