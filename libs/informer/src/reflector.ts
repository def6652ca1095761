/**
 * client-go's Reflector, small: list, hand the list to the sink, follow changes from the list's
 * revision; when the follower breaks, follow again from the last revision seen; when the history
 * is gone (ExpiredError, RelistRequiredError), list again. Every retry waits an exponential
 * backoff with jitter, reset once a stream delivered something or ran for a while.
 */
import { ExpiredError, type Kind, type KubeObject } from '@minimesh/api';
import type { ApiClient, ListResult } from '@minimesh/client';
import { Backoff, sleep } from './backoff.js';
import { RelistRequiredError, type RelistReason } from './errors.js';
import type { ChangeSink, ChangeType, Follower } from './follower.js';
import type { InformerLogger } from './options.js';
import { listInPages } from './list-pages.js';

export interface ReflectorSink extends ChangeSink {
  /** A fresh list: the cache becomes exactly its items, at its revision of its store. */
  replace(list: ListResult<KubeObject>, reason: RelistReason): void;
}

export interface ReflectorOptions {
  client: ApiClient;
  kind: Kind;
  namespace: string;
  labelSelector: string;
  follower: Follower;
  backoff: { initialMs: number; maxMs: number };
  log: InformerLogger;
}

export class Reflector {
  constructor(private readonly opts: ReflectorOptions) {}

  /** Runs until `signal` aborts. Never throws. */
  async run(sink: ReflectorSink, signal: AbortSignal): Promise<void> {
    const { client, kind, namespace, labelSelector, follower, log } = this.opts;
    const backoff = new Backoff(this.opts.backoff);
    let relist: RelistReason | undefined = 'initial';
    let delivered = 0;
    const counting: ChangeSink = {
      get resourceVersion() {
        return sink.resourceVersion;
      },
      get storeId() {
        return sink.storeId;
      },
      apply(type: ChangeType, object: KubeObject, resourceVersion: string) {
        delivered++;
        sink.apply(type, object, resourceVersion);
      },
      advance(resourceVersion: string) {
        delivered++;
        sink.advance(resourceVersion);
      },
    };

    while (!signal.aborted) {
      const started = Date.now();
      const deliveredBefore = delivered;
      try {
        if (relist) {
          const list = await untilAborted(listInPages(client, kind, { namespace, labelSelector }), signal);
          if (!list) break;
          sink.replace(list, relist);
          log.debug('listed', { kind, reason: relist, resourceVersion: list.resourceVersion, storeId: list.storeId, items: list.items.length });
          relist = undefined;
        }
        await untilAborted(follower.follow(counting, signal), signal);
        if (signal.aborted) break;
        log.debug('event stream ended; following again', { kind, resourceVersion: sink.resourceVersion });
      } catch (e) {
        if (signal.aborted) break;
        if (e instanceof ExpiredError) {
          relist = 'expired';
          log.info('history expired; relisting', { kind, reason: relist, resourceVersion: sink.resourceVersion, err: e.message });
        } else if (e instanceof RelistRequiredError) {
          relist = e.reason;
          log.info('history incomplete; relisting', { kind, reason: relist, resourceVersion: sink.resourceVersion, err: e.message });
        } else {
          log.warn(relist ? 'list failed; will retry' : 'event stream broke; will resume', {
            kind,
            resourceVersion: sink.resourceVersion,
            err: (e as Error)?.message ?? String(e),
          });
        }
      }
      if (delivered > deliveredBefore || Date.now() - started > this.opts.backoff.maxMs) backoff.reset();
      await sleep(backoff.next(), signal);
    }
  }
}

/**
 * `p`, or undefined as soon as `signal` aborts: stopping never waits for a request in flight
 * (a JetStream request during a NATS outage, a list to a hung apiserver). A later failure of
 * `p` is dropped.
 */
async function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return undefined;
  }
  let onAbort!: () => void;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
    p.catch(() => undefined);
  }
}
