/**
 * Fan-out of committed events to gRPC watchers. A watch replays the history it asks for from
 * the store, then follows live events; it never misses one in between because it subscribes
 * before it reads. A revision older than the kept history is a 410 "too old resource version";
 * so is a revision of another store (revisions restart at 1 in every data directory).
 */
import { BadRequestError, ExpiredError, UnavailableError, type KubeObject } from '@minimesh/api';
import type { Store, StoredEvent } from '../store/store.js';
import { filterEvent, watchMatches, type WatchFilter } from './watch-filter.js';

export interface WatchRequest extends WatchFilter {
  /** '' or '0': current state as ADDED first. */
  resourceVersion: string;
  allowBookmarks: boolean;
  /** The store `resourceVersion` belongs to; '' or absent: not said (taken to be this one). */
  storeId?: string;
}

export interface WatchOutput {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object?: KubeObject;
  revision: number;
  kindPrevious?: number;
}

export interface WatchHubOptions {
  /** Events buffered for one watcher before it is dropped as too slow. */
  maxQueue?: number;
  /** How often an idle watcher that allows bookmarks gets one. */
  bookmarkIntervalMs?: number;
}

const REPLAY_PAGE = 10_000;

interface Subscriber {
  queue: StoredEvent[];
  wake?: () => void;
  overflow: boolean;
}

export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();
  private latest = 0;
  private readonly maxQueue: number;
  private readonly bookmarkIntervalMs: number;

  constructor(
    private readonly store: Store,
    opts: WatchHubOptions = {},
  ) {
    this.maxQueue = opts.maxQueue ?? 100_000;
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 10_000;
  }

  get watchers(): number {
    return this.subscribers.size;
  }

  /** Events queued for watchers, all together (a watcher closed for falling behind holds none). */
  get bufferedEvents(): number {
    let n = 0;
    for (const s of this.subscribers) n += s.queue.length;
    return n;
  }

  publish(events: StoredEvent[]): void {
    if (events.length) this.latest = events[events.length - 1]!.revision;
    for (const s of this.subscribers) {
      if (s.overflow) continue;
      for (const ev of events) s.queue.push(ev);
      if (s.queue.length > this.maxQueue) {
        // The watch is closed as soon as it runs again; what it queued is let go now (it may be
        // blocked on a client that stopped reading until the stall timeout).
        s.overflow = true;
        s.queue = [];
      }
      s.wake?.();
    }
  }

  /** One event at a time (see watchBatches). */
  async *watch(req: WatchRequest, signal: AbortSignal): AsyncGenerator<WatchOutput> {
    for await (const batch of this.watchBatches(req, signal)) yield* batch;
  }

  /**
   * The watch's events in order, in batches of what is ready together (never empty): the initial
   * list, a page of history, or what was queued while the consumer was busy, so a consumer that
   * falls behind catches up in fewer, larger steps.
   */
  async *watchBatches(req: WatchRequest, signal: AbortSignal): AsyncGenerator<WatchOutput[]> {
    const sub: Subscriber = { queue: [], overflow: false };
    this.subscribers.add(sub);
    const onAbort = () => sub.wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      if (req.storeId && req.storeId !== this.store.id) {
        throw new ExpiredError(`resource version belongs to another store (have ${req.storeId}, this store is ${this.store.id})`);
      }
      let sent: number;
      if (req.resourceVersion === '' || req.resourceVersion === '0') {
        const { items, revision } = await this.store.list(req.kind, req.namespace || undefined);
        const added: WatchOutput[] = [];
        for (const object of items) {
          if (watchMatches(req, object)) added.push({ type: 'ADDED', object, revision: Number(object.metadata.resourceVersion) });
        }
        if (added.length) yield added;
        sent = revision;
      } else {
        const from = Number(req.resourceVersion);
        if (!Number.isSafeInteger(from) || from < 0) throw new BadRequestError(`invalid resource version: "${req.resourceVersion}"`);
        const oldest = await this.store.oldestRevision();
        if (from < oldest - 1) throw ExpiredError.tooOld(from, oldest - 1);
        // A revision this store never reached (e.g. the client saw another data directory): relist.
        const current = await this.store.revision();
        if (from > current) throw ExpiredError.tooLarge(from, current);
        sent = from;
        // Page through the history: the live queue (subscribed above) takes over after it.
        for (;;) {
          const page = await this.store.eventsAfter(sent, REPLAY_PAGE);
          const outs = this.matching(req, page, sent);
          if (outs.length) yield outs;
          if (page.length) sent = page[page.length - 1]!.revision;
          if (page.length < REPLAY_PAGE) break;
        }
      }
      this.latest = Math.max(this.latest, sent);
      if (req.allowBookmarks) yield [{ type: 'BOOKMARK', revision: sent }];

      let lastBookmark = Date.now();
      while (!signal.aborted) {
        if (sub.overflow) throw new UnavailableError('watch closed: the watcher fell too far behind; watch again from the last resourceVersion');
        if (sub.queue.length === 0) {
          const wait = req.allowBookmarks ? Math.max(0, this.bookmarkIntervalMs - (Date.now() - lastBookmark)) : undefined;
          // The bookmark's timer goes when an event (or the abort) wakes the watch first: otherwise
          // every wake would leave one behind, thousands a second under churn.
          let bookmarkTimer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            sub.wake = resolve;
            if (wait !== undefined) bookmarkTimer = setTimeout(resolve, wait).unref();
          });
          clearTimeout(bookmarkTimer);
          sub.wake = undefined;
          if (req.allowBookmarks && sub.queue.length === 0 && Date.now() - lastBookmark >= this.bookmarkIntervalMs) {
            lastBookmark = Date.now();
            yield [{ type: 'BOOKMARK', revision: Math.max(sent, this.latest) }];
          }
          continue;
        }
        const queued = sub.queue;
        sub.queue = [];
        const outs = this.matching(req, queued, sent);
        sent = Math.max(sent, queued[queued.length - 1]!.revision);
        if (outs.length) yield outs;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.subscribers.delete(sub);
    }
  }

  /** What the watch sends of these events, leaving out those at or before `after` (sent already). */
  private matching(req: WatchRequest, events: StoredEvent[], after: number): WatchOutput[] {
    const outs: WatchOutput[] = [];
    for (const ev of events) {
      if (ev.revision <= after) continue;
      const out = filterEvent(req, ev);
      if (out) outs.push(out.type === ev.type && out.object === ev.object ? sharedOutput(ev) : { ...out, revision: ev.revision, kindPrevious: ev.kindPrevious });
    }
    return outs;
  }
}

/**
 * An event as every watcher that sees it unchanged gets it: one object for all of them, so what
 * is made of it for the wire can be made once (isShared). Outputs made for one watcher (the
 * initial list, a selector's ADDED or DELETED) are not shared: nothing made of them is kept.
 */
const unchanged = new WeakMap<StoredEvent, WatchOutput>();
const shared = new WeakSet<WatchOutput>();

export function sharedOutput(ev: StoredEvent): WatchOutput {
  let out = unchanged.get(ev);
  if (!out) {
    out = { type: ev.type, object: ev.object, revision: ev.revision, kindPrevious: ev.kindPrevious };
    unchanged.set(ev, out);
    shared.add(out);
  }
  return out;
}

/** Whether every watcher that sees this output's event gets this very object. */
export function isShared(out: WatchOutput): boolean {
  return shared.has(out);
}
