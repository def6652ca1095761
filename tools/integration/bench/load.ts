/**
 * Load: 100 gRPC watchers on Services (one of them stalled: it opens its stream and never reads),
 * 1,000 writes a second for 60 s (creates, updates and deletes of small Services, from 64 lanes
 * over 4 API clients), against an apiserver in its own process (TLS and a bearer token,
 * as deployed). Prints the write rate reached, write latency, watch delivery latency for the
 * healthy watchers, the apiserver's memory and CPU at the start, every 10 s and at the end (flat
 * memory is the goal), and what happened to the stalled watcher.
 *
 *   npx tsx tools/integration/bench/load.ts [--duration 60] [--watchers 100] [--rate 1000]
 *                                           [--writers 64] [--watch-stall-timeout <s>] [--quick]
 *
 * --quick: 10 s, and the stalled watcher closed after 5 s (the apiserver's default is 30 s, past
 * the end of a quick run) unless --watch-stall-timeout says otherwise.
 *
 * The healthy watchers: one in ten decodes its events and measures delivery latency (write sent
 * to event received); the others take the bytes without decoding them, so the figures are the
 * apiserver's and not this process's decoding (its event-loop delay is printed to judge that).
 * A watch the apiserver closes (fallen too far behind) is opened again, as an informer does.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Metadata, credentials, status as Status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { Namespace, Service } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { pb } from '@minimesh/proto';
import { freePorts, tempDir, waitForPort } from '@minimesh/runtime/testing';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    watchers: { type: 'string', default: '100' },
    rate: { type: 'string', default: '1000' },
    writers: { type: 'string', default: '64' },
    'watch-stall-timeout': { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const DURATION_S = values.quick ? 10 : Number(values.duration);
const WATCHERS = Number(values.watchers);
const RATE = Number(values.rate);
const LANES = Number(values.writers);
const CONNECTIONS = 4;
const STALL_TIMEOUT = values['watch-stall-timeout'] ?? (values.quick ? '5' : undefined);
const BIN = fileURLToPath(new URL('../../../apps/apiserver/bin/minimesh-apiserver.mjs', import.meta.url));
const TOKEN = 'load-admin';
const NS = 'load';
const id = (b: Buffer) => b;

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => (Number.isNaN(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** RSS (MiB) and CPU seconds so far of a process, from /proc. */
function procStats(pid: number): { rssMiB: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime: fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second).
  return { rssMiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, cpuS: (Number(stat[11]) + Number(stat[12])) / 100 };
}

