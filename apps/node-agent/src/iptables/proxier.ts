/**
 * iptables mode, in kube-proxy's shape: informer handlers feed the change trackers and ask the
 * bounded-frequency runner for a sync; a sync checks out the changes, renders the desired
 * ruleset from the full maps (a pure function of @minimesh/proxy-core), and applies it with
 * `iptables-restore --noflush` — only the changed services' chains, or everything on a full sync
 * (the first one, after a failure, or when the canary chain shows someone flushed the tables).
 * Nothing is removed on shutdown: a restarted agent takes over the rules in place.
 */
import {
  BoundedFrequencyRunner,
  EndpointsChangeTracker,
  ServiceChangeTracker,
  canaryChain,
  renderIptables,
  staleUdpConntrack,
  type ConntrackCleanup,
  type RenderOptions,
} from '@minimesh/proxy-core';
import type { EndpointSlice, Service } from '@minimesh/api';
import type { Logger } from '@minimesh/runtime';
import { EMPTY_CLEANUP, clearStaleUdpConntrack, mergeCleanups } from '../conntrack.js';
import type { Exec } from '../exec.js';
import type { ProxyMetrics } from '../metrics.js';
import type { Iptables } from './iptables.js';

export interface IptablesProxierOptions {
  nodeName: string;
  /** The node's IPv4 addresses, primary first. */
  nodeAddresses: () => string[];
  render: RenderOptions & { prefix: string };
  minSyncMs: number;
  syncMs: number;
  /** At least this often a sync rewrites everything (default FULL_SYNC_PERIOD_MS). */
  fullSyncPeriodMs?: number;
  iptables: Iptables;
  exec: Exec;
  log: Logger;
  metrics: ProxyMetrics;
}

const FAMILY = { ip_family: 'IPv4' };
const CANARY_CHECK_MS = 5000;
/** Like kube-proxy (proxyutil.FullSyncPeriod): partial syncs, but a full one at least this often. */
export const FULL_SYNC_PERIOD_MS = 3600_000;

export class IptablesProxier {
  readonly services = new ServiceChangeTracker();
  readonly endpoints: EndpointsChangeTracker;
  private readonly runner: BoundedFrequencyRunner;
  private initialized = false;
  private needFullSync = true;
  private natChains?: Set<string>;
  private lastCanaryCheck = 0;
  private lastFullSync = 0;
  private pendingCleanup: ConntrackCleanup = EMPTY_CLEANUP;
  /** When rules last matched the desired state (epoch ms), and when a change was last queued. */
  lastSynced = 0;
  lastQueued = 0;

  constructor(private readonly o: IptablesProxierOptions) {
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

  /** The node's addresses changed: NodePort rules depend on them. */
  onNodeChange(): void {
    this.needFullSync = true;
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

  private queue(): void {
    this.lastQueued = Date.now();
    this.o.metrics.lastQueued.set(FAMILY, this.lastQueued / 1000);
    if (this.initialized) this.runner.run();
  }

  private async canaryMissing(): Promise<boolean> {
    if (Date.now() - this.lastCanaryCheck < CANARY_CHECK_MS) return false;
    this.lastCanaryCheck = Date.now();
    const { chain, tables } = canaryChain(this.o.render.prefix);
    for (const t of tables) if (!(await this.o.iptables.chainExists(t, chain))) return true;
    return false;
  }

  async sync(): Promise<void> {
    if (!this.initialized) return;
    const start = process.hrtime.bigint();
    const { metrics, iptables, render } = this.o;
    if (!this.needFullSync && (await this.canaryMissing())) {
      this.o.log.warn('canary chain is gone (someone flushed the tables): full resync');
      this.needFullSync = true;
    }
    const full = this.needFullSync || Date.now() - this.lastFullSync > (this.o.fullSyncPeriodMs ?? FULL_SYNC_PERIOD_MS);
    // Cleared now, so a request for a full sync that arrives during this one is not lost.
    this.needFullSync = false;
    metrics.serviceChangesPending.set(this.services.pending);
    metrics.endpointChangesPending.set(this.endpoints.pending);
    const svcUpdate = this.services.checkoutChanges();
    const epUpdate = this.endpoints.checkoutChanges();
    // Stale UDP flows of this checkout wait until a restore and a conntrack run both succeed.
    this.pendingCleanup = mergeCleanups(this.pendingCleanup, staleUdpConntrack(this.services.serviceMap, svcUpdate, epUpdate));

    const changed = new Set([...svcUpdate.updatedServices, ...epUpdate.updatedServices]);
    let result: ReturnType<typeof renderIptables>;
    try {
      // Chains left by an earlier run are deleted by the first full restore.
      if (full) this.natChains ??= new Set(await iptables.chains('nat', render.prefix));
      result = renderIptables({
        services: this.services.serviceMap,
        endpoints: this.endpoints.endpointsMap,
        node: { name: this.o.nodeName, addresses: this.o.nodeAddresses() },
        opts: render,
        changedServices: full ? undefined : changed,
        existingNatChains: this.natChains,
      });
      if (full) {
        for (const j of result.ensureJumps) await iptables.ensureJump(j);
        for (const t of result.canary.tables) await iptables.ensureChain(t, result.canary.chain);
      }
      await iptables.restore(result.restore);
    } catch (e) {
      metrics.restoreFailures.inc(FAMILY);
      if (!full) metrics.partialRestoreFailures.inc(FAMILY);
      this.needFullSync = true;
      this.natChains = undefined;
      throw e;
    }
    this.natChains = new Set(result.natChains);
    if (full) this.lastFullSync = Date.now();

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
    (result.partial ? metrics.partialSyncDuration : metrics.fullSyncDuration).observe(FAMILY, seconds);
    metrics.lastSync.set(FAMILY, now / 1000);
    metrics.rulesTotal.set({ ...FAMILY, table: 'filter' }, result.ruleCounts.filter);
    metrics.rulesTotal.set({ ...FAMILY, table: 'nat' }, result.ruleCounts.nat);
    metrics.rulesLast.set({ ...FAMILY, table: 'nat' }, result.ruleCounts.natWritten);
    metrics.noLocalEndpoints.set({ ...FAMILY, traffic_policy: 'internal' }, result.noLocalEndpoints.internal);
    metrics.noLocalEndpoints.set({ ...FAMILY, traffic_policy: 'external' }, result.noLocalEndpoints.external);
    for (const times of epUpdate.lastChangeTriggerTimes.values()) {
      for (const t of times) metrics.programmingLatency.observe(FAMILY, Math.max(0, now - t) / 1000);
    }
    this.lastSynced = now;
    this.o.log.debug('synced', { full: !result.partial, seconds, changedServices: changed.size, natRules: result.ruleCounts.nat });
  }
}
