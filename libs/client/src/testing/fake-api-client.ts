/**
 * An in-memory ApiClient for tests of anything that talks to the apiserver. Objects go through
 * the same libs/api pipeline as the real registry — prepareForCreate/prepareForUpdate, defaulting,
 * validation (InvalidError with Kubernetes' messages), the status subresource rules — and get one
 * cluster-wide revision as resourceVersion, uids and creation timestamps; NotFound, AlreadyExists
 * and Conflict as the server words them; label and field selectors; graceful deletion and
 * finalizers; patches; watches from a revision. Allocation is a test double's: ClusterIPs counted up
 * from 10.96.0.1, NodePorts from 30000; paging is by position.
 */
import {
  AlreadyExistsError,
  ConflictError,
  InvalidError,
  KINDS,
  NotFoundError,
  applyPatch,
  checkDeletePreconditions,
  defaultObject,
  deletesOnUpdate,
  parseFieldSelector,
  planDeletion,
  defaultServiceIPFamilyFields,
  isHeadlessService,
  isServerAllocatedField,
  needsHealthCheck,
  parseSelector,
  prepareForCreate,
  prepareForStatusUpdate,
  prepareForUpdate,
  serviceNeedsClusterIP,
  serviceNeedsNodePorts,
  stableStringify,
  validateObject,
  validateObjectUpdate,
  validateServiceIPFamilies,
  validateStatusUpdate,
  type DeleteOptions,
  type Kind,
  type KubeObject,
  type ObjectOfKind,
  type PatchType,
  type Service,
} from '@minimesh/api';
import type { ApiClient, ListOptions, ListResult, SelectOptions, WatchEvent, WatchOptions } from '../api-client.js';

export interface FakeClientOptions {
  /** Clock for creationTimestamp (ms since epoch). */
  now?: () => number;
  /** Store objects as given: no defaulting, validation or allocation. */
  noDefaults?: boolean;
}

