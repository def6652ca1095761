/**
 * kube-apiserver's --event-ttl: an Event is kept for the TTL after it was last seen, then
 * deleted (Kubernetes hangs every Event on an etcd lease renewed at each write). The last time
 * an Event was seen is its series' last observation, else lastTimestamp, else eventTime, else
 * its creation. Swept every minute (or every TTL, when shorter).
 */
import { ConflictError, NotFoundError, type Event } from '@minimesh/api';
import type { Registry } from './registry.js';

const SWEEP_MS = 60_000;

/** When an Event was last seen (ms since the epoch), NaN when it carries no time at all. */
export function eventLastSeen(ev: Event): number {
  let last = NaN;
  for (const t of [ev.series?.lastObservedTime, ev.lastTimestamp, ev.eventTime, ev.metadata.creationTimestamp]) {
    const ms = t ? Date.parse(t) : NaN;
    if (!Number.isNaN(ms) && !(ms <= last)) last = ms;
  }
  return last;
}

export class EventExpiry {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.ttlMs <= 0) return;
    this.timer = setInterval(() => void this.sweep().catch(this.onError), Math.min(SWEEP_MS, this.ttlMs));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Deletes every Event past its TTL; returns how many. */
  async sweep(): Promise<number> {
    const cutoff = this.now() - this.ttlMs;
    let deleted = 0;
    for (const ev of (await this.registry.list('Event')).items) {
      const seen = eventLastSeen(ev);
      if (!(seen <= cutoff)) continue; // NaN (no time at all) counts as just seen
      try {
        await this.registry.delete('Event', ev.metadata.namespace ?? '', ev.metadata.name ?? '', { preconditions: { uid: ev.metadata.uid, resourceVersion: ev.metadata.resourceVersion } });
        deleted++;
      } catch (e) {
        // Deleted meanwhile, or seen again (a newer resourceVersion): not ours to delete now.
        if (!(e instanceof NotFoundError) && !(e instanceof ConflictError)) throw e;
      }
    }
    return deleted;
  }
}
