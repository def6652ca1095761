/**
 * Graceful deletions in flight: an object marked with a grace period is deleted for good (a
 * delete with grace 0) when the period ends, unless whoever runs it confirms sooner. The timers
 * are rebuilt from the store at start-up, so a restart does not leave pods terminating for ever.
 * A grace period longer than one timer can wait (MAX_TIMER_MS) is waited for in several.
 */
import type { Kind, KubeObject } from '@minimesh/api';

/**
 * The longest a Node.js timer waits (2^31-1 ms, about 24.8 days): a longer delay fires after 1 ms
 * instead. Longer grace periods are waited for in steps of it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export type ExpireFn = (kind: Kind, namespace: string, name: string, uid: string) => Promise<void>;

export class DeletionTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly expire: ExpireFn,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Arms (or re-arms) the timer of a marked object; clears it for an object no longer marked. */
  track(obj: KubeObject): void {
    const key = `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
    const old = this.timers.get(key);
    if (old) clearTimeout(old);
    this.timers.delete(key);
    const at = obj.metadata.deletionTimestamp ? Date.parse(obj.metadata.deletionTimestamp) : NaN;
    if (!obj.metadata.deletionGracePeriodSeconds || Number.isNaN(at)) return;
    const wait = Math.max(0, at - this.now());
    const timer = setTimeout(() => {
      this.timers.delete(key);
      // A wait beyond what one timer can hold was cut to MAX_TIMER_MS: wait on.
      if (at > this.now()) return this.track(obj);
      this.expire(obj.kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj.metadata.uid ?? '').catch(this.onError);
    }, Math.min(wait, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(key, timer);
  }

  forget(obj: KubeObject): void {
    const key = `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  get pending(): number {
    return this.timers.size;
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
