import { describe, expect, it } from 'vitest';
import { formatIPv4 } from '@minimesh/api';
import { requireIPv4 } from './cidr.js';
import { AllocatorFullError, AlreadyAllocatedError, InvalidRangeError, NotInRangeError } from './errors.js';
import { calculateIPRangeOffset, ClusterIPAllocator } from './ip-allocator.js';

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

describe('ClusterIPAllocator - bands (KEP-3070)', () => {
  it.each<[string, number, number, [string, string] | null, [string, string]]>([
    ['10.96.0.0/12', 256, 1048574, ['10.96.0.1', '10.96.1.0'], ['10.96.1.1', '10.111.255.254']],
    ['192.168.0.0/16', 256, 65534, ['192.168.0.1', '192.168.1.0'], ['192.168.1.1', '192.168.255.254']],
    ['10.0.0.0/22', 64, 1022, ['10.0.0.1', '10.0.0.64'], ['10.0.0.65', '10.0.3.254']],
    ['10.0.0.0/24', 16, 254, ['10.0.0.1', '10.0.0.16'], ['10.0.0.17', '10.0.0.254']],
    ['10.0.0.0/26', 16, 62, ['10.0.0.1', '10.0.0.16'], ['10.0.0.17', '10.0.0.62']],
    ['10.0.0.0/27', 16, 30, ['10.0.0.1', '10.0.0.16'], ['10.0.0.17', '10.0.0.30']],
    ['10.0.0.0/28', 0, 14, null, ['10.0.0.1', '10.0.0.14']],
    ['10.0.0.0/29', 0, 6, null, ['10.0.0.1', '10.0.0.6']],
  ])('%s: offset %d, %d usable, static %j, dynamic %j', (cidr, offset, max, staticBand, dynamicBand) => {
    expect(calculateIPRangeOffset(cidr)).toBe(offset);
    const a = new ClusterIPAllocator(cidr);
    expect(a.offset).toBe(offset);
    expect(a.max).toBe(max);
    expect(a.free()).toBe(max);
    expect(a.used()).toBe(0);
    const s = a.staticBand();
    expect(s && [s.first, s.last]).toEqual(staticBand);
    expect(s?.size ?? 0).toBe(offset);
    expect(a.staticBandEnd()).toBe(staticBand?.[1] ?? null);
    const d = a.dynamicBand();
    expect([d.first, d.last]).toEqual(dynamicBand);
    expect(d.size).toBe(max - offset);
  });

  it('10.96.0.1 (kubernetes.default) and 10.96.0.10 (DNS) fall in the static band of the kubeadm default', () => {
    const a = new ClusterIPAllocator('10.96.0.0/12');
    expect(a.staticBand()).toEqual({ first: '10.96.0.1', last: '10.96.1.0', size: 256 });
  });
});

describe('ClusterIPAllocator - construction', () => {
  it.each<[string, string]>([
    ['10.0.0.0/30', 'the service cluster IP range must be at least 8 IP addresses'],
    ['10.0.0.0/32', 'the service cluster IP range must be at least 8 IP addresses'],
    ['10.0.0.0/11', 'specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12'],
  ])('refuses %s', (cidr, message) => {
    expect(() => new ClusterIPAllocator(cidr)).toThrow(new InvalidRangeError(message));
  });

  it('refuses IPv6', () => {
    expect(() => new ClusterIPAllocator('fd00::/112')).toThrow(/IPv6 is not supported/);
  });
});