type Hook = (op: 'create' | 'update' | 'delete' | 'get' | 'list', obj: { kind: Kind; namespace: string; name: string; object?: KubeObject }) => void;

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** An update that would change nothing is not written (the registry's rule). */
function unchanged(next: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => stableStringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
  return strip(next) === strip(old);
}

function keyOf(kind: Kind, namespace: string, name: string): string {
  return `${kind}/${KINDS[kind].namespaced ? namespace : ''}/${name}`;
}

export class FakeApiClient implements ApiClient {
  private readonly objects = new Map<string, KubeObject>();
  private readonly events: { kind: Kind; event: WatchEvent }[] = [];
  private readonly waiters = new Set<() => void>();
  private revision = 100;
  private uid = 0;
  private nextIP = 1;
  private nextNodePort = 30000;
  private closed = false;
  /** Every call, in order, for assertions: `create Service default/x`. */
  readonly calls: string[] = [];
  /** Runs before each operation; throw from it to inject a failure. */
  hook?: Hook;

  constructor(private readonly opts: FakeClientOptions = {}) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  private record(op: string, kind: Kind, namespace: string, name: string): void {
    this.calls.push(`${op} ${kind} ${namespace ? `${namespace}/` : ''}${name}`);
  }

  private emit(kind: Kind, type: WatchEvent['type'], object: KubeObject): void {
    this.events.push({ kind, event: { type, object: clone(object), resourceVersion: String(this.revision) } });
    for (const w of [...this.waiters]) w();
  }

  /** What the registry's allocators would fill in: a ClusterIP, NodePorts, a health-check NodePort. */
  private allocate(svc: Service): Service {
    const spec = (svc.spec ??= {});
    if (serviceNeedsClusterIP(svc) && !isHeadlessService(svc) && !spec.clusterIP) {
      spec.clusterIP = `10.96.0.${this.nextIP++}`;
      spec.clusterIPs = [spec.clusterIP];
    }
    if (serviceNeedsNodePorts(svc)) for (const p of spec.ports ?? []) p.nodePort ||= this.nextNodePort++;
    if (needsHealthCheck(svc)) spec.healthCheckNodePort ||= this.nextNodePort++;
    return svc;
  }

  private admit<T extends KubeObject>(obj: T, old?: T): T {
    let next = old ? prepareForUpdate(obj, old) : prepareForCreate(obj);
    next = defaultObject(next);
    let errors = old ? validateObjectUpdate(next, old) : validateObject(next);
    if (next.kind === 'Service') errors = [...errors, ...validateServiceIPFamilies(next, old as Service | undefined)].filter((e) => !isServerAllocatedField(e));
    if (errors.length) throw new InvalidError(next.kind, next.metadata.name ?? '', errors);
    if (next.kind !== 'Service') return next;
    return defaultServiceIPFamilyFields(this.allocate(next as Service), old as Service | undefined) as unknown as T;
  }

  /** Puts objects in place directly (they get metadata and revisions like created ones). */
  seed(...objs: KubeObject[]): void {
    for (const o of objs) this.store(clone(o), 'ADDED');
  }

  private store(obj: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    const kind = obj.kind;
    this.revision++;
    obj.metadata.resourceVersion = String(this.revision);
    if (type === 'ADDED') {
      obj.metadata.uid ??= `uid-${++this.uid}`;
      obj.metadata.creationTimestamp ??= new Date(Math.floor(this.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    }
    this.objects.set(keyOf(kind, obj.metadata.namespace ?? '', obj.metadata.name ?? ''), obj);
    this.emit(kind, type, obj);
    return clone(obj);
  }

  async create<T extends KubeObject>(input: T): Promise<T> {
    let obj = clone(input);
    const kind = obj.kind;
    const ns = KINDS[kind].namespaced ? (obj.metadata.namespace ?? 'default') : '';
    if (ns) obj.metadata.namespace = ns;
    const name = obj.metadata.name ?? '';
    this.record('create', kind, ns, name);
    this.hook?.('create', { kind, namespace: ns, name, object: obj });
    if (this.objects.has(keyOf(kind, ns, name))) throw new AlreadyExistsError(kind, name);
    if (!this.opts.noDefaults) obj = this.admit(obj);
    return this.store(obj, 'ADDED') as T;
  }

  async get<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind<K>> {
    this.record('get', kind, namespace, name);
    this.hook?.('get', { kind, namespace, name });
    const obj = this.objects.get(keyOf(kind, namespace, name));
    if (!obj) throw new NotFoundError(kind, name);
    return clone(obj) as ObjectOfKind<K>;
  }

  async list<K extends Kind>(kind: K, opts: ListOptions = {}): Promise<ListResult<ObjectOfKind<K>>> {
    this.record('list', kind, opts.namespace ?? '', opts.labelSelector ? `-l ${opts.labelSelector}` : '');
    this.hook?.('list', { kind, namespace: opts.namespace ?? '', name: '' });
    const all = this.select(kind, opts);
    const start = opts.continue ? Number(opts.continue) : 0;
    const end = opts.limit ? start + opts.limit : all.length;
    const result: ListResult<ObjectOfKind<K>> = { items: all.slice(start, end), resourceVersion: String(this.revision) };
    if (end < all.length) result.continue = String(end);
    return result;
  }

  private select<K extends Kind>(kind: K, opts: SelectOptions): ObjectOfKind<K>[] {
    const selector = parseSelector(opts.labelSelector ?? '');
    const fields = parseFieldSelector(opts.fieldSelector ?? '', kind);
    return [...this.objects.values()]
      .filter((o) => o.kind === kind)
      .filter((o) => !opts.namespace || o.metadata.namespace === opts.namespace)
      .filter((o) => selector.matches(o.metadata.labels ?? {}) && fields.matches(o))
      .map((o) => clone(o) as ObjectOfKind<K>);
  }

  async update<T extends KubeObject>(input: T): Promise<T> {
    let obj = clone(input);
    const kind = obj.kind;
    const ns = KINDS[kind].namespaced ? (obj.metadata.namespace ?? 'default') : '';
    const name = obj.metadata.name ?? '';
    this.record('update', kind, ns, name);
    this.hook?.('update', { kind, namespace: ns, name, object: obj });
    const old = this.objects.get(keyOf(kind, ns, name)) as T | undefined;
    if (!old) throw new NotFoundError(kind, name);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw new ConflictError(kind, name);
    }
    obj.metadata.namespace = old.metadata.namespace;
    if (this.opts.noDefaults) {
      obj.metadata.uid = old.metadata.uid;
      obj.metadata.creationTimestamp = old.metadata.creationTimestamp;
    } else {
      obj = this.admit(obj, old);
      if (deletesOnUpdate(obj, old)) return this.remove(obj) as unknown as T;
      if (unchanged(obj, old)) return clone(old);
    }
    return this.store(obj, 'MODIFIED') as T;
  }

  async updateStatus<T extends KubeObject>(input: T): Promise<T> {
    const kind = input.kind;
    const ns = input.metadata.namespace ?? '';
    const name = input.metadata.name ?? '';
    const old = this.objects.get(keyOf(kind, ns, name)) as T | undefined;
    if (!old) throw new NotFoundError(kind, name);
    let obj: T;
    if (this.opts.noDefaults) {
      obj = clone(old);
      (obj as { status?: unknown }).status = clone((input as { status?: unknown }).status);
    } else {
      obj = defaultObject(prepareForStatusUpdate(clone(input), old));
      const errors = validateStatusUpdate(obj, old);
      if (errors.length) throw new InvalidError(kind, name, errors);
      if (unchanged(obj, old)) return clone(old);
    }
    return this.store(obj, 'MODIFIED') as T;
  }

  /** Deletes as the registry does: at once, or marked for a graceful deletion (no timer runs here). */
  async delete<K extends Kind>(kind: K, namespace: string, name: string, opts: DeleteOptions & { resourceVersion?: string } = {}): Promise<ObjectOfKind<K>> {
    this.record('delete', kind, namespace, name);
    this.hook?.('delete', { kind, namespace, name });
    const obj = this.objects.get(keyOf(kind, namespace, name));
    if (!obj) throw new NotFoundError(kind, name);
    const preconditions = { ...opts.preconditions, ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}) };
    checkDeletePreconditions(obj, { ...opts, preconditions });
    const plan = planDeletion(obj, opts, this.now());
    if (plan.action === 'none') return clone(obj) as ObjectOfKind<K>;
    if (plan.action === 'mark') return this.store(clone(plan.object), 'MODIFIED') as ObjectOfKind<K>;
    return this.remove(obj) as ObjectOfKind<K>;
  }

  private remove(obj: KubeObject): KubeObject {
    this.objects.delete(keyOf(obj.kind, obj.metadata.namespace ?? '', obj.metadata.name ?? ''));
    this.revision++;
    const gone = { ...clone(obj), metadata: { ...clone(obj.metadata), resourceVersion: String(this.revision) } };
    this.emit(obj.kind, 'DELETED', gone);
    return clone(gone);
  }

  async deleteCollection<K extends Kind>(kind: K, select: SelectOptions, opts: DeleteOptions = {}): Promise<ObjectOfKind<K>[]> {
    const out: ObjectOfKind<K>[] = [];
    for (const o of this.select(kind, select)) out.push(await this.delete(kind, o.metadata.namespace ?? '', o.metadata.name ?? '', opts));
    return out;
  }

  async patch<K extends Kind>(kind: K, namespace: string, name: string, type: PatchType, patch: string | object, opts: { subresource?: 'status' } = {}): Promise<ObjectOfKind<K>> {
    const old = this.objects.get(keyOf(kind, namespace, name));
    if (!old) throw new NotFoundError(kind, name);
    const next = applyPatch(kind, old, type, typeof patch === 'string' ? patch : JSON.stringify(patch)) as unknown as ObjectOfKind<K>;
    return opts.subresource === 'status' ? this.updateStatus(next) : this.update(next);
  }

  async *watch<K extends Kind>(kind: K, opts: WatchOptions = {}): AsyncIterable<WatchEvent<ObjectOfKind<K>>> {
    this.record('watch', kind, opts.namespace ?? '', opts.resourceVersion ? `from ${opts.resourceVersion}` : '');
    const from = Number(opts.resourceVersion ?? 0);
    const selector = parseSelector(opts.labelSelector ?? '');
    const fields = parseFieldSelector(opts.fieldSelector ?? '', kind);
    let next = 0;
    for (;;) {
      while (next < this.events.length) {
        const { kind: k, event } = this.events[next++]!;
        const o = event.object!;
        if (k !== kind || Number(event.resourceVersion) <= from) continue;
        if (opts.namespace && o.metadata.namespace !== opts.namespace) continue;
        if (!selector.matches(o.metadata.labels ?? {}) || !fields.matches(o)) continue;
        yield clone(event) as WatchEvent<ObjectOfKind<K>>;
      }
      if (this.closed || opts.signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiters.delete(wake);
          opts.signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        opts.signal?.addEventListener('abort', wake);
      });
    }
  }

  /** Ends every watch once the events so far are delivered. */
  endWatches(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w();
  }

  /** The stored object, for assertions. */
  peek(kind: Kind, namespace: string, name: string): KubeObject | undefined {
    const o = this.objects.get(keyOf(kind, namespace, name));
    return o ? clone(o) : undefined;
  }

  close(): void {
    this.endWatches();
  }
}
