/** Names on the wire: the 255-octet limit (root byte included, as miekg counts it) and compression. */
import { describe, expect, it } from 'vitest';
import { decodeQuery } from './query-decoder.js';
import { nameIsCompressed, readName } from './wire-names.js';

/** A name of exactly `octets` wire octets (length bytes and the root byte included), labels of 'a'. */
function nameOf(octets: number): number[] {
  const out: number[] = [];
  let rest = octets - 1;
  while (rest > 0) {
    const len = Math.min(63, rest - 1);
    out.push(len, ...Array.from({ length: len }, () => 0x61));
    rest -= len + 1;
  }
  return [...out, 0];
}
const queryFor = (name: number[]) => Uint8Array.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, 1, 0, 1]);

describe('wire names', () => {
  it('takes a name of 255 octets, root byte included', () => {
    const n = nameOf(255);
    expect(n.length).toBe(255);
    const { name, end } = readName(Uint8Array.from(n), 0);
    expect(end).toBe(255);
    expect(name.length).toBe(254); // 4 labels: 63+63+63+61 letters, 4 dots
    expect(decodeQuery(queryFor(n)).question?.name).toBe(name);
  });

  it('rejects one of 256 octets (labels summing to 255 with their length bytes), as miekg does', () => {
    const n = nameOf(256);
    expect(n.length).toBe(256);
    expect(() => readName(Uint8Array.from(n), 0)).toThrow('longer than 255');
    expect(() => decodeQuery(queryFor(n))).toThrow('longer than 255');
  });

  it('counts the octets a pointer leads to as well', () => {
    const n = nameOf(254);
    // a label of 1 in front of a pointer to a 254-octet name: 256 octets
    const buf = Uint8Array.from([...n, 1, 0x62, 0xc0, 0]);
    expect(() => readName(buf, n.length)).toThrow('longer than 255');
  });

  it('tells names that use a compression pointer', () => {
    expect(nameIsCompressed(Uint8Array.from([1, 0x61, 0]), 0)).toBe(false);
    expect(nameIsCompressed(Uint8Array.from([0]), 0)).toBe(false);
    expect(nameIsCompressed(Uint8Array.from([1, 0x61, 0xc0, 0]), 0)).toBe(true);
    expect(nameIsCompressed(Uint8Array.from([0xc0, 12]), 0)).toBe(true);
    expect(nameIsCompressed(Uint8Array.from([3, 0x61]), 0)).toBe(true); // runs past the end
  });
});
