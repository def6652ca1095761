import { describe, expect, it } from 'vitest';
import { AllocatorFullError, AlreadyAllocatedError, InvalidRangeError, NotInRangeError } from './errors.js';
import { calculatePortRangeOffset, NodePortAllocator } from './port-allocator.js';
import { DEFAULT_NODE_PORT_RANGE, parsePortRange, PortRange } from './port-range.js';

/** A small seeded PRNG (mulberry32) so "random" allocation is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('parsePortRange (Kubernetes PortRange)', () => {
  it.each<[string, number, number, string]>([
    ['30000-32767', 30000, 2768, '30000-32767'],
    ['  30000-32767 ', 30000, 2768, '30000-32767'],
    ['30000+2767', 30000, 2768, '30000-32767'],
    ['30000+2768', 30000, 2769, '30000-32768'],
    ['30000', 30000, 1, '30000-30000'],
    ['100-100', 100, 1, '100-100'],
    ['0-65535', 0, 65536, '0-65535'],
    ['', 0, 0, ''],
  ])('%j -> base %d size %d (%s)', (input, base, size, printed) => {
    const pr = parsePortRange(input);
    expect([pr.base, pr.size]).toEqual([base, size]);
    expect(pr.toString()).toBe(printed);
  });

  it.each<[string, string]>([
    ['abc', 'strconv.Atoi: parsing "abc": invalid syntax'],
    ['-5', 'strconv.Atoi: parsing "": invalid syntax'],
    ['1-x', 'strconv.Atoi: parsing "x": invalid syntax'],
    ['1-2-3', 'strconv.Atoi: parsing "2-3": invalid syntax'],
    ['1+2-3', 'unable to parse port range: 1+2-3'],
    ['30000-70000', 'the port range cannot be greater than 65535: 30000-70000'],
    ['65535+1', 'the port range cannot be greater than 65535: 65535+1'],
    ['32767-30000', 'end port cannot be less than start port: 32767-30000'],
  ])('rejects %j', (input, message) => {
    expect(() => parsePortRange(input)).toThrow(new InvalidRangeError(message));
  });

  it('knows which ports it contains', () => {
    const pr = new PortRange(30000, 2768);
    expect([pr.contains(29999), pr.contains(30000), pr.contains(32767), pr.contains(32768)]).toEqual([false, true, true, false]);
    expect(pr.last).toBe(32767);
  });
});

describe('NodePortAllocator - bands (KEP-3668)', () => {
  it.each<[string, number, [number, number] | null, [number, number]]>([
    [DEFAULT_NODE_PORT_RANGE, 86, [30000, 30085], [30086, 32767]],
    ['30000-30009', 0, null, [30000, 30009]],
    ['30000-30015', 0, null, [30000, 30015]],
    ['30000-30016', 16, [30000, 30015], [30016, 30016]],
    ['30000-30999', 31, [30000, 30030], [30031, 30999]],
    ['20000-29999', 128, [20000, 20127], [20128, 29999]],
    ['30000-34095', 128, [30000, 30127], [30128, 34095]],
  ])('%s: offset %d, static %j, dynamic %j', (range, offset, staticBand, dynamicBand) => {
    expect(calculatePortRangeOffset(range)).toBe(offset);
    const a = new NodePortAllocator(range);
    expect(a.offset).toBe(offset);
    const s = a.staticBand();
    expect(s && [s.first, s.last]).toEqual(staticBand);
    expect(a.staticBandEnd()).toBe(staticBand?.[1] ?? null);
    const d = a.dynamicBand();
    expect([d.first, d.last]).toEqual(dynamicBand);
    expect((s?.size ?? 0) + d.size).toBe(a.max);
  });

  it('defaults to 30000-32767 with 2768 free ports', () => {
    const a = new NodePortAllocator();
    expect(a.range.toString()).toBe('30000-32767');
    expect([a.max, a.free(), a.used()]).toEqual([2768, 2768, 0]);
  });

  it('refuses an empty range', () => {
    expect(() => new NodePortAllocator('')).toThrow(InvalidRangeError);
  });
});

describe('NodePortAllocator - dynamic allocation', () => {
  it('starts at a random place in the upper band and scans forward with wrap', () => {
    expect(new NodePortAllocator(undefined, { random: () => 0 }).allocateNext()).toBe(30086);
    const a = new NodePortAllocator(undefined, { random: () => 0.9999999 });
    expect(a.allocateNext()).toBe(32767);
    expect(a.allocateNext()).toBe(30086);
  });

  it('prefers the upper band of the default range', () => {
    const a = new NodePortAllocator(undefined, { random: seeded(11) });
    const ports = Array.from({ length: 500 }, () => a.allocateNext());
    expect(ports.every((p) => p >= 30086 && p <= 32767)).toBe(true);
    expect(new Set(ports).size).toBe(500);
  });

  it.each(['30000-30009', '30000-30019', '30000-30099'])(
    'exhausts %s: every port exactly once, upper band first, then "range is full"',
    (range) => {
      const a = new NodePortAllocator(range, { random: seeded(123) });
      const upper = a.dynamicBand();
      const got = Array.from({ length: a.max }, () => a.allocateNext());
      expect(got.slice(0, upper.size).every((p) => p >= upper.first && p <= upper.last)).toBe(true);
      expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: a.max }, (_, i) => a.range.base + i));
      expect(a.free()).toBe(0);
      expect(() => a.allocateNext()).toThrow(new AllocatorFullError('port'));
      expect(() => a.allocateNext()).toThrow('range is full');
    },
  );
});

describe('NodePortAllocator - static allocation', () => {
  it('accepts any port in range, in either band', () => {
    const a = new NodePortAllocator();
    for (const p of [30000, 30085, 30086, 32767]) a.allocate(p);
    expect(a.snapshot()).toEqual([30000, 30085, 30086, 32767]);
  });

  it('is keyed by port number only: a port is taken whatever the protocol', () => {
    const a = new NodePortAllocator();
    a.allocate(30080); // e.g. TCP in one Service
    expect(() => a.allocate(30080)).toThrow(new AlreadyAllocatedError('port', 30080)); // e.g. UDP in another
    expect(() => a.allocate(30080)).toThrow('provided port is already allocated');
  });

  it.each([80, 29999, 32768, 65536, -1, 30000.5, Number.NaN])('refuses %d as not in range', (port) => {
    const a = new NodePortAllocator();
    expect(() => a.allocate(port)).toThrow(new NotInRangeError('port', port, '30000-32767'));
    expect(() => a.allocate(port)).toThrow('provided port is not in the valid range. The range of valid ports is 30000-32767');
    expect(a.has(port)).toBe(false);
  });

  it('names a custom range in the not-in-range error', () => {
    expect(() => new NodePortAllocator('20000+9').allocate(20010)).toThrow(
      'provided port is not in the valid range. The range of valid ports is 20000-20009',
    );
  });
});

describe('NodePortAllocator - release', () => {
  it('frees a port for re-allocation', () => {
    const a = new NodePortAllocator('30000-30009', { random: seeded(1) });
    const all = Array.from({ length: 10 }, () => a.allocateNext());
    a.release(all[4]!);
    expect(a.has(all[4]!)).toBe(false);
    expect(a.allocateNext()).toBe(all[4]);
    a.release(30003);
    a.allocate(30003);
    expect(a.has(30003)).toBe(true);
  });

  it('is a no-op for free and out-of-range ports', () => {
    const a = new NodePortAllocator();
    a.allocate(30500);
    for (const p of [30501, 80, 40000]) a.release(p);
    expect(a.snapshot()).toEqual([30500]);
  });
});

describe('NodePortAllocator - snapshot and restore', () => {
  it('restores a snapshot into a fresh allocator', () => {
    const a = new NodePortAllocator(undefined, { random: seeded(2) });
    for (let i = 0; i < 30; i++) a.allocateNext();
    a.allocate(30000);
    const b = new NodePortAllocator();
    b.restore(a.snapshot());
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.used()).toBe(31);
    expect(b.free()).toBe(2768 - 31);
    expect(() => b.allocate(30000)).toThrow(AlreadyAllocatedError);
  });

  it('refuses duplicates and leaves the state unchanged', () => {
    const a = new NodePortAllocator();
    a.allocate(31000);
    expect(() => a.restore([30001, 30002, 30001])).toThrow(new AlreadyAllocatedError('port', 30001));
    expect(a.snapshot()).toEqual([31000]);
  });

  it('refuses ports outside the range and leaves the state unchanged', () => {
    const a = new NodePortAllocator();
    a.allocate(31000);
    expect(() => a.restore([30001, 80])).toThrow(NotInRangeError);
    expect(a.snapshot()).toEqual([31000]);
  });

  it('replaces the previous state', () => {
    const a = new NodePortAllocator();
    a.allocate(31000);
    a.restore([30001]);
    expect(a.snapshot()).toEqual([30001]);
  });
});
