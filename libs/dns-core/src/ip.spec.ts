import { describe, expect, it } from 'vitest';
import { addressFromReverse, canonicalIP, isIPv4, isIPv6, reverseKind, reverseName } from './ip.js';
import { dashedIP } from './endpoint-hostname.js';

describe('ip', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('canonical form of %s is %s', (ip, want) => {
    expect(canonicalIP(ip)).toBe(want);
  });

  it.each(['010.0.0.1', '256.1.1.1', '1.2.3', '1:2:3:4:5:6:7:8:9', '1::2::3', 'fe80::1%eth0', 'x', ''])('%s is not an address', (s) => {
    expect(canonicalIP(s)).toBeUndefined();
  });

  it('families', () => {
    expect([isIPv4('10.0.0.1'), isIPv6('10.0.0.1'), isIPv4('::1'), isIPv6('::1')]).toEqual([true, false, false, true]);
  });

  it('reverse names both ways', () => {
    expect(reverseName('10.96.0.10')).toBe('10.0.96.10.in-addr.arpa.');
    expect(addressFromReverse('10.0.96.10.in-addr.arpa.')).toBe('10.96.0.10');
    const v6 = reverseName('1234:abcd::1')!;
    expect(v6).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa.');
    expect(addressFromReverse(v6)).toBe('1234:abcd::1');
    expect(addressFromReverse('0.96.10.in-addr.arpa.')).toBe('');
    expect(addressFromReverse('in-addr.arpa.')).toBe('');
    expect(addressFromReverse('x.0.96.10.in-addr.arpa.')).toBe('');
    expect([reverseKind('1.in-addr.arpa.'), reverseKind('1.ip6.arpa.'), reverseKind('cluster.local.')]).toEqual([1, 2, 0]);
  });

  it('dashed endpoint names (CoreDNS TestEndpointHostname)', () => {
    expect(dashedIP('10.11.12.13')).toBe('10-11-12-13');
    expect(dashedIP('5678:abcd::1')).toBe('5678-abcd--1');
    expect(dashedIP('2001:db8:3333:4444:5555:6666::')).toBe('2001-db8-3333-4444-5555-6666--0');
  });
});
