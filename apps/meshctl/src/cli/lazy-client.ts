/** An ApiClient that connects on first use, so `--help` and client-side failures never dial the apiserver. */
import type { DeleteOptions, Kind, KubeObject, ObjectOfKind, PatchType } from '@minimesh/api';
import type { ApiClient, ListOptions, ListResult, SelectOptions, WatchEvent, WatchOptions } from '@minimesh/client';

export interface LazyClient extends ApiClient {
  /** True once the factory has been called. */
  readonly connected: boolean;
}

export function lazyClient(factory: () => Promise<ApiClient>): LazyClient {
  let pending: Promise<ApiClient> | undefined;
  let resolved: ApiClient | undefined;
  const real = (): Promise<ApiClient> => {
    pending ??= factory().then((c) => (resolved = c));
    return pending;
  };
  return {
    get connected() {
      return pending !== undefined;
    },
    async create<T extends KubeObject>(obj: T): Promise<T> {
      return (await real()).create(obj);
    },
    async get<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind<K>> {
      return (await real()).get(kind, namespace, name);
    },
    async list<K extends Kind>(kind: K, opts?: ListOptions): Promise<ListResult<ObjectOfKind<K>>> {
      return (await real()).list(kind, opts);
    },
    async update<T extends KubeObject>(obj: T): Promise<T> {
      return (await real()).update(obj);
    },
    async updateStatus<T extends KubeObject>(obj: T): Promise<T> {
      return (await real()).updateStatus(obj);
    },
    async delete<K extends Kind>(kind: K, namespace: string, name: string, opts?: DeleteOptions & { resourceVersion?: string }): Promise<ObjectOfKind<K>> {
      return (await real()).delete(kind, namespace, name, opts);
    },
    async deleteCollection<K extends Kind>(kind: K, select: SelectOptions, opts?: DeleteOptions): Promise<ObjectOfKind<K>[]> {
      return (await real()).deleteCollection(kind, select, opts);
    },
    async patch<K extends Kind>(kind: K, namespace: string, name: string, type: PatchType, patch: string | object, opts?: { subresource?: 'status' }): Promise<ObjectOfKind<K>> {
      return (await real()).patch(kind, namespace, name, type, patch, opts);
    },
    async *watch<K extends Kind>(kind: K, opts?: WatchOptions): AsyncIterable<WatchEvent<ObjectOfKind<K>>> {
      yield* (await real()).watch(kind, opts);
    },
    close(): void {
      resolved?.close();
    },
  };
}