describe('ClusterIPAllocator - dynamic allocation', () => {
  it('starts at a random place in the upper band and scans forward', () => {
    expect(new ClusterIPAllocator('10.96.0.0/12', { random: () => 0 }).allocateNext()).toBe('10.96.1.1');
    expect(new ClusterIPAllocator('10.96.0.0/12', { random: () => 0.999999999 }).allocateNext()).toBe('10.111.255.254');
    expect(new ClusterIPAllocator('10.0.0.0/24', { random: () => 0.5 }).allocateNext()).toBe(formatIPv4(requireIPv4('10.0.0.17') + 119));
  });

  it('skips taken addresses and wraps within the upper band', () => {
    const a = new ClusterIPAllocator('10.0.0.0/24', { random: () => 0.999999 });
    expect(a.allocateNext()).toBe('10.0.0.254');
    expect(a.allocateNext()).toBe('10.0.0.17'); // .254 taken → wrap to the band start, not into the static band
    a.allocate('10.0.0.18');
    expect(a.allocateNext()).toBe('10.0.0.19');
  });

  it('prefers the upper band until it is full, then uses the static band', () => {
    const a = new ClusterIPAllocator('10.0.0.0/24', { random: seeded(1) });
    const upper = Array.from({ length: 238 }, () => requireIPv4(a.allocateNext()));
    expect(Math.min(...upper)).toBe(requireIPv4('10.0.0.17'));
    expect(Math.max(...upper)).toBe(requireIPv4('10.0.0.254'));
    expect(new Set(upper).size).toBe(238);
    const lower = Array.from({ length: 16 }, () => requireIPv4(a.allocateNext()));
    expect(lower.every((n) => n >= requireIPv4('10.0.0.1') && n <= requireIPv4('10.0.0.16'))).toBe(true);
    expect(() => a.allocateNext()).toThrow(new AllocatorFullError('IP'));
  });

  it.each(['10.0.0.0/29', '10.0.0.0/28', '10.0.0.0/27', '10.0.0.0/26'])(
    'exhausts %s: every usable address exactly once, never network or broadcast, then "range is full"',
    (cidr) => {
      const a = new ClusterIPAllocator(cidr, { random: seeded(42) });
      const got: string[] = [];
      for (let i = 0; i < a.max; i++) got.push(a.allocateNext());
      const expected = Array.from({ length: a.max }, (_, i) => formatIPv4(a.cidr.network + 1 + i));
      expect([...got].sort((x, y) => requireIPv4(x) - requireIPv4(y))).toEqual(expected);
      expect(a.free()).toBe(0);
      expect(a.used()).toBe(a.max);
      expect(() => a.allocateNext()).toThrow('range is full');
      expect(() => a.allocateNext()).toThrow(AllocatorFullError);
    },
  );

  it('fills a /27 upper band (14 addresses) before touching the 16 static ones', () => {
    const a = new ClusterIPAllocator('10.0.0.0/27', { random: seeded(7) });
    const first = Array.from({ length: 14 }, () => a.allocateNext());
    expect(first.every((ip) => requireIPv4(ip) >= requireIPv4('10.0.0.17'))).toBe(true);
    expect(requireIPv4(a.allocateNext())).toBeLessThanOrEqual(requireIPv4('10.0.0.16'));
  });

  it('allocates at random with Math.random by default', () => {
    const a = new ClusterIPAllocator('10.96.0.0/12');
    const ip = a.allocateNext();
    expect(a.has(ip)).toBe(true);
    expect(requireIPv4(ip)).toBeGreaterThan(requireIPv4('10.96.1.0'));
  });

  it('rejects a random source outside [0, 1)', () => {
    expect(() => new ClusterIPAllocator('10.0.0.0/24', { random: () => 1 }).allocateNext()).toThrow(RangeError);
  });
});

describe('ClusterIPAllocator - static allocation', () => {
  it('accepts any address in range, in either band', () => {
    const a = new ClusterIPAllocator('10.96.0.0/12');
    for (const ip of ['10.96.0.1', '10.96.0.10', '10.96.1.0', '10.96.1.1', '10.111.255.254']) {
      a.allocate(ip);
      expect(a.has(ip)).toBe(true);
    }
    expect(a.used()).toBe(5);
    expect(a.free()).toBe(1048574 - 5);
  });

  it('refuses an address already allocated', () => {
    const a = new ClusterIPAllocator('10.96.0.0/12');
    a.allocate('10.96.0.10');
    expect(() => a.allocate('10.96.0.10')).toThrow(new AlreadyAllocatedError('IP', '10.96.0.10'));
    expect(() => a.allocate('10.96.0.10')).toThrow('provided IP is already allocated');
    expect(a.used()).toBe(1);
  });

  it.each<[string, string]>([
    ['10.112.0.1', '10.112.0.1'],
    ['10.96.0.0', '10.96.0.0'], // network address
    ['10.111.255.255', '10.111.255.255'], // broadcast address
    ['192.168.0.1', '192.168.0.1'],
    ['010.112.000.001', '10.112.0.1'],
    ['not-an-ip', 'not-an-ip'],
    ['fd00::1', 'fd00::1'],
  ])('refuses %j as not in range', (ip, printed) => {
    const a = new ClusterIPAllocator('10.96.0.0/12');
    const message = `the provided IP (${printed}) is not in the valid range. The range of valid IPs is 10.96.0.0/12`;
    expect(() => a.allocate(ip)).toThrow(new NotInRangeError('IP', printed, '10.96.0.0/12'));
    expect(() => a.allocate(ip)).toThrow(message);
    expect(a.has(ip)).toBe(false);
  });

  it('dynamic allocation never hands out a statically taken address', () => {
    const a = new ClusterIPAllocator('10.0.0.0/29', { random: seeded(3) });
    a.allocate('10.0.0.3');
    const rest = Array.from({ length: 5 }, () => a.allocateNext());
    expect(rest).not.toContain('10.0.0.3');
    expect(() => a.allocateNext()).toThrow(AllocatorFullError);
  });
});

