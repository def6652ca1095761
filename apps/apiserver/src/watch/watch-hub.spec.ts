/** The hub's bound on one watcher's queue (past --max-watch-backlog the watch closes and its queue is let go), and its bookmark timers. */
import { describe, expect, it, vi } from 'vitest';
import type { Service } from '@minimesh/api';
import { parseLabelSelector } from '../registry/label-selector.js';
import type { Store, StoredEvent } from '../store/store.js';
import { WatchHub } from './watch-hub.js';

const store = { id: 'store-a', list: async () => ({ items: [], revision: 0 }) } as unknown as Store;
const event = (revision: number): StoredEvent => {
  const object: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${revision}`, namespace: 'default', resourceVersion: String(revision) }, spec: { ports: [{ port: 80 }] } };
  return { revision, type: 'ADDED', kind: 'Service', namespace: 'default', name: `s${revision}`, object, kindPrevious: revision - 1 };
};

describe('watch hub', () => {
  it('a watcher that falls more than maxQueue events behind is closed, and what it queued is released at once', async () => {
    const hub = new WatchHub(store, { maxQueue: 10 });
    const ac = new AbortController();
    const watch = hub.watch({ kind: 'Service', namespace: '', selector: parseLabelSelector(''), resourceVersion: '', allowBookmarks: false }, ac.signal)[Symbol.asyncIterator]();
    const first = watch.next();
    await new Promise((r) => setTimeout(r, 10));
    hub.publish([event(1)]);
    expect((await first).value?.revision).toBe(1);
    // The consumer stops pulling: its queue grows to the bound...
    for (let r = 2; r <= 11; r++) hub.publish([event(r)]);
    expect(hub.bufferedEvents).toBe(10);
    // ...and one more lets it all go while the watch is still open.
    hub.publish([event(12)]);
    expect([hub.bufferedEvents, hub.watchers]).toEqual([0, 1]);
    for (let r = 13; r <= 1000; r++) hub.publish([event(r)]);
    expect(hub.bufferedEvents).toBe(0);
    await expect(watch.next()).rejects.toThrow('watch closed: the watcher fell too far behind; watch again from the last resourceVersion');
    expect(hub.watchers).toBe(0);
  });

  it('a watcher that allows bookmarks holds one timer while it waits, however often events wake it, and none once closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const hub = new WatchHub(store, { bookmarkIntervalMs: 10_000 });
      const ac = new AbortController();
      const watch = hub.watch({ kind: 'Service', namespace: '', selector: parseLabelSelector(''), resourceVersion: '', allowBookmarks: true }, ac.signal)[Symbol.asyncIterator]();
      const turn = () => new Promise((r) => setImmediate(r));
      expect((await watch.next()).value?.type).toBe('BOOKMARK'); // the one after the initial list
      for (let r = 1; r <= 50; r++) {
        const next = watch.next();
        await turn(); // the watch waits for an event, or for its next bookmark
        hub.publish([event(r)]);
        expect((await next).value?.revision).toBe(r);
      }
      const last = watch.next();
      await turn();
      expect(vi.getTimerCount()).toBe(1);
      // Ten quiet seconds: the bookmark, from that one timer.
      vi.advanceTimersByTime(10_000);
      expect((await last).value).toEqual({ type: 'BOOKMARK', revision: 50 });
      const closed = watch.next();
      await turn();
      ac.abort();
      expect((await closed).done).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands a batch consumer what was queued together in one step, and filters and skips as the single-event watch', async () => {
    const listed = event(1).object;
    const hub = new WatchHub({ ...store, list: async () => ({ items: [listed, { ...listed, metadata: { ...listed.metadata, name: 'other', labels: { app: 'db' } } }], revision: 1 }) } as unknown as Store);
    const ac = new AbortController();
    const batches = hub.watchBatches({ kind: 'Service', namespace: '', selector: parseLabelSelector('app!=db'), resourceVersion: '', allowBookmarks: true }, ac.signal)[Symbol.asyncIterator]();
    const revisions = async () => ((await batches.next()).value as { type: string; revision: number }[]).map((o) => `${o.type} ${o.revision}`);
    expect(await revisions()).toEqual(['ADDED 1']); // the initial list, what the selector lets through
    expect(await revisions()).toEqual(['BOOKMARK 1']);
    const next = revisions();
    await new Promise((r) => setImmediate(r));
    hub.publish([event(2), event(3)]);
    hub.publish([event(1), event(4)]); // one it sent already (the list's) is not sent again
    expect(await next).toEqual(['ADDED 2', 'ADDED 3', 'ADDED 4']);
    ac.abort();
    expect((await batches.next()).done).toBe(true);
    expect(hub.watchers).toBe(0);
  });
});
