/**
 * The default engine: one SQLite file in the data directory with a write-ahead log. SQLite
 * appends a commit to the log without syncing (synchronous=NORMAL, which still syncs log and
 * database around every checkpoint, so the file is never torn); GroupSync then makes the log
 * durable with one fdatasync for all the commits that arrived together (those that came while the
 * sync before was in flight also share one SQLite transaction), and nothing is answered from a
 * commit before that sync returns. Neither kill -9 nor a power cut loses an acknowledged
 * write, as with synchronous=FULL (a sync per commit, on the event loop), at a fraction of the cost.
 *
 * While a group is open (commit-group.ts) this connection holds SQLite's write lock, up to one
 * sync (~1 ms here): under a steady write load that is most of the time, so another process
 * writing to the same directory waits for it (better-sqlite3's busy timeout, 5 s) and may time
 * out. The apiserver owns its data directory; tools that read it are not held up.
 */
import Database from 'better-sqlite3';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { newEventSigningKey, storeIdOfKey } from '@minimesh/wire';
import { mkdirSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AlreadyExistsError, ConflictError, ExpiredError, NotFoundError, type Kind, type KubeObject } from '@minimesh/api';
import type { Allocation, AppliedReads, Batch, EventType, ListPageRead, Store, StoredEvent } from './store.js';
import { GroupSync } from './group-sync.js';
import { CommitGroup } from './commit-group.js';

