/**
 * Durable writes (a script that prints figures; not a test): acknowledged Service creates per
 * second and their latency, from N concurrent gRPC clients (one connection each) against an
 * apiserver in its own process (TLS, bearer token, its SQLite store with synchronous=FULL), and
 * in the same run the same load against etcd, the store Kubernetes uses: N concurrent clients
 * sending what kube-apiserver sends etcd for a create (a txn "create_revision == 0 → put" of the
 * Service's JSON under /registry/services/specs/…) through etcd's JSON gateway, HTTP keep-alive.
 * etcd is Debian's etcd-server (`apt-get install etcd-server`), started on a data directory of
 * its own with its defaults (its WAL is fsynced before a write is acknowledged, batched by raft).
 * Without it, the etcd row says why.
 *
 *   npx tsx apps/apiserver/bench/creates.ts [--clients 8] [--seconds 10]
 *
 * Each side: 2 s of warm-up, then --seconds measured; figures are acknowledged writes only.
 * APISERVER_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the
 * apiserver's node, to profile it under this load.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request, Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import type { Namespace, Service } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { freePort, tempDir, waitForPort } from '@minimesh/runtime/testing';

const { values: flags } = parseArgs({ options: { clients: { type: 'string', default: '8' }, seconds: { type: 'string', default: '10' } } });
const CLIENTS = Number(flags.clients);
const SECONDS = Number(flags.seconds);
if (!(CLIENTS >= 1 && CLIENTS <= 256 && SECONDS >= 1 && SECONDS <= 600)) {
  console.error('usage: npx tsx apps/apiserver/bench/creates.ts [--clients 8] [--seconds 10]');
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
}

const service = (name: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS, labels: { app: 'bench' } },
  spec: { type: 'ClusterIP', selector: { app: 'bench' }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] },
});

/** `CLIENTS` loops calling `create(i)` back to back: warm-up, then the measured window. */
async function drive(create: (name: string) => Promise<void>, label: string): Promise<Result> {
  let seq = 0;
  let measuring = false;
  let stop = false;
  const r: Result = { creates: 0, seconds: SECONDS, latencies: [], errors: 0 };
  const loop = async () => {
    while (!stop) {
      const name = `${label}-${++seq}`;
      const t0 = performance.now();
      try {
        await create(name);
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
  measuring = true;
  const start = performance.now();
  await new Promise((res) => setTimeout(res, SECONDS * 1000));
  measuring = false;
  r.seconds = (performance.now() - start) / 1000;
  stop = true;
  await Promise.all(loops);
  return r;
}

async function minimesh(): Promise<Result> {
  const dir = tempDir('minimesh-creates-');
  const [port, httpPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir.path, 'tokens.csv'), `${TOKEN},kubernetes-admin,,"system:masters"\n`);
  const args = [BIN, '--listen', `127.0.0.1:${port}`, '--http-listen', `127.0.0.1:${httpPort}`, '--rest-listen', '', '--data-dir', dir.path, '--nats-url', '', '--token-auth-file', join(dir.path, 'tokens.csv')];
  const proc = spawn(process.execPath, [...(process.env.APISERVER_NODE_FLAGS?.split(' ') ?? []), ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MINIMESH_LOG_LEVEL: 'warn' } });
  const clients: ApiClient[] = [];
  try {
    await waitForPort(port, 30_000);
    const caFile = join(dir.path, 'pki', 'ca.crt');
    for (let i = 0; i < CLIENTS; i++) clients.push(connectApiClient(`127.0.0.1:${port}`, { caFile, token: TOKEN }));
    await clients[0]!.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    let next = 0;
    return await drive(async (name) => {
      await clients[next++ % CLIENTS]!.create(service(name));
    }, 'svc');
  } finally {
    for (const c of clients) c.close();
    await stopProcess(proc);
    dir.remove();
  }
}

async function etcd(): Promise<Result | string> {
  if (spawnSync('sh', ['-c', 'command -v etcd']).status !== 0) return 'etcd not installed (apt-get install etcd-server)';
  const dir = tempDir('minimesh-creates-etcd-');
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const proc = spawn(
    'etcd',
    ['--name', 'bench', '--data-dir', join(dir.path, 'etcd'), '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`, '--initial-cluster', `bench=http://127.0.0.1:${peer}`, '--log-level', 'error'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    await waitForPort(client, 30_000);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    return await drive(async (name) => {
      const key = b64(`/registry/services/specs/${NS}/${name}`);
      const value = b64(JSON.stringify(service(name)));
      // kube-apiserver's create: put only if the key does not exist yet.
      const body = JSON.stringify({ compare: [{ key, target: 'CREATE', result: 'EQUAL', create_revision: '0' }], success: [{ request_put: { key, value } }] });
      const res = await post(agent, client, '/v3/kv/txn', body);
      if (!res.includes('"succeeded":true')) throw new Error(`etcd txn: ${res.slice(0, 200)}`);
    }, 'svc');
  } finally {
    agent.destroy();
    await stopProcess(proc);
    dir.remove();
  }
}

function post(agent: Agent, port: number, path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
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
  if (typeof r === 'string') return `| ${name} | ${r} | | | | |`;
  return `| ${name} | ${Math.round(r.creates / r.seconds).toLocaleString('en')} | ${q(r.latencies, 0.5)} | ${q(r.latencies, 0.99)} | ${r.errors} | ${r.creates} |`;
}

console.log(`date ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`${CLIENTS} concurrent clients, ${SECONDS} s measured after 2 s of warm-up; acknowledged creates only\n`);
const mm = await minimesh();
const et = await etcd();
console.log('| store | creates/s | p50 ms | p99 ms | errors | creates |');
console.log('|---|---:|---:|---:|---:|---:|');
console.log(row('minimesh apiserver (gRPC, TLS, token; SQLite WAL, synchronous=FULL)', mm));
console.log(row("etcd (Debian's etcd-server; kube-apiserver's create txn over the JSON gateway)", et));
