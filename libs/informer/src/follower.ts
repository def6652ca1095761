/**
 * The seam between the informer and a transport. A follower delivers, into a sink, every change
 * after the sink's revision, in revision order, until its stream breaks; the informer owns the
 * cache, the relists and the retries.
 */
import type { KubeObject } from '@minimesh/api';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeSink {
  /** The revision the cache is at: follow changes strictly after it. */
  readonly resourceVersion: string;
  /** The store (apiserver data directory) of the cache's last list; '' when the apiserver did not say. */
  readonly storeId: string;
  /** A change of an object the informer selects (a DELETED also for one that stopped matching). */
  apply(type: ChangeType, object: KubeObject, resourceVersion: string): void;
  /** Nothing for this cache up to `resourceVersion` (a bookmark, or an event of other objects). */
  advance(resourceVersion: string): void;
}

export interface Follower {
  /**
   * Follows changes after `sink.resourceVersion` until the stream ends (returns), breaks (throws),
   * or `signal` aborts (returns). Throws RelistRequiredError or ExpiredError when the history
   * after that revision is gone.
   */
  follow(sink: ChangeSink, signal: AbortSignal): Promise<void>;
  /** Releases what the follower opened (connections). */
  close(): Promise<void>;
}
