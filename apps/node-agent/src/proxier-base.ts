/**
 * What every proxy mode shares, in kube-proxy's shape: informer handlers feed the change trackers
 * and ask a bounded-frequency runner for a sync; nothing is written before the informers synced;
 * stale UDP flows wait until a sync and a conntrack run both succeeded; the sync metrics.
 * A mode (iptables, nftables) only says how one sync renders and applies its rules.
 */
import { AdaptiveMinInterval, BoundedFrequencyRunner, EndpointsChangeTracker, ServiceChangeTracker, isProxiedSlice, sliceServiceName, staleUdpConntrack, type ConntrackCleanup, type EndpointsMapUpdate, type ServiceMapUpdate } from '@minimesh/proxy-core';
import type { EndpointSlice, Service } from '@minimesh/api';
import type { Logger } from '@minimesh/runtime';
import { EMPTY_CLEANUP, clearStaleUdpConntrack, mergeCleanups } from './conntrack.js';
import type { Exec } from '@minimesh/runtime';
import type { ProxyMetrics } from './metrics.js';

export const FAMILY = { ip_family: 'IPv4' };

export interface ProxierBaseOptions {
  nodeName: string;
  /** The node's IPv4 addresses, primary first. */
  nodeAddresses: () => string[];
  /** The Node object's InternalIP and ExternalIP addresses (default: none known). */
  nodeIPs?: () => string[];
  /** The wait between two syncs; with adaptiveMinSync the most it may be. */
  minSyncMs: number;
  syncMs: number;
  /** Wait twice what syncs recently cost instead of minSyncMs (default true). */
  adaptiveMinSync?: boolean;
  exec: Exec;
  log: Logger;
  metrics: ProxyMetrics;
  /** Told after every successful sync (the per-Service health checks follow it). */
  onSynced?: () => void;
}

export interface SyncOutcome {
  full: boolean;
  noLocalEndpoints: { internal: number; external: number };
}

export abstract class ProxierBase {
  readonly services = new ServiceChangeTracker();
  readonly endpoints: EndpointsChangeTracker;
  private readonly runner: BoundedFrequencyRunner;
  private readonly minInterval: AdaptiveMinInterval | undefined;
  protected initialized = false;
  private pendingCleanup: ConntrackCleanup = EMPTY_CLEANUP;
  /** When rules last matched the desired state (epoch ms), and when a change was last queued. */
  lastSynced = 0;
  lastQueued = 0;

  constructor(private readonly base: ProxierBaseOptions) {
    this.endpoints = new EndpointsChangeTracker({ nodeName: base.nodeName });
    const adaptive = (base.adaptiveMinSync ?? true) ? new AdaptiveMinInterval({ maxMs: base.minSyncMs }) : undefined;
    this.minInterval = adaptive;
    base.metrics.minSyncInterval.set(base.minSyncMs / 1000);
    this.runner = new BoundedFrequencyRunner({
      name: 'sync-runner',
      fn: () => this.sync(),
      minInterval: adaptive === undefined ? base.minSyncMs : () => adaptive.ms,
      // A Service's EndpointSlice arrives a few ms behind the Service: after a quiet interval,
      // two syncs may follow each other (kube-proxy's older runner had burstSyncs=2).
      burst: 2,
      maxInterval: base.syncMs,
      retryInterval: base.minSyncMs,
      onError: (e) => base.log.error('sync failed; will retry', { err: (e as Error).message }),
    });
  }

  /** One sync of the rules; a mode implements it with checkout(), cleanConntrack() and recordSync(). */
  abstract sync(): Promise<void>;

  get synced(): boolean {
    return this.lastSynced > 0;
  }

  onServiceChange(prev: Service | undefined, cur: Service | undefined): void {
    if (this.services.update(prev, cur)) this.queue();
    // kube-proxy: every Service event counts; pending is the number of Services with changes.
    this.base.metrics.serviceChangesTotal.inc();
    this.base.metrics.serviceChangesPending.set(this.services.pending);
  }

