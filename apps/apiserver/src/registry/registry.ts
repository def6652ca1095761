/**
 * The registry: every read and write of the API goes through here. A write is defaulted,
 * validated, given its allocations, committed to the store as one atomic batch and only then
 * announced (to watchers and the event publisher) in revision order.
 *
 * Writes are serialized: one at a time, so the allocators and the store never race.
 */
import {
  BadRequestError,
  ForbiddenError,
  InvalidError,
  KINDS,
  NotFoundError,
  ConflictError,
  defaultObject,
  parseSelector,
  prepareForCreate,
  prepareForStatusUpdate,
  prepareForUpdate,
  validateObject,
  validateObjectUpdate,
  validateStatusUpdate,
  defaultServiceIPFamilyFields,
  validateServiceIPFamilies,
  type Kind,
  type KubeObject,
  type ObjectOfKind,
  type Selector,
  type Service,
} from '@minimesh/api';
import { objectFromWire, objectToWire } from '@minimesh/wire';
import type { Batch, Store, StoredEvent } from '../store/store.js';
import { metaForCreate, metaForUpdate, sameObject } from './object-meta.js';
import { applyReleases, planServiceAllocations, serviceReleases, type Allocators } from './service-allocations.js';

/** Namespaces that always exist and may not be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public'];

export type CommitListener = (events: StoredEvent[]) => void;

export interface RegistryOptions {
  clock?: () => Date;
  /** Told when a commit listener throws (the write itself stands). */
  onListenerError?: (err: unknown) => void;
}

/** The wire form is canonical: empty and absent fields are the same thing there. */
function canonical<T extends KubeObject>(obj: T): T {
  return objectFromWire(objectToWire(obj)) as T;
}

function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

