/**
 * The apiserver, assembled: store → registry → (watch hub, NATS publisher) → gRPC + HTTP.
 * `startApiServer` is what main() runs and what integration tests start in-process.
 */
import { status as Code, type Server } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { indexedIP } from '@minimesh/allocators';
import { HealthService, StreamTracker, addReflection, listen, newServer, stopServer } from '@minimesh/grpc-kit';
import { createLogger, splitHostPort, startHttpEndpoint, type HttpEndpoint, type Logger, type ReadyCheck } from '@minimesh/runtime';
import { setUpAccessControl } from './auth/index.js';
import { servingPki } from './auth/serving-pki.js';
import { EventPublisher } from './events/nats-publisher.js';
import { apiServiceDefinition, apiServiceHandlers } from './grpc/api-service.js';
import { instrument } from './grpc/instrument.js';
import { RequestLimits } from './grpc/request-limits.js';
import { startRestServer, type RestServer } from './rest/rest-server.js';
import { apiServerMetrics } from './metrics.js';
import { defaultApiServerOptions, type ApiServerOptions } from './options.js';
import { openRegistry } from './registry/bootstrap.js';
import { EventExpiry } from './registry/event-expiry.js';
import { KubernetesServiceReconciler } from './registry/kubernetes-service.js';
import type { Registry } from './registry/registry.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';
import { WatchHub } from './watch/watch-hub.js';

/** minimesh's version (the apiserver package's), shown by /version after the Kubernetes version it serves. */
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface ApiServer {
  /** host:port of the gRPC API (the first listen address). */
  address: string;
  /** Every bound address (TCP and unix:// sockets). */
  addresses: string[];
  /** The CA that signed the serving certificate (and signs client certificates). */
  caFile: string;
  /** host:port of the Kubernetes REST API (HTTPS); '' when not served. */
  restAddress: string;
  httpAddress: string;
  registry: Registry;
  store: Store;
  publisher?: EventPublisher;
  kubernetesService: KubernetesServiceReconciler;
  stop(): Promise<void>;
}


