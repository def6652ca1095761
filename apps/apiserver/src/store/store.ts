/**
 * The storage engine behind the registry: objects, the event history (which is also the outbox
 * of the NATS publisher) and the allocation tables, all changed together in atomic batches under
 * one cluster-wide revision. SQLite implements it today; another engine (etcd) implements the
 * same interface without touching the registry or the handlers.
 *
 * A commit is applied at once and made durable a moment later, together with the commits around
 * it (group commit). Reads answer only with what is durable: each waits, when it has to, until
 * the revision it read is on disk. The registry's writer alone reads the applied state (`applied`),
 * and acknowledges a write only after `durable()`.
 */
import type { KeyObject } from 'node:crypto';
import type { Kind, KubeObject } from '@minimesh/api';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  revision: number;
  type: EventType;
  kind: Kind;
  namespace: string;
  name: string;
  /** The new state; for DELETED the last state, with the deletion's revision as resourceVersion. */
  object: KubeObject;
  /** The state before a MODIFIED or DELETED (watches with a selector and lists at a past revision need it). */
  previous?: KubeObject;
  /**
   * Revision of the previous event of the same kind (0 for the first). A consumer that follows
   * one kind sees a gap when this is not the last revision it got.
   */
  kindPrevious: number;
}

export type StoreOp =
  | { type: 'create'; object: KubeObject }
  /** expectRevision: the revision the caller read; a different current one is a conflict. */
  | { type: 'update'; object: KubeObject; expectRevision: number }
  | { type: 'delete'; kind: Kind; namespace: string; name: string; expectRevision?: number };

export interface Allocation {
  /** `clusterip` or `nodeport`. */
  pool: string;
  value: string;
  /** `namespace/name` of the owning Service. */
  owner: string;
}

export interface Batch {
  ops: StoreOp[];
  allocate?: Allocation[];
  release?: Omit<Allocation, 'owner'>[];
}

export interface ListPageRead {
  items: KubeObject[];
  revision: number;
  /** Whether an object that `matches` follows the page. */
  more: boolean;
  /** The key of the page's last object ('' when it is empty). */
  lastKey: string;
  /** How many objects follow the page, matching or not (0 when none matches). */
  remaining: number;
}

/** Reads of everything applied, on disk or not yet. */
export interface AppliedReads {
  get(kind: Kind, namespace: string, name: string): Promise<KubeObject | undefined>;
  list(kind: Kind, namespace?: string): Promise<KubeObject[]>;
}

export interface Store {
  /** Stable id of this data directory: event ids are `<id>-<revision>`. It names signingKey's public half. */
  readonly id: string;
  /** The Ed25519 key the events of this store are signed with on the event stream. */
  readonly signingKey: KeyObject;
  revision(): Promise<number>;
  get(kind: Kind, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** A consistent snapshot: the objects and the revision they are at. */
  list(kind: Kind, namespace?: string): Promise<{ items: KubeObject[]; revision: number }>;
  /**
   * One page of a list at the current revision, in key order ("namespace/name"): the first `limit`
   * objects after the key `after` ('' for the first page) that `matches` accepts.
   */
  listPage(kind: Kind, namespace: string | undefined, after: string, limit: number, matches: (obj: KubeObject) => boolean): Promise<ListPageRead>;
  /**
   * The objects as they were at an earlier `revision` (the current ones, rolled back through the
   * history kept since). Throws ExpiredError when the history no longer reaches back that far.
   */
  listAt(kind: Kind, namespace: string | undefined, revision: number): Promise<KubeObject[]>;
  /**
   * Applies every op and allocation change atomically, each op getting the next revision; the
   * batch is durable once `durable()` resolves. Throws AlreadyExistsError, NotFoundError or
   * ConflictError (and changes nothing) when a precondition fails.
   */
  commit(batch: Batch): Promise<StoredEvent[]>;
  /** Resolves once every commit applied so far is on disk; rejects if the store failed to sync. */
  durable(): Promise<void>;
  /**
   * What the commits so far have made, durable or not. Only for the one writer that orders the
   * commits (the registry), whose answers wait for `durable()`; everyone else reads through the
   * methods above.
   */
  readonly applied: AppliedReads;
  /** Events with revision > `revision`, in order. */
  eventsAfter(revision: number, limit?: number): Promise<StoredEvent[]>;
  /** Oldest revision still in the history (revision + 1 when the history is empty). */
  oldestRevision(): Promise<number>;
  allocations(pool: string): Promise<Allocation[]>;
  /** The publisher's high-water mark: every event up to it is on NATS. */
  publishedRevision(): Promise<number>;
  setPublishedRevision(revision: number): Promise<void>;
  /** Drops history events with revision <= `upTo`. Returns how many were dropped. */
  compact(upTo: number): Promise<number>;
  close(): Promise<void>;
}
