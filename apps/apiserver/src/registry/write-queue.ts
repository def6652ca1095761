/**
 * The registry's writes, one at a time, with group commit: a write reads what the writes before
 * it applied and is answered (object or error) once what it applied and read is on disk; the next
 * write does not wait for that, so the commits of concurrent writers share one sync of the store's
 * log. Committed events reach the listeners (watch hub, authorizer, event publisher) once on
 * disk, in revision order, before the writer's answer.
 */
import type { Store, StoredEvent } from '../store/store.js';

export type CommitListener = (events: StoredEvent[]) => void;

export class WriteQueue {
  private readonly listeners: CommitListener[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    /** Told when a listener throws (the write itself stands). */
    private readonly onListenerError: (err: unknown) => void,
  ) {}

  /** Called with every committed batch of events, in revision order. */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** Runs `fn` after the writes before it; its outcome is given once what it applied and read is on disk. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run.then(
      (out) => this.store.durable().then(() => out),
      (e: unknown) => this.store.durable().then(() => Promise.reject(e)),
    );
  }

  /**
   * Tells the listeners of `events`, just committed, once they are on disk. Called inside run()'s
   * `fn`, so it waits on the same sync as the writer's answer, and asks first: listeners hear of a
   * write before its writer does. A failed sync ends the process (see app.ts): nothing is told.
   */
  announce(events: StoredEvent[]): void {
    if (!events.length) return;
    this.store.durable().then(
      () => {
        for (const l of this.listeners) {
          try {
            l(events);
          } catch (e) {
            this.onListenerError(e);
          }
        }
      },
      () => undefined,
    );
  }
}