export async function startApiServer(partial: Partial<ApiServerOptions> = {}, log: Logger = createLogger('apiserver')): Promise<ApiServer> {
  const opts = { ...defaultApiServerOptions(), ...partial };
  const metrics = apiServerMetrics();
  const store = new SqliteStore(opts['data-dir'], {
    syncLog: async (sync) => {
      const end = metrics.logSync.startTimer();
      try {
        await sync();
      } catch (e) {
        // As etcd panics on a failed WAL fsync: the kernel may have dropped the pages, so nothing
        // since the last good sync can be promised, and watchers would wait for events that never
        // come. A supervisor restarts the process, which syncs the log before it answers anything.
        log.error('the store could not sync its log to disk: exiting', { err: (e as Error).message });
        setImmediate(() => process.exit(1));
        throw e;
      }
      end();
    },
  });
  const registry = await openRegistry(store, {
    serviceCidr: opts['service-cluster-ip-range'],
    nodePortRange: opts['service-node-port-range'],
    log,
  });
  const hub = new WatchHub(store, { bookmarkIntervalMs: opts['bookmark-interval'] * 1000, maxQueue: opts['max-watch-backlog'] });
  registry.onCommit((events) => hub.publish(events));

  let publisher: EventPublisher | undefined;
  if (opts['nats-url']) {
    publisher = new EventPublisher(store, {
      url: opts['nats-url'],
      stream: opts['nats-stream'],
      maxAgeMs: opts['nats-max-age'] * 1000,
      log: log.child('events'),
      auth: { user: opts['nats-user'], passwordFile: opts['nats-password-file'], caFile: opts['nats-ca'] },
      onParked: () => metrics.parkedEvents.inc(),
    });
    registry.onCommit(() => publisher!.notify());
    publisher.start();
  }
  registry.onCommit((events) => metrics.revision.set(events[events.length - 1]!.revision));
  metrics.revision.set(await store.revision());
  metrics.storeInfo.labels(store.id).set(1);
  metrics.readStoreFrom(store);

  // History compaction: keep `watch-history` events, and those NATS has not got yet, but never
  // more than `max-unpublished-events` of them: with NATS away for long the history stays
  // bounded, and followers of the stream relist over the gap.
  let compactingUnpublished = false;
  const compactor = setInterval(() => {
    void (async () => {
      const revision = await store.revision();
      let upTo = revision - opts['watch-history'];
      if (publisher) upTo = Math.max(Math.min(upTo, await store.publishedRevision()), revision - opts['max-unpublished-events']);
      const unpublished = !!publisher && upTo > 0 && upTo > (await store.publishedRevision());
      if (unpublished && !compactingUnpublished) log.warn('compacting events NATS has not got (over --max-unpublished-events); followers of the stream will relist', { upTo });
      compactingUnpublished = unpublished;
      if (upTo > 0) await store.compact(upTo);
    })().catch((e: Error) => log.warn('history compaction failed', { err: e.message }));
  }, opts['compaction-interval'] * 1000);
  compactor.unref();
  const eventExpiry = new EventExpiry(registry, opts['event-ttl'] * 1000, Date.now, (e) => log.warn('expiring events failed', { err: (e as Error).message }));
  eventExpiry.start();

  const access = await setUpAccessControl(opts, registry, log.child('auth'));
  const tls = servingPki({
    dataDir: opts['data-dir'],
    certFile: opts['tls-cert-file'],
    keyFile: opts['tls-private-key-file'],
    caFile: opts['client-ca-file'],
    hosts: [opts['advertise-address'], indexedIP(opts['service-cluster-ip-range'], 1), ...listenHosts(opts.listen)],
  });

  const streams = new StreamTracker();
  const server: Server = newServer();
  const logError = (msg: string, meta: Record<string, unknown>) => log.error(msg, meta);
  const limits = new RequestLimits({ maxInflight: opts['max-requests-inflight'], maxWatchesPerUser: opts['max-watches-per-user'] });
  const handlers = apiServiceHandlers({
    registry,
    hub,
    streams,
    logError,
    access,
    limits,
    watchStallTimeoutMs: opts['watch-stall-timeout'] * 1000,
    onWatchStall: () => metrics.stalledWatches.inc(),
  });
  server.addService(apiServiceDefinition(), instrument(handlers, metrics));
  const health = new HealthService(['minimesh.v1.ApiService']);
  health.addTo(server, streams);
  addReflection(server, ['minimesh/v1/api.proto', 'grpc/health/v1/health.proto']);
  const addresses = await listen(server, opts.listen, tls);
  const address = addresses[0]!;
  const watcherGauge = setInterval(() => metrics.watchers.set(hub.watchers), 1000);
  watcherGauge.unref();

  let http: HttpEndpoint;
  try {
    http = await startHttpEndpoint({ listen: opts['http-listen'], registry: metrics.registry, ready: () => readiness(store, publisher, opts['max-unpublished-events']) });
  } catch (e) {
    server.forceShutdown();
    throw e;
  }
  let rest: RestServer | undefined;
  if (opts['rest-listen']) {
    try {
      rest = await startRestServer({
        listen: opts['rest-listen'],
        tls,
        registry,
        hub,
        access,
        limits,
        watchStallTimeoutMs: opts['watch-stall-timeout'] * 1000,
        onWatchStall: () => metrics.stalledWatches.inc(),
        log: log.child('rest'),
        ready: () => readiness(store, publisher, opts['max-unpublished-events']),
        version: { gitVersion: `v1.32.0+minimesh-${VERSION}`, gitCommit: '' },
      });
    } catch (e) {
      server.forceShutdown();
      await http.close();
      throw e;
    }
  }
  const kubernetesService = new KubernetesServiceReconciler(registry, {
    clusterIP: indexedIP(opts['service-cluster-ip-range'], 1),
    advertiseAddress: opts['advertise-address'] || firstHostIPv4(),
    port: portOf(address),
    log: log.child('kubernetes-service'),
  });
  await kubernetesService.start();
  health.setServing(true);
  log.info('apiserver serving', { grpc: addresses, rest: rest?.address ?? '', http: http.address, dataDir: opts['data-dir'], storeId: store.id });

  return {
    address,
    addresses,
    caFile: tls.caFile,
    restAddress: rest?.address ?? '',
    httpAddress: http.address,
    registry,
    store,
    publisher,
    kubernetesService,
    async stop() {
      health.setServing(false);
      clearInterval(compactor);
      eventExpiry.stop();
      kubernetesService.stop();
      registry.stop();
      clearInterval(watcherGauge);
      await stopServer(server, streams);
      await rest?.close();
      await http.close();
      await publisher?.stop();
      await store.close();
      log.info('apiserver stopped');
    },
  };
}

/**
 * /readyz as kube-apiserver lists it: `ping`; `store` (a read of the store works: etcd's check
 * there); `nats` when events are published (connected, and not further behind than the history
 * keeps for it).
 */
async function readiness(store: Store, publisher: EventPublisher | undefined, maxBacklog: number): Promise<ReadyCheck[]> {
  const checks: ReadyCheck[] = [{ name: 'ping', ok: true }];
  let revision = 0;
  try {
    revision = await store.revision();
    checks.push({ name: 'store', ok: true });
  } catch {
    checks.push({ name: 'store', ok: false });
  }
  if (publisher) {
    const behind = revision - (await store.publishedRevision().catch(() => 0));
    checks.push({ name: 'nats', ok: publisher.connected && behind <= maxBacklog });
  }
  return checks;
}

/** The first non-internal IPv4 address of this host, as kube-apiserver picks its advertise address; '' when there is none. */
function firstHostIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '';
}

/** The hosts of the TCP listen addresses (the serving certificate names them). */
function listenHosts(listen: string): string[] {
  return listen
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a && !a.startsWith('unix:'))
    .map((a) => splitHostPort(a).host)
    .filter((h) => h !== '0.0.0.0' && h !== '::');
}

/** The port of host:port (a unix socket listener has none: 6443, the apiserver's usual). */
function portOf(address: string): number {
  const m = /:(\d+)$/.exec(address);
  return m ? Number(m[1]) : 6443;
}

export { Code };