  onSliceChange(prev: EndpointSlice | undefined, cur: EndpointSlice | undefined): void {
    const slice = cur ?? prev;
    // kube-proxy counts the slices it proxies (IPv4, of a Service), and every one that changed
    // what is pending.
    if (slice !== undefined && isProxiedSlice(slice) && sliceServiceName(slice) !== undefined) this.base.metrics.endpointChangesTotal.inc();
    if (this.endpoints.update(prev, cur)) {
      this.base.metrics.endpointChangesPending.inc();
      this.queue();
    }
  }

  /** The node's addresses changed: NodePort rules depend on them. */
  onNodeChange(): void {
    this.queue();
  }

  /** Informers have synced: rules may now be written (never from a partial view). */
  setInitialized(): void {
    this.initialized = true;
    this.runner.run();
  }

  start(): void {
    this.runner.loop();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Asks for a sync that no change asked for (a mode's own housekeeping). */
  protected runSoon(): void {
    if (this.initialized) this.runner.run();
  }

  protected queue(): void {
    this.lastQueued = Date.now();
    this.base.metrics.lastQueued.set(FAMILY, this.lastQueued / 1000);
    if (this.initialized) this.runner.run();
  }

  /** Folds the pending changes into the full maps; their stale UDP flows wait for cleanConntrack(). */
  protected checkout(): { svcUpdate: ServiceMapUpdate; epUpdate: EndpointsMapUpdate } {
    // kube-proxy: the pending gauges drop to 0 when a sync takes the changes.
    const { metrics } = this.base;
    metrics.serviceChangesPending.set(0);
    metrics.endpointChangesPending.set(0);
    const svcUpdate = this.services.checkoutChanges();
    const epUpdate = this.endpoints.checkoutChanges();
    this.pendingCleanup = mergeCleanups(this.pendingCleanup, staleUdpConntrack(this.services.serviceMap, svcUpdate, epUpdate));
    return { svcUpdate, epUpdate };
  }

  /** After the rules are in: deletes the stale UDP flows of every checkout so far (kept for a retry if it fails). */
  protected async cleanConntrack(): Promise<void> {
    try {
      const deleted = await this.clearStaleUdp(this.pendingCleanup);
      this.pendingCleanup = EMPTY_CLEANUP;
      if (deleted) this.base.metrics.conntrackDeleted.inc(FAMILY, deleted);
    } catch (e) {
      this.base.log.warn('could not delete stale UDP conntrack entries; will retry', { err: (e as Error).message });
    }
  }

  /** Deletes the stale UDP flows of `cleanup` (conntrack entries); how many. */
  protected clearStaleUdp(cleanup: ConntrackCleanup): Promise<number> {
    return clearStaleUdpConntrack(this.base.exec, cleanup);
  }

  /** The metrics of a successful sync that began at `start` (process.hrtime.bigint()); returns its seconds. */
  protected recordSync(start: bigint, epUpdate: EndpointsMapUpdate, outcome: SyncOutcome): number {
    const { metrics } = this.base;
    const now = Date.now();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    metrics.syncDuration.observe(FAMILY, seconds);
    if (this.minInterval !== undefined) {
      this.minInterval.record(seconds * 1000);
      metrics.minSyncInterval.set(this.minInterval.ms / 1000);
    }
    (outcome.full ? metrics.fullSyncDuration : metrics.partialSyncDuration).observe(FAMILY, seconds);
    metrics.lastSync.set(FAMILY, now / 1000);
    metrics.noLocalEndpoints.set({ ...FAMILY, traffic_policy: 'internal' }, outcome.noLocalEndpoints.internal);
    metrics.noLocalEndpoints.set({ ...FAMILY, traffic_policy: 'external' }, outcome.noLocalEndpoints.external);
    for (const times of epUpdate.lastChangeTriggerTimes.values()) {
      for (const t of times) metrics.programmingLatency.observe(FAMILY, Math.max(0, now - t) / 1000);
    }
    this.lastSynced = now;
    this.base.onSynced?.();
    return seconds;
  }
}
