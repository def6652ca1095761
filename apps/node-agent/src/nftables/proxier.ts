/**
 * nftables mode, in the iptables proxier's shape: informer handlers feed the change trackers and
 * ask the bounded-frequency runner for a sync; a sync checks out the changes, renders the table
 * from the full maps (renderNftables of @minimesh/proxy-core) and applies it with one `nft -f -`
 * transaction. Every sync sends the whole table; the first one (and the one after a failure)
 * deletes and rebuilds it, later ones flush and refill it in place so ClientIP affinity sets keep
 * their members. Stale service chains are flushed at once and deleted ≥ 1 s later (kube-proxy's
 * workaround for kernels before 6.2). Nothing is removed on shutdown.
 */
import { renderNftables, type NftRenderOptions, type NftRenderResult } from '@minimesh/proxy-core';
import { FAMILY, ProxierBase, type ProxierBaseOptions } from '../proxier-base.js';
import type { Nft } from './nft.js';

export interface NftablesProxierOptions extends ProxierBaseOptions {
  render: NftRenderOptions;
  nft: Nft;
}

/** kube-proxy waits this long before deleting a chain it flushed (kernels < 6.2 see the reference late). */
export const STALE_CHAIN_DELETE_DELAY_MS = 1000;

export class NftablesProxier extends ProxierBase {
  /** What the last successful sync left; undefined: the next sync rebuilds the table. */
  private previous?: { chains: ReadonlySet<string>; affinitySets: ReadonlySet<string> };
  /** Flushed stale chains, by when they were flushed. */
  private readonly staleSince = new Map<string, number>();

  constructor(private readonly o: NftablesProxierOptions) {
    super(o);
  }

  async sync(): Promise<void> {
    if (!this.initialized) return;
    const start = process.hrtime.bigint();
    const { metrics } = this.o;
    const { epUpdate } = this.checkout();

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

    await this.cleanConntrack();
    // Every nftables sync sends the whole table.
    const seconds = this.recordSync(start, epUpdate, { full: true, noLocalEndpoints: result.noLocalEndpoints });
    this.o.log.debug('synced', { fresh: result.fresh, seconds, rules: result.ruleCount, elements: result.elementCount, staleChains: result.staleChains.length });
  }
}
