/**
 * The informer's store: objects of one kind by `namespace/name` (client-go's thread-safe store
 * plus Indexer). JavaScript runs one handler at a time, so "thread-safe" here means: objects are
 * frozen when they enter the cache and every read returns a fresh array, so a caller can neither
 * change the cache by accident nor see it change under an iteration.
 */
import { flat, objectKey, type KubeObject, type Selector } from '@minimesh/api';
import { InvalidArgumentError } from './errors.js';
import { isNewer } from './resource-version.js';

/** The values an object is filed under in one index (none: not in it). */
export type IndexFunc<T> = (obj: T) => string[];

/** The built-in index of every cache: objects by namespace ('' for cluster-scoped kinds). */
export const NAMESPACE_INDEX = 'namespace';

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped kinds. */
export function cacheKey(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** An index function filing objects under the value of one label (`app` → `web`). */
export function labelIndexFunc<T extends KubeObject>(labelKey: string): IndexFunc<T> {
  return (obj) => {
    const v = obj.metadata.labels?.[labelKey];
    return v === undefined ? [] : [v];
  };
}

/** What a relist changed, in the order handlers hear it: deletions first. */
export interface ReplaceDelta<T> {
  deleted: T[];
  added: T[];
  updated: Array<{ old: T; current: T }>;
}

export class ObjectCache<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → indexed value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  /**
   * key → index name → the values the object was filed under (unfiling never re-runs user code).
   * Not kept for the built-in namespace index, whose value the cached (frozen) object carries:
   * a cache with no other index keeps nothing per object.
   */
  private readonly filed = new Map<string, Map<string, string[]>>();

  /** `onIndexError`: an index function threw; the object is left out of that index. */
  constructor(private readonly onIndexError: (index: string, err: unknown) => void = () => undefined) {
    this.addIndexer(NAMESPACE_INDEX, (obj) => [obj.metadata.namespace ?? '']);
  }

  get size(): number {
    return this.items.size;
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(cacheKey(namespace, name));
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /** Objects whose labels match `selector`. */
  listMatching(selector: Selector): T[] {
    return this.list().filter((o) => selector.matches(o.metadata.labels));
  }

  /** Adds an index and files every cached object in it. Names are unique. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (!name) throw InvalidArgumentError.format('name', 'is required');
    if (this.indexers.has(name)) throw InvalidArgumentError.format('name', `index "${name}" already exists`);
    if (typeof fn !== 'function') throw InvalidArgumentError.format('fn', 'must be a function');
    this.indexers.set(name, fn);
    this.indices.set(name, new Map());
    for (const [key, obj] of this.items) this.file(name, fn, key, obj);
  }

  /** Objects filed under `value` in the index `name`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw InvalidArgumentError.format('name', `no index "${name}"`);
    return [...(index.get(value) ?? [])].map((k) => this.items.get(k)!);
  }

  /** The values that have at least one object in the index `name`. */
  indexValues(name: string): string[] {
    const index = this.indices.get(name);
    if (!index) throw InvalidArgumentError.format('name', `no index "${name}"`);
    return [...index.keys()];
  }

  /**
   * Stores `obj`, frozen with everything in it; returns what it replaced. Its arrays are replaced
   * by frozen exact-size copies first, so an array the caller still holds is not the cached one.
   */
  set(obj: T): T | undefined {
    const key = flat(objectKey(obj));
    const old = this.items.get(key);
    if (old) this.unfileAll(key, old);
    freezeCompact(obj);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) this.file(name, fn, key, obj);
    return old;
  }

  /** Removes the object under `key`; returns it. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unfileAll(key, old);
    this.items.delete(key);
    return old;
  }

  /**
   * Makes the cache hold exactly `items` (a fresh list) and says what changed. An object with the
   * same uid and resourceVersion is left alone and not reported; a different uid with the same
   * resourceVersion is another object (a list from another store, whose revisions also start at
   * 1) and is reported as updated.
   */
  replace(items: T[]): ReplaceDelta<T> {
    const delta: ReplaceDelta<T> = { deleted: [], added: [], updated: [] };
    const fresh = new Map(items.map((o) => [objectKey(o), o]));
    for (const key of [...this.items.keys()]) {
      if (!fresh.has(key)) delta.deleted.push(this.delete(key)!);
    }
    for (const [key, obj] of fresh) {
      const old = this.items.get(key);
      if (old && isSameVersion(old, obj)) continue;
      this.set(obj);
      if (old) delta.updated.push({ old, current: obj });
      else delta.added.push(obj);
    }
    return delta;
  }

  /** True when `obj` is a later version than the cached one (or nothing is cached under its key). */
  isNewer(obj: T): boolean {
    return isNewer(obj, this.items.get(objectKey(obj)));
  }

  private file(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    let values: string[];
    try {
      values = [...new Set(fn(obj))];
    } catch (e) {
      this.onIndexError(name, e);
      return;
    }
    const index = this.indices.get(name)!;
    for (const value of values) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
    if (name === NAMESPACE_INDEX) return;
    let byIndex = this.filed.get(key);
    if (!byIndex) this.filed.set(key, (byIndex = new Map()));
    byIndex.set(name, values);
  }

  private unfileAll(key: string, old: T): void {
    this.unfile(NAMESPACE_INDEX, [old.metadata.namespace ?? ''], key);
    for (const [name, values] of this.filed.get(key) ?? []) this.unfile(name, values, key);
    this.filed.delete(key);
  }

  private unfile(name: string, values: readonly string[], key: string): void {
    const index = this.indices.get(name)!;
    for (const value of values) {
      const keys = index.get(value);
      keys?.delete(key);
      if (keys?.size === 0) index.delete(value);
    }
  }
}

/** The same object at the same revision: a resourceVersion alone is not enough across stores. */
function isSameVersion(a: KubeObject, b: KubeObject): boolean {
  return a.metadata.uid === b.metadata.uid && a.metadata.resourceVersion === b.metadata.resourceVersion;
}

/**
 * Freezes a cached object and everything in it. Arrays are replaced by exact-size copies first:
 * one filled by push() (as the protobuf decoder does) keeps room for 16 more elements, which was
 * most of an informer cache's memory at 10,000 objects.
 */
function freezeCompact<V>(value: V): V {
  if (!value || typeof value !== 'object' || Object.isFrozen(value)) return value;
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const v = record[k];
    if (v && typeof v === 'object' && !Object.isFrozen(v)) record[k] = freezeCompact(Array.isArray(v) ? v.slice() : v);
  }
  return Object.freeze(value);
}
