import type { DeleteOptions, Kind, KubeObject, ObjectOfKind, PatchType } from '@minimesh/api';

export interface SelectOptions {
  /** Empty or absent: all namespaces. */
  namespace?: string;
  /** Kubernetes label selector syntax. */
  labelSelector?: string;
  /** Kubernetes field selector syntax (`metadata.name=x`, `spec.nodeName=node1`). */
  fieldSelector?: string;
}

export interface ListOptions extends SelectOptions {
  /** Most objects in one page; absent or 0: all of them. */
  limit?: number;
  /** The `continue` of the previous page. */
  continue?: string;
  /** Absent: the current state; with resourceVersionMatch `Exact`, the state at that revision. */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ListResult<T> {
  items: T[];
  /** The revision the list is a snapshot of: watch from here. */
  resourceVersion: string;
  /** Set when `limit` cut the list: the token of the next page. */
  continue?: string;
  remainingItemCount?: number;
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

export interface WatchOptions extends SelectOptions {
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
  /**
   * Deletes the object, or marks it for a graceful deletion (pods; objects with finalizers); the
   * result is the object as deleted or as marked.
   */
  delete<K extends Kind>(kind: K, namespace: string, name: string, opts?: DeleteOptions & { resourceVersion?: string }): Promise<ObjectOfKind<K>>;
  /** Deletes every object the selectors pick; returns them as deleted or marked. */
  deleteCollection<K extends Kind>(kind: K, select: SelectOptions, opts?: DeleteOptions): Promise<ObjectOfKind<K>[]>;
  /** A JSON, merge or strategic merge patch of the object, or of its status (`subresource: 'status'`). */
  patch<K extends Kind>(kind: K, namespace: string, name: string, type: PatchType, patch: string | object, opts?: { subresource?: 'status' }): Promise<ObjectOfKind<K>>;
  watch<K extends Kind>(kind: K, opts?: WatchOptions): AsyncIterable<WatchEvent<ObjectOfKind<K>>>;
  close(): void;
}
