/** The apiserver's Prometheus metrics (names after kube-apiserver's where one exists). */
import { Counter, Gauge, Histogram, Registry as PromRegistry, collectDefaultMetrics } from 'prom-client';

/** Where the gauges that follow the store read its revisions, at each scrape. */
interface StoreRevisions {
  publishedRevision(): Promise<number>;
  oldestRevision(): Promise<number>;
}

export function apiServerMetrics() {
  const registry = new PromRegistry();
  // process_resident_memory_bytes, nodejs_heap_size_used_bytes...: what kube-apiserver's process metrics say.
  collectDefaultMetrics({ register: registry });
  let store: StoreRevisions | undefined;
  return {
    registry,
    requests: new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, resource and response code.',
      labelNames: ['verb', 'resource', 'code'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb and resource.',
      labelNames: ['verb', 'resource'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    revision: new Gauge({ name: 'minimesh_apiserver_revision', help: 'Current cluster-wide revision of the store.', registers: [registry] }),
    publishedRevision: new Gauge({
      name: 'minimesh_apiserver_events_published_revision',
      help: 'Highest revision published to NATS JetStream.',
      registers: [registry],
      async collect() {
        if (store) this.set(await store.publishedRevision());
      },
    }),
    // What followers compare: the store's id (a new data directory is a new store) and how far back
    // its watch history reaches (a watch or a stream follower from before it relists).
    storeInfo: new Gauge({ name: 'minimesh_apiserver_store_info', help: 'The store this apiserver serves, by id; always 1.', labelNames: ['store_id'], registers: [registry] }),
    historyOldestRevision: new Gauge({
      name: 'minimesh_apiserver_watch_history_oldest_revision',
      help: 'Oldest revision the watch history still holds (older ones are compacted: a watch from before it must relist).',
      registers: [registry],
      async collect() {
        if (store) this.set(await store.oldestRevision());
      },
    }),
    /** Where the published and the oldest revision are read, at each scrape. */
    readStoreFrom(s: StoreRevisions) {
      store = s;
    },
    parkedEvents: new Counter({
      name: 'minimesh_apiserver_events_parked_total',
      help: 'Events whose object did not fit in a NATS message (published as a stub; followers relist).',
      registers: [registry],
    }),
    stalledWatches: new Counter({
      name: 'minimesh_apiserver_watches_closed_unresponsive_total',
      help: 'Watches closed because their client stopped reading.',
      registers: [registry],
    }),
    watchers: new Gauge({ name: 'apiserver_registered_watchers', help: 'Number of currently open gRPC watches.', registers: [registry] }),
    // etcd's etcd_disk_wal_fsync_duration_seconds, for the store's log: one sync per group of commits.
    logSync: new Histogram({
      name: 'minimesh_apiserver_store_log_fsync_duration_seconds',
      help: 'Latency of the syncs of the store’s write-ahead log; each makes every commit applied before it durable.',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256],
      registers: [registry],
    }),
  };
}

export type ApiServerMetrics = ReturnType<typeof apiServerMetrics>;
