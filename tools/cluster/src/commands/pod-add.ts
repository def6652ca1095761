/** `pod add`: a pod namespace on a node, its echo server, and the Pod object in the apiserver. */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AlreadyExistsError, NotFoundError, type ContainerPort } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import type { ParsedArgs } from '../args.js';
import { ECHO_SERVER, childEnv } from '../apps.js';
import { CLUSTER_FLAG, NAMESPACE_FLAG, UserError, clusterRef, exactlyOne, print, requireRoot, withApi, type Command } from '../cli.js';
import { parseLabelList } from '../labels.js';
import { buildPod } from '../network.js';
import { kubeTime, parsePortSpec, podObject } from '../objects.js';
import { isAlive, startDetached, type ProcessRecord } from '../processes.js';
import { podKey, podProcessName, readState, requireState, withLock, writeState, type PodRecord } from '../state.js';
import { removePodNetwork } from '../teardown.js';
import { allocatePodIP, podNames } from '../topology.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const podAdd: Command = {
  usage: 'minimesh-cluster pod add NAME --node NODE [-n NS] [--labels k=v,...] [--port P[/PROTO][:name]]... [--hostname H --subdomain S] [--not-ready]',
  description:
    'Adds a pod: a network namespace with a veth to its node (eth0 10.244.<node>.x/32, default via 10.244.<node>.1),\n' +
    'an echo server answering `IP: <podIP> <pod> <node>` on every port (HTTP on TCP, a reply to each UDP datagram),\n' +
    'a resolv.conf pointing at cluster DNS 10.96.0.10, and the Pod object in the apiserver (Running, Ready unless\n' +
    '--not-ready). Needs root.',
  flags: {
    node: { type: 'string', value: 'NODE', help: 'Node to run the pod on (node1, node2, ...). Required.' },
    namespace: NAMESPACE_FLAG,
    labels: { type: 'string', value: 'k=v,...', help: 'Labels of the pod, comma-separated.' },
    port: { type: 'list', value: 'P[/PROTO][:name]', help: 'A container port the echo server serves (repeatable; default 80/TCP), e.g. 53/udp:dns.' },
    hostname: { type: 'string', value: 'H', help: 'spec.hostname of the pod.' },
    subdomain: { type: 'string', value: 'S', help: 'spec.subdomain of the pod.' },
    'not-ready': { type: 'bool', help: 'Register the pod with Ready=False.' },
    name: CLUSTER_FLAG,
  },
  async run(args: ParsedArgs): Promise<number> {
    const { cluster, layout } = clusterRef(args);
    const name = exactlyOne(args, 'pod name');
    const namespace = args.strings.namespace ?? 'default';
    if (!DNS_SUBDOMAIN.test(name) || name.length > 253) throw new UserError(`invalid pod name "${name}": must be a lowercase RFC 1123 subdomain`);
    if (!DNS_LABEL.test(namespace) || namespace.length > 63) throw new UserError(`invalid namespace "${namespace}": must be a lowercase RFC 1123 label`);
    let labels: Record<string, string>;
    let ports: ContainerPort[];
    try {
      labels = parseLabelList(args.strings.labels ?? '');
      ports = args.lists.port!.length ? args.lists.port!.map(parsePortSpec) : [{ containerPort: 80, protocol: 'TCP' }];
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    const seen = new Set<string>();
    for (const p of ports) {
      const key = `${p.containerPort}/${p.protocol}`;
      if (seen.has(key)) throw new UserError(`port ${key} is given twice`);
      seen.add(key);
    }
    const state = requireState(cluster, layout);
    const nodeName = args.strings.node;
    if (!nodeName) throw new UserError(`--node is required (nodes: ${state.plan.nodes.map((n) => n.name).join(', ')})`);
    const node = state.plan.nodes.find((n) => n.name === nodeName);
    if (!node) throw new UserError(`node "${nodeName}" not found (nodes: ${state.plan.nodes.map((n) => n.name).join(', ')})`);
    requireRoot('pod add');

    const rec = await withLock(layout, async () => {
      const current = readState(layout) ?? state;
      const key = podKey(namespace, name);
      if (current.pods[key]) throw new UserError(`pod "${name}" already exists in namespace "${namespace}"`);
      const used = Object.values(current.pods).filter((p) => p.node === node.name).map((p) => p.ip);
      const ip = allocatePodIP(node, used);
      const names = podNames(cluster, namespace, name);
      const pod: PodRecord = { name, namespace, node: node.name, ip, netns: names.netns, hostVeth: names.hostVeth, ports, process: podProcessName(namespace, name) };
      await withApi(current, async (api) => {
        await mustNotExist(api, namespace, name);
        try {
          await buildPod({ netns: pod.netns, hostVeth: pod.hostVeth, ip, namespace, node });
          await startEcho(layout.logDir, layout.pidDir, pod, node.name);
          await ensureNamespace(api, namespace);
          const now = kubeTime();
          await api.create(
            podObject({ name, namespace, node, ip, labels, ports, hostname: args.strings.hostname, subdomain: args.strings.subdomain, ready: !args.bools['not-ready'], now }),
          );
        } catch (e) {
          await removePodNetwork(layout, pod.process, pod.netns);
          throw e;
        }
      });
      current.pods[key] = pod;
      writeState(layout, current);
      return pod;
    });
    const portList = rec.ports.map((p) => `${p.containerPort}/${p.protocol}${p.name ? `(${p.name})` : ''}`).join(' ');
    print(`pod/${name} created in namespace ${namespace}: ${rec.ip} on ${rec.node}, ${portList}${args.bools['not-ready'] ? ', not ready' : ''} (netns ${rec.netns})`);
    return 0;
  },
};

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

/** Starts the pod's echo server inside its namespace and waits for its "ready" line. */
async function startEcho(logDir: string, pidDir: string, pod: PodRecord, node: string): Promise<ProcessRecord> {
  const log = join(logDir, `${pod.process}.log`);
  rmSync(log, { force: true });
  const args = [ECHO_SERVER, '--ip', pod.ip, '--pod', pod.name, '--node', node];
  for (const p of pod.ports) args.push('--port', `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`);
  const rec = startDetached({
    name: pod.process,
    command: process.execPath,
    args: ['--max-old-space-size=32', ...args],
    env: childEnv(),
    logFile: log,
    pidDir,
    netns: pod.netns,
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = readLog(log);
    if (text.includes('echo-server ready')) return rec;
    if (!isAlive(rec.pid, rec.startTime)) throw new Error(`the echo server of pod "${pod.name}" exited: ${text.trim().split('\n').pop() ?? ''}`);
    if (Date.now() > deadline) throw new Error(`the echo server of pod "${pod.name}" did not start within 10 s (log: ${log})`);
    await sleep(20);
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
