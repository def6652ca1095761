/**
 * Which store an informer believes. The cache's store comes from its list, over the apiserver's
 * authenticated connection. A message that names another store is either a store change (the
 * apiserver moved to another data directory) or a forgery: anyone who may publish on NATS can
 * make a key, name a store after it and sign with it. So a message never proves a store; only the
 * apiserver does, when the informer lists again (a probe).
 *
 * A store the apiserver did not confirm on the probe's list is refuted up to the revision probed:
 * its messages up to there are refused without a list, a later one may ask again (an apiserver
 * that really moves to that store later). While a probe is recent, messages of other stores are
 * refused without another; the follower lists again when the interval is over, so a genuine
 * change is seen within it. A stream of forgeries costs at most one list per interval.
 */

export const STORE_PROBE_INTERVAL_MS = 10_000;
const MAX_REFUTED = 1024;

export type StoreVerdict =
  /** List now: the apiserver says which store is current. */
  | { action: 'probe' }
  /** Refused; when `probeInMs` is set, list after that long if nothing else did. */
  | { action: 'refuse'; reason: string; probeInMs?: number };

export class StoreTrust {
  private probe?: { store: string; revision: number; at: number };
  /** Refuted stores, with the highest revision a list refuted. */
  private readonly refuted = new Map<string, number>();

  constructor(
    private readonly intervalMs = STORE_PROBE_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cache's store after a list: a probed store the list did not name is refuted. */
  listed(storeId: string): void {
    if (!this.probe || this.probe.store === storeId) return;
    if (this.refuted.size >= MAX_REFUTED) this.refuted.clear();
    this.refuted.set(this.probe.store, Math.max(this.refuted.get(this.probe.store) ?? 0, this.probe.revision));
  }

  /** What to do with a (signed) message at `revision` of `store`, when the cache is of another store. */
  verdict(store: string, revision = 0): StoreVerdict {
    const refutedThrough = this.refuted.get(store);
    if (refutedThrough !== undefined && revision <= refutedThrough) return { action: 'refuse', reason: `store ${store} is not the apiserver's` };
    const since = this.probe ? this.now() - this.probe.at : Infinity;
    if (since < this.intervalMs) {
      return { action: 'refuse', reason: `names store ${store}, not the cache's, within ${this.intervalMs} ms of the last check`, probeInMs: this.intervalMs - since };
    }
    this.probe = { store, revision, at: this.now() };
    return { action: 'probe' };
  }
}
