/**
 * nftables mode, in kube-proxy's shape: informer handlers feed the change trackers and ask the
 * bounded-frequency runner for a sync; a sync checks out the changes and lets the node's
 * NftablesRuleset (@minimesh/proxy-core) turn them into one `nft -f -` transaction:
 *  - the first sync, and the one after a failure, delete the table and build it afresh;
 *  - a full sync (hourly, or when the node's addresses change) re-sends everything in place,
 *    so ClientIP affinity sets keep their members;
 *  - every other sync is partial: only the changed Services' chains and map elements.
 * Chains no longer used are flushed at once and deleted by a sync ≥ 1 s later, which the proxier
 * asks for itself. Nothing is removed on shutdown.
 */
import { NftablesRuleset, STALE_CHAIN_DELETE_DELAY_MS, type NftRenderOptions, type NftTransaction, type ServicePortMap } from '@minimesh/proxy-core';
import { FAMILY, ProxierBase, type ProxierBaseOptions } from '../proxier-base.js';
import type { Nft } from './nft.js';

export interface NftablesProxierOptions extends ProxierBaseOptions {
  render: NftRenderOptions;
  nft: Nft;
  /** At least this often a sync re-sends everything (default FULL_SYNC_PERIOD_MS). */
  fullSyncPeriodMs?: number;
  /** The clock (epoch ms); tests move it. */
  now?: () => number;
}

/** Like kube-proxy (proxyutil.FullSyncPeriod): partial syncs, but a full one at least this often. */
export const FULL_SYNC_PERIOD_MS = 3600_000;

export class NftablesProxier extends ProxierBase {
  private readonly ruleset: NftablesRuleset;
  private readonly now: () => number;
  private needFullSync = true;
  private lastFullSync = 0;
  private staleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: NftablesProxierOptions) {
    super(o);
    this.ruleset = new NftablesRuleset(o.render);
    this.now = o.now ?? Date.now;
  }

  /** The node's addresses changed: NodePort rules depend on them. */
  override onNodeChange(): void {
    this.needFullSync = true;
    super.onNodeChange();
  }

  override async stop(): Promise<void> {
    clearTimeout(this.staleTimer);
    await super.stop();
    this.o.nft.close();
  }

  async sync(): Promise<void> {
    if (!this.initialized) return;
    const start = process.hrtime.bigint();
    const { metrics } = this.o;
    const now = this.now();
    const full = this.needFullSync || now - this.lastFullSync >= (this.o.fullSyncPeriodMs ?? FULL_SYNC_PERIOD_MS);
    // Cleared now, so a request for a full sync that arrives during this one is not lost.
    this.needFullSync = false;
    const { svcUpdate, epUpdate } = this.checkout();
    const changed = full ? undefined : new Set([...svcUpdate.updatedServices, ...epUpdate.updatedServices]);
    await this.beforeRules(changed);

    let tx: NftTransaction;
    try {
      tx = this.ruleset.transaction({
        services: this.ruleServices(changed),
        endpoints: this.endpoints.endpointsMap,
        node: { name: this.o.nodeName, addresses: this.o.nodeAddresses() },
        changedServices: changed,
        now,
      });
      if (tx.lines.length > 0) await this.o.nft.apply(tx.lines);
    } catch (e) {
      metrics.nftablesSyncFailures.inc(FAMILY);
      // Unknown kernel state: rebuild the table next time.
      this.ruleset.reset();
      this.needFullSync = true;
      throw e;
    }
    if (tx.kind !== 'partial') this.lastFullSync = now;
    if (this.ruleset.staleChainCount > 0) this.deleteStaleChainsLater();

    await this.cleanConntrack();
    const seconds = this.recordSync(start, epUpdate, { full: tx.kind !== 'partial', noLocalEndpoints: tx.noLocalEndpoints });
    this.o.log.debug('synced', { kind: tx.kind, seconds, servicePorts: tx.servicePortsWritten, rules: tx.ruleCount, elements: tx.elementCount, staleChains: tx.staleChains.length, deletedChains: tx.deletedChains.length });
  }

  /**
   * What a mode built on this one does first in every sync, with the Services that changed
   * (undefined: look at all); if it throws, the sync fails and is retried.
   */
  protected async beforeRules(_changed: ReadonlySet<string> | undefined): Promise<void> {}

  /** The service ports the rules are rendered for (every one; a mode built on this one may keep fewer). */
  protected ruleServices(_changed: ReadonlySet<string> | undefined): ServicePortMap {
    return this.services.serviceMap;
  }

  /** The next sync re-sends everything (the kernel's state is in doubt). */
  protected requestFullSync(): void {
    this.needFullSync = true;
  }

  /** A sync once the flushed chains may go (nothing else may come to run one). */
  private deleteStaleChainsLater(): void {
    if (this.staleTimer !== undefined) return;
    this.staleTimer = setTimeout(() => {
      this.staleTimer = undefined;
      this.runSoon();
    }, STALE_CHAIN_DELETE_DELAY_MS);
    this.staleTimer.unref();
  }
}
