/**
 * Durable writes (a script that prints figures; not a test): acknowledged Service creates per
 * second and their latency, from N concurrent gRPC clients (one connection each: @minimesh/client,
 * as the apps call it, and bare grpc-js clients that send encoded requests and take the answers as
 * bytes, the work the REST and etcd load do), and again from N clients of its Kubernetes REST API (HTTPS keep-alive, as kubectl and client-go), against an
 * apiserver in its own process (TLS, bearer token, its SQLite store: a write is acknowledged once its log is on disk), and
 * in the same run the same load against etcd, the store Kubernetes uses: N concurrent clients
 * sending what kube-apiserver sends etcd for a create (a txn "create_revision == 0 → put" of the
 * Service's JSON under /registry/services/specs/…) through etcd's JSON gateway, HTTP keep-alive.
 * etcd is Debian's etcd-server (`apt-get install etcd-server`), started on a data directory of
 * its own with its defaults (its WAL is fsynced before a write is acknowledged, batched by raft).
 * Without it, the etcd row says why.
 *
 *   npx tsx apps/apiserver/bench/creates.ts [--clients 8] [--seconds 10] [--watchers 100] [--loads grpc,bare-grpc,h2-grpc,rest,etcd]
 *
 * Each side: 2 s of warm-up, then --seconds measured; figures are acknowledged writes only. Each
 * store is driven twice: alone, and with --watchers watches on the Services open (over 10
 * connections; their client counts the events without decoding them, so what is measured is the
 * server's fan-out, not the watchers' parsing); minimesh's watches twice, through WatchBatched (the
 * events that were ready together in one message, what its apps use) and through Watch (an event
 * a message), and its REST load with as many REST watches (`?watch=true`, a connection each). Every row also gives the CPU the server process and
 * the load generator (this process) spent per create, and for minimesh the creates per sync of the
 * store's log (group commit). --loads picks the loads to run (all by default; a row not asked for says so).
 * APISERVER_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the
 * apiserver's node, to profile it under this load.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request, Agent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { cpus, loadavg } from 'node:os';
import type { Namespace, Service } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { bareGrpcCreates, etcdWatchers, h2GrpcCreates, rawWatchers, restWatchers, type Creates, type Target, type Watchers, type WatchRpc } from './load-clients.js';
import { freePorts, tempDir, waitForPort } from '@minimesh/runtime/testing';

const LOADS = ['grpc', 'bare-grpc', 'h2-grpc', 'rest', 'etcd'] as const;
const { values: flags } = parseArgs({ options: { clients: { type: 'string', default: '8' }, seconds: { type: 'string', default: '10' }, watchers: { type: 'string', default: '100' }, loads: { type: 'string', default: LOADS.join(',') } } });
const loads = new Set(flags.loads.split(',').map((l) => l.trim()));
const unknownLoads = [...loads].filter((l) => !(LOADS as readonly string[]).includes(l));
const CLIENTS = Number(flags.clients);
const SECONDS = Number(flags.seconds);
const WATCHERS = Number(flags.watchers);
if (!(CLIENTS >= 1 && CLIENTS <= 256 && SECONDS >= 1 && SECONDS <= 600 && WATCHERS >= 0 && WATCHERS <= 1000) || unknownLoads.length > 0) {
  if (unknownLoads.length > 0) console.error(`unknown load(s): ${unknownLoads.map((l) => JSON.stringify(l)).join(', ')}`);
  console.error(`usage: npx tsx apps/apiserver/bench/creates.ts [--clients 8] [--seconds 10] [--watchers 100] [--loads ${LOADS.join(',')}]`);
  process.exit(2);
}
const BIN = fileURLToPath(new URL('../bin/minimesh-apiserver.mjs', import.meta.url));
const TOKEN = 'bench-token-0123456789abcdef';
const NS = 'bench';

interface Result {
  creates: number;
  seconds: number;
  latencies: number[];
  errors: number;
  /** CPU ms per create in the measured window: the server process, and this process (the clients). */
  serverCpu: number;
  clientCpu: number;
  /** Creates per sync of the store's log (minimesh only). */
  perSync?: number;
  /** Events the watchers got in the window, per watcher and second. */
  watchRate?: number;
  /** After the last create: how long until every watcher had every event (ms; undefined: not within 30 s). */
  catchUpMs?: number;
}