describe('ClusterIPAllocator - release', () => {
  it('frees an address for re-allocation', () => {
    const a = new ClusterIPAllocator('10.0.0.0/29', { random: seeded(9) });
    const all = Array.from({ length: 6 }, () => a.allocateNext());
    a.release(all[2]!);
    expect(a.has(all[2]!)).toBe(false);
    expect(a.free()).toBe(1);
    expect(a.allocateNext()).toBe(all[2]);
    a.release('10.0.0.5');
    a.allocate('10.0.0.5');
    expect(a.has('10.0.0.5')).toBe(true);
  });

  it('is a no-op for free, out-of-range and unparsable addresses', () => {
    const a = new ClusterIPAllocator('10.0.0.0/24');
    a.allocate('10.0.0.1');
    for (const ip of ['10.0.0.2', '10.0.1.1', '10.0.0.0', '10.0.0.255', 'bogus']) a.release(ip);
    expect(a.used()).toBe(1);
    expect(a.snapshot()).toEqual(['10.0.0.1']);
  });
});

describe('ClusterIPAllocator - snapshot and restore', () => {
  it('snapshots allocated addresses in numeric order', () => {
    const a = new ClusterIPAllocator('10.96.0.0/12');
    for (const ip of ['10.100.0.1', '10.96.0.10', '10.96.0.2', '10.96.0.1', '10.111.255.254']) a.allocate(ip);
    expect(a.snapshot()).toEqual(['10.96.0.1', '10.96.0.2', '10.96.0.10', '10.100.0.1', '10.111.255.254']);
  });

  it('restores a snapshot into a fresh allocator', () => {
    const a = new ClusterIPAllocator('10.0.0.0/24', { random: seeded(5) });
    for (let i = 0; i < 40; i++) a.allocateNext();
    a.allocate('10.0.0.1');
    const b = new ClusterIPAllocator('10.0.0.0/24');
    b.restore(a.snapshot());
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.used()).toBe(41);
    expect(() => b.allocate('10.0.0.1')).toThrow(AlreadyAllocatedError);
  });

  it('replaces the previous state', () => {
    const a = new ClusterIPAllocator('10.0.0.0/24');
    a.allocate('10.0.0.1');
    a.restore(['10.0.0.2']);
    expect(a.snapshot()).toEqual(['10.0.0.2']);
    a.restore([]);
    expect(a.used()).toBe(0);
  });

  it('refuses duplicates and leaves the state unchanged', () => {
    const a = new ClusterIPAllocator('10.0.0.0/24');
    a.allocate('10.0.0.9');
    expect(() => a.restore(['10.0.0.1', '10.0.0.2', '10.0.0.1'])).toThrow(new AlreadyAllocatedError('IP', '10.0.0.1'));
    expect(() => a.restore(['10.0.0.1', '010.0.0.1'])).toThrow('provided IP is already allocated');
    expect(a.snapshot()).toEqual(['10.0.0.9']);
  });

  it('refuses addresses outside the range and leaves the state unchanged', () => {
    const a = new ClusterIPAllocator('10.0.0.0/24');
    a.allocate('10.0.0.9');
    expect(() => a.restore(['10.0.0.1', '10.0.0.255'])).toThrow(
      'the provided IP (10.0.0.255) is not in the valid range. The range of valid IPs is 10.0.0.0/24',
    );
    expect(a.snapshot()).toEqual(['10.0.0.9']);
  });
});
