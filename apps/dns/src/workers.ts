/**
 * `--workers N`: minimesh-dns on every core. The first process forks N workers (node:cluster);
 * each runs the whole server (informers, snapshot, cache, plugin chain) and binds the UDP and TCP
 * port, which node:cluster hands out as the first process's own sockets: one socket, read by N
 * processes, the kernel waking one per datagram (TCP connections are dealt round robin).
 *
 * The first process answers the probes for all: /health while every worker runs, /ready once
 * every worker's caches synced (503 in lame duck), /metrics the workers' metrics summed (prom-client's
 * AggregatorRegistry; gauges like coredns_build_info taken from the first). On SIGTERM it enters
 * lame duck and tells the workers to stop, who keep answering for --lameduck (a worker still
 * loading, which has served nothing, gets SIGTERM instead). A worker that dies (a forwarding loop
 * found, a crash) stops them all with its exit code, as one CoreDNS would exit.
 *
 * Only worker 0 registers the kube-dns Service, sends the loop probe and observes
 * coredns_kubernetes_dns_programming_duration_seconds (every worker is programmed by the same
 * changes); all of them count the probe's name, since its echo reaches whichever worker the kernel
 * picks.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import type { Logger } from '@minimesh/runtime';
import { VERSION, startDnsApp, type DnsApp } from './app.js';
import { dnsMetrics } from './metrics.js';
import type { DnsOptions } from './options.js';
import { randomProbeName } from './plugins/loop-plugin.js';
import { startProbes } from './probes.js';

const WORKER_ENV = 'MINIMESH_DNS_WORKER';
const PROBE_ENV = 'MINIMESH_DNS_PROBE_NAME';

const HEALTH_METRICS = ['coredns_health_request_duration_seconds', 'coredns_health_request_failures_total'];

/** `listening`: the worker takes stop messages (it sends this first thing); `ready`: its caches synced. */
type FromWorker = { dns: 'listening' | 'ready' };
type ToWorker = { dns: 'stop' };

/** How many processes `--workers` asks for. */
export function workerCount(o: Pick<DnsOptions, 'workers'>): number {
  return o.workers === 0 ? availableParallelism() : o.workers;
}

/** True in a process forked by `startWorkers`. */
export function isWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] !== undefined;
}

/** /metrics of the first process: the workers' metrics summed, then its own health plugin's. */
class WorkersRegistry extends AggregatorRegistry<PrometheusContentType> {
  constructor(private readonly own: ReturnType<typeof dnsMetrics>) {
    super();
  }
  override async metrics(): Promise<string> {
    const own = await Promise.all(HEALTH_METRICS.map((n) => this.own.registry.getSingleMetricAsString(n)));
    return `${await this.clusterMetrics()}\n${own.join('\n')}\n`;
  }
}

/** The first process: forks the workers, serves the probes; returns the graceful stop. */
export async function startWorkers(o: DnsOptions, log: Logger): Promise<() => Promise<void>> {
  const n = workerCount(o);
  const probeName = randomProbeName();
  const own = dnsMetrics({ version: VERSION, defaultMetrics: false });
  const ready = new Set<number>();
  const listening = new Set<number>();
  const workers = new Map<number, Worker>();
  let stopping: Promise<void> | undefined;

  const probes = await startProbes({
    healthListen: o['health-listen'],
    readyListen: o['ready-listen'],
    metricsListen: o['metrics-listen'],
    registry: new WorkersRegistry(own),
    health: own.health,
    notReady: () => (ready.size === n ? [] : [`kubernetes (${ready.size} of ${n} workers synced)`]),
  });

  const exited = new Map<number, Promise<void>>();
  for (let index = 0; index < n; index++) {
    const w = cluster.fork({ [WORKER_ENV]: String(index), [PROBE_ENV]: probeName });
    workers.set(index, w);
    w.on('message', (m: FromWorker) => {
      if (m?.dns === 'ready') ready.add(index);
      if (m?.dns === 'listening') listening.add(index);
    });
    exited.set(
      index,
      new Promise((resolve) =>
        w.on('exit', (code, signal) => {
          workers.delete(index);
          ready.delete(index);
          resolve();
          if (stopping) return;
          log.error('a worker exited: stopping all of them', { worker: index, code, signal });
          void stop(0).finally(() => process.exit(code || 1));
        }),
      ),
    );
  }
  log.info('workers started', { workers: n });

  const stop = (lameduck = o.lameduck): Promise<void> =>
    (stopping ??= (async () => {
      probes.enterLameDuck();
      for (const [index, w] of workers) {
        // A worker still loading has no ear for messages yet, and has served nothing: SIGTERM ends it.
        if (!listening.has(index)) w.process.kill('SIGTERM');
        else if (w.isConnected()) w.send({ dns: 'stop', lameduck } as ToWorker);
      }
      const deadline = setTimeout(() => {
        log.warn('workers still running after the lame duck: killed', { workers: [...workers.keys()] });
        for (const w of workers.values()) w.process.kill('SIGKILL');
      }, (lameduck + 15) * 1000);
      await Promise.all(exited.values());
      clearTimeout(deadline);
      await probes.close();
    })());
  return () => stop();
}

/** A worker: the whole server without probes of its own; reports when synced, stops when told. */
export async function runWorker(o: DnsOptions, log: Logger): Promise<() => Promise<void>> {
  const index = Number(process.env[WORKER_ENV]);
  const wlog = log.child(`worker-${index}`);
  // Listening from the start: a stop that comes while the worker is still starting (SIGTERM right
  // after the start) ends it at once, as it has served nothing yet; later, after its lame duck.
  let app: DnsApp | undefined;
  process.on('message', (m: ToWorker & { lameduck?: number }) => {
    if (m?.dns !== 'stop') return;
    if (app === undefined) process.exit(0);
    void app.stop(m.lameduck).then(() => process.exit(0));
  });
  // The first process is gone (killed): nobody serves the probes any more.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ dns: 'listening' } satisfies FromWorker);
  app = await startDnsApp(o, { log: wlog, onLoop: () => process.exit(1), worker: { index, probeName: process.env[PROBE_ENV] ?? randomProbeName() } });
  // prom-client answers the first process's metrics requests once an AggregatorRegistry exists here.
  new AggregatorRegistry();
  // The health plugin's metrics are the first process's (it serves /health): not summed from here.
  for (const name of HEALTH_METRICS) app.metrics.registry.removeSingleMetric(name);
  AggregatorRegistry.setRegistries([app.metrics.registry]);
  app.source.waitForSync().then(
    () => process.send?.({ dns: 'ready' } satisfies FromWorker),
    () => {},
  );
  const started = app;
  return () => started.stop();
}
