/**
 * The registry: every read and write of the API goes through here. A write is defaulted,
 * validated, given its allocations, committed to the store as one atomic batch and only then
 * announced (to watchers and the event publisher) in revision order, once it is on disk.
 *
 * Writes are serialized: one at a time, so the allocators and the store never race; the next
 * does not wait for the previous one's disk sync (group commit, write-queue.ts). Deletes are
 * graceful where Kubernetes makes them so (see libs/api graceful-deletion): a marked object stays
 * until its grace period ends (DeletionTimers), it is deleted again with grace 0, or an update
 * removes its last finalizer.
 *
 * A dry run (`dryRun=All`, WriteOptions.dryRun) takes the same path up to the commit: defaulting,
 * validation, managed fields, the allocations checked and picked, the store's own preconditions
 * (exists already, gone, another revision); then nothing is written, no revision is used, no
 * allocation is kept and nobody is told (see dry-run.ts).
 */
import { applyConfiguration, recordUpdate, pushAll, BadRequestError, ForbiddenError, InvalidError, KINDS, NotFoundError, ConflictError, field, checkDeletePreconditions, defaultObject, deletesOnUpdate, isServerAllocatedField, planDeletion, prepareForCreate, prepareForStatusUpdate, prepareForUpdate, validateDeleteOptions, validateObject, validateObjectUpdate, validatePoolOverlaps, validateStatusUpdate, defaultServiceIPFamilyFields, validateServiceIPFamilies, type DeleteOptions, type FieldError, type IPAddressPool, type Kind, type KubeObject, type ObjectOfKind, type PatchType, type Service } from '@minimesh/api';
import { objectFromWire, objectToWire } from '@minimesh/wire';
import type { Batch, Store, StoredEvent } from '../store/store.js';
import { DeletionTimers } from './deletion-timers.js';
import type { ListOptions } from './list-options.js';
import { readList, type ListResult } from './list-read.js';
import { patchedObject } from './patched-object.js';
import { metaForCreate, metaForUpdate, sameObject, timestamp } from './object-meta.js';
import { applyReleases, planServiceAllocations, serviceReleases, type Allocators } from './service-allocations.js';
import { WriteQueue, type CommitListener } from './write-queue.js';
import { rehearse } from './dry-run.js';
import { MAX_OBJECT_BYTES, checkObjectSize } from './object-size.js';

/** Namespaces that always exist and may not be deleted (kube-apiserver's system namespaces; node Leases live in kube-node-lease). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export { MAX_OBJECT_BYTES };

export type { ListResult };

export type { CommitListener };

export interface RegistryOptions {
  clock?: () => Date;
  /** Told when a commit listener or a deletion timer fails (the write itself stands). */
  onListenerError?: (err: unknown) => void;
}

/** The object in its one stored form (through the wire schema); managedFields, which the wire does not carry, kept. */
function canonical<T extends KubeObject>(obj: T): T {
  const out = objectFromWire(objectToWire(obj)) as T;
  if (obj.metadata.managedFields) out.metadata = { ...out.metadata, managedFields: obj.metadata.managedFields };
  return out;
}

/** Who makes a write, for field ownership (server-side apply); absent: ownership stays as it was. */
export interface WriteOptions {
  manager?: string;
  /**
   * A patch only: how the patched document is read as an object (the REST layer decodes it as it
   * decodes a PUT body, with its fieldValidation). Without it, the strict decoder with unknown
   * fields dropped. Either way a wrong type or a bad time is a 400 and a null in a list is the
   * element's zero value, as in an update, never a failure further on.
   */
  decode?: (patched: Record<string, unknown>) => KubeObject;
  /** `dryRun=All`: everything the write does, and its answer, but nothing is stored or kept. */
  dryRun?: boolean;
}

/** A delete's options, and whether it is a dry run. */
export interface RegistryDeleteOptions extends DeleteOptions {
  dryRun?: boolean;
}

function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

/** The namespace an object of `kind` is stored under: none for cluster-scoped kinds, `default` when not given. */
function storedNamespace(kind: Kind, namespace: string): string {
  return KINDS[kind].namespaced ? namespace || 'default' : '';
}

export class Registry {
  private readonly writes: WriteQueue;
  private readonly clock: () => Date;
  private readonly onListenerError: (err: unknown) => void;
  private readonly timers: DeletionTimers;

