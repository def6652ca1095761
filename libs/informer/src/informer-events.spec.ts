/**
 * The informer's bookkeeping, table-driven with a scripted ApiClient (the transports themselves
 * are tested against the real servers): stale and duplicate events are ignored, relists diff
 * against the cache, handlers see a consistent cache.
 */
import { describe, expect, it } from 'vitest';
import { ExpiredError, type Pod } from '@minimesh/api';
import type { ApiClient, ListResult, WatchEvent } from '@minimesh/client';
import { eventually } from '@minimesh/runtime/testing';
import { createInformer } from './informer.js';

const pod = (name: string, rv: number, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'n', name, resourceVersion: String(rv), labels },
  spec: { containers: [{ name: 'c' }] },
});

/** 'expire': the watch fails with ExpiredError; 'end': the stream ends; otherwise it waits for its abort. */
type Step = WatchEvent<Pod> | 'expire' | 'end';

interface Scripted {
  client: ApiClient;
  lists: () => number;
  watchedFrom: string[];
}

/** Lists come from `lists` in turn (the last one repeats); each watch plays the next script. */
function scripted(lists: Array<ListResult<Pod>>, watches: Step[][]): Scripted {
  const watchedFrom: string[] = [];
  let listed = 0;
  let watched = 0;
  const client = {
    list: async () => lists[Math.min(listed++, lists.length - 1)]!,
    watch: (_kind: string, o: { resourceVersion?: string; signal?: AbortSignal }) => ({
      async *[Symbol.asyncIterator]() {
        watchedFrom.push(o.resourceVersion ?? '');
        for (const step of watches[watched++] ?? []) {
          if (step === 'expire') throw ExpiredError.tooOld(Number(o.resourceVersion), 99);
          if (step === 'end') return;
          yield step;
        }
        await new Promise<void>((resolve) => o.signal?.addEventListener('abort', () => resolve()));
      },
    }),
  };
  return { client: client as unknown as ApiClient, lists: () => listed, watchedFrom };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function record() {
  const seen: string[] = [];
  return {
    seen,
    handler: {
      onAdd: (p: Pod) => seen.push(`add ${p.metadata.name}@${p.metadata.resourceVersion}`),
      onUpdate: (o: Pod, n: Pod) => seen.push(`update ${n.metadata.name}@${o.metadata.resourceVersion}->${n.metadata.resourceVersion}`),
      onDelete: (p: Pod, info: { finalStateUnknown: boolean }) => seen.push(`delete ${p.metadata.name}@${p.metadata.resourceVersion}${info.finalStateUnknown ? ' unknown' : ''}`),
    },
  };
}

describe('informer bookkeeping', () => {
  it('events - stale, duplicate and unknown-delete events change nothing', async () => {
    const s = scripted(
      [{ items: [pod('a', 5)], resourceVersion: '10' }],
      [
        [
          { type: 'MODIFIED', object: pod('a', 4), resourceVersion: '11' }, // older than the cached object
          { type: 'MODIFIED', object: pod('a', 12), resourceVersion: '12' },
          { type: 'MODIFIED', object: pod('a', 12), resourceVersion: '12' }, // duplicate
          { type: 'ADDED', object: pod('b', 9), resourceVersion: '9' }, // before the cache's revision
          { type: 'DELETED', object: pod('ghost', 13), resourceVersion: '13' }, // never cached
          { type: 'BOOKMARK', resourceVersion: '20' },
          { type: 'ADDED', object: pod('c', 21), resourceVersion: '21' },
        ],
      ],
    );
    const informer = createInformer({ kind: 'Pod', client: s.client, logger: quiet });
    const r = record();
    informer.addEventHandler(r.handler);
    informer.start();
    await eventually(() => informer.lastSyncResourceVersion === '21');
    await informer.stop();
    expect(r.seen).toEqual(['add a@5', 'update a@5->12', 'add c@21']);
    expect(s.watchedFrom).toEqual(['10']);
  });

  it('relist - after Expired: missing objects deleted (final state unknown), changed updated, new added, equal untouched', async () => {
    const s = scripted(
      [
        { items: [pod('keep', 1), pod('change', 2), pod('gone', 3)], resourceVersion: '10' },
        { items: [pod('keep', 1), pod('change', 15), pod('new', 16)], resourceVersion: '20' },
      ],
      [['expire'], []],
    );
    const informer = createInformer({ kind: 'Pod', client: s.client, logger: quiet, backoff: { initialMs: 1, maxMs: 10 } });
    const r = record();
    informer.addEventHandler(r.handler);
    informer.start();
    await eventually(() => s.watchedFrom.length === 2);
    await informer.stop();
    expect(r.seen).toEqual(['add keep@1', 'add change@2', 'add gone@3', 'delete gone@3 unknown', 'update change@2->15', 'add new@16']);
    expect(s.watchedFrom).toEqual(['10', '20']);
    expect(informer.lastSyncResourceVersion).toBe('20');
  });

  it('re-watch - a stream that ends resumes from the last revision seen, without a relist', async () => {
    const s = scripted([{ items: [], resourceVersion: '1' }], [[{ type: 'ADDED', object: pod('a', 2), resourceVersion: '2' }, 'end'], []]);
    const informer = createInformer({ kind: 'Pod', client: s.client, logger: quiet, backoff: { initialMs: 1, maxMs: 10 } });
    informer.start();
    await eventually(() => s.watchedFrom.length === 2);
    await informer.stop();
    expect(s.watchedFrom).toEqual(['1', '2']);
    expect(s.lists()).toBe(1);
  });

  it('handlers - a throwing handler is logged and does not stop the others or the cache', async () => {
    const errors: string[] = [];
    const s = scripted([{ items: [pod('a', 1)], resourceVersion: '1' }], [[]]);
    const informer = createInformer({ kind: 'Pod', client: s.client, logger: { ...quiet, error: (m: string) => errors.push(m) } });
    const r = record();
    informer.addEventHandler({
      onAdd: () => {
        throw new Error('boom');
      },
    });
    informer.addEventHandler(r.handler);
    informer.start();
    await informer.waitForSync();
    await informer.stop();
    expect(r.seen).toEqual(['add a@1']);
    expect(errors).toEqual(['event handler onAdd failed']);
    expect(informer.get('n', 'a')).toBeDefined();
  });
});
