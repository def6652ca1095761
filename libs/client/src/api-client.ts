import type { Kind, KubeObject, ObjectOfKind } from '@minimesh/api';

export interface ListOptions {
  /** Empty or absent: all namespaces. */
  namespace?: string;
  /** Kubernetes label selector syntax. */
  labelSelector?: string;
}

export interface ListResult<T> {
  items: T[];
  /** The revision the list is a snapshot of: watch from here. */
  resourceVersion: string;
  /**
   * The apiserver's store (data directory) the list comes from: revisions restart at 1 in every
   * store, so pass it back in WatchOptions.storeId. Absent when the server did not say.
   */
  storeId?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** Absent for BOOKMARK. */
  object?: T;
  resourceVersion: string;
  /** Revision of the store event before this one (see proto WatchEvent). */
  previousResourceVersion?: string;
}

export interface WatchOptions extends ListOptions {
  /** Empty or '0': an ADDED for every current object first. Otherwise changes strictly after it. */
  resourceVersion?: string;
  /** The storeId of the list `resourceVersion` came from: another store fails with ExpiredError (relist). */
  storeId?: string;
  allowBookmarks?: boolean;
  /** Aborting ends the stream (and cancels the call). */
  signal?: AbortSignal;
}

/**
 * The apiserver as seen by every other part of minimesh. Failures are the named classes of
 * @minimesh/api (NotFoundError, ConflictError, InvalidError, ExpiredError...).
 */
export interface ApiClient {
  create<T extends KubeObject>(obj: T): Promise<T>;
  get<K extends Kind>(kind: K, namespace: string, name: string): Promise<ObjectOfKind<K>>;
  list<K extends Kind>(kind: K, opts?: ListOptions): Promise<ListResult<ObjectOfKind<K>>>;
  /** Spec, labels and annotations; metadata.resourceVersion (when set) must be current. */
  update<T extends KubeObject>(obj: T): Promise<T>;
  /** Status only. */
  updateStatus<T extends KubeObject>(obj: T): Promise<T>;
  delete<K extends Kind>(kind: K, namespace: string, name: string, opts?: { resourceVersion?: string }): Promise<ObjectOfKind<K>>;
  watch<K extends Kind>(kind: K, opts?: WatchOptions): AsyncIterable<WatchEvent<ObjectOfKind<K>>>;
  close(): void;
}