/** CPU time (ms) a process has used so far, from /proc. */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in ticks of 1/100 s (USER_HZ)
}

function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Hooks around the measured window (counters read at its start and its end). */
interface Window {
  serverPid: number;
  start?: () => Promise<void>;
  end?: (r: Result) => Promise<void>;
  /** Once the writers stopped, with the number of creates of the whole run. */
  after?: (r: Result, created: number) => Promise<void>;
}

const service = (name: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS, labels: { app: 'bench' } },
  spec: { type: 'ClusterIP', selector: { app: 'bench' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
});

/** `CLIENTS` loops calling `create(i)` back to back: warm-up, then the measured window. */
async function drive(create: (name: string) => Promise<void>, label: string, w: Window): Promise<Result> {
  let seq = 0;
  let measuring = false;
  let stop = false;
  const r: Result = { creates: 0, seconds: SECONDS, latencies: [], errors: 0, serverCpu: 0, clientCpu: 0 };
  let created = 0;
  const loop = async () => {
    while (!stop) {
      const name = `${label}-${++seq}`;
      const t0 = performance.now();
      try {
        await create(name);
        created++;
        if (measuring) {
          r.creates++;
          r.latencies.push(performance.now() - t0);
        }
      } catch (e) {
        if (measuring) r.errors++;
        if (r.errors === 1 && measuring) console.error(`  first error (${label}): ${(e as Error).message}`);
      }
    }
  };
  const loops = Array.from({ length: CLIENTS }, loop);
  await new Promise((res) => setTimeout(res, 2000));
  await w.start?.();
  const [server0, client0] = [cpuOf(w.serverPid), ownCpu()];
  measuring = true;
  const start = performance.now();
  await new Promise((res) => setTimeout(res, SECONDS * 1000));
  measuring = false;
  r.seconds = (performance.now() - start) / 1000;
  r.serverCpu = (cpuOf(w.serverPid) - server0) / Math.max(1, r.creates);
  r.clientCpu = (ownCpu() - client0) / Math.max(1, r.creates);
  await w.end?.(r);
  stop = true;
  await Promise.all(loops);
  await w.after?.(r, created);
  return r;
}

/**
 * Watcher counts: events per watcher and second in the window, and, once the writers stopped,
 * how long until every watcher had an event for every create of the run.
 */
function watchWindow(watches: { events: () => number[] } | undefined): Pick<Window, 'after'> & { start: () => Promise<void>; end: (r: Result) => Promise<void> } {
  let events0: number[] = [];
  return {
    start: async () => {
      events0 = watches?.events() ?? [];
    },
    end: async (r) => {
      if (!watches) return;
      const got = watches.events().map((e, i) => e - events0[i]!);
      r.watchRate = got.reduce((a, b) => a + b, 0) / got.length / r.seconds;
    },
    after: async (r, created) => {
      if (!watches) return;
      const t0 = performance.now();
      while (performance.now() - t0 < 30_000) {
        if (watches.events().every((n) => n >= created)) {
          r.catchUpMs = performance.now() - t0;
          return;
        }
        await new Promise((res) => setTimeout(res, 5));
      }
    },
  };
}

/** A counter's value from a Prometheus text page (the sum of its series). */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/**
 * Creates through the apiserver: over gRPC (`CLIENTS` connections), or over its Kubernetes REST
 * API (HTTPS keep-alive, `CLIENTS` connections, JSON bodies: what kubectl and client-go send).
 */
