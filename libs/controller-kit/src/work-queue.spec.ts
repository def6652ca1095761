import { describe, expect, it } from 'vitest';
import { WorkQueue, runWorkers } from './work-queue.js';

describe('WorkQueue', () => {
  it('queue - a key is queued once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('queue - a key added while processing is processed again after done, not concurrently', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(k!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('queue - waiting getters are served in order and released on shutdown', async () => {
    const q = new WorkQueue();
    const first = q.get();
    const second = q.get();
    q.add('x');
    expect(await first).toBe('x');
    q.shutDown();
    expect(await second).toBeUndefined();
    q.add('y');
    expect(await q.get()).toBeUndefined();
  });

  it('queue - rate-limited retries back off exponentially and forget resets', async () => {
    const q = new WorkQueue({ baseDelayMs: 20 });
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.numRequeues('a')).toBe(2);
    const t0 = Date.now();
    expect(await q.get()).toBe('a');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    q.shutDown();
  });

  it('workers - failures are retried until they succeed, then forgotten', async () => {
    const q = new WorkQueue({ baseDelayMs: 1 });
    const attempts = new Map<string, number>();
    const errors: string[] = [];
    q.add('flaky');
    q.add('ok');
    const done = runWorkers(
      q,
      2,
      async (key) => {
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (key === 'flaky' && n < 3) throw new Error(`try ${n}`);
        if (key === 'flaky') q.shutDown();
      },
      { onError: (k, e) => errors.push(`${k}: ${(e as Error).message}`) },
    );
    await done;
    expect(attempts.get('flaky')).toBe(3);
    expect(attempts.get('ok')).toBe(1);
    expect(errors).toEqual(['flaky: try 1', 'flaky: try 2']);
    expect(q.numRequeues('flaky')).toBe(0);
  });
});
