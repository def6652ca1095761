import { describe, expect, it } from 'vitest';
import { sortKeysDeep, stableStringify } from './canonical-json.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(JSON.stringify(sortKeysDeep({ b: 1, a: { d: [{ z: 1, y: 2 }, 3], c: null } }))).toBe('{"a":{"c":null,"d":[{"y":2,"z":1},3]},"b":1}');
  });

  it('compares objects by content, not key order, and drops undefined members', () => {
    expect(stableStringify({ a: 1, b: { c: 2, d: undefined } })).toBe(stableStringify({ b: { c: 2 }, a: 1 }));
    expect(stableStringify([undefined, 'x'])).toBe('[null,"x"]');
    expect(stableStringify(undefined)).toBe('undefined');
  });
});
