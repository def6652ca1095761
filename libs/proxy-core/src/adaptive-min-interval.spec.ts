import { describe, expect, it } from 'vitest';
import { AdaptiveMinInterval } from './adaptive-min-interval.js';

describe('AdaptiveMinInterval', () => {
  it('adaptive-min-interval - the full period until a sync was measured, then twice the recent cost, capped by the period', () => {
    const a = new AdaptiveMinInterval({ maxMs: 1000 });
    expect(a.ms).toBe(1000);
    a.record(10);
    expect(a.ms).toBe(20);
    a.record(2000); // a slow full sync raises it to the cap
    expect(a.ms).toBe(1000);
    for (let i = 0; i < 20; i++) a.record(10);
    expect(a.ms).toBeLessThanOrEqual(22);
    expect(a.ms).toBeGreaterThanOrEqual(20);
  });

  it('adaptive-min-interval - factor and smoothing are options; bad ones are refused', () => {
    const a = new AdaptiveMinInterval({ maxMs: 500, factor: 1, alpha: 1 });
    a.record(40);
    a.record(100);
    expect(a.ms).toBe(100);
    expect(() => new AdaptiveMinInterval({ maxMs: 1, alpha: 0 })).toThrow(RangeError);
    expect(() => new AdaptiveMinInterval({ maxMs: -1 })).toThrow(RangeError);
  });
});
