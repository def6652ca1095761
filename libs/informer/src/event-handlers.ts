/**
 * The informer's handlers (client-go's ResourceEventHandler): each is called after the cache has
 * changed, in event order. A handler that throws (or rejects) is logged and does not stop the
 * others. A handler added late first gets a synthetic onAdd for everything already cached.
 */
import type { KubeObject } from '@minimesh/api';
import type { InformerLogger } from './options.js';

export interface DeleteInfo {
  /**
   * True when a relist noticed the deletion (it happened while the informer was not following
   * events, client-go's DeletedFinalStateUnknown): the object is the last state the cache had,
   * not the state at deletion.
   */
  finalStateUnknown: boolean;
}

export interface EventHandler<T extends KubeObject> {
  onAdd?(obj: T): void;
  /** Also called with old === new by a periodic resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T, info: DeleteInfo): void;
}

export interface HandlerRegistration {
  /** Stops calls to this handler. */
  remove(): void;
}

interface Entry<T extends KubeObject> {
  handler: EventHandler<T>;
  /** False until its synthetic adds are delivered: until then the cache snapshot covers every event. */
  ready: boolean;
}

export class EventHandlers<T extends KubeObject> {
  private readonly entries = new Set<Entry<T>>();

  constructor(private readonly log: InformerLogger) {}

  /**
   * Registers `handler`. On the next microtask it gets onAdd for every object in `snapshot()`
   * (read then, so nothing between now and then is missed or doubled), then live events.
   */
  add(handler: EventHandler<T>, snapshot: () => T[]): HandlerRegistration {
    const entry: Entry<T> = { handler, ready: false };
    this.entries.add(entry);
    queueMicrotask(() => {
      if (!this.entries.has(entry)) return;
      for (const obj of snapshot()) this.call('onAdd', () => handler.onAdd?.(obj));
      entry.ready = true;
    });
    return { remove: () => void this.entries.delete(entry) };
  }

  get size(): number {
    return this.entries.size;
  }

  added(obj: T): void {
    this.each('onAdd', (h) => h.onAdd?.(obj));
  }

  updated(oldObj: T, newObj: T): void {
    this.each('onUpdate', (h) => h.onUpdate?.(oldObj, newObj));
  }

  deleted(obj: T, info: DeleteInfo): void {
    this.each('onDelete', (h) => h.onDelete?.(obj, info));
  }

  private each(what: string, fn: (h: EventHandler<T>) => unknown): void {
    for (const e of this.entries) if (e.ready) this.call(what, () => fn(e.handler));
  }

  private call(what: string, fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((e: unknown) => this.log.error(`event handler ${what} failed`, { err: errorText(e) }));
    } catch (e) {
      this.log.error(`event handler ${what} failed`, { err: errorText(e) });
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
