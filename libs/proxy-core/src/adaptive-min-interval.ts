/**
 * The wait between two syncs, from what syncs cost on this node. kube-proxy waits a fixed
 * --min-sync-period (1 s) after every sync so a storm of changes cannot keep it syncing
 * back to back; that protection costs every change up to a second of latency even where a sync
 * takes 5 ms. Here the wait is `factor` × the recent cost of a sync (an exponentially weighted
 * average, so one slow full sync raises it for a while), never more than the configured
 * period: syncs then use at most 1 / (1 + factor) of a core under any churn, and a quiet node
 * programs a change in about the time one sync takes.
 */

export interface AdaptiveMinIntervalOptions {
  /** The most the wait may be (--min-sync-period), ms. */
  maxMs: number;
  /** Wait = factor × sync cost (default 2: syncs take at most a third of the time). */
  factor?: number;
  /** Weight of the newest sync in the average (default 0.3). */
  alpha?: number;
}

export class AdaptiveMinInterval {
  private average: number | undefined;
  private readonly factor: number;
  private readonly alpha: number;

  constructor(private readonly o: AdaptiveMinIntervalOptions) {
    this.factor = o.factor ?? 2;
    this.alpha = o.alpha ?? 0.3;
    if (!(o.maxMs >= 0) || !(this.factor >= 0) || !(this.alpha > 0 && this.alpha <= 1)) throw new RangeError(`adaptive min interval: bad options ${JSON.stringify(o)}`);
  }

  /** A sync took `ms`. */
  record(ms: number): void {
    this.average = this.average === undefined ? ms : this.alpha * ms + (1 - this.alpha) * this.average;
  }

  /** The wait before the next sync, ms: the full period until a sync was measured. */
  get ms(): number {
    if (this.average === undefined) return this.o.maxMs;
    return Math.min(this.o.maxMs, Math.round(this.factor * this.average));
  }
}
