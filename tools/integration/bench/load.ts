/**
 * Load: 100 watchers (one of them stalled: it opens its stream and stops reading), 1,000 writes
 * a second for 60 s, against an apiserver in its own process (TLS, as deployed). Prints the write
 * rate reached, write and watch-delivery latency, the apiserver's memory every 10 s, and what
 * happened to the stalled watcher. Flat memory and a closed stalled watch are the goal.
 *
 *   npx tsx tools/integration/bench/load.ts [--duration 60] [--watchers 100] [--rate 1000] [--quick]
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import type { Namespace } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { pb } from '@minimesh/proto';
import { freePort, tempDir, waitForPort } from '@minimesh/runtime/testing';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    watchers: { type: 'string', default: '100' },
    rate: { type: 'string', default: '1000' },
    quick: { type: 'boolean', default: false },
  },
});
const DURATION_S = values.quick ? 10 : Number(values.duration);
const WATCHERS = Number(values.watchers);
const RATE = Number(values.rate);
const WRITERS = Number(process.env.LOAD_WRITERS ?? 64);
const BIN = fileURLToPath(new URL('../../../apps/apiserver/bin/minimesh-apiserver.mjs', import.meta.url));

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(1));

async function rssOf(pid: number): Promise<number> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function main(): Promise<void> {
  const dir = tempDir('minimesh-load-');
  const [port, httpPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir.path, 'tokens.csv'), 'load-admin,kubernetes-admin,,"system:masters"\n');
  const proc = spawn(
    process.execPath,
    [BIN, '--listen', `127.0.0.1:${port}`, '--http-listen', `127.0.0.1:${httpPort}`, '--data-dir', dir.path, '--nats-url', '', '--token-auth-file', join(dir.path, 'tokens.csv'),
      '--max-watches-per-user', String(WATCHERS + 10), '--watch-stall-timeout', '5', '--max-requests-inflight', '400'],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MINIMESH_LOG_LEVEL: 'warn' } },
  );
  try {
    await waitForPort(port, 30_000);
    const caFile = join(dir.path, 'pki', 'ca.crt');
    const client = (): ApiClient => connectApiClient(`127.0.0.1:${port}`, { caFile, token: 'load-admin' });
    const admin = client();
    await admin.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'load' } });

    // Watchers: each follows Namespaces and records when each write's event arrived.
    const written = new Map<string, number>();
    let rewatches = 0;
    const delivery: number[] = [];
    const watchClients = Array.from({ length: 4 }, client);
    const aborts: AbortController[] = [];
    for (let i = 0; i < WATCHERS - 1; i++) {
      const ac = new AbortController();
      aborts.push(ac);
      void (async () => {
        // As an informer does: a watch the apiserver closes (fell too far behind) starts again
        // from the last resourceVersion seen, or from now when that is gone.
        let rv = '';
        while (!ac.signal.aborted) {
          try {
            for await (const ev of watchClients[i % watchClients.length]!.watch('Namespace', { signal: ac.signal, resourceVersion: rv })) {
              rv = ev.resourceVersion || rv;
              const at = written.get(ev.object?.metadata.name ?? '');
              if (at !== undefined && i % 10 === 0) delivery.push(performance.now() - at);
            }
          } catch {
            rewatches++;
            rv = '';
          }
        }
      })();
    }
    // The stalled watcher: a raw stream that stops reading once the first events came.
    const raw = new pb.ApiServiceClient(`127.0.0.1:${port}`, credentials.createSsl(readFileSync(caFile)), { 'grpc.ssl_target_name_override': 'kubernetes' });
    const md = new (await import('@grpc/grpc-js')).Metadata();
    md.set('authorization', 'Bearer load-admin');
    const stalled = raw.watch({ kind: 'Namespace', namespace: '', labelSelector: '', fieldSelector: '', resourceVersion: '', allowBookmarks: false, storeId: '' }, md);
    let stalledEnd = '';
    const stalledAt = performance.now();
    stalled.on('data', () => undefined);
    stalled.on('error', (e: Error) => (stalledEnd ||= `closed by the server after ${((performance.now() - stalledAt) / 1000).toFixed(1)} s: ${e.message.slice(0, 100)}`));
    stalled.on('end', () => (stalledEnd ||= `ended after ${((performance.now() - stalledAt) / 1000).toFixed(1)} s`));
    stalled.pause();

    const metricsOf = async () => (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const memory: string[] = [`  t=0s   apiserver RSS ${(await rssOf(proc.pid!)).toFixed(0)} MiB`];
    const writeLatency: number[] = [];
    let writes = 0;
    let errors = 0;
    const writers = Array.from({ length: WRITERS }, client);
    const started = performance.now();
    const end = started + DURATION_S * 1000;
    let nextReport = started + 10_000;
    const perWriterInterval = (1000 * WRITERS) / RATE;
    await Promise.all(
      writers.map(async (w, k) => {
        let n = 0;
        const created: string[] = [];
        let next = performance.now() + (k * perWriterInterval) / WRITERS;
        while (performance.now() < end) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          next += perWriterInterval;
          // Every write counts: creates, and once a writer has 50 objects, a delete of its oldest
          // every other turn (the store stays small, the history churns).
          const deleting = n > 50 && n % 2 === 1 && created.length > 0;
          const name = deleting ? created.shift()! : `w${k}-${n}`;
          n++;
          const t0 = performance.now();
          if (!deleting) written.set(name, t0);
          try {
            if (deleting) await w.delete('Namespace', '', name, { gracePeriodSeconds: 0 });
            else {
              await w.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { writer: String(k) } } });
              created.push(name);
            }
            writeLatency.push(performance.now() - t0);
            writes++;
          } catch {
            errors++;
          }
          if (k === 0 && performance.now() >= nextReport) {
            const mm = await metricsOf();
            const heap = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(mm)?.[1] ?? 0) / 2 ** 20;
            memory.push(`  t=${Math.round((nextReport - started) / 1000)}s  apiserver RSS ${(await rssOf(proc.pid!)).toFixed(0)} MiB, JS heap used ${heap.toFixed(0)} MiB, watchers ${/^apiserver_registered_watchers (\d+)/m.exec(mm)?.[1]}`);
            nextReport += 10_000;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    memory.push(`  end    apiserver RSS ${(await rssOf(proc.pid!)).toFixed(0)} MiB`);
    await new Promise((r) => setTimeout(r, 500));
    const m = await metricsOf();
    console.log(`load: ${WATCHERS} watchers (1 stalled), target ${RATE} writes/s for ${DURATION_S} s (${WRITERS} writers, creates and deletes of Namespaces, TLS)`);
    console.log(`  writes: ${writes} in ${seconds.toFixed(1)} s = ${(writes / seconds).toFixed(0)}/s (creates and deletes; each a durable SQLite commit), errors ${errors}`);
    console.log(`  write latency (ms): p50 ${ms(pct(writeLatency, 50))}, p99 ${ms(pct(writeLatency, 99))}`);
    console.log(`  watch delivery (ms, healthy watchers): p50 ${ms(pct(delivery, 50))}, p99 ${ms(pct(delivery, 99))} (${delivery.length} samples); watches closed for falling behind and started again: ${rewatches}`);
    const closed = /^minimesh_apiserver_watches_closed_unresponsive_total (\d+)/m.exec(m)?.[1];
    console.log(`  stalled watcher: closed by the apiserver for not reading: ${closed === '1' ? 'yes' : `no (${closed})`}; the client ${stalledEnd ? `saw: ${stalledEnd}` : 'has not read that far (its status waits behind the data it never read)'}`);
    console.log('  memory:');
    for (const line of memory) console.log(line);
    console.log('  reference: Kubernetes closes a watcher that cannot keep up ("forcing watcher close due to unresponsive consumer"); the goal is a flat RSS.');
    for (const ac of aborts) ac.abort();
    stalled.cancel();
    raw.close();
    for (const c of [admin, ...watchClients, ...writers]) c.close();
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    dir.remove();
  }
}

await main();
