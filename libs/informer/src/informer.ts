/**
 * An informer for one kind (client-go's SharedIndexInformer, small): a cache kept equal to the
 * apiserver's objects of that kind (optionally one namespace, one label selector) by
 * list-then-follow, with event handlers, indexes and an optional periodic resync.
 *
 *   const pods = createInformer({ kind: 'Pod', client, transport: 'nats', nats: { servers } });
 *   pods.addEventHandler({ onAdd: (p) => queue.add(key(p)) });
 *   pods.start();
 *   await pods.waitForSync();
 *
 * Every relist replaces the cache: objects missing from the new list are deleted (onDelete with
 * finalStateUnknown), changed ones updated, new ones added, unchanged ones (same uid and
 * resourceVersion) left alone. An event not newer than the cached object is ignored.
 */
import { objectKey, parseSelector, type Kind, type KubeObject, type ObjectOfKind, type Selector } from '@minimesh/api';
import { InformerStoppedError, InvalidArgumentError, type RelistReason } from './errors.js';
import { EventHandlers, type EventHandler, type HandlerRegistration } from './event-handlers.js';
import type { ChangeType, Follower } from './follower.js';
import { DeferredFollower } from './deferred-follower.js';
import { GrpcFollower } from './grpc-follower.js';
import { NAMESPACE_INDEX, ObjectCache, type IndexFunc } from './object-cache.js';
import { parseInformerOptions, type InformerLogger, type InformerOptions, type ParsedInformerOptions, type Transport } from './options.js';
import { Reflector, type ReflectorSink } from './reflector.js';
import { revisionOf } from './resource-version.js';