async function minimesh(watchers: number, via: 'grpc' | 'bare-grpc' | 'h2-grpc' | 'rest' = 'grpc', watchRpc: WatchRpc = 'WatchBatched'): Promise<Result> {
  const dir = tempDir('minimesh-creates-');
  const [port, httpPort, restPort] = (await freePorts(3)) as [number, number, number];
  writeFileSync(join(dir.path, 'tokens.csv'), `${TOKEN},kubernetes-admin,,"system:masters"\n`);
  const rest = via === 'rest' ? `127.0.0.1:${restPort}` : '';
  const args = [BIN, '--listen', `127.0.0.1:${port}`, '--http-listen', `127.0.0.1:${httpPort}`, '--rest-listen', rest, '--data-dir', dir.path, '--nats-url', '', '--token-auth-file', join(dir.path, 'tokens.csv')];
  const proc = spawn(process.execPath, [...(process.env.APISERVER_NODE_FLAGS?.split(' ') ?? []), ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MINIMESH_LOG_LEVEL: 'warn' } });
  const clients: ApiClient[] = [];
  let restAgent: HttpsAgent | undefined;
  let bare: Creates | undefined;
  try {
    await waitForPort(port, 30_000);
    if (via === 'rest') await waitForPort(restPort, 30_000);
    const caFile = join(dir.path, 'pki', 'ca.crt');
    for (let i = 0; i < CLIENTS; i++) clients.push(connectApiClient(`127.0.0.1:${port}`, { caFile, token: TOKEN }));
    await clients[0]!.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    let next = 0;
    restAgent = via === 'rest' ? new HttpsAgent({ keepAlive: true, maxSockets: CLIENTS, ca: readFileSync(caFile), servername: 'kubernetes' }) : undefined;
    const target: Target = { port, caFile, token: TOKEN, namespace: NS };
    bare = via === 'bare-grpc' ? bareGrpcCreates(target, CLIENTS, service) : via === 'h2-grpc' ? h2GrpcCreates(target, CLIENTS, service) : undefined;
    const create = bare
      ? bare.create
      : restAgent
      ? async (name: string) => {
          const [code, body] = await post(restAgent!, restPort, `/api/v1/namespaces/${NS}/services`, JSON.stringify(service(name)), { authorization: `Bearer ${TOKEN}` });
          if (code !== 201) throw new Error(`POST services: ${code} ${body.slice(0, 200)}`);
        }
      : async (name: string) => {
          await clients[next++ % CLIENTS]!.create(service(name));
        };
    const watches = !watchers ? undefined : via === 'rest' ? restWatchers(watchers, { ...target, port: restPort }) : rawWatchers(watchers, target, watchRpc);
    const metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
    const syncs = () => metric(metricsUrl, 'minimesh_apiserver_store_log_fsync_duration_seconds_count');
    let syncs0 = 0;
    const watchTally = watchWindow(watches);
    try {
      return await drive(
        create,
        'svc',
        {
          serverPid: proc.pid!,
          start: async () => {
            syncs0 = await syncs();
            await watchTally.start();
          },
          end: async (r) => {
            r.perSync = r.creates / Math.max(1, (await syncs()) - syncs0);
            await watchTally.end(r);
          },
          after: watchTally.after,
        },
      );
    } finally {
      watches?.close();
    }
  } finally {
    for (const c of clients) c.close();
    bare?.close();
    restAgent?.destroy();
    await stopProcess(proc);
    dir.remove();
  }
}

