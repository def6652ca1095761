import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, ConflictError, NotFoundError, type Service } from '@minimesh/api';
import { tempDir } from '@minimesh/runtime/testing';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { storeIdOfKey } from '@minimesh/wire';
import { SqliteStore } from './sqlite-store.js';

function svc(name: string, labels?: Record<string, string>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels }, spec: { ports: [{ port: 80 }] } };
}

describe('SqliteStore', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  beforeEach(() => {
    dir = tempDir();
    store = new SqliteStore(dir.path);
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  it('store - create, update, delete bump one revision each and record events', async () => {
    const [a] = await store.commit({ ops: [{ type: 'create', object: svc('a') }] });
    expect(a).toMatchObject({ revision: 1, type: 'ADDED', kind: 'Service', namespace: 'default', name: 'a', kindPrevious: 0 });
    expect(a!.object.metadata.resourceVersion).toBe('1');
    const [u] = await store.commit({ ops: [{ type: 'update', object: svc('a', { x: 'y' }), expectRevision: 1 }] });
    expect(u).toMatchObject({ revision: 2, type: 'MODIFIED', kindPrevious: 1 });
    expect(u!.previous?.metadata.labels).toBeUndefined();
    const [d] = await store.commit({ ops: [{ type: 'delete', kind: 'Service', namespace: 'default', name: 'a' }] });
    expect(d).toMatchObject({ revision: 3, type: 'DELETED', kindPrevious: 2 });
    expect(d!.object.metadata.resourceVersion).toBe('3');
    expect(d!.object.metadata.labels).toEqual({ x: 'y' });
    expect(await store.get('Service', 'default', 'a')).toBeUndefined();
    expect(await store.revision()).toBe(3);
    expect((await store.eventsAfter(1)).map((e) => e.revision)).toEqual([2, 3]);
  });

  it('store - preconditions fail with the named errors and change nothing', async () => {
    await store.commit({ ops: [{ type: 'create', object: svc('a') }] });
    await expect(store.commit({ ops: [{ type: 'create', object: svc('a') }] })).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(store.commit({ ops: [{ type: 'update', object: svc('a'), expectRevision: 7 }] })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.commit({ ops: [{ type: 'delete', kind: 'Service', namespace: 'default', name: 'zz' }] })).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.revision()).toBe(1);
  });

  it('store - a batch is atomic: one failing op leaves no trace of the others', async () => {
    await store.commit({ ops: [{ type: 'create', object: svc('a') }] });
    await expect(
      store.commit({
        ops: [
          { type: 'create', object: svc('b') },
          { type: 'create', object: svc('a') },
        ],
        allocate: [{ pool: 'clusterip', value: '10.96.0.20', owner: 'default/b' }],
      }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await store.get('Service', 'default', 'b')).toBeUndefined();
    expect(await store.allocations('clusterip')).toEqual([]);
    expect(await store.revision()).toBe(1);
  });

  it('store - an allocation can never be held twice', async () => {
    await store.commit({ ops: [{ type: 'create', object: svc('a') }], allocate: [{ pool: 'nodeport', value: '30080', owner: 'default/a' }] });
    await expect(
      store.commit({ ops: [{ type: 'create', object: svc('b') }], allocate: [{ pool: 'nodeport', value: '30080', owner: 'default/b' }] }),
    ).rejects.toThrow(/UNIQUE/);
    await store.commit({ ops: [{ type: 'delete', kind: 'Service', namespace: 'default', name: 'a' }], release: [{ pool: 'nodeport', value: '30080' }] });
    await store.commit({ ops: [{ type: 'create', object: svc('b') }], allocate: [{ pool: 'nodeport', value: '30080', owner: 'default/b' }] });
    expect(await store.allocations('nodeport')).toEqual([{ pool: 'nodeport', value: '30080', owner: 'default/b' }]);
  });

  it('store - list is a snapshot with its revision, per namespace or across them', async () => {
    await store.commit({ ops: [{ type: 'create', object: svc('b') }, { type: 'create', object: svc('a') }] });
    await store.commit({ ops: [{ type: 'create', object: { ...svc('c'), metadata: { name: 'c', namespace: 'other' } } }] });
    const all = await store.list('Service');
    expect(all.revision).toBe(3);
    expect(all.items.map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
    expect((await store.list('Service', 'other')).items.map((o) => o.metadata.name)).toEqual(['c']);
  });

  it('store - compaction drops old history and moves the oldest revision', async () => {
    for (const n of ['a', 'b', 'c', 'd']) await store.commit({ ops: [{ type: 'create', object: svc(n) }] });
    expect(await store.oldestRevision()).toBe(1);
    expect(await store.compact(2)).toBe(2);
    expect(await store.oldestRevision()).toBe(3);
    await store.compact(4);
    expect(await store.oldestRevision()).toBe(5);
  });

  it('store - its id names the public half of the key its events are signed with, kept across reopening', async () => {
    expect(store.id).toBe(storeIdOfKey(store.signingKey));
    const pem = store.signingKey.export({ format: 'pem', type: 'pkcs8' });
    await store.close();
    store = new SqliteStore(dir.path);
    expect(store.signingKey.export({ format: 'pem', type: 'pkcs8' })).toEqual(pem);
  });

  it('store - a store made before events were signed gets a key and, with it, a new id', async () => {
    await store.commit({ ops: [{ type: 'create', object: svc('a') }] });
    await store.close();
    const db = new Database(join(dir.path, 'minimesh.db'));
    db.prepare("DELETE FROM meta WHERE key = 'event_signing_key'").run();
    db.prepare("UPDATE meta SET value = '0b6c2f5e-0d7f-4d0e-9a43-8c1f3c8e2a11' WHERE key = 'store_id'").run();
    db.close();
    store = new SqliteStore(dir.path);
    expect(store.id).toBe(storeIdOfKey(store.signingKey));
    expect((await store.get('Service', 'default', 'a'))?.metadata.name).toBe('a');
  });

  it('store - survives reopening: objects, revision, per-kind chain, published mark and id', async () => {
    await store.commit({ ops: [{ type: 'create', object: svc('a') }] });
    await store.setPublishedRevision(1);
    const id = store.id;
    await store.close();
    store = new SqliteStore(dir.path);
    expect(store.id).toBe(id);
    expect(await store.revision()).toBe(1);
    expect(await store.publishedRevision()).toBe(1);
    const [ev] = await store.commit({ ops: [{ type: 'create', object: svc('b') }] });
    expect(ev).toMatchObject({ revision: 2, kindPrevious: 1 });
  });
});

describe('SqliteStore, commits while a sync is in flight', () => {
  /** A store whose syncs of the log wait to be let go, and another connection to its file. */
  /**
   * Each sync runs at once (the group's COMMIT, the fdatasync) and then is held, as an fdatasync
   * still in flight, until released. `fail`: the syncs (1 the first) that then fail, as a disk that
   * cannot sync.
   */
  function heldStore(fail: number[] = []) {
    const dir = tempDir();
    const held: { go: () => void; done: Promise<void> }[] = [];
    let syncs = 0;
    const store = new SqliteStore(dir.path, {
      syncLog: (sync) => {
        let go!: () => void;
        const failing = fail.includes(++syncs);
        const released = new Promise<void>((resolve) => (go = resolve));
        const done = sync().then(async () => {
          await released;
          if (failing) throw new Error('EIO: i/o error, fdatasync');
        });
        done.catch(() => undefined);
        held.push({ go, done });
        return done;
      },
    });
    const other = new Database(join(dir.path, 'minimesh.db'));
    other.pragma('busy_timeout = 0');
    const tick = () => new Promise((r) => setImmediate(r));
    return {
      store,
      held,
      /** Names of the Services another connection sees: what SQLite has committed. */
      committed: () => other.prepare<[], { name: string }>("SELECT name FROM objects WHERE kind = 'Service' ORDER BY name").all().map((r) => r.name),
      /** Whether another connection could write now (nobody holds the write lock). */
      writable: () => {
        try {
          other.exec('BEGIN IMMEDIATE; ROLLBACK');
          return true;
        } catch {
          return false;
        }
      },
      /** Lets the oldest held sync go and waits for it and for what follows it. */
      async release() {
        const sync = held.shift()!;
        sync.go();
        await sync.done.catch(() => undefined);
        await tick();
        await tick();
      },
      tick,
      /**
       * Commits Service a and starts its sync (held), then commits b, which goes into a group:
       * the durable() of each (b's rejection is looked at by the caller, if at all).
       */
      async aSyncingThenBInGroup() {
        await store.commit({ ops: [{ type: 'create', object: svc('a') }] });
        const a = store.durable();
        await tick();
        await store.commit({ ops: [{ type: 'create', object: svc('b') }] });
        const b = store.durable();
        b.catch(() => undefined);
        return { a, b };
      },
      /** A commit of a large Service while the store's database may not grow (a full disk): it fails. */
      async commitOnFullDisk() {
        const db = (store as unknown as { db: Database.Database }).db;
        db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`);
        const big = { ...svc('big'), metadata: { name: 'big', namespace: 'default', annotations: { x: 'y'.repeat(200_000) } } };
        await expect(store.commit({ ops: [{ type: 'create', object: big }] })).rejects.toThrow(/full/);
        db.pragma('max_page_count = 1073741823');
      },
      async end() {
        while (held.length) await this.release();
        await store.close();
        other.close();
        dir.remove();
      },
    };
  }

  it('share one transaction, committed by the next sync just before its fdatasync; a refused one in it changes nothing', async () => {
    const h = heldStore();
    try {
      await h.store.commit({ ops: [{ type: 'create', object: svc('a') }] });
      const a = h.store.durable();
      await h.tick();
      expect(h.held.length).toBe(1); // a's sync, held
      await h.store.commit({ ops: [{ type: 'create', object: svc('b') }] });
      await expect(h.store.commit({ ops: [{ type: 'create', object: svc('a') }] })).rejects.toBeInstanceOf(AlreadyExistsError);
      await h.store.commit({ ops: [{ type: 'create', object: svc('c') }] });
      const bc = h.store.durable();
      expect(h.committed()).toEqual(['a']); // b and c wait in the group
      expect(h.writable()).toBe(false);
      expect((await h.store.applied.list('Service')).map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
      await h.release();
      await a;
      expect(h.held.length).toBe(1); // the next sync, still in flight: it committed the group first
      expect(h.committed()).toEqual(['a', 'b', 'c']);
      expect(h.writable()).toBe(true);
      let answered = false;
      void bc.then(() => (answered = true));
      await h.tick();
      expect(answered).toBe(false); // not before its fdatasync returns
      await h.release();
      await bc;
      expect(await h.store.revision()).toBe(3);
      expect((await h.store.eventsAfter(0)).map((e) => `${e.revision} ${e.name}`)).toEqual(['1 a', '2 b', '3 c']);
    } finally {
      await h.end();
    }
  });

  it('a group of refused commits only is closed by a sync of its own, though nobody waits for one', async () => {
    const h = heldStore();
    try {
      await h.store.commit({ ops: [{ type: 'create', object: svc('a') }] });
      void h.store.durable();
      await h.tick();
      await expect(h.store.commit({ ops: [{ type: 'create', object: svc('a') }] })).rejects.toBeInstanceOf(AlreadyExistsError);
      expect(h.writable()).toBe(false); // the group holds SQLite's write lock
      await h.release();
      expect(h.held.length).toBe(1); // a sync of its own, though nobody waits, which closed the group
      expect(h.writable()).toBe(true);
      expect(await h.store.revision()).toBe(1);
    } finally {
      await h.end();
    }
  });

  it('a sync that fails rolls back the group formed meanwhile: it holds no lock, and closing does not commit it', async () => {
    const h = heldStore([2]);
    try {
      const { a, b } = await h.aSyncingThenBInGroup();
      await h.release(); // a is durable; the next sync commits b's group and its fdatasync is in flight
      await a;
      await h.store.commit({ ops: [{ type: 'create', object: svc('c') }] }); // a new group
      const c = h.store.durable();
      c.catch(() => undefined);
      expect(h.writable()).toBe(false);
      await h.release(); // that fdatasync fails
      await expect(b).rejects.toThrow('could not sync its log');
      await expect(c).rejects.toThrow('could not sync its log');
      expect(h.writable()).toBe(true);
      await expect(h.store.commit({ ops: [{ type: 'create', object: svc('d') }] })).rejects.toThrow('could not sync its log');
      await h.store.close();
      expect(h.committed()).toEqual(['a', 'b']); // b's fate is the disk's, as after any failed fsync; c never was
    } finally {
      await h.end();
    }
  });

  it('a full disk that makes SQLite drop the group fails the commits in it and every later one; what was durable stays', async () => {
    const h = heldStore();
    try {
      const { a, b } = await h.aSyncingThenBInGroup();
      await h.commitOnFullDisk();
      await expect(h.store.commit({ ops: [{ type: 'create', object: svc('c') }] })).rejects.toThrow('rolled back by SQLite');
      await h.release();
      await a;
      await h.release();
      await expect(b).rejects.toThrow('rolled back by SQLite');
      expect(h.committed()).toEqual(['a']);
    } finally {
      await h.end();
    }
  });

  it('a full disk on the first commit of a group fails that commit only', async () => {
    const h = heldStore();
    try {
      await h.store.commit({ ops: [{ type: 'create', object: svc('a') }] });
      const a = h.store.durable();
      await h.tick();
      await h.commitOnFullDisk();
      await h.store.commit({ ops: [{ type: 'create', object: svc('b') }] });
      const b = h.store.durable();
      await h.release();
      await a;
      await h.release();
      await b;
      expect(h.committed()).toEqual(['a', 'b']);
    } finally {
      await h.end();
    }
  });

  it('close() refuses commits from its start: none is answered without its sync', async () => {
    const h = heldStore();
    try {
      await h.store.commit({ ops: [{ type: 'create', object: svc('a') }] });
      const closed = h.store.close();
      await expect(h.store.commit({ ops: [{ type: 'create', object: svc('b') }] })).rejects.toThrow('the store is closed');
      await h.tick();
      await h.release();
      await closed;
      expect(h.committed()).toEqual(['a']);
    } finally {
      await h.end();
    }
  });
});

describe('SqliteStore, two on one directory', () => {
  it('each takes up the revisions the other committed', async () => {
    const dir = tempDir();
    const a = new SqliteStore(dir.path);
    const b = new SqliteStore(dir.path);
    try {
      await a.commit({ ops: [{ type: 'create', object: svc('x') }] });
      expect((await b.list('Service')).revision).toBe(1);
      const [ev] = await b.commit({ ops: [{ type: 'create', object: svc('y') }] });
      expect(ev).toMatchObject({ revision: 2, kindPrevious: 1 });
      expect(await a.revision()).toBe(2);
    } finally {
      await a.close();
      await b.close();
      dir.remove();
    }
  });
});
