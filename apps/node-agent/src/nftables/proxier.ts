/**
 * nftables mode, in the iptables proxier's shape: informer handlers feed the change trackers and
 * ask the bounded-frequency runner for a sync; a sync checks out the changes, renders the table
 * from the full maps (renderNftables of @minimesh/proxy-core) and applies it with one `nft -f -`
 * transaction. Every sync sends the whole table; the first one (and the one after a failure)
 * deletes and rebuilds it, later ones flush and refill it in place so ClientIP affinity sets keep
 * their members. Stale service chains are flushed at once and deleted ≥ 1 s later (kube-proxy's
 * workaround for kernels before 6.2). Nothing is removed on shutdown.
 */
import { BoundedFrequencyRunner, EndpointsChangeTracker, ServiceChangeTracker, renderNftables, staleUdpConntrack, type ConntrackCleanup, type NftRenderOptions, type NftRenderResult } from '@minimesh/proxy-core';
import type { EndpointSlice, Service } from '@minimesh/api';
import type { Logger } from '@minimesh/runtime';
import { EMPTY_CLEANUP, clearStaleUdpConntrack, mergeCleanups } from '../conntrack.js';
import type { Exec } from '../exec.js';
import type { ProxyMetrics } from '../metrics.js';
import type { Nft } from './nft.js';

export interface NftablesProxierOptions {
  nodeName: string;
  /** The node's IPv4 addresses, primary first. */
  nodeAddresses: () => string[];
  render: NftRenderOptions;
  minSyncMs: number;
  syncMs: number;
  nft: Nft;
  exec: Exec;
  log: Logger;
  metrics: ProxyMetrics;
}

const FAMILY = { ip_family: 'IPv4' };
/** kube-proxy waits this long before deleting a chain it flushed (kernels < 6.2 see the reference late). */
export const STALE_CHAIN_DELETE_DELAY_MS = 1000;

export class NftablesProxier {
  readonly services = new ServiceChangeTracker();
  readonly endpoints: EndpointsChangeTracker;
  private readonly runner: BoundedFrequencyRunner;
  private initialized = false;
  /** What the last successful sync left; undefined: the next sync rebuilds the table. */
  private previous?: { chains: ReadonlySet<string>; affinitySets: ReadonlySet<string> };
  /** Flushed stale chains, by when they were flushed. */
  private readonly staleSince = new Map<string, number>();
  private pendingCleanup: ConntrackCleanup = EMPTY_CLEANUP;
  lastSynced = 0;
  lastQueued = 0;

  constructor(private readonly o: NftablesProxierOptions) {
    this.endpoints = new EndpointsChangeTracker({ nodeName: o.nodeName });
    this.runner = new BoundedFrequencyRunner({
      name: 'sync-runner',
      fn: () => this.sync(),
      minInterval: o.minSyncMs,
      maxInterval: o.syncMs,
      retryInterval: o.minSyncMs,
      onError: (e) => o.log.error('sync failed; will retry', { err: (e as Error).message }),
    });
  }

  get synced(): boolean {
    return this.lastSynced > 0;
  }

  onServiceChange(prev: Service | undefined, cur: Service | undefined): void {
    if (this.services.update(prev, cur)) this.queue();
    this.o.metrics.serviceChangesTotal.inc();
  }

  onSliceChange(prev: EndpointSlice | undefined, cur: EndpointSlice | undefined): void {
    if (this.endpoints.update(prev, cur)) this.queue();
    this.o.metrics.endpointChangesTotal.inc();
  }

  /** The node's addresses changed: NodePort rules depend on them (every sync is full). */
  onNodeChange(): void {
    this.queue();
  }

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

  private queue(): void {
    this.lastQueued = Date.now();
    this.o.metrics.lastQueued.set(FAMILY, this.lastQueued / 1000);
    if (this.initialized) this.runner.run();
  }

  async sync(): Promise<void> {
    if (!this.initialized) return;
    const start = process.hrtime.bigint();
    const { metrics } = this.o;
    metrics.serviceChangesPending.set(this.services.pending);
    metrics.endpointChangesPending.set(this.endpoints.pending);
    const svcUpdate = this.services.checkoutChanges();
    const epUpdate = this.endpoints.checkoutChanges();
    this.pendingCleanup = mergeCleanups(this.pendingCleanup, staleUdpConntrack(this.services.serviceMap, svcUpdate, epUpdate));

    const begun = Date.now();
    const deleteChains = [...this.staleSince].filter(([, t]) => begun - t >= STALE_CHAIN_DELETE_DELAY_MS).map(([c]) => c);
    let result: NftRenderResult;
    try {
      result = renderNftables({
        services: this.services.serviceMap,
        endpoints: this.endpoints.endpointsMap,
        node: { name: this.o.nodeName, addresses: this.o.nodeAddresses() },
        opts: this.o.render,
        previous: this.previous,
        deleteChains,
      });
      await this.o.nft.apply(result.script);
    } catch (e) {
      metrics.nftablesSyncFailures.inc(FAMILY);
      // Unknown kernel state: rebuild the table next time.
      this.previous = undefined;
      this.staleSince.clear();
      throw e;
    }
    this.previous = { chains: result.chains, affinitySets: result.affinitySets };
    if (result.fresh) this.staleSince.clear();
    for (const c of result.deletedChains) this.staleSince.delete(c);
    for (const c of result.chains) this.staleSince.delete(c);
    for (const c of result.staleChains) if (!this.staleSince.has(c)) this.staleSince.set(c, begun);

    try {
      const deleted = await clearStaleUdpConntrack(this.o.exec, this.pendingCleanup);
      this.pendingCleanup = EMPTY_CLEANUP;
      if (deleted) metrics.conntrackDeleted.inc(FAMILY, deleted);
    } catch (e) {
      this.o.log.warn('could not delete stale UDP conntrack entries; will retry', { err: (e as Error).message });
    }

    const now = Date.now();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    metrics.syncDuration.observe(FAMILY, seconds);
    metrics.fullSyncDuration.observe(FAMILY, seconds);
    metrics.lastSync.set(FAMILY, now / 1000);
    metrics.noLocalEndpoints.set({ ...FAMILY, traffic_policy: 'internal' }, result.noLocalEndpoints.internal);
    metrics.noLocalEndpoints.set({ ...FAMILY, traffic_policy: 'external' }, result.noLocalEndpoints.external);
    for (const times of epUpdate.lastChangeTriggerTimes.values()) {
      for (const t of times) metrics.programmingLatency.observe(FAMILY, Math.max(0, now - t) / 1000);
    }
    this.lastSynced = now;
    this.o.log.debug('synced', { fresh: result.fresh, seconds, rules: result.ruleCount, elements: result.elementCount, staleChains: result.staleChains.length });
  }
}