export class Registry {
  private readonly listeners: CommitListener[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: () => Date;
  private readonly onListenerError: (err: unknown) => void;

  constructor(
    readonly store: Store,
    private readonly allocators: Allocators,
    opts: RegistryOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.onListenerError = opts.onListenerError ?? ((e) => process.emitWarning(`commit listener failed: ${(e as Error).message}`));
  }

  /** Whether a ClusterIP is allocated now. */
  clusterIPTaken(ip: string): boolean {
    return this.allocators.ip.has(ip);
  }

  /** Called with every committed batch of events, in revision order. */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Commits durably, then tells the listeners; a failing listener never turns a done write into a failed one. */
  private async commit(batch: Batch): Promise<StoredEvent[]> {
    const events = await this.store.commit(batch);
    for (const l of this.listeners) {
      try {
        l(events);
      } catch (e) {
        this.onListenerError(e);
      }
    }
    return events;
  }

  // ------------------------------------------------------------------ reads

  async get<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind<K>> {
    const ns = KINDS[kind].namespaced ? namespace || 'default' : '';
    const obj = await this.store.get(kind, ns, name);
    if (!obj) throw new NotFoundError(kind, name);
    return obj as ObjectOfKind<K>;
  }

  async list<K extends Kind>(kind: K, namespace = '', labelSelector = ''): Promise<{ items: ObjectOfKind<K>[]; revision: number }> {
    const selector = parseLabelSelector(labelSelector);
    const ns = KINDS[kind].namespaced ? namespace : '';
    const { items, revision } = await this.store.list(kind, ns || undefined);
    return { items: items.filter((o) => selector.matches(o.metadata.labels)) as ObjectOfKind<K>[], revision };
  }

  // ------------------------------------------------------------------ writes

  create<T extends KubeObject>(input: T): Promise<T> {
    return this.serialize(() => this.createLocked(input));
  }

  private async createLocked<T extends KubeObject>(input: T): Promise<T> {
    let obj = metaForCreate(input, this.clock());
    obj = defaultObject(prepareForCreate(obj));
    const errors = validateObject(obj);
    if (obj.kind === 'Service') errors.push(...validateServiceIPFamilies(obj));
    if (errors.length) throw new InvalidError(obj.kind, nameOf(obj), errors);
    if (KINDS[obj.kind].namespaced) await this.requireNamespace(obj.metadata.namespace!);

    if (obj.kind !== 'Service') {
      const [ev] = await this.commit({ ops: [{ type: 'create', object: canonical(obj) }] });
      return ev!.object as T;
    }
    const plan = planServiceAllocations(obj, undefined, this.allocators);
    const svc = canonical(defaultServiceIPFamilyFields(plan.service));
    try {
      const [ev] = await this.commit({ ops: [{ type: 'create', object: svc }], allocate: plan.allocate });
      return ev!.object as T;
    } catch (e) {
      plan.rollback();
      throw e;
    }
  }

  update<T extends KubeObject>(input: T): Promise<T> {
    return this.serialize(() => this.updateLocked(input, 'spec'));
  }

  updateStatus<T extends KubeObject>(input: T): Promise<T> {
    return this.serialize(() => this.updateLocked(input, 'status'));
  }

  private async updateLocked<T extends KubeObject>(input: T, part: 'spec' | 'status'): Promise<T> {
    const old = (await this.get(input.kind, input.metadata.namespace ?? '', nameOf(input))) as T;
    const wantRv = input.metadata.resourceVersion;
    if (wantRv && wantRv !== old.metadata.resourceVersion) throw new ConflictError(input.kind, nameOf(input));
    let obj = metaForUpdate({ ...input, metadata: { ...input.metadata, namespace: old.metadata.namespace } }, old);
    obj = part === 'spec' ? prepareForUpdate(obj, old) : prepareForStatusUpdate(obj, old);
    obj = defaultObject(obj);
    const errors = part === 'spec' ? validateObjectUpdate(obj, old) : validateStatusUpdate(obj, old);
    if (obj.kind === 'Service' && part === 'spec') errors.push(...validateServiceIPFamilies(obj, old as Service));
    if (errors.length) throw new InvalidError(obj.kind, nameOf(obj), errors);

    const expectRevision = Number(old.metadata.resourceVersion);
    if (obj.kind !== 'Service' || part === 'status') {
      const next = canonical(obj);
      if (sameObject(next, old)) return old;
      const [ev] = await this.commit({ ops: [{ type: 'update', object: next, expectRevision }] });
      return ev!.object as T;
    }
    const plan = planServiceAllocations(obj, old as Service, this.allocators);
    const svc = canonical(defaultServiceIPFamilyFields(plan.service, old as Service));
    if (sameObject(svc, old)) {
      plan.rollback();
      return old;
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

  delete<K extends Kind>(kind: K, namespace: string, name: string, resourceVersion?: string): Promise<ObjectOfKind<K>> {
    return this.serialize(() => this.deleteLocked(kind, namespace, name, resourceVersion));
  }

  private async deleteLocked<K extends Kind>(kind: K, namespace: string, name: string, resourceVersion?: string): Promise<ObjectOfKind<K>> {
    const old = await this.get(kind, namespace, name);
    if (resourceVersion && resourceVersion !== old.metadata.resourceVersion) throw new ConflictError(kind, name);
    const ns = old.metadata.namespace ?? '';
    const batch: Batch = { ops: [], release: [] };
    if (kind === 'Namespace') {
      if (SYSTEM_NAMESPACES.includes(name)) throw new ForbiddenError('Namespace', name, 'this namespace may not be deleted');
      // Deleting a namespace deletes what is in it, each object with its own revision, atomically.
      for (const k of Object.values(KINDS)) {
        if (!k.namespaced) continue;
        const { items } = await this.store.list(k.kind, name);
        for (const item of items) {
          batch.ops.push({ type: 'delete', kind: k.kind, namespace: name, name: nameOf(item) });
          if (item.kind === 'Service') batch.release!.push(...serviceReleases(item));
        }
      }
    } else if (old.kind === 'Service') {
      batch.release!.push(...serviceReleases(old as Service));
    }
    batch.ops.push({ type: 'delete', kind, namespace: ns, name, expectRevision: Number(old.metadata.resourceVersion) });
    const events = await this.commit(batch);
    applyReleases(batch.release!, this.allocators);
    return events[events.length - 1]!.object as ObjectOfKind<K>;
  }

  private async requireNamespace(namespace: string): Promise<void> {
    const ns = await this.store.get('Namespace', '', namespace);
    if (!ns) throw new NotFoundError('Namespace', namespace);
  }
}

export function parseLabelSelector(text: string): Selector {
  try {
    return parseSelector(text);
  } catch (e) {
    throw new BadRequestError(`unable to parse label selector "${text}": ${(e as Error).message}`);
  }
}
