/** gRPC Watch against a real apiserver: replay, resume, label-filtered transitions, bookmarks, expiry. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpiredError, type Pod } from '@minimesh/api';
import type { WatchEvent } from '@minimesh/client';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c' }] },
});

/** Collects `n` events from a watch, then cancels it. */
async function take(iter: AsyncIterable<WatchEvent>, n: number, timeoutMs = 5000): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  const timer = setTimeout(() => {
    throw new Error(`only ${out.length} of ${n} events after ${timeoutMs} ms`);
  }, timeoutMs);
  try {
    for await (const ev of iter) {
      out.push(ev);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

describe('watch', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer({ 'watch-history': 20, 'bookmark-interval': 1 });
  });
  afterAll(async () => t?.stop());

  it('watch - without a resourceVersion: current objects as ADDED, then changes', async () => {
    await t.client.create(pod('w1'));
    const ac = new AbortController();
    const events = t.client.watch('Pod', { namespace: 'default', signal: ac.signal });
    const got = take(events, 3);
    await new Promise((r) => setTimeout(r, 100));
    const w2 = await t.client.create(pod('w2'));
    await t.client.delete('Pod', 'default', 'w1');
    const evs = await got;
    ac.abort();
    expect(evs.map((e) => [e.type, e.object?.metadata.name])).toEqual([
      ['ADDED', 'w1'],
      ['ADDED', 'w2'],
      ['DELETED', 'w1'],
    ]);
    expect(evs[1]!.resourceVersion).toBe(w2.metadata.resourceVersion);
  });

  it('watch - resume from a list revision: exactly the changes after it, in order', async () => {
    const list = await t.client.list('Pod');
    const a = await t.client.create(pod('r1', { app: 'web' }));
    await t.client.update({ ...a, metadata: { ...a.metadata, labels: { app: 'web', v: '2' } } });
    await t.client.delete('Pod', 'default', 'r1');
    const evs = await take(t.client.watch('Pod', { resourceVersion: list.resourceVersion }), 3);
    expect(evs.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    const revs = evs.map((e) => Number(e.resourceVersion));
    expect(revs).toEqual([...revs].sort((x, y) => x - y));
    expect(revs[0]).toBeGreaterThan(Number(list.resourceVersion));
  });

  it('watch - a label selector turns relabels into ADDED and DELETED', async () => {
    const list = await t.client.list('Pod');
    const p = await t.client.create(pod('l1', { app: 'db' }));
    const p2 = await t.client.update({ ...p, metadata: { ...p.metadata, labels: { app: 'web' } } });
    await t.client.update({ ...p2, metadata: { ...p2.metadata, labels: { app: 'db' } } });
    const evs = await take(t.client.watch('Pod', { resourceVersion: list.resourceVersion, labelSelector: 'app=web' }), 2);
    expect(evs.map((e) => [e.type, e.object?.metadata.labels?.app])).toEqual([
      ['ADDED', 'web'],
      ['DELETED', 'db'],
    ]);
  });

  it('watch - bookmarks carry the current revision on idle watches', async () => {
    const list = await t.client.list('Service');
    const evs = await take(t.client.watch('Service', { resourceVersion: list.resourceVersion, allowBookmarks: true }), 2, 5000);
    expect(evs.map((e) => e.type)).toEqual(['BOOKMARK', 'BOOKMARK']);
    expect(evs[0]!.object).toBeUndefined();
    expect(Number(evs[1]!.resourceVersion)).toBeGreaterThanOrEqual(Number(list.resourceVersion));
  });

  it('watch - a revision older than the kept history is "too old resource version"', async () => {
    const old = await t.client.list('Pod');
    for (let i = 0; i < 30; i++) await t.client.create(pod(`flood-${i}`));
    // The compactor runs every 5 s; wait for it to pass.
    const deadline = Date.now() + 12_000;
    let err: unknown;
    while (Date.now() < deadline) {
      err = await take(t.client.watch('Pod', { resourceVersion: old.resourceVersion }), 1, 2000).catch((e: unknown) => e);
      if (err instanceof ExpiredError) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(err).toBeInstanceOf(ExpiredError);
    expect((err as Error).message).toMatch(new RegExp(`^too old resource version: ${old.resourceVersion} \\(\\d+\\)$`));
    // The client relists and watches from the new revision.
    const fresh = await t.client.list('Pod');
    const got = take(t.client.watch('Pod', { resourceVersion: fresh.resourceVersion }), 1);
    await t.client.create(pod('after-relist'));
    expect((await got)[0]?.object?.metadata.name).toBe('after-relist');
  }, 30_000);
});

describe('watch with the store id of its list', () => {
  it('watch - a list names its store; a watch from another store\'s revision is Expired, from this store\'s it works', async () => {
    const t = await startTestApiServer();
    try {
      const list = await t.client.list('Pod');
      expect(list.storeId).toBe(t.server.store.id);
      const foreign = 'another-data-dir';
      const err = await take(t.client.watch('Pod', { resourceVersion: list.resourceVersion, storeId: foreign }), 1, 2000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExpiredError);
      expect((err as Error).message).toBe(`resource version belongs to another store (have ${foreign}, this store is ${list.storeId})`);
      const got = take(t.client.watch('Pod', { resourceVersion: list.resourceVersion, storeId: list.storeId }), 1);
      await t.client.create(pod('same-store'));
      expect((await got)[0]?.object?.metadata.name).toBe('same-store');
    } finally {
      await t.stop();
    }
  });
});

describe('watch from a revision the store never reached', () => {
  it('watch - a revision newer than the store is kube-apiserver\'s 504 "Too large resource version", an ExpiredError to followers: relist', async () => {
    const t = await startTestApiServer();
    try {
      const rev = Number((await t.client.list('Pod')).resourceVersion);
      const err = await take(t.client.watch('Pod', { resourceVersion: String(rev + 100) }), 1, 2000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExpiredError);
      expect((err as Error).message).toBe(`Timeout: Too large resource version: ${rev + 100}, current: ${rev}`);
      expect((err as ExpiredError).status).toMatchObject({ code: 504, reason: 'Timeout', details: { causes: [{ reason: 'ResourceVersionTooLarge' }] } });
    } finally {
      await t.stop();
    }
  });
});

describe('watch over a long history', () => {
  it('watch - replays more than one page of history without losing an event', async () => {
    const t = await startTestApiServer({ 'watch-history': 100_000 });
    try {
      const from = (await t.client.list('Namespace')).resourceVersion;
      // 25,000 events in a few batches straight into the store (as a long NATS outage would leave them).
      const store = t.server.store;
      for (let b = 0; b < 5; b++) {
        await store.commit({
          ops: Array.from({ length: 5000 }, (_, i) => ({
            type: 'create' as const,
            object: { apiVersion: 'v1' as const, kind: 'Namespace' as const, metadata: { name: `h-${b}-${i}` } },
          })),
        });
      }
      const ac = new AbortController();
      let n = 0;
      let last = Number(from);
      for await (const ev of t.client.watch('Namespace', { resourceVersion: from, signal: ac.signal })) {
        expect(Number(ev.resourceVersion)).toBe(last + 1);
        last = Number(ev.resourceVersion);
        if (++n === 25_000) break;
      }
      ac.abort();
      expect(n).toBe(25_000);
    } finally {
      await t.stop();
    }
  }, 60_000);
});