export function createInformer<K extends Kind>(opts: InformerOptions<K>): Informer<ObjectOfKind<K>> {
  return new Informer<ObjectOfKind<K>>(opts);
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly kind: Kind;
  readonly namespace: string;
  readonly labelSelector: string;
  readonly transport: Transport;

  private readonly opts: ParsedInformerOptions;
  private readonly log: InformerLogger;
  private readonly cache: ObjectCache<T>;
  private readonly handlers: EventHandlers<T>;
  private resourceVersion = '';
  /** The store of the last list: revisions mean something only within it. */
  private storeId = '';
  private synced = false;
  private syncWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private abort?: AbortController;
  private running?: Promise<void>;
  private follower?: Follower;
  private resyncTimer?: NodeJS.Timeout;
  private stopped = false;
  private rejected = 0;

  /** Prefer `createInformer`, which types the objects after the kind. */
  constructor(options: InformerOptions) {
    this.opts = parseInformerOptions(options);
    this.kind = this.opts.kind;
    this.namespace = this.opts.namespace;
    this.labelSelector = this.opts.labelSelector;
    this.transport = this.opts.transport;
    this.log = this.opts.logger;
    this.cache = new ObjectCache<T>((index, err) => this.log.error('index function failed', { kind: this.kind, index, err: String(err) }));
    this.handlers = new EventHandlers<T>(this.log);
  }

  /** Lists and follows in the background until `stop()`. A second call does nothing. */
  start(): void {
    if (this.abort || this.stopped) return;
    this.abort = new AbortController();
    this.follower = this.newFollower();
    const reflector = new Reflector({
      client: this.opts.client,
      kind: this.kind,
      namespace: this.namespace,
      labelSelector: this.labelSelector,
      follower: this.follower,
      backoff: this.opts.backoff,
      log: this.log,
    });
    this.running = reflector.run(this.sink(this.abort.signal), this.abort.signal);
    if (this.opts.resyncPeriodMs > 0) this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncPeriodMs);
    this.log.debug('informer started', { kind: this.kind, namespace: this.namespace, labelSelector: this.labelSelector, transport: this.transport });
  }

  /** Stops following and releases connections it opened. The cache keeps its last state. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.abort?.abort();
    await this.running;
    await this.follower?.close();
    for (const w of this.syncWaiters.splice(0)) w.reject(new InformerStoppedError());
  }

  /** Messages from the event stream refused so far (undecodable, or not what the apiserver would write). */
  get rejectedEvents(): number {
    return this.rejected;
  }

  /** True once the first list is in the cache (and its handlers called). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced; rejects when `signal` aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new InformerStoppedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        reject(signal?.reason);
      };
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      this.syncWaiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The revision the cache reflects: the last list, event or bookmark ('' before the first list). */
  get lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Handlers registered after objects are cached first get onAdd for each of them. */
  addEventHandler(handler: EventHandler<T>): HandlerRegistration {
    if (!handler || typeof handler !== 'object') throw InvalidArgumentError.format('handler', 'must be an object');
    return this.handlers.add(handler, () => this.cache.list());
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(namespace, name);
  }

  /** By `namespace/name` (or `name` for cluster-scoped kinds). */
  getByKey(key: string): T | undefined {
    return this.cache.getByKey(key);
  }

  list(): T[] {
    return this.cache.list();
  }

  keys(): string[] {
    return this.cache.keys();
  }

  /** Adds an index (at any time: existing objects are filed at once). */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.cache.addIndexer(name, fn);
  }

  byIndex(name: string, value: string): T[] {
    return this.cache.byIndex(name, value);
  }

  indexValues(name: string): string[] {
    return this.cache.indexValues(name);
  }

  /** The built-in index: objects of one namespace. */
  byNamespace(namespace: string): T[] {
    return this.cache.byIndex(NAMESPACE_INDEX, namespace);
  }

  /** Cached objects whose labels match `selector` (a string in label selector syntax, or a parsed Selector). */
  listMatching(selector: string | Selector): T[] {
    let s: Selector;
    try {
      s = typeof selector === 'string' ? parseSelector(selector) : selector;
    } catch (e) {
      throw InvalidArgumentError.format('selector', `is invalid: ${(e as Error).message}`, { cause: e });
    }
    return this.cache.listMatching(s);
  }

  private newFollower(): Follower {
    const o = this.opts;
    if (o.transport === 'grpc') return new GrpcFollower({ client: o.client, kind: o.kind, namespace: o.namespace, labelSelector: o.labelSelector });
    // The NATS client is loaded by the informers that follow NATS only (a gRPC-only process never pays for it).
    return new DeferredFollower(async () => {
      const [{ NatsSession }, { JetStreamFollower }] = await Promise.all([import('./nats-session.js'), import('./jetstream-follower.js')]);
      const session = new NatsSession({ servers: o.nats.servers, ...(o.nats.connection ? { connection: o.nats.connection } : {}), auth: o.nats.auth, name: `minimesh-informer-${o.kind}`, backoff: o.backoff });
      return new JetStreamFollower({
        session,
        stream: o.nats.stream,
        kind: o.kind,
        namespace: o.namespace,
        selector: o.selector,
        log: this.log,
        onRejected: () => this.rejected++,
      });
    });
  }

  /** How the reflector changes the cache. Objects arrive as KubeObject; the kind filter makes them T. */
  private sink(signal: AbortSignal): ReflectorSink {
    const current = () => this.resourceVersion;
    const store = () => this.storeId;
    // After stop() nothing changes the cache, even a request that was already in flight.
    return {
      get resourceVersion() {
        return current();
      },
      get storeId() {
        return store();
      },
      replace: (list, reason) => {
        if (!signal.aborted) this.replace(list.items as T[], list.resourceVersion, list.storeId ?? '', reason);
      },
      apply: (type, object, resourceVersion) => {
        if (!signal.aborted) this.apply(type, object as T, resourceVersion);
      },
      advance: (resourceVersion) => {
        if (!signal.aborted && revisionOf(resourceVersion) > revisionOf(this.resourceVersion)) this.resourceVersion = resourceVersion;
      },
    };
  }

  private replace(items: T[], resourceVersion: string, storeId: string, reason: RelistReason): void {
    const delta = this.cache.replace(items);
    this.resourceVersion = resourceVersion;
    this.storeId = storeId;
    for (const obj of delta.deleted) this.handlers.deleted(obj, { finalStateUnknown: true });
    for (const { old, current } of delta.updated) this.handlers.updated(old, current);
    for (const obj of delta.added) this.handlers.added(obj);
    if (reason !== 'initial' || delta.deleted.length) {
      this.log.info('relisted', {
        kind: this.kind,
        reason,
        resourceVersion,
        added: delta.added.length,
        updated: delta.updated.length,
        deleted: delta.deleted.length,
      });
    }
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w.resolve();
    }
  }

  private apply(type: ChangeType, obj: T, resourceVersion: string): void {
    if (revisionOf(resourceVersion) <= revisionOf(this.resourceVersion)) return; // seen already
    this.resourceVersion = resourceVersion;
    const key = objectKey(obj);
    const old = this.cache.getByKey(key);
    if (old && !this.cache.isNewer(obj)) return; // stale
    if (type === 'DELETED') {
      if (!old) return;
      this.cache.delete(key);
      this.handlers.deleted(obj, { finalStateUnknown: false });
      return;
    }
    this.cache.set(obj);
    if (old) this.handlers.updated(old, obj);
    else this.handlers.added(obj);
  }

  private resync(): void {
    if (!this.synced) return;
    for (const obj of this.cache.list()) this.handlers.updated(obj, obj);
  }
}
