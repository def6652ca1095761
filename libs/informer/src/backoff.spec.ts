import { describe, expect, it } from 'vitest';
import { Backoff, sleep } from './backoff.js';

describe('backoff', () => {
  it('backoff - doubles from the initial wait up to the cap, jittered within [d/2, d]', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 5000, random: () => 0 });
    const high = new Backoff({ initialMs: 100, maxMs: 5000, random: () => 0.999999 });
    const lows = Array.from({ length: 9 }, () => low.next());
    const highs = Array.from({ length: 9 }, () => high.next());
    expect(lows).toEqual([50, 100, 200, 400, 800, 1600, 2500, 2500, 2500]);
    expect(highs).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('backoff - reset starts over', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 5000, random: () => 0 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(50);
  });

  it('sleep - an abort ends it early', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const p = sleep(10_000, ac.signal);
    ac.abort();
    await p;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
