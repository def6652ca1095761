/**
 * Benchmark (not a test): how long the endpoints-controller takes to converge when 1,000 pods
 * behind 100 services change at once. The apiserver and the controller run as their real
 * binaries (separate processes, as deployed); this script is the client that makes the changes
 * and watches Endpoints until every service shows the expected addresses.
 *
 *   npx tsx apps/endpoints-controller/bench/converge.ts [--services 100] [--pods 1000] [--transport grpc|nats]
 *
 * Last, one pod's readiness flipped 30 times, one change at a time: the controller's own hop
 * (pod event → EndpointSlice event) when nothing else is going on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EndpointSlice, Endpoints, Namespace, Pod, Service } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { freePort, startNats, tempDir, waitForPort, type NatsServer } from '@minimesh/runtime/testing';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '100' },
    pods: { type: 'string', default: '1000' },
    transport: { type: 'string', default: 'nats' },
    concurrency: { type: 'string', default: '32' },
  },
});
const SERVICES = Number(values.services);
const PODS = Number(values.pods);
const CONCURRENCY = Number(values.concurrency);
const transport = values.transport as 'grpc' | 'nats';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = (app: string, name: string) => `${root}apps/${app}/bin/${name}.mjs`;

function spawnApp(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MINIMESH_LOG_LEVEL: 'warn' } });
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

function readyCount(ep: Endpoints): { ready: number; notReady: number } {
  let ready = 0;
  let notReady = 0;
  for (const s of ep.subsets ?? []) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  return { ready, notReady };
}

/** Watches Endpoints in `bench` and resolves when `done(state)` holds; returns ms since `t0` and per-service convergence times. */
async function waitFor(client: ApiClient, t0: number, want: (c: { ready: number; notReady: number }) => boolean): Promise<{ total: number; perService: number[] }> {
  const ac = new AbortController();
  const converged = new Map<string, number>();
  for await (const ev of client.watch('Endpoints', { namespace: 'bench', signal: ac.signal })) {
    if (!ev.object) continue;
    const name = ev.object.metadata.name ?? '';
    if (!name.startsWith('svc-')) continue;
    if (want(readyCount(ev.object))) {
      if (!converged.has(name)) converged.set(name, Date.now() - t0);
    } else converged.delete(name);
    if (converged.size === SERVICES) break;
  }
  ac.abort();
  const perService = [...converged.values()].sort((a, b) => a - b);
  return { total: perService[perService.length - 1]!, perService };
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/**
 * `pod`'s readiness flipped `n` times, one at a time with 100 ms between (an idle controller):
 * for each, ms from the pod's watch event to its Service's EndpointSlice event on the same client
 * (the controller's hop as a node agent sees it: its informer, its sync, the slice write, the
 * apiserver's log sync and fan-out), sorted. Both events come on one client's watch streams; an
 * event missing for 10 s ends the run.
 */
async function singleFlips(client: ApiClient, pod: Pod, n: number): Promise<number[]> {
  const ac = new AbortController();
  const last = { pod: 0, slice: 0 };
  const service = pod.metadata.labels?.app;
  const follow = async (kind: 'Pod' | 'EndpointSlice', mine: (o: Pod | EndpointSlice) => boolean, key: 'pod' | 'slice') => {
    for await (const ev of client.watch(kind, { namespace: 'bench', signal: ac.signal })) if (ev.object && mine(ev.object)) last[key] = performance.now();
  };
  const watching = [
    follow('Pod', (o) => o.metadata.name === pod.metadata.name, 'pod'),
    follow('EndpointSlice', (o) => o.metadata.labels?.['kubernetes.io/service-name'] === service, 'slice'),
  ].map((w) => w.catch(() => undefined));
  await new Promise((r) => setTimeout(r, 500)); // the watches' initial events are in
  const hops: number[] = [];
  let current = await client.get('Pod', 'bench', pod.metadata.name ?? '');
  for (let i = 0; i < n; i++) {
    const ready = current.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True';
    const t0 = performance.now();
    current = await client.updateStatus({ ...current, status: { ...current.status, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z/, 'Z') }] } });
    const deadline = performance.now() + 10_000;
    while (last.pod < t0 || last.slice < t0) {
      if (performance.now() > deadline) throw new Error(`flip ${i + 1}: no ${last.pod < t0 ? 'Pod' : 'EndpointSlice'} event within 10 s`);
      await new Promise((r) => setTimeout(r, 1));
    }
    hops.push(last.slice - last.pod);
    await new Promise((r) => setTimeout(r, 100));
  }
  ac.abort();
  await Promise.all(watching);
  return hops.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const dir = tempDir('minimesh-bench-');
  const port = await freePort();
  let nats: NatsServer | undefined;
  if (transport === 'nats') nats = await startNats();
  const procs: ChildProcess[] = [];
  try {
    // As deployed: TLS, and a token per identity (the admin's for the bench, the controller's own).
    writeFileSync(join(dir.path, 'tokens.csv'), 'bench-admin,kubernetes-admin,,"system:masters"\nbench-ec,system:minimesh:endpoints-controller,,\n');
    writeFileSync(join(dir.path, 'ec.token'), 'bench-ec\n');
    procs.push(spawnApp(bin('apiserver', 'minimesh-apiserver'), ['--listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--rest-listen', '127.0.0.1:0', '--data-dir', dir.path, '--nats-url', nats?.url ?? '', '--token-auth-file', join(dir.path, 'tokens.csv')]));
    await waitForPort(port, 30_000);
    const server = `127.0.0.1:${port}`;
    const caFile = join(dir.path, 'pki', 'ca.crt');
    procs.push(
      spawnApp(bin('endpoints-controller', 'minimesh-endpoints-controller'), [
        '--server', server, '--certificate-authority', caFile, '--token-file', join(dir.path, 'ec.token'),
        '--transport', transport, '--nats-url', nats?.url ?? '', '--http-listen', '127.0.0.1:0', '--leader-elect=false',
      ]),
    );
    const client = connectApiClient(server, { timeoutMs: 120_000, caFile, token: 'bench-admin' });
    await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const perSvc = PODS / SERVICES;

    // 1. Services and pods created at once.
    const services: Service[] = Array.from({ length: SERVICES }, (_, i) => ({
      apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'bench' },
      spec: { selector: { app: `svc-${i}` }, ports: [{ port: 80, targetPort: 8080 }] },
    }));
    const now = new Date().toISOString().replace(/\.\d+Z/, 'Z');
    const pods: Pod[] = Array.from({ length: PODS }, (_, i) => {
      const ip = `10.244.${1 + Math.floor(i / 250)}.${2 + (i % 250)}`;
      return {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'bench', labels: { app: `svc-${i % SERVICES}` } },
        spec: { nodeName: `node${1 + (i % 2)}`, containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] },
        status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
      };
    });
    let t0 = Date.now();
    const created = waitFor(client, t0, (c) => c.ready === perSvc);
    await pool([...services, ...pods] as (Service | Pod)[], CONCURRENCY, (o) => client.create(o));
    const writesDone = Date.now() - t0;
    const create = await created;

    // 2. Every pod turns unready at once.
    const live = (await client.list('Pod', { namespace: 'bench' })).items;
    t0 = Date.now();
    const flipped = waitFor(client, t0, (c) => c.ready === 0 && c.notReady === perSvc);
    const later = new Date().toISOString().replace(/\.\d+Z/, 'Z');
    await pool(live, CONCURRENCY, (p) =>
      client.updateStatus({ ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: later }] } }),
    );
    const flipWrites = Date.now() - t0;
    const flip = await flipped;

    // 3. One pod's readiness at a time.
    const FLIPS = 30;
    const hops = await singleFlips(client, live[0]!, FLIPS);
    client.close();

    const row = (name: string, writes: number, r: { total: number; perService: number[] }) =>
      `${name.padEnd(34)} ${String(writes).padStart(8)} ${String(r.total).padStart(10)} ${String(pct(r.perService, 50)).padStart(8)} ${String(pct(r.perService, 99)).padStart(8)}`;
    console.log(`\nendpoints-controller convergence: ${SERVICES} services x ${PODS} pods, transport ${transport} (ms)`);
    console.log(`${'scenario'.padEnd(34)} ${'writes'.padStart(8)} ${'converged'.padStart(10)} ${'p50 svc'.padStart(8)} ${'p99 svc'.padStart(8)}`);
    console.log(row('create services + pods at once', writesDone, create));
    console.log(row('all pods turn unready at once', flipWrites, flip));
    const f = (x: number) => x.toFixed(1);
    console.log(`\none pod's readiness, ${FLIPS} flips one at a time: from the pod's watch event to its EndpointSlice's, p50 ${f(pct(hops, 50))} ms, p90 ${f(pct(hops, 90))} ms, max ${f(hops[hops.length - 1]!)} ms`);
    console.log(`\nreference: ClusterLoader2's network-programming latency threshold (Kubernetes' SLO stand-in,`);
    console.log(`p99 from a pod change to the rule in every node's kernel; the controller is its first step): 30000 ms`);
    console.log(`("writes" = time the client needed to send the changes; "converged" = until the last Endpoints was right)`);
  } finally {
    for (const p of procs.reverse()) p.kill('SIGTERM');
    await nats?.cleanup();
    dir.remove();
  }
}

await main();
