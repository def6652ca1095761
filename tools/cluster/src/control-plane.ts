/**
 * Starting the cluster's processes from the table in apps.ts: nats-server and the apiserver in the
 * root namespace (waiting until each answers), the Node objects, then the controllers and one
 * node agent inside every node namespace (skipped with a warning while their bins do not exist).
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { basename, join } from 'node:path';
import { AlreadyExistsError } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { adminCredentials } from './cli.js';
import { freePorts } from '@minimesh/runtime';
import { CONTROLLERS, CONTROL_PLANE, childEnv, resolveProgram, type AppContext, type AppSpec } from './apps.js';
import { nodeObject, kubeTime } from './objects.js';
import { isAlive, startDetached, type ProcessRecord } from './processes.js';
import { nodeCgroup } from './cgroups.js';
import type { ClusterState, ProcessEntry, StateLayout } from './state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

function logTail(path: string, lines = 5): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Polls `ready` until it is true; fails early when the process dies, with the end of its log. */
async function waitReady(rec: ProcessRecord, log: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    if (!isAlive(rec.pid, rec.startTime)) throw new Error(`${rec.name} exited during start-up; the end of ${log}:\n${logTail(log)}`);
    if (Date.now() > deadline) throw new Error(`${rec.name} was not ready after ${timeoutMs / 1000} s; the end of ${log}:\n${logTail(log)}`);
    await sleep(100);
  }
}

function start(app: AppSpec, ctx: AppContext, name: string, netns?: string): { rec?: ProcessRecord; entry: ProcessEntry } {
  // A node's processes live in its cgroup (ebpf mode's agent load-balances that cgroup).
  const cgroup = ctx.node ? nodeCgroup(ctx.state.name, ctx.node.name) : undefined;
  const log = join(ctx.layout.logDir, `${name}.log`);
  const program = resolveProgram(app, ctx);
  if (program.missing) {
    if (app.required) throw new Error(`${program.missing} is missing (run npm install in the repository)`);
    return { entry: { name, netns, log, skipped: `${basename(program.missing)} is not installed yet` } };
  }
  const rec = startDetached({
    name,
    command: program.command,
    args: program.args,
    env: childEnv(app.env?.(ctx)),
    logFile: log,
    pidDir: ctx.layout.pidDir,
    netns,
    cgroup,
    hostMounts: app.hostMounts?.(ctx),
  });
  return { rec, entry: { name, netns, log } };
}

/** Ports for NATS, the apiserver's gRPC, its REST API and its HTTP side, and the apiserver's socket path. */
export async function controlPlaneAddresses(layout: StateLayout): Promise<Pick<ClusterState, 'apiserver' | 'nats'>> {
  const [nats, grpc, http, rest] = await freePorts(4);
  return {
    nats: { url: `nats://127.0.0.1:${nats}` },
    apiserver: { address: `127.0.0.1:${grpc}`, unix: `unix://${layout.socket}`, http: `127.0.0.1:${http}`, rest: `127.0.0.1:${rest}`, restUnix: `unix://${layout.socket.replace(/\.sock$/, '-rest.sock')}` },
  };
}

async function apiAnswers(address: string, layout: StateLayout): Promise<boolean> {
  const api = connectApiClient(address, { timeoutMs: 1000, ...adminCredentials(layout) });
  try {
    await api.list('Namespace');
    return true;
  } catch {
    return false;
  } finally {
    api.close();
  }
}

/** nats-server, then the apiserver; resolves once the apiserver answers over gRPC. */
export async function startControlPlane(ctx: AppContext): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = [];
  const [natsApp, apiApp] = CONTROL_PLANE as [AppSpec, AppSpec];
  const nats = start(natsApp, ctx, natsApp.name);
  entries.push(nats.entry);
  const natsPort = Number(ctx.state.nats.url.split(':').pop());
  await waitReady(nats.rec!, nats.entry.log, () => tcpOpen(natsPort), 15_000);
  const api = start(apiApp, ctx, apiApp.name);
  entries.push(api.entry);
  await waitReady(api.rec!, api.entry.log, () => apiAnswers(ctx.state.apiserver.address, ctx.layout), 60_000);
  return entries;
}

export async function registerNodes(api: ApiClient, state: ClusterState): Promise<void> {
  const now = kubeTime();
  for (const node of state.plan.nodes) {
    const obj = nodeObject(node, state.name, now);
    try {
      await api.create(obj);
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
      const current = await api.get('Node', '', node.name);
      const updated = await api.update({ ...current, metadata: { ...current.metadata, labels: obj.metadata.labels }, spec: obj.spec });
      await api.updateStatus({ ...updated, status: obj.status });
    }
  }
}

/** The endpoints controller and the node agents; a missing bin is a warning, not a failure. */
export function startControllers(ctx: AppContext, warn: (line: string) => void): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const app of CONTROLLERS) {
    if (app.when && !app.when(ctx)) continue;
    if (app.where === 'lb') {
      const { entry } = start(app, ctx, app.name, ctx.state.plan.lbNetns);
      entries.push(entry);
      if (entry.skipped) warn(`${app.name} not started: ${entry.skipped}`);
      continue;
    }
    const targets = app.where === 'root' ? [undefined] : ctx.state.plan.nodes;
    for (const node of targets) {
      const name = node ? `${app.name}-${node.name}` : app.name;
      const { entry } = start(app, { ...ctx, node }, name, node?.netns);
      entries.push(entry);
      if (entry.skipped && node === targets[0]) {
        warn(`${app.name} not started${node ? ' on any node' : ''}: ${entry.skipped}`);
      }
    }
  }
  return entries;
}