export interface SqliteStoreOptions {
  /**
   * Runs each sync of the log (`sync`: its fdatasync). Tests hold it to see what waits for the
   * disk; the default runs it.
   */
  syncLog?: (sync: () => Promise<void>) => Promise<void>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
  kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  revision INTEGER NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (kind, namespace, name)
);
-- Lists page in the order of their continue keys ("namespace/name"), which is not (namespace, name)'s.
CREATE INDEX IF NOT EXISTS objects_by_list_key ON objects (kind, namespace || '/' || name);
CREATE TABLE IF NOT EXISTS events (
  revision INTEGER PRIMARY KEY, type TEXT NOT NULL,
  kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
  data TEXT NOT NULL, previous TEXT, kind_previous INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS allocations (
  pool TEXT NOT NULL, value TEXT NOT NULL, owner TEXT NOT NULL,
  PRIMARY KEY (pool, value)
);
`;

interface EventRow {
  revision: number;
  type: EventType;
  kind: Kind;
  namespace: string;
  name: string;
  data: string;
  previous: string | null;
  kind_previous: number;
}

function toEvent(r: EventRow): StoredEvent {
  const e: StoredEvent = {
    revision: r.revision,
    type: r.type,
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    object: JSON.parse(r.data),
    kindPrevious: r.kind_previous,
  };
  if (r.previous) e.previous = JSON.parse(r.previous);
  return e;
}

function withRevision<T extends KubeObject>(obj: T, revision: number): T {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

export class SqliteStore implements Store {
  readonly id: string;
  readonly signingKey: KeyObject;
  readonly applied: AppliedReads;
  private readonly db: Database.Database;
  private readonly q;
  private readonly sync: GroupSync;
  private log: Promise<FileHandle> | undefined;
  /** The revision of the last commit applied, as this store last saw it in the meta row. */
  private rev: number;
  /** Per kind, the revision of its last event (meta rows `kind_revision:<kind>`). */
  private readonly kindRevisions = new Map<string, number>();
  /** close() has begun: commits are refused. */
  private closing = false;
  private closed = false;
  private readonly group: CommitGroup;

  constructor(dataDir: string, opts: SqliteStoreOptions = {}) {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'minimesh.db');
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    syncDirectory(dataDir); // the database and its log exist from here on: their names are on disk too
    this.group = new CommitGroup(this.db);
    this.q = {
      getMeta: this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      getObject: this.db.prepare<[string, string, string], { revision: number; data: string }>(
        'SELECT revision, data FROM objects WHERE kind = ? AND namespace = ? AND name = ?',
      ),
      listAll: this.db.prepare<[string], { data: string }>('SELECT data FROM objects WHERE kind = ? ORDER BY namespace, name'),
      listNs: this.db.prepare<[string, string], { data: string }>('SELECT data FROM objects WHERE kind = ? AND namespace = ? ORDER BY name'),
      pageAll: this.db.prepare<[string, string], { data: string; key: string }>(
        "SELECT data, namespace || '/' || name AS key FROM objects WHERE kind = ? AND namespace || '/' || name > ? ORDER BY namespace || '/' || name",
      ),
      pageNs: this.db.prepare<[string, string, string], { data: string; key: string }>(
        "SELECT data, namespace || '/' || name AS key FROM objects WHERE kind = ? AND namespace = ? AND namespace || '/' || name > ? ORDER BY namespace || '/' || name",
      ),
      countAll: this.db.prepare<[string, string], { n: number }>("SELECT COUNT(*) AS n FROM objects WHERE kind = ? AND namespace || '/' || name > ?"),
      countNs: this.db.prepare<[string, string, string], { n: number }>("SELECT COUNT(*) AS n FROM objects WHERE kind = ? AND namespace = ? AND namespace || '/' || name > ?"),
      putObject: this.db.prepare<[string, string, string, number, string]>(
        'INSERT INTO objects (kind, namespace, name, revision, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind, namespace, name) DO UPDATE SET revision = excluded.revision, data = excluded.data',
      ),
      deleteObject: this.db.prepare<[string, string, string]>('DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?'),
      addEvent: this.db.prepare<[number, string, string, string, string, string, string | null, number]>(
        'INSERT INTO events (revision, type, kind, namespace, name, data, previous, kind_previous) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      eventsAfter: this.db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE revision > ? ORDER BY revision LIMIT ?'),
      kindEventsAfter: this.db.prepare<[string, number], EventRow>('SELECT * FROM events WHERE kind = ? AND revision > ? ORDER BY revision'),
      oldestEvent: this.db.prepare<[], { revision: number | null }>('SELECT MIN(revision) AS revision FROM events'),
      compact: this.db.prepare<[number]>('DELETE FROM events WHERE revision <= ?'),
      allocations: this.db.prepare<[string], Allocation>('SELECT pool, value, owner FROM allocations WHERE pool = ? ORDER BY value'),
      allocate: this.db.prepare<[string, string, string]>('INSERT INTO allocations (pool, value, owner) VALUES (?, ?, ?)'),
      release: this.db.prepare<[string, string]>('DELETE FROM allocations WHERE pool = ? AND value = ?'),
    };
    // The store's id names the public half of the key its events are signed with (libs/wire
    // event-signature.ts). A store made before events were signed gets a key, and with it a new
    // id: followers see another store and relist, once.
    let pem = this.q.getMeta.get('event_signing_key')?.value;
    if (!pem) {
      pem = newEventSigningKey();
      this.db.transaction(() => {
        this.q.setMeta.run('event_signing_key', pem!);
        this.q.setMeta.run('store_id', storeIdOfKey(createPrivateKey(pem!)));
      })();
    }
    this.signingKey = createPrivateKey(pem);
    this.id = this.q.getMeta.get('store_id')!.value;
    this.rev = Number(this.q.getMeta.get('revision')?.value ?? 0);
    // Whatever the log holds now was written before this process: make it durable before the first answer.
    const walFile = `${file}-wal`;
    const syncLog = opts.syncLog ?? ((sync) => sync());
    this.sync = new GroupSync(() => {
      if (this.closed) return Promise.reject(new Error('the store is closed'));
      return syncLog(async () => {
        if (this.group.lost) throw this.group.lost;
        this.group.end(); // what the sync takes to disk must be in the log first; a COMMIT that fails fails the sync
        await (await (this.log ??= open(walFile, 'r'))).datasync();
      }).catch((e: unknown) => {
        this.group.drop(); // nothing in it is answered now: it must not hold the write lock, nor be committed by close()
        throw e;
      });
    }, 0);
    this.sync.applied(this.rev);
    this.applied = {
      get: async (kind, namespace, name) => this.readObject(kind, namespace, name),
      list: async (kind, namespace) => this.readAll(kind, namespace),
    };
  }

  /**
   * The revision in the database. Normally what this store's commits left (`rev`); when another
   * process wrote to the same directory since, its revision and kind revisions are taken up.
   */
  private currentRevision(): number {
    const stored = Number(this.q.getMeta.get('revision')?.value ?? 0);
    if (stored !== this.rev) {
      this.rev = stored;
      this.kindRevisions.clear();
      this.sync.applied(stored);
    }
    return stored;
  }

  /** `value`, read at the current revision, once that revision is on disk. */
  private durableRead<T>(value: T): Promise<T> {
    const at = this.rev;
    return at <= this.sync.durable ? Promise.resolve(value) : this.sync.until(at).then(() => value);
  }

  durable(): Promise<void> {
    return this.sync.until();
  }

  private readObject(kind: Kind, namespace: string, name: string): KubeObject | undefined {
    const row = this.q.getObject.get(kind, namespace, name);
    return row ? JSON.parse(row.data) : undefined;
  }

  private readAll(kind: Kind, namespace?: string): KubeObject[] {
    const rows = namespace ? this.q.listNs.all(kind, namespace) : this.q.listAll.all(kind);
    return rows.map((r) => JSON.parse(r.data) as KubeObject);
  }

  async revision(): Promise<number> {
    return this.durableRead(this.currentRevision());
  }

  async get(kind: Kind, namespace: string, name: string): Promise<KubeObject | undefined> {
    return this.durableRead(this.readObject(kind, namespace, name));
  }

  async list(kind: Kind, namespace?: string): Promise<{ items: KubeObject[]; revision: number }> {
    const read = this.db.transaction(() => ({ items: this.readAll(kind, namespace), revision: this.currentRevision() }));
    return this.durableRead(read());
  }

  async listPage(kind: Kind, namespace: string | undefined, after: string, limit: number, matches: (obj: KubeObject) => boolean): Promise<ListPageRead> {
    const read = this.db.transaction((): ListPageRead => {
      const rows = namespace ? this.q.pageNs.iterate(kind, namespace, after) : this.q.pageAll.iterate(kind, after);
      const items: KubeObject[] = [];
      let lastKey = '';
      let more = false;
      // Only the rows up to the page's end are parsed (a page of 500 out of 10,000 objects reads 501).
      for (const row of rows) {
        const obj = JSON.parse(row.data) as KubeObject;
        if (!matches(obj)) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(obj);
        lastKey = row.key;
      }
      const remaining = !more ? 0 : (namespace ? this.q.countNs.get(kind, namespace, lastKey) : this.q.countAll.get(kind, lastKey))!.n;
      return { items, revision: this.currentRevision(), more, lastKey, remaining };
    });
    return this.durableRead(read());
  }

  async listAt(kind: Kind, namespace: string | undefined, revision: number): Promise<KubeObject[]> {
    const read = this.db.transaction(() => {
      const current = this.currentRevision();
      const rows = namespace ? this.q.listNs.all(kind, namespace) : this.q.listAll.all(kind);
      const objects = rows.map((r) => JSON.parse(r.data) as KubeObject);
      if (revision >= current) return objects;
      const oldest = this.q.oldestEvent.get()?.revision ?? current + 1;
      if (revision < oldest - 1) throw ExpiredError.tooOld(revision, oldest - 1);
      // The first change after `revision` of each object tells its state then: absent (it was
      // ADDED later), or the `previous` of that MODIFIED / DELETED.
      const before = new Map<string, KubeObject | null>();
      for (const r of this.q.kindEventsAfter.all(kind, revision)) {
        if (namespace && r.namespace !== namespace) continue;
        const key = `${r.namespace}/${r.name}`;
        if (before.has(key)) continue;
        before.set(key, r.type === 'ADDED' || !r.previous ? null : (JSON.parse(r.previous) as KubeObject));
      }
      const out: KubeObject[] = [];
      for (const o of objects) {
        const key = `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
        if (!before.has(key)) out.push(o);
      }
      for (const o of before.values()) if (o) out.push(o);
      const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ''}\u0000${o.metadata.name ?? ''}`;
      return out.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    });
    return this.durableRead(read());
  }

  private kindRevision(kind: string): number {
    let r = this.kindRevisions.get(kind);
    if (r === undefined) {
      r = Number(this.q.getMeta.get(`kind_revision:${kind}`)?.value ?? 0);
      this.kindRevisions.set(kind, r);
    }
    return r;
  }

  async commit(batch: Batch): Promise<StoredEvent[]> {
    if (this.closing) throw new Error('the store is closed');
    this.sync.check();
    if (this.group.lost) throw this.group.lost;
    const run = this.db.transaction((b: Batch) => {
      let rev = this.currentRevision();
      const events: StoredEvent[] = [];
      const kindRevisions = new Map<string, number>();
      const record = (type: EventType, kind: Kind, namespace: string, name: string, obj: KubeObject, data: string, previous?: string) => {
        const kindPrevious = kindRevisions.get(kind) ?? this.kindRevision(kind);
        kindRevisions.set(kind, rev);
        this.q.addEvent.run(rev, type, kind, namespace, name, data, previous ?? null, kindPrevious);
        const ev: StoredEvent = { revision: rev, type, kind, namespace, name, object: obj, kindPrevious };
        if (previous) ev.previous = JSON.parse(previous);
        events.push(ev);
      };
      for (const op of b.ops) {
        const kind = op.type === 'delete' ? op.kind : op.object.kind;
        const namespace = op.type === 'delete' ? op.namespace : (op.object.metadata.namespace ?? '');
        const name = op.type === 'delete' ? op.name : (op.object.metadata.name ?? '');
        const existing = this.q.getObject.get(kind, namespace, name);
        rev += 1;
        if (op.type === 'create') {
          if (existing) throw new AlreadyExistsError(kind, name);
          const obj = withRevision(op.object, rev);
          const data = JSON.stringify(obj);
          this.q.putObject.run(kind, namespace, name, rev, data);
          record('ADDED', kind, namespace, name, obj, data);
        } else if (op.type === 'update') {
          if (!existing) throw new NotFoundError(kind, name);
          if (existing.revision !== op.expectRevision) throw new ConflictError(kind, name);
          const obj = withRevision(op.object, rev);
          const data = JSON.stringify(obj);
          this.q.putObject.run(kind, namespace, name, rev, data);
          record('MODIFIED', kind, namespace, name, obj, data, existing.data);
        } else {
          if (!existing) throw new NotFoundError(kind, name);
          if (op.expectRevision !== undefined && existing.revision !== op.expectRevision) throw new ConflictError(kind, name);
          const obj = withRevision(JSON.parse(existing.data) as KubeObject, rev);
          this.q.deleteObject.run(kind, namespace, name);
          record('DELETED', kind, namespace, name, obj, JSON.stringify(obj), existing.data);
        }
      }
      for (const r of b.release ?? []) this.q.release.run(r.pool, r.value);
      for (const a of b.allocate ?? []) this.q.allocate.run(a.pool, a.value, a.owner);
      for (const [kind, r] of kindRevisions) this.q.setMeta.run(`kind_revision:${kind}`, String(r));
      if (events.length) this.q.setMeta.run('revision', String(rev));
      return { events, kindRevisions };
    });
    // While a sync is in flight, the commits that come share one SQLite transaction, which the
    // next sync commits (commit-group.ts). A group SQLite loses fails at that sync (the apiserver
    // exits, as for any failed sync).
    if (this.sync.busy && !this.group.open) {
      this.group.start();
      this.sync.follow();
    }
    const { events, kindRevisions } = this.group.run(() => run.immediate(batch));
    // Only once the transaction stands: a refused batch leaves the cached revisions as they were.
    for (const [kind, r] of kindRevisions) this.kindRevisions.set(kind, r);
    if (events.length) this.rev = events[events.length - 1]!.revision;
    this.sync.applied(this.rev);
    return events;
  }

  async eventsAfter(revision: number, limit = 100_000): Promise<StoredEvent[]> {
    return this.durableRead(this.q.eventsAfter.all(revision, limit).map(toEvent));
  }

  async oldestRevision(): Promise<number> {
    return this.durableRead(this.q.oldestEvent.get()?.revision ?? this.currentRevision() + 1);
  }

  async allocations(pool: string): Promise<Allocation[]> {
    return this.durableRead(this.q.allocations.all(pool));
  }

  // The writes below (and the signing key's) are not revisions: they go to the log unsynced, and
  // the next commit's sync covers them (the log keeps their order). A power cut before it costs a
  // few events published again, or a compaction done again; nothing acknowledged.
  async publishedRevision(): Promise<number> {
    return Number(this.q.getMeta.get('published_revision')?.value ?? 0);
  }

  async setPublishedRevision(revision: number): Promise<void> {
    this.q.setMeta.run('published_revision', String(revision));
  }

  async compact(upTo: number): Promise<number> {
    return this.q.compact.run(upTo).changes;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.sync.until().catch(() => undefined);
    this.closed = true;
    // Every commit applied is durable (or failed): an open group holds refused commits only.
    this.group.drop();
    await this.log?.then(
      (h) => h.close(),
      () => undefined, // the log never opened: nothing to close
    );
    this.db.close();
  }
}

/** fsync of a directory: the names of files created in it are durable. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
