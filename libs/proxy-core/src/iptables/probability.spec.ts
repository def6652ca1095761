import { describe, expect, it } from 'vitest';
import { computeProbability, formatFixedHalfEven, probability } from './probability.js';

describe('computeProbability: Go fmt.Sprintf("%0.10f", 1.0/float64(n))', () => {
  it.each([
    [1, '1.0000000000'],
    [2, '0.5000000000'],
    [3, '0.3333333333'],
    [4, '0.2500000000'],
    [6, '0.1666666667'],
    [7, '0.1428571429'],
    [9, '0.1111111111'],
    [1000, '0.0010000000'],
    [1024, '0.0009765625'],
    // 1/2048 = 0.00048828125 exactly: a tie, rounded to even (JavaScript's toFixed gives …813).
    [2048, '0.0004882812'],
    [4096, '0.0002441406'],
    [10000, '0.0001000000'],
    [20000, '0.0000500000'],
  ])('probability(%i) = %s', (n, p) => {
    expect(computeProbability(n)).toBe(p);
    expect(probability(n)).toBe(p);
  });

  it('agrees with toFixed(10) for every n up to 20000 except 2048 (the one exact tie)', () => {
    const differ: number[] = [];
    for (let n = 1; n <= 20000; n++) if (computeProbability(n) !== (1 / n).toFixed(10)) differ.push(n);
    expect(differ).toEqual([2048]);
  });

  it('refuses nonsense', () => {
    expect(() => computeProbability(0)).toThrow(RangeError);
    expect(() => computeProbability(1.5)).toThrow(RangeError);
  });
});

describe('formatFixedHalfEven: exact decimal of a double, ties to even', () => {
  it.each([
    [0.5, 0, '0'],
    [1.5, 0, '2'],
    [2.5, 0, '2'],
    [1234.5, 0, '1234'],
    [0.125, 2, '0.12'],
    [0.375, 2, '0.38'],
    [0.1, 20, '0.10000000000000000555'],
    [-0.25, 1, '-0.2'],
    [0, 3, '0.000'],
    [123, 2, '123.00'],
    [715827883 / 2 ** 31, 11, '0.33333333349'],
  ])('%d to %i places = %s', (x, d, s) => {
    expect(formatFixedHalfEven(x, d)).toBe(s);
  });
});
