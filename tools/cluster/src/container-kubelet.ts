/**
 * minimesh-pod: the kubelet's part for a container (the docker compose mesh). In a node's
 * container (`--register-node`) it registers the Node with the container's address; in a pod's
 * container (`--pod NAME`) it registers the Pod with the container's address as its podIP, runs
 * the echo server on its ports, and deletes the Pod when stopped, as a kubelet reports a pod that
 * ended. Its IP is the first IPv4 address of the container that is not loopback (or --ip).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { AlreadyExistsError, NotFoundError, type ContainerPort } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { runApp, type FlagSpecs, type FlagValues, type Logger } from '@minimesh/runtime';
import { ECHO_SERVER } from './apps.js';
import { ensureNamespace } from './commands/pod-add.js';
import { parseLabelList } from './labels.js';
import { kubeTime, nodeObject, parsePortSpec, podObject } from './objects.js';
import type { NodePlan } from './topology.js';

export const POD_FLAGS = {
  server: { description: 'apiserver gRPC address (host:port).', default: '127.0.0.1:6443', env: 'MINIMESH_SERVER' },
  'certificate-authority': { description: "CA file that verifies the apiserver's certificate.", default: '', env: 'MINIMESH_CERTIFICATE_AUTHORITY' },
  'token-file': { description: 'File holding a bearer token for the apiserver.', default: '', env: 'MINIMESH_TOKEN_FILE' },
  'register-node': { description: 'Register the Node named by --node with this container\'s address (a node\'s container).', default: false },
  node: { description: 'The node (a node\'s container: its name; a pod\'s: the node it runs on).', default: '', env: 'MINIMESH_NODE_NAME' },
  cluster: { description: 'The minimesh.io/cluster label of a registered Node.', default: 'compose' },
  pod: { description: 'Register a Pod of this name and serve its ports (a pod\'s container).', default: '' },
  namespace: { description: 'Namespace of the Pod.', default: 'default' },
  labels: { description: 'Labels of the Pod, k=v,...', default: '' },
  port: { description: 'Ports the Pod serves, P[/PROTO][:name],... (default 80).', default: '80' },
  ip: { description: 'The address to register (default: the container\'s first IPv4 address that is not loopback).', default: '' },
} satisfies FlagSpecs;

export type PodOptions = FlagValues<typeof POD_FLAGS>;

/** The container's own IPv4 address: the first one not on loopback. */
export function ownIPv4(interfaces = networkInterfaces()): string | undefined {
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** A NodePlan for the builders: only the fields a Node and a Pod object use. */
function planOf(name: string, ip: string): NodePlan {
  return { index: 0, name, netns: '', ip, podCIDR: '', gateway: '', fabricVeth: '' };
}

export function validate(o: PodOptions): void {
  if (!o.node) throw new Error('--node is required');
  if (o['register-node'] === (o.pod !== '')) throw new Error('give exactly one of --register-node and --pod');
  if (o.pod) for (const spec of o.port.split(',')) parsePortSpec(spec);
  parseLabelList(o.labels);
}

async function retry<T>(log: Logger, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 60) throw e;
      if (attempt === 1 || attempt % 10 === 0) log.info(`${what} failed; retrying`, { err: (e as Error).message });
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function registerNode(api: ApiClient, o: PodOptions, ip: string): Promise<void> {
  const obj = nodeObject(planOf(o.node, ip), o.cluster, kubeTime());
  delete (obj.spec as { podCIDR?: string; podCIDRs?: string[] }).podCIDR;
  delete (obj.spec as { podCIDR?: string; podCIDRs?: string[] }).podCIDRs;
  try {
    await api.create(obj);
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
    const current = await api.get('Node', '', o.node);
    await api.updateStatus({ ...current, status: obj.status });
  }
}

async function registerPod(api: ApiClient, o: PodOptions, ip: string, ports: ContainerPort[]): Promise<void> {
  await ensureNamespace(api, o.namespace);
  const pod = podObject({ name: o.pod, namespace: o.namespace, node: planOf(o.node, ''), ip, labels: parseLabelList(o.labels), ports, ready: true, now: kubeTime() });
  delete pod.status!.hostIP;
  try {
    await api.create(pod);
  } catch (e) {
    if (!(e instanceof AlreadyExistsError)) throw e;
    // A container restarted under the same name: the old Pod is this one's past. Gone at once
    // (grace 0), as a kubelet confirms a deletion once the containers stopped.
    await api.delete('Pod', o.namespace, o.pod, { gracePeriodSeconds: 0 });
    await api.create(pod);
  }
}

function startEcho(o: PodOptions, ip: string, ports: ContainerPort[], log: Logger): ChildProcess {
  const args = [ECHO_SERVER, '--ip', ip, '--pod', o.pod, '--node', o.node];
  for (const p of ports) args.push('--port', `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code) => {
    log.error('the echo server exited', { code });
    process.exit(1);
  });
  return child;
}

export async function start(o: PodOptions, log: Logger): Promise<() => Promise<void>> {
  const ip = o.ip || ownIPv4();
  if (!ip) throw new Error('no IPv4 address on this container: give --ip');
  const api = connectApiClient(o.server, { ...(o['certificate-authority'] ? { caFile: o['certificate-authority'] } : {}), ...(o['token-file'] ? { tokenFile: o['token-file'] } : {}) });
  if (o['register-node']) {
    await retry(log, 'registering the Node', () => registerNode(api, o, ip));
    log.info('node registered', { node: o.node, ip });
    return async () => api.close();
  }
  const ports = o.port.split(',').map(parsePortSpec);
  const echo = startEcho(o, ip, ports, log);
  await retry(log, 'registering the Pod', () => registerPod(api, o, ip, ports));
  log.info('pod registered', { pod: `${o.namespace}/${o.pod}`, ip, node: o.node });
  return async () => {
    echo.removeAllListeners('exit');
    echo.kill('SIGTERM');
    try {
      await api.delete('Pod', o.namespace, o.pod, { gracePeriodSeconds: 0 });
    } catch (e) {
      if (!(e instanceof NotFoundError)) log.warn('deleting the Pod failed', { err: (e as Error).message });
    }
    api.close();
  };
}