  constructor(
    readonly store: Store,
    private readonly allocators: Allocators,
    opts: RegistryOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.onListenerError = opts.onListenerError ?? ((e) => process.emitWarning(`commit listener failed: ${(e as Error).message}`));
    this.writes = new WriteQueue(store, this.onListenerError);
    this.timers = new DeletionTimers(
      (kind, namespace, name, uid) => this.delete(kind, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } }).then(() => undefined),
      () => this.clock().getTime(),
      (e) => {
        if (!(e instanceof NotFoundError) && !(e instanceof ConflictError)) this.onListenerError(e);
      },
    );
  }

  /** Arms the timers of objects left marked for deletion (after a restart). */
  async resumeDeletions(): Promise<void> {
    for (const k of Object.values(KINDS)) {
      for (const obj of (await this.store.list(k.kind)).items) if (obj.metadata.deletionTimestamp) this.timers.track(obj);
    }
  }

  /** Graceful deletions waiting for their period to end. */
  get pendingDeletions(): number {
    return this.timers.pending;
  }

  stop(): void {
    this.timers.stop();
  }

  /** Whether a ClusterIP is allocated now. */
  clusterIPTaken(ip: string): boolean {
    return this.allocators.ip.has(ip);
  }

  /** Called with every committed batch of events, in revision order. */
  onCommit(listener: CommitListener): void {
    this.writes.onCommit(listener);
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    return this.writes.run(fn);
  }

  /** Commits, then (once the commit is on disk) tells the listeners. */
  private async commit(batch: Batch): Promise<StoredEvent[]> {
    for (const op of batch.ops) if (op.type !== 'delete') checkObjectSize(op.object);
    const events = await this.store.commit(batch);
    for (const ev of events) {
      if (ev.type === 'DELETED') this.timers.forget(ev.object);
      else if (ev.object.metadata.deletionTimestamp) this.timers.track(ev.object);
    }
    this.writes.announce(events);
    return events;
  }

  /** Commits `batch` (or, for a dry run, rehearses it); the objects as written, in op order. */
  private async write(batch: Batch, dryRun = false): Promise<KubeObject[]> {
    if (dryRun) return rehearse(this.store.applied, batch);
    return (await this.commit(batch)).map((ev) => ev.object);
  }

  /** The object as the writes so far left it (on disk or not yet): for a write, inside serialize(). */
  private async applied<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind<K> | undefined> {
    return (await this.store.applied.get(kind, storedNamespace(kind, namespace), name)) as ObjectOfKind<K> | undefined;
  }

  private async current<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind<K>> {
    const obj = await this.applied(kind, namespace, name);
    if (!obj) throw new NotFoundError(kind, name);
    return obj;
  }

  // ------------------------------------------------------------------ reads

  async get<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind<K>> {
    const obj = await this.store.get(kind, storedNamespace(kind, namespace), name);
    if (!obj) throw new NotFoundError(kind, name);
    return obj as ObjectOfKind<K>;
  }

  /** A list, or one page of it, with label and field selectors applied. */
  list<K extends Kind>(kind: K, opts: ListOptions = {}): Promise<ListResult<ObjectOfKind<K>>> {
    return readList(this.store, kind, opts);
  }

  // ------------------------------------------------------------------ writes

  create<T extends KubeObject>(input: T, w: WriteOptions = {}): Promise<T> {
    return this.serialize(() => this.createLocked(input, w));
  }

  private async createLocked<T extends KubeObject>(input: T, w: WriteOptions = {}): Promise<T> {
    let obj = metaForCreate(input, this.clock());
    obj = defaultObject(prepareForCreate(obj));
    this.recordOwnership(obj, undefined, w);
    let errors = validateObject(obj);
    if (obj.kind === 'Service') errors = [...errors, ...validateServiceIPFamilies(obj)].filter((e) => !isServerAllocatedField(e));
    if (obj.kind === 'IPAddressPool' && errors.length === 0) errors = await this.poolOverlaps(obj);
    if (errors.length) throw new InvalidError(obj.kind, nameOf(obj), errors);
    if (KINDS[obj.kind].namespaced) await this.requireNamespace(obj);

    if (obj.kind !== 'Service') {
      const [created] = await this.write({ ops: [{ type: 'create', object: canonical(obj) }] }, w.dryRun);
      return created as T;
    }
    const plan = planServiceAllocations(obj, undefined, this.allocators);
    const svc = canonical(defaultServiceIPFamilyFields(plan.service));
    if (w.dryRun) {
      // Checked and picked as for the write, then given back at once (writes run one at a time:
      // nobody saw them taken); the answer shows what the write would have been given.
      plan.rollback();
      return (await rehearse(this.store.applied, { ops: [{ type: 'create', object: svc }] }))[0] as T;
    }
    try {
      const [created] = await this.write({ ops: [{ type: 'create', object: svc }], allocate: plan.allocate });
      return created as T;
    } catch (e) {
      plan.rollback();
      throw e;
    }
  }

  update<T extends KubeObject>(input: T, w: WriteOptions = {}): Promise<T> {
    return this.serialize(() => this.updateLocked(input, 'spec', w));
  }

  updateStatus<T extends KubeObject>(input: T, w: WriteOptions = {}): Promise<T> {
    return this.serialize(() => this.updateLocked(input, 'status', w));
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml): `config`, the manager's intent,
   * merged into the object (created when missing) with field ownership and conflicts
   * (libs/api applyConfiguration), then written as a create or an update. A resourceVersion in
   * the configuration is a precondition, as in any write. `beforeCreate` runs (and may refuse,
   * by throwing) when the object turns out to be missing, in the same turn as the write.
   */
  apply<K extends Kind>(
    kind: K,
    namespace: string,
    name: string,
    config: KubeObject,
    o: { manager: string; force: boolean; beforeCreate?: () => void; dryRun?: boolean },
  ): Promise<{ object: ObjectOfKind<K>; created: boolean }> {
    return this.serialize(async () => {
      if (config.kind !== kind || (config.metadata.name ?? '') !== name) throw new BadRequestError(`the name of the object (${config.metadata.name ?? ''}) does not match the name on the URL (${name})`);
      const current = await this.applied(kind, namespace, name);
      const wantRv = config.metadata.resourceVersion;
      if (wantRv && wantRv !== current?.metadata.resourceVersion) throw new ConflictError(kind, name);
      if (!current) o.beforeCreate?.();
      const next = applyConfiguration(kind, current, config, { manager: o.manager, force: o.force, now: timestamp(this.clock()) });
      if (!current) return { object: (await this.createLocked(next, { dryRun: o.dryRun })) as ObjectOfKind<K>, created: true };
      const update = { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } } as KubeObject;
      return { object: (await this.updateLocked(update, 'spec', { dryRun: o.dryRun })) as ObjectOfKind<K>, created: false };
    });
  }

  /**
   * managedFields of a write: those the input brings (an apply computed them), else the writer's
   * changes recorded (libs/api recordUpdate), else the stored object's, unchanged.
   */
  private recordOwnership(obj: KubeObject, old: KubeObject | undefined, w: WriteOptions): void {
    let managed = obj.metadata.managedFields;
    if (!managed && w.manager) managed = recordUpdate(obj.kind, old, obj, { manager: w.manager, now: timestamp(this.clock()) });
    managed ??= old?.metadata.managedFields;
    if (managed) obj.metadata = { ...obj.metadata, managedFields: managed };
  }

  /**
   * PATCH: the patch applied to the stored object (or its status), then written as an update. A
   * resourceVersion in the patch is a precondition; without one the patch applies to whatever is
   * current (writes are serialized, so nothing changes in between).
   */
  patch<K extends Kind>(kind: K, namespace: string, name: string, type: PatchType, body: string | Uint8Array, subresource: '' | 'status' = '', w: WriteOptions = {}): Promise<ObjectOfKind<K>> {
    return this.serialize(async () => {
      const old = await this.current(kind, namespace, name);
      const patched = patchedObject(kind, name, old, type, body, w.decode);
      return (await this.updateLocked(patched, subresource === 'status' ? 'status' : 'spec', w)) as ObjectOfKind<K>;
    });
  }

  private async updateLocked<T extends KubeObject>(input: T, part: 'spec' | 'status', w: WriteOptions = {}): Promise<T> {
    const old = (await this.current(input.kind, input.metadata.namespace ?? '', nameOf(input))) as T;
    const wantRv = input.metadata.resourceVersion;
    if (wantRv && wantRv !== old.metadata.resourceVersion) throw new ConflictError(input.kind, nameOf(input));
    let obj = metaForUpdate({ ...input, metadata: { ...input.metadata, namespace: old.metadata.namespace } }, old);
    obj = part === 'spec' ? prepareForUpdate(obj, old) : prepareForStatusUpdate(obj, old);
    obj = defaultObject(obj);
    this.recordOwnership(obj, old, w);
    let errors = part === 'spec' ? validateObjectUpdate(obj, old) : validateStatusUpdate(obj, old);
    if (obj.kind === 'Service' && part === 'spec') errors = [...errors, ...validateServiceIPFamilies(obj, old as Service)].filter((e) => !isServerAllocatedField(e));
    if (obj.kind === 'IPAddressPool' && part === 'spec' && errors.length === 0) errors = await this.poolOverlaps(obj);
    if (errors.length) throw new InvalidError(obj.kind, nameOf(obj), errors);
    const expectRevision = Number(old.metadata.resourceVersion);
    if (deletesOnUpdate(obj, old)) return (await this.remove(old, expectRevision, w.dryRun)) as T;

    if (obj.kind !== 'Service' || part === 'status') {
      const next = canonical(obj);
      if (sameObject(next, old)) return old;
      const [updated] = await this.write({ ops: [{ type: 'update', object: next, expectRevision }] }, w.dryRun);
      return updated as T;
    }
    const plan = planServiceAllocations(obj, old as Service, this.allocators);
    const svc = canonical(defaultServiceIPFamilyFields(plan.service, old as Service));
    if (sameObject(svc, old)) {
      plan.rollback();
      return old;
    }
    if (w.dryRun) {
      // As on create: what the update would take is given back at once, and what it would free stays held.
      plan.rollback();
      return (await rehearse(this.store.applied, { ops: [{ type: 'update', object: svc, expectRevision }] }))[0] as T;
    }
    try {
      const [ev] = await this.commit({
        ops: [{ type: 'update', object: svc, expectRevision }],
        allocate: plan.allocate,
        release: plan.release,
      });
      plan.commitReleases();
      return ev!.object as T;
    } catch (e) {
      plan.rollback();
      throw e;
    }
  }

  /**
   * DELETE: removes the object, or marks it for a graceful deletion (see the file comment);
   * returns it as removed or as marked.
   */
  delete<K extends Kind>(kind: K, namespace: string, name: string, opts: RegistryDeleteOptions = {}): Promise<ObjectOfKind<K>> {
    validateDeleteOptions(opts);
    return this.serialize(() => this.deleteLocked(kind, namespace, name, opts));
  }

  /** DELETE of every object a list selects, each deleted (or marked) as its own delete would. */
  async deleteCollection<K extends Kind>(kind: K, listOpts: ListOptions, opts: RegistryDeleteOptions = {}): Promise<ObjectOfKind<K>[]> {
    validateDeleteOptions(opts);
    const { items } = await this.list(kind, { ...listOpts, limit: undefined, continue: undefined });
    const out: ObjectOfKind<K>[] = [];
    for (const obj of items) {
      try {
        out.push(await this.serialize(() => this.deleteLocked(kind, obj.metadata.namespace ?? '', nameOf(obj), opts)));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e; // gone in the meantime
      }
    }
    return out;
  }

  private async deleteLocked<K extends Kind>(kind: K, namespace: string, name: string, opts: RegistryDeleteOptions): Promise<ObjectOfKind<K>> {
    const old = await this.current(kind, namespace, name);
    checkDeletePreconditions(old, opts);
    if (kind === 'Namespace' && SYSTEM_NAMESPACES.includes(name)) throw new ForbiddenError('Namespace', name, 'this namespace may not be deleted');
    const plan = planDeletion(old, opts, this.clock().getTime());
    if (plan.action === 'none') return old;
    const expectRevision = Number(old.metadata.resourceVersion);
    if (plan.action === 'mark') {
      const [marked] = await this.write({ ops: [{ type: 'update', object: canonical(plan.object), expectRevision }] }, opts.dryRun);
      return marked as ObjectOfKind<K>;
    }
    return (await this.remove(old, expectRevision, opts.dryRun)) as ObjectOfKind<K>;
  }

  /** Removes an object for good: a Namespace with what is in it, a Service with its allocations (a dry run: neither). */
  private async remove(old: KubeObject, expectRevision: number, dryRun = false): Promise<KubeObject> {
    const name = nameOf(old);
    const ns = old.metadata.namespace ?? '';
    const batch: Batch = { ops: [], release: [] };
    if (old.kind === 'Namespace') {
      // Deleting a namespace deletes what is in it, each object with its own revision, atomically.
      for (const k of Object.values(KINDS)) {
        if (!k.namespaced) continue;
        for (const item of await this.store.applied.list(k.kind, name)) {
          batch.ops.push({ type: 'delete', kind: k.kind, namespace: name, name: nameOf(item) });
          if (item.kind === 'Service') pushAll(batch.release!, serviceReleases(item));
        }
      }
    } else if (old.kind === 'Service') {
      pushAll(batch.release!, serviceReleases(old as Service));
    }
    batch.ops.push({ type: 'delete', kind: old.kind, namespace: ns, name, expectRevision });
    const removed = await this.write(batch, dryRun);
    if (!dryRun) applyReleases(batch.release!, this.allocators);
    return removed[removed.length - 1]!;
  }

  /** MetalLB refuses a pool whose addresses overlap another pool's (its webhook's check). */
  private async poolOverlaps(pool: IPAddressPool): Promise<FieldError[]> {
    return validatePoolOverlaps(pool, (await this.store.applied.list('IPAddressPool')) as IPAddressPool[]);
  }

  private async requireNamespace(obj: KubeObject): Promise<void> {
    const namespace = obj.metadata.namespace!;
    const ns = await this.store.applied.get('Namespace', '', namespace);
    if (!ns) throw new NotFoundError('Namespace', namespace);
    if (ns.metadata.deletionTimestamp) {
      throw new ForbiddenError(obj.kind, nameOf(obj), `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }
}
