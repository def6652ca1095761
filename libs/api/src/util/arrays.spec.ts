import { describe, expect, it } from 'vitest';
import { maxOf, minOf, pushAll } from './arrays.js';

describe('arrays', () => {
  it('append and compare a million elements (spreading them into a call would throw)', () => {
    const big = Array.from({ length: 1_000_000 }, (_, i) => i);
    expect(() => [].push(...(big as never[]))).toThrow(RangeError);
    expect(pushAll([-1], big)).toHaveLength(1_000_001);
    expect(maxOf(big)).toBe(999_999);
    expect(minOf(big)).toBe(0);
    expect(maxOf([], NaN)).toBeNaN();
  });
});