async function main(): Promise<void> {
  const dir = tempDir('minimesh-load-');
  const [port, httpPort] = (await freePorts(2)) as [number, number];
  writeFileSync(join(dir.path, 'tokens.csv'), `${TOKEN},kubernetes-admin,,"system:masters"\n`);
  const args = [BIN, '--listen', `127.0.0.1:${port}`, '--http-listen', `127.0.0.1:${httpPort}`, '--rest-listen', '', '--data-dir', dir.path, '--nats-url', '', '--token-auth-file', join(dir.path, 'tokens.csv'), '--max-watches-per-user', String(WATCHERS + 10)];
  if (STALL_TIMEOUT) args.push('--watch-stall-timeout', STALL_TIMEOUT);
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MINIMESH_LOG_LEVEL: 'warn' } });
  const exited = new Promise((r) => proc.once('exit', r));
  try {
    await waitForPort(port, 30_000);
    const caFile = join(dir.path, 'pki', 'ca.crt');
    const address = `127.0.0.1:${port}`;
    const connect = (): ApiClient => connectApiClient(address, { caFile, token: TOKEN });
    const clients = Array.from({ length: CONNECTIONS }, connect);
    await clients[0]!.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const metrics = async () => (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    const metric = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();

    // Healthy watchers: raw streams (grpc-js, identity deserializer) over 4 connections of their
    // own; one in ten decodes and measures delivery latency.
    const sent = new Map<string, number>(); // "<name>@<generation>" → when the write was sent
    const delivery: number[] = [];
    let rewatches = 0;
    let eventsReceived = 0;
    const creds = () => credentials.createSsl(readFileSync(caFile));
    const channelOpts = { 'grpc.ssl_target_name_override': 'kubernetes', 'grpc.use_local_subchannel_pool': 1 };
    const watchChannels = Array.from({ length: CONNECTIONS }, () => new Client(address, creds(), channelOpts));
    const md = () => {
      const m = new Metadata();
      m.set('authorization', `Bearer ${TOKEN}`);
      return m;
    };
    const watchRequest = (resourceVersion: string) => Buffer.from(pb.WatchRequest.encode({ kind: 'Service', namespace: '', labelSelector: '', fieldSelector: '', resourceVersion, allowBookmarks: false, storeId: '' }).finish());
    let stopping = false;
    const streams: ClientReadableStream<Buffer>[] = [];
    const startWatcher = (i: number) => {
      const sampled = i % 10 === 0;
      const s = watchChannels[i % CONNECTIONS]!.makeServerStreamRequest<Buffer, Buffer>('/minimesh.v1.ApiService/Watch', id, id, watchRequest(''), md());
      streams[i] = s;
      s.on('data', (b: Buffer) => {
        eventsReceived++;
        if (!sampled) return;
        const ev = pb.WatchEvent.decode(b);
        const meta = ev.object?.kind?.$case === 'service' ? ev.object.kind.value.metadata : undefined;
        const at = sent.get(`${meta?.name}@${meta?.labels?.gen}`);
        if (at !== undefined && ev.type !== pb.EventType.DELETED) delivery.push(performance.now() - at);
      });
      s.on('error', () => {
        if (stopping) return;
        rewatches++;
        startWatcher(i);
      });
      s.on('end', () => undefined);
    };
    for (let i = 0; i < WATCHERS - 1; i++) startWatcher(i);

    // The stalled watcher: a raw stream that stops reading at once. It is put in flowing mode
    // first and then paused: grpc-js pauses the HTTP/2 stream only once something asked to read,
    // so a stream paused before any read keeps taking data into the client's memory and the
    // apiserver sees a reader that keeps up. This way the flow-control window fills, as with a
    // client that hangs.
    const stallChannel = new Client(address, creds(), channelOpts);
    const stalled = stallChannel.makeServerStreamRequest<Buffer, Buffer>('/minimesh.v1.ApiService/Watch', id, id, watchRequest(''), md());
    let stalledRead = 0;
    stalled.on('data', () => stalledRead++);
    stalled.pause();
    const stalledOpenedAt = performance.now();
    let stalledClosedByServerAt: number | undefined;
    let stalledStatus = '';
    stalled.on('error', (e: ServiceError) => (stalledStatus ||= `${Status[e.code]} ${e.details.slice(0, 100)}`));
    stalled.on('end', () => (stalledStatus ||= 'ended'));
    await new Promise((r) => setTimeout(r, 1000)); // every watch open

    // Memory, CPU and the stalled watch's fate, every second (printed every 10 s).
    const samples: string[] = [];
    let prevCpu = procStats(proc.pid!).cpuS;
    let prevAt = performance.now();
    const sample = async (label: string) => {
      const m = await metrics();
      const { rssMiB, cpuS } = procStats(proc.pid!);
      const now = performance.now();
      const cpu = ((cpuS - prevCpu) / ((now - prevAt) / 1000)) * 100;
      [prevCpu, prevAt] = [cpuS, now];
      samples.push(`  ${label.padEnd(6)} apiserver RSS ${rssMiB.toFixed(0)} MiB, JS heap used ${(metric(m, 'nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(0)} MiB, CPU ${cpu.toFixed(0)}% of a core, event-loop lag p99 ${(metric(m, 'nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(0)} ms; watchers ${metric(m, 'apiserver_registered_watchers')}; this process's event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms`);
      loopDelay.reset();
    };
    await sample('start');
    const started = performance.now();
    const stallPoll = setInterval(() => {
      void metrics()
        .then((m) => {
          if (stalledClosedByServerAt === undefined && metric(m, 'minimesh_apiserver_watches_closed_unresponsive_total') >= 1) stalledClosedByServerAt = performance.now();
        })
        .catch(() => undefined);
    }, 500);
    let ticks = 0;
    const sampler = setInterval(() => void sample(`t=${++ticks * 10}s`).catch(() => undefined), 10_000);

    // Writers: LANES lanes paced together at RATE a second; each lane owns its Services (no
    // conflicts), creates until it holds 20, then creates, updates (a label and the port) and
    // deletes in turn, so the store stays small and every kind of event flows.
    const writeLatency: number[] = [];
    const counts = { create: 0, update: 0, delete: 0, errors: 0 };
    const errorSamples = new Set<string>();
    const end = started + DURATION_S * 1000;
    const interval = (1000 * LANES) / RATE;
    await Promise.all(
      Array.from({ length: LANES }, async (_, k) => {
        const client = clients[k % CONNECTIONS]!;
        const live: Service[] = [];
        let n = 0;
        let next = performance.now() + (k * interval) / LANES;
        while (performance.now() < end) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          next += interval;
          const op = live.length < 20 ? 'create' : (['create', 'update', 'update', 'delete'] as const)[n % 4]!;
          n++;
          const t0 = performance.now();
          try {
            if (op === 'create') {
              const name = `w${k}-${n}`;
              sent.set(`${name}@0`, t0);
              live.push(await client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS, labels: { lane: String(k), gen: '0' } }, spec: { ports: [{ port: 80 }] } }));
            } else if (op === 'update') {
              const i = n % live.length;
              const cur = live[i]!;
              const gen = String(Number(cur.metadata.labels?.gen ?? 0) + 1);
              sent.set(`${cur.metadata.name}@${gen}`, t0);
              live[i] = await client.update<Service>({ ...cur, metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, gen } }, spec: { ...cur.spec, ports: [{ ...cur.spec!.ports![0]!, port: 80 + (Number(gen) % 100) }] } });
            } else {
              const cur = live.shift()!;
              await client.delete('Service', NS, cur.metadata.name!);
            }
            writeLatency.push(performance.now() - t0);
            counts[op]++;
          } catch (e) {
            counts.errors++;
            if (errorSamples.size < 3) errorSamples.add(`${op}: ${String((e as Error).message).slice(0, 120)}`);
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    await new Promise((r) => setTimeout(r, 1000)); // the last events arrive
    await sample('end');
    clearInterval(stallPoll);
    const stalledMetric = metric(await metrics(), 'minimesh_apiserver_watches_closed_unresponsive_total');
    if (stalledClosedByServerAt === undefined && stalledMetric >= 1) stalledClosedByServerAt = performance.now();

    // The stalled watcher reads at last: what it had been sent, then its status.
    const statusBeforeReading = stalledStatus;
    stalled.resume();
    await new Promise((r) => setTimeout(r, 2000));

    const writes = counts.create + counts.update + counts.delete;
    console.log(`load: ${WATCHERS} watchers on Services (1 stalled), target ${RATE} writes/s for ${DURATION_S} s: ${LANES} lanes over ${CONNECTIONS} API clients, TLS + token; apiserver in its own process${STALL_TIMEOUT ? `, --watch-stall-timeout ${STALL_TIMEOUT}` : ' (default --watch-stall-timeout)'}`);
    console.log(`  writes: ${writes} in ${seconds.toFixed(1)} s = ${(writes / seconds).toFixed(0)}/s (creates ${counts.create}, updates ${counts.update}, deletes ${counts.delete}; each a durable SQLite commit), errors ${counts.errors}${errorSamples.size ? ` (${[...errorSamples].join('; ')})` : ''}`);
    console.log(`  write latency (ms): p50 ${ms(pct(writeLatency, 50))}, p99 ${ms(pct(writeLatency, 99))}, max ${ms(pct(writeLatency, 100))}`);
    console.log(`  watch delivery latency (ms, healthy watchers, ${delivery.length} samples from ${Math.ceil((WATCHERS - 1) / 10)} of them): p50 ${ms(pct(delivery, 50))}, p99 ${ms(pct(delivery, 99))}; events received by the ${WATCHERS - 1} healthy watchers ${eventsReceived} (${(eventsReceived / seconds).toFixed(0)}/s); watches closed by the apiserver and opened again: ${rewatches}`);
    const after = stalledClosedByServerAt === undefined ? undefined : ((stalledClosedByServerAt - stalledOpenedAt) / 1000).toFixed(1);
    console.log(
      `  stalled watcher: ${after ? `closed by the apiserver for not reading, about ${after} s after it opened` : `not closed by the apiserver within the run (${((performance.now() - stalledOpenedAt) / 1000).toFixed(0)} s)`}; its client saw: ${statusBeforeReading || 'nothing yet'}; reading again it got ${stalledRead} events in all${stalledStatus && !statusBeforeReading ? `, then ${stalledStatus}` : ''}`,
    );
    console.log('  apiserver memory and CPU:');
    for (const line of samples) console.log(line);
    console.log('  reference: Kubernetes closes a watcher that cannot keep up ("forcing watcher close due to unresponsive consumer"); the goal is a flat RSS.');

    stopping = true;
    for (const s of streams) s?.cancel();
    stalled.cancel();
    for (const c of [...watchChannels, stallChannel]) c.close();
    for (const c of clients) c.close();
    loopDelay.disable();
  } finally {
    proc.kill('SIGTERM');
    await exited;
    dir.remove();
  }
}

await main();
