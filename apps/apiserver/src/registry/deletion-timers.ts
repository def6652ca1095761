/**
 * Graceful deletions in flight: an object marked with a grace period is deleted for good (a
 * delete with grace 0) when the period ends, unless whoever runs it confirms sooner. The timers
 * are rebuilt from the store at start-up, so a restart does not leave pods terminating for ever.
 */
import type { Kind, KubeObject } from '@minimesh/api';

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
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.expire(obj.kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj.metadata.uid ?? '').catch(this.onError);
    }, Math.max(0, at - this.now()));
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
