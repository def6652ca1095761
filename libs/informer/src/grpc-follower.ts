/**
 * Transport 'grpc': the apiserver's Watch from the cache's revision, with bookmarks, filtered by
 * the server (namespace, label selector; an object that stops matching arrives as DELETED).
 * A revision older than the server's history, or of another store than the cache's list (the
 * apiserver restarted on a new data directory), fails with ExpiredError: the informer relists.
 */
import type { Kind } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import type { ChangeSink, Follower } from './follower.js';

export interface GrpcFollowerOptions {
  client: ApiClient;
  kind: Kind;
  namespace: string;
  labelSelector: string;
}

export class GrpcFollower implements Follower {
  constructor(private readonly opts: GrpcFollowerOptions) {}

  async follow(sink: ChangeSink, signal: AbortSignal): Promise<void> {
    const { client, kind, namespace, labelSelector } = this.opts;
    const events = client.watch(kind, {
      namespace,
      labelSelector,
      resourceVersion: sink.resourceVersion,
      storeId: sink.storeId,
      allowBookmarks: true,
      signal,
    });
    for await (const ev of events) {
      if (ev.type === 'BOOKMARK') sink.advance(ev.resourceVersion);
      else if (ev.object) sink.apply(ev.type, ev.object, ev.resourceVersion);
    }
  }

  async close(): Promise<void> {}
}
