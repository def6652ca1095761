/**
 * What the kubernetes plugin answers from: informers on Services, EndpointSlices (never v1
 * Endpoints), Namespaces and, for `pods verified`, Pods; after changes an immutable snapshot is
 * rebuilt from the full caches (reconcile, don't react), at most every `minIntervalMs`, and never
 * more often than twice the last rebuild took, so a big cluster under churn spends at most a third
 * of the time rebuilding. The SOA serial is the Unix time of the last change (dnsControl.Modified).
 */
import { LABEL_SERVICE_NAME, type EndpointSlice, type KubeObject, type Namespace, type Pod, type Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { buildSnapshot, emptySnapshot, type ClusterSnapshot } from '@minimesh/dns-core';
import { createInformer, informerSet, type Informer, type InformerSet, type NatsTransportOptions } from '@minimesh/informer';
import type { Logger } from '@minimesh/runtime';
import type { DnsMetrics } from './metrics.js';

export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';
export const DEFAULT_SNAPSHOT_MIN_INTERVAL_MS = 20; // ms between two rebuilds under a stream of changes

export interface ClusterSourceOptions {
  client: ApiClient;
  transport: 'grpc' | 'nats';
  /** The informers' NATS servers and credentials (transport nats). */
  nats: NatsTransportOptions;
  /** Watch pods too (only `pods verified` needs them). */
  watchPods: boolean;
  minIntervalMs?: number;
  log: Logger;
  metrics?: DnsMetrics['kubernetes'];
  now?: () => number;
}

export class ClusterSource {
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;
  private readonly set: InformerSet;
  private readonly pods?: Informer<Pod>;
  private readonly namespaces: Informer<Namespace>;
  private current: ClusterSnapshot = emptySnapshot();
  private timer?: NodeJS.Timeout;
  private lastBuild = 0;
  private lastBuildMs = 0;
  private serial = 0;
  private stopped = false;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();
  /** Slice changes with a trigger time, for the programming-latency histogram once they are served. */
  private pendingTriggers: { at: number; kind: string }[] = [];

  constructor(private readonly o: ClusterSourceOptions) {
    this.now = o.now ?? Date.now;
    const common = { client: o.client, transport: o.transport, nats: o.nats, logger: o.log };
    this.services = createInformer({ kind: 'Service', ...common });
    this.slices = createInformer({ kind: 'EndpointSlice', ...common });
    this.namespaces = createInformer({ kind: 'Namespace', ...common });
    const all: Informer<KubeObject>[] = [this.services, this.slices, this.namespaces] as Informer<KubeObject>[];
    if (o.watchPods) {
      this.pods = createInformer({ kind: 'Pod', ...common });
      all.push(this.pods as Informer<KubeObject>);
    }
    this.set = informerSet(...all);
    const changed = () => this.changed();
    for (const inf of all) inf.addEventHandler({ onAdd: changed, onUpdate: (a, b) => a !== b && changed(), onDelete: changed });
    this.slices.addEventHandler({ onAdd: (s) => this.trigger(s), onUpdate: (_, s) => this.trigger(s) });
  }

  start(): void {
    this.set.start();
    this.set.waitForSync().then(
      () => this.schedule(0),
      () => {},
    );
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.set.waitForSync(signal);
  }

  hasSynced(): boolean {
    return this.set.hasSynced();
  }

  /** The snapshot answers are made from (empty and unsynced until the first lists are in). */
  snapshot(): ClusterSnapshot {
    return this.current;
  }

  /** Called after every rebuild. */
  onSnapshot(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.set.stop();
  }

  private changed(): void {
    this.serial = Math.floor(this.now() / 1000);
    if (this.set.hasSynced()) this.schedule(this.o.minIntervalMs ?? DEFAULT_SNAPSHOT_MIN_INTERVAL_MS);
  }

  private trigger(slice: EndpointSlice): void {
    // As CoreDNS: not for the initial list, only for changes made while this server runs.
    if (!this.o.metrics || !this.set.hasSynced()) return;
    const at = Date.parse(slice.metadata.annotations?.[TRIGGER_TIME_ANNOTATION] ?? '');
    if (!Number.isFinite(at)) return;
    const svc = this.services.get(slice.metadata.namespace ?? '', slice.metadata.labels?.[LABEL_SERVICE_NAME] ?? '');
    const kind = svc?.spec?.clusterIP === 'None' ? (svc.spec.selector ? 'headless_with_selector' : 'headless_without_selector') : 'cluster_ip';
    this.pendingTriggers.push({ at, kind });
  }

  private schedule(minIntervalMs: number): void {
    if (this.timer || this.stopped) return;
    const delay = Math.max(0, this.lastBuild + Math.max(minIntervalMs, 2 * this.lastBuildMs) - this.now());
    this.timer = setTimeout(() => this.rebuild(), delay);
  }

  private rebuild(): void {
    this.timer = undefined;
    if (this.stopped) return;
    this.lastBuild = this.now();
    const started = performance.now();
    this.current = buildSnapshot({
      services: this.services.list(),
      slices: this.slices.list(),
      namespaces: this.namespaces.list(),
      pods: this.pods?.list(),
      synced: this.set.hasSynced(),
      serial: this.serial || Math.floor(this.now() / 1000),
    });
    this.lastBuildMs = performance.now() - started;
    const served = this.now();
    for (const t of this.pendingTriggers.splice(0)) this.o.metrics?.programmingDuration.observe({ service_kind: t.kind }, Math.max(0, served - t.at) / 1000);
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        this.o.log.error('snapshot listener failed', { err: (e as Error).message });
      }
    }
  }
}
