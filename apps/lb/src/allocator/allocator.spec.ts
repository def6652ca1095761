import { describe, expect, it } from 'vitest';
import type { IPAddressPool } from '@minimesh/api';
import { AllocationError, Allocator, type AllocationRequest } from './allocator.js';
import { poolFromObject, poolSize } from './pool.js';

const pool = (name: string, addresses: string[], spec: Partial<NonNullable<IPAddressPool['spec']>> = {}) =>
  poolFromObject({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name, namespace: 'metallb-system' }, spec: { addresses, ...spec } });

const req = (key: string, o: Partial<AllocationRequest> = {}): AllocationRequest => ({
  key,
  namespace: key.split('/')[0]!,
  labels: {},
  namespaceLabels: {},
  ports: [{ protocol: 'TCP', port: 80 }],
  sharingKey: '',
  backendKey: '',
  ...o,
});

describe('pools', () => {
  it('CIDRs and ranges in order; avoidBuggyIPs skips .0 and .255; IPv6 entries left out', () => {
    const p = pool('p', ['192.168.10.0/30', '192.168.9.254-192.168.9.255', 'fc00::/120'], { avoidBuggyIPs: true });
    expect(p.ranges).toHaveLength(2);
    expect(poolSize(p)).toBe(3 + 1); // 10.1, 10.2, 10.3, then 9.254 (10.0 and 9.255 skipped)
    expect(poolSize(pool('big', ['10.0.0.0/16'], { avoidBuggyIPs: true }))).toBe(65536 - 512);
  });
});

describe('Allocator', () => {
  it('hands out the first free address, releases it, and gives it to the next Service', () => {
    const a = new Allocator([pool('default', ['192.168.100.200-192.168.100.202'])]);
    expect(a.allocate(req('ns/a'))).toBe('192.168.100.200');
    expect(a.allocate(req('ns/b'))).toBe('192.168.100.201');
    expect(a.allocate(req('ns/a'))).toBe('192.168.100.200'); // again: its own address
    expect([a.ipOf('ns/a'), a.poolOf('ns/a')]).toEqual(['192.168.100.200', 'default']);
    expect(a.release('ns/a')).toBe(true);
    expect(a.allocate(req('ns/c'))).toBe('192.168.100.200');
    expect(a.poolStats('default')).toEqual({ assigned: 2, available: 1 });
  });

  it('a full pool: "no available IPs" (and per pool with a pool requested)', () => {
    const a = new Allocator([pool('one', ['10.0.0.1/32'])]);
    a.allocate(req('ns/a'));
    expect(() => a.allocate(req('ns/b'))).toThrow(new AllocationError('no available IPs'));
    expect(() => a.allocateFromPool(req('ns/b'), 'one')).toThrow('no available IPs in pool "one"');
    expect(() => a.allocateFromPool(req('ns/b'), 'nope')).toThrow('unknown pool "nope"');
  });

  it('a requested address: it must be in a pool, free, and in the requested pool if one is named', () => {
    const a = new Allocator([pool('a', ['10.0.0.0/29']), pool('b', ['10.0.1.0/29'])]);
    expect(a.assign(req('ns/x'), '10.0.1.5')).toBe('10.0.1.5');
    expect(a.poolOf('ns/x')).toBe('b');
    expect(() => a.assign(req('ns/y'), '10.9.9.9')).toThrow('"10.9.9.9" is not allowed in config');
    expect(() => a.assign(req('ns/y'), '10.0.1.5')).toThrow('can\'t change sharing key for "ns/y", address also in use by ns/x');
    expect(() => a.assign(req('ns/y'), '10.0.0.3', 'b')).toThrow('requested loadBalancer IP(s) "10.0.0.3" is not compatible with requested address pool b');
  });

  it('sharing: same key, same backend, ports apart', () => {
    const a = new Allocator([pool('p', ['10.0.0.1-10.0.0.2'])]);
    const shared = { sharingKey: 'dns' };
    expect(a.assign(req('ns/dns-tcp', { ...shared, ports: [{ protocol: 'TCP', port: 53 }] }), '10.0.0.1')).toBe('10.0.0.1');
    expect(a.assign(req('ns/dns-udp', { ...shared, ports: [{ protocol: 'UDP', port: 53 }] }), '10.0.0.1')).toBe('10.0.0.1');
    expect(() => a.assign(req('ns/dns-again', { ...shared, ports: [{ protocol: 'UDP', port: 53 }] }), '10.0.0.1')).toThrow('port UDP/53 is already in use on "10.0.0.1"');
    expect(() => a.assign(req('ns/other', { sharingKey: 'web' }), '10.0.0.1')).toThrow('address also in use by ns/dns-tcp,ns/dns-udp');
    expect(() => a.assign(req('ns/local', { ...shared, backendKey: 'app=dns', ports: [{ protocol: 'TCP', port: 5353 }] }), '10.0.0.1')).toThrow(/can't change sharing key/);
    // Allocation shares too: a compatible Service lands on the shared address first.
    expect(a.allocate(req('ns/dns-metrics', { ...shared, ports: [{ protocol: 'TCP', port: 9153 }] }))).toBe('10.0.0.1');
    expect(a.allocate(req('ns/plain'))).toBe('10.0.0.2');
    expect(a.poolStats('p')).toEqual({ assigned: 2, available: 0 });
  });

  it('autoAssign: false pools only serve Services that name them', () => {
    const a = new Allocator([pool('expensive', ['203.0.113.10/32'], { autoAssign: false }), pool('cheap', ['192.168.1.10/32'])]);
    expect(a.allocate(req('ns/a'))).toBe('192.168.1.10');
    expect(() => a.allocate(req('ns/b'))).toThrow('no available IPs');
    expect(a.allocateFromPool(req('ns/b'), 'expensive')).toBe('203.0.113.10');
  });

  it('serviceAllocation: pinned pools first by priority, only for the Services they select', () => {
    const a = new Allocator([
      pool('general', ['10.0.0.1/32']),
      pool('team-b', ['10.2.0.1/32'], { serviceAllocation: { priority: 20, namespaces: ['team'] } }),
      pool('team-a', ['10.1.0.1/32'], { serviceAllocation: { priority: 10, namespaceSelectors: [{ matchLabels: { tier: 'gold' } }] } }),
      pool('labelled', ['10.3.0.1/32'], { serviceAllocation: { serviceSelectors: [{ matchExpressions: [{ key: 'premium', operator: 'Exists' }] }] } }),
    ]);
    expect(a.allocate(req('team/x', { namespaceLabels: { tier: 'gold' } }))).toBe('10.1.0.1');
    expect(a.allocate(req('team/y', { namespaceLabels: { tier: 'gold' } }))).toBe('10.2.0.1');
    expect(a.allocate(req('other/p', { labels: { premium: 'yes' } }))).toBe('10.3.0.1');
    expect(a.allocate(req('other/z'))).toBe('10.0.0.1');
    expect(() => a.allocate(req('other/w'))).toThrow('no available IPs'); // the pinned pools are not for it
  });

  it('new pools keep the allocations they still hold and evict the others', () => {
    const a = new Allocator([pool('old', ['10.0.0.0/30'])]);
    a.allocate(req('ns/a'));
    a.allocate(req('ns/b'));
    const evicted = a.setPools([pool('renamed', ['10.0.0.0/32'])]);
    expect(evicted).toEqual(['ns/b']);
    expect([a.ipOf('ns/a'), a.poolOf('ns/a'), a.ipOf('ns/b')]).toEqual(['10.0.0.0', 'renamed', undefined]);
  });
});