async function etcd(watchers: number): Promise<Result | string> {
  if (spawnSync('sh', ['-c', 'command -v etcd']).status !== 0) return 'etcd not installed (apt-get install etcd-server)';
  const dir = tempDir('minimesh-creates-etcd-');
  const [client, peer] = (await freePorts(2)) as [number, number];
  const url = `http://127.0.0.1:${client}`;
  const proc = spawn(
    'etcd',
    ['--name', 'bench', '--data-dir', join(dir.path, 'etcd'), '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `bench=http://127.0.0.1:${peer}`, '--log-level', 'error'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  let watches: (Watchers & { ready: Promise<unknown> }) | undefined;
  try {
    await waitForPort(client, 30_000);
    watches = watchers ? etcdWatchers(watchers, client, NS) : undefined;
    await watches?.ready;
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    return await drive(async (name) => {
      const key = b64(`/registry/services/specs/${NS}/${name}`);
      const value = b64(JSON.stringify(service(name)));
      // kube-apiserver's create: put only if the key does not exist yet.
      const body = JSON.stringify({ compare: [{ key, target: 'CREATE', result: 'EQUAL', create_revision: '0' }], success: [{ request_put: { key, value } }] });
      const [, res] = await post(agent, client, '/v3/kv/txn', body);
      if (!res.includes('"succeeded":true')) throw new Error(`etcd txn: ${res.slice(0, 200)}`);
    }, 'svc', { serverPid: proc.pid!, ...watchWindow(watches) });
  } finally {
    watches?.close();
    agent.destroy();
    await stopProcess(proc);
    dir.remove();
  }
}

/** A JSON POST on a keep-alive agent (HTTP, or HTTPS for an HttpsAgent): the status and the body. */
function post(agent: Agent | HttpsAgent, port: number, path: string, body: string, headers: Record<string, string> = {}): Promise<[number, string]> {
  const send = agent instanceof HttpsAgent ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const all = { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = send({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve([res.statusCode ?? 0, Buffer.concat(chunks).toString()]));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 5000).unref();
  });
}

function q(xs: number[], p: number): string {
  if (!xs.length) return '–';
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!.toFixed(1);
}

function row(name: string, r: Result | string): string {
  if (typeof r === 'string') return `| ${name} | ${r} | | | | | | | |`;
  const caughtUp = r.catchUpMs === undefined ? 'not all within 30 s' : `all ${Math.round(r.catchUpMs).toLocaleString('en')} ms after the last create`;
  const watch = r.watchRate === undefined ? '–' : `${Math.round(r.watchRate).toLocaleString('en')}/s each; ${caughtUp}`;
  return `| ${name} | ${Math.round(r.creates / r.seconds).toLocaleString('en')} | ${q(r.latencies, 0.5)} | ${q(r.latencies, 0.99)} | ${r.serverCpu.toFixed(2)} | ${r.clientCpu.toFixed(2)} | ${r.perSync?.toFixed(1) ?? '–'} | ${watch} | ${r.errors} |`;
}

console.log(`date ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`${CLIENTS} concurrent clients, ${SECONDS} s measured after 2 s of warm-up; acknowledged creates only\n`);
/** The load's result, or a row saying it was not asked for. */
const ifAsked = async (load: (typeof LOADS)[number], run: () => Promise<Result | string>) => (loads.has(load) ? run() : 'not asked for (--loads)');
const mm = await ifAsked('grpc', () => minimesh(0));
const mmBare = await ifAsked('bare-grpc', () => minimesh(0, 'bare-grpc'));
const mmH2 = await ifAsked('h2-grpc', () => minimesh(0, 'h2-grpc'));
const mmRest = await ifAsked('rest', () => minimesh(0, 'rest'));
const mmWatched = WATCHERS ? await ifAsked('grpc', () => minimesh(WATCHERS)) : undefined;
const mmWatchedSingly = WATCHERS ? await ifAsked('grpc', () => minimesh(WATCHERS, 'grpc', 'Watch')) : undefined;
const mmRestWatched = WATCHERS ? await ifAsked('rest', () => minimesh(WATCHERS, 'rest')) : undefined;
const et = await ifAsked('etcd', () => etcd(0));
const etWatched = WATCHERS ? await ifAsked('etcd', () => etcd(WATCHERS)) : undefined;
console.log('| store | creates/s | p50 ms | p99 ms | server CPU ms/create | client CPU ms/create | creates per log sync | watch events | errors |');
console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|');
console.log(row('minimesh apiserver (gRPC, TLS, token; SQLite WAL, group commit), through @minimesh/client', mm));
console.log(row('minimesh apiserver (gRPC), bare grpc-js clients (request encoded per call, answer not decoded: as the REST and etcd load)', mmBare));
console.log(row('minimesh apiserver (gRPC), gRPC over node:http2 (the same, without grpc-js)', mmH2));
console.log(row('minimesh apiserver over its Kubernetes REST API (HTTPS keep-alive, JSON, token)', mmRest));
if (mmWatched) console.log(row(`minimesh apiserver (gRPC), ${WATCHERS} watches open (WatchBatched)`, mmWatched));
if (mmWatchedSingly) console.log(row(`minimesh apiserver (gRPC), ${WATCHERS} watches open (Watch: an event a message)`, mmWatchedSingly));
if (mmRestWatched) console.log(row(`minimesh apiserver over its REST API, ${WATCHERS} REST watches open (a connection each)`, mmRestWatched));
console.log(row("etcd (Debian's etcd-server; kube-apiserver's create txn over the JSON gateway)", et));
if (etWatched) console.log(row(`etcd, ${WATCHERS} watches open (JSON gateway streams)`, etWatched));
