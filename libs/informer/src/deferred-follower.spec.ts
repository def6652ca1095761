import { describe, expect, it } from 'vitest';
import { DeferredFollower } from './deferred-follower.js';
import type { ChangeSink, Follower } from './follower.js';

const sink: ChangeSink = { resourceVersion: '1', storeId: '', apply: () => undefined, advance: () => undefined };

function counting() {
  const calls = { made: 0, follows: 0, closes: 0 };
  const follower: Follower = {
    follow: async () => void calls.follows++,
    close: async () => void calls.closes++,
  };
  return { calls, make: async () => (calls.made++, follower) };
}

describe('DeferredFollower', () => {
  it('makes its follower on the first follow only, and closes it', async () => {
    const { calls, make } = counting();
    const d = new DeferredFollower(make);
    expect(calls.made).toBe(0);
    await d.follow(sink, new AbortController().signal);
    await d.follow(sink, new AbortController().signal);
    await d.close();
    expect(calls).toEqual({ made: 1, follows: 2, closes: 1 });
  });

  it('closed before it followed: nothing made, nothing to close; an aborted follow does not follow', async () => {
    const { calls, make } = counting();
    await new DeferredFollower(make).close();
    const ac = new AbortController();
    ac.abort();
    await new DeferredFollower(make).follow(sink, ac.signal);
    expect(calls.follows).toBe(0);
  });

  it('a factory that fails makes follow() fail, the next follow() tries again, close() succeeds', async () => {
    const { calls, make } = counting();
    let fail = true;
    const d = new DeferredFollower(async () => {
      if (fail) throw new Error('cannot load the NATS client');
      return make();
    });
    await expect(d.follow(sink, new AbortController().signal)).rejects.toThrow('cannot load the NATS client');
    await expect(d.close()).resolves.toBeUndefined();
    fail = false;
    await d.follow(sink, new AbortController().signal);
    expect(calls).toMatchObject({ made: 1, follows: 1 });
  });
});
