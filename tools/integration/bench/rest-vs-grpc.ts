/**
 * The Kubernetes REST API beside the gRPC API of the same apiserver (its own process, TLS and a
 * bearer token on both, as deployed): requests a second for get, list and create from 32
 * concurrent callers, then watch fan-out: events a second delivered to 100 watchers while
 * Services are created. Prints one table, REST next to gRPC.
 *
 *   npx tsx tools/integration/bench/rest-vs-grpc.ts [--seconds 5] [--watchers 100] [--events 300]
 *
 * Both clients are minimesh's (connectApiClient over gRPC, RestApiClient over HTTPS with
 * keep-alive), so the figures compare the two APIs, not two client libraries.
 */
import { spawn } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Namespace, Service } from '@minimesh/api';
import { RestApiClient, connectApiClient, restConnectionFromFiles, type ApiClient } from '@minimesh/client';
import { freePorts, tempDir, waitForPort } from '@minimesh/runtime/testing';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, watchers: { type: 'string', default: '100' }, events: { type: 'string', default: '300' } } });
const SECONDS = Number(values.seconds);
const WATCHERS = Number(values.watchers);
const EVENTS = Number(values.events);
const CONCURRENCY = 32;
const TOKEN = 'bench-token-0123456789abcdef';
const NS = 'bench';
const BIN = fileURLToPath(new URL('../../../apps/apiserver/bin/minimesh-apiserver.mjs', import.meta.url));

const svc = (name: string, labels: Record<string, string> = {}): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS, labels }, spec: { ports: [{ port: 80 }] } });

/** Calls a second from CONCURRENCY lanes for SECONDS. */
async function rate(call: (i: number) => Promise<unknown>): Promise<number> {
  const until = performance.now() + SECONDS * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) await call(n++);
    }),
  );
  return n / SECONDS;
}

/** Events a second delivered to WATCHERS watchers while EVENTS Services are created. */
async function fanOut(watchClient: ApiClient, writer: ApiClient, tag: string): Promise<number> {
  const rv = (await writer.list('Service', { namespace: NS, limit: 1 })).resourceVersion;
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // one listener per watcher
  let received = 0;
  const target = WATCHERS * EVENTS;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  for (let w = 0; w < WATCHERS; w++) {
    void (async () => {
      try {
        for await (const ev of watchClient.watch('Service', { namespace: NS, labelSelector: `fan=${tag}`, resourceVersion: rv, signal: ac.signal })) {
          if (ev.type === 'ADDED' && ++received === target) done();
        }
      } catch {
        // aborted at the end
      }
    })();
  }
  await new Promise((r) => setTimeout(r, 1000)); // the watches are open
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < EVENTS) await writer.create(svc(`${tag}-${next++}`, { fan: tag }));
  }));
  await Promise.race([all, new Promise((r) => setTimeout(r, 60_000))]);
  const seconds = (performance.now() - t0) / 1000;
  ac.abort();
  return received / seconds;
}

async function main(): Promise<void> {
  const dir = tempDir('minimesh-rest-bench-');
  const [port, httpPort, restPort] = (await freePorts(3)) as [number, number, number];
  writeFileSync(join(dir.path, 'tokens.csv'), `${TOKEN},kubernetes-admin,,"system:masters"\n`);
  writeFileSync(join(dir.path, 'token'), TOKEN);
  const args = [BIN, '--listen', `127.0.0.1:${port}`, '--http-listen', `127.0.0.1:${httpPort}`, '--rest-listen', `127.0.0.1:${restPort}`, '--data-dir', dir.path, '--nats-url', '',
    '--token-auth-file', join(dir.path, 'tokens.csv'), '--max-watches-per-user', String(2 * WATCHERS + 10), '--max-requests-inflight', '1000'];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MINIMESH_LOG_LEVEL: 'warn' } });
  try {
    await waitForPort(port, 30_000);
    await waitForPort(restPort, 30_000);
    const caFile = join(dir.path, 'pki', 'ca.crt');
    const grpc = connectApiClient(`127.0.0.1:${port}`, { caFile, token: TOKEN });
    const rest = new RestApiClient(restConnectionFromFiles({ server: `127.0.0.1:${restPort}`, caFile, tokenFile: join(dir.path, 'token') }));
    await grpc.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (let i = 0; i < 100; i++) await grpc.create(svc(`seed-${i}`));

    const rows: [string, number, number][] = [];
    for (const [what, run] of [
      ['get (requests/s)', (c: ApiClient) => rate((i) => c.get('Service', NS, `seed-${i % 100}`))],
      ['list of 100 Services (requests/s)', (c: ApiClient) => rate(() => c.list('Service', { namespace: NS }))],
      ['create (requests/s)', (c: ApiClient, tag: string) => rate((i) => c.create(svc(`${tag}-c-${i}`)))],
    ] as const) {
      const r = await run(rest, 'rest');
      const g = await run(grpc, 'grpc');
      rows.push([what, r, g]);
    }
    const rf = await fanOut(rest, grpc, 'rest');
    const gf = await fanOut(grpc, grpc, 'grpc');
    rows.push([`watch fan-out to ${WATCHERS} watchers (events/s)`, rf, gf]);

    const w = rows.reduce((m, r) => Math.max(m, r[0].length), 0);
    console.log(`REST API beside gRPC, one apiserver (TLS + token), ${CONCURRENCY} concurrent callers, ${SECONDS} s each; fan-out: ${EVENTS} creates`);
    console.log(`${'measure'.padEnd(w)}  ${'REST'.padStart(10)}  ${'gRPC'.padStart(10)}  REST/gRPC`);
    for (const [what, r, g] of rows) console.log(`${what.padEnd(w)}  ${r.toFixed(0).padStart(10)}  ${g.toFixed(0).padStart(10)}  ${(r / g).toFixed(2)}`);
    grpc.close();
    rest.close();
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    dir.remove();
  }
}

await main();
