import { describe, expect, it } from 'vitest';
import { linesFingerprint } from './lines-fingerprint.js';

describe('linesFingerprint', () => {
  it('is the same for the same lines and a safe integer', () => {
    const lines = ['ip daddr 10.96.0.1 tcp dport 80 goto service-X', 'numgen random mod 2 vmap { 0 : goto a, 1 : goto b }'];
    expect(linesFingerprint([...lines])).toBe(linesFingerprint(lines));
    expect(Number.isSafeInteger(linesFingerprint(lines))).toBe(true);
  });

  it('tells apart what a chain rewrite must see: one character, order, line breaks, an empty line', () => {
    const seen = new Set<number>();
    const variants = [[], [''], ['', ''], ['ab'], ['a', 'b'], ['b', 'a'], ['abc'], ['abd'], ['a', 'b', ''], ['goto endpoint-1'], ['goto endpoint-2']];
    for (const v of variants) seen.add(linesFingerprint(v));
    expect(seen.size).toBe(variants.length);
  });

  it('has no collision among 200,000 chains that differ only in an address and a port', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) seen.add(linesFingerprint([`ip daddr 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255} tcp dport ${i % 65536} dnat to 10.244.0.1:80`]));
    expect(seen.size).toBe(200_000);
  });
});
