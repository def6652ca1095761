import { describe, expect, it } from 'vitest';
import { GroupSync, StoreSyncError } from './group-sync.js';

/** A sync of the log the test completes by hand. */
function heldSync() {
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    pending,
    sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    /** Completes the oldest sync and lets its waiters run. */
    async finish(err?: Error) {
      const s = pending.shift()!;
      if (err) s.reject(err);
      else s.resolve();
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('GroupSync', () => {
  it('a commit is durable only once a sync that began after it returns', async () => {
    const disk = heldSync();
    const g = new GroupSync(disk.sync, 0);
    g.applied(1);
    let done = false;
    void g.until(1).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect([done, g.durable, disk.pending.length]).toEqual([false, 0, 1]);
    await disk.finish();
    expect([done, g.durable]).toEqual([true, 1]);
    await g.until(1); // already on disk: no new sync
    expect(g.syncs).toBe(1);
  });

  it('commits applied while a sync is in flight share the next one, and waiters run in revision order', async () => {
    const disk = heldSync();
    const g = new GroupSync(disk.sync, 10);
    const order: number[] = [];
    g.applied(11);
    void g.until(11).then(() => order.push(11));
    for (const r of [12, 13, 14]) {
      g.applied(r);
      void g.until(r).then(() => order.push(r));
    }
    await new Promise((r) => setImmediate(r));
    expect(disk.pending.length).toBe(1); // 12..14 wait for the sync in flight to end
    await disk.finish();
    expect(order).toEqual([11]);
    expect(disk.pending.length).toBe(1); // one sync for the three
    await disk.finish();
    expect(order).toEqual([11, 12, 13, 14]);
    expect([g.syncs, g.durable]).toEqual([2, 14]);
  });

  it('until() without a revision waits for everything applied so far', async () => {
    const disk = heldSync();
    const g = new GroupSync(disk.sync, 0);
    g.applied(3);
    const all = g.until();
    g.applied(4); // after the call: not waited for, and not covered by the sync already started
    await new Promise((r) => setImmediate(r));
    await disk.finish();
    await all;
    expect(g.durable).toBe(3);
    const rest = g.until();
    await new Promise((r) => setImmediate(r));
    await disk.finish();
    await rest;
    expect([g.durable, g.syncs]).toEqual([4, 2]);
  });

  it('follow() runs another sync after the one in flight though nobody waits, or one at once when none is', async () => {
    const disk = heldSync();
    const g = new GroupSync(disk.sync, 0);
    g.applied(1);
    void g.until(1);
    await new Promise((r) => setImmediate(r));
    expect([g.busy, disk.pending.length]).toEqual([true, 1]);
    g.follow();
    await disk.finish();
    expect([g.busy, disk.pending.length, g.syncs]).toEqual([true, 1, 2]); // nobody waits, yet it runs
    await disk.finish();
    expect([g.busy, disk.pending.length]).toEqual([false, 0]); // and only once
    g.follow();
    await new Promise((r) => setImmediate(r));
    expect([g.busy, disk.pending.length, g.syncs]).toEqual([true, 1, 3]);
    await disk.finish();
  });

  it('a failed sync fails its waiters, the later ones and every later check(): nothing more is promised', async () => {
    const disk = heldSync();
    const g = new GroupSync(disk.sync, 0);
    g.applied(1);
    const first = g.until(1);
    first.catch(() => undefined); // looked at below
    await new Promise((r) => setImmediate(r));
    await disk.finish(new Error('EIO: i/o error, fdatasync'));
    await expect(first).rejects.toThrow('the store could not sync its log to disk: EIO: i/o error, fdatasync');
    await expect(first).rejects.toBeInstanceOf(StoreSyncError);
    g.applied(2);
    await expect(g.until(2)).rejects.toBeInstanceOf(StoreSyncError);
    expect(() => g.check()).toThrow(StoreSyncError);
    expect(disk.pending.length).toBe(0);
  });
});

describe('GroupSync, odd callers', () => {
  it('a sync that throws at once fails its waiters instead of leaving them waiting', async () => {
    const g = new GroupSync(() => {
      throw new Error('EBADF');
    }, 0);
    g.applied(1);
    await expect(g.until(1)).rejects.toThrow('the store could not sync its log to disk: EBADF');
  });

  it('waiting for a revision not applied yet waits only for what is applied', async () => {
    let syncs = 0;
    const g = new GroupSync(async () => void syncs++, 0);
    g.applied(2);
    await g.until(5);
    expect([g.durable, syncs]).toEqual([2, 1]);
  });
});
