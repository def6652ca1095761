import { describe, expect, it } from 'vitest';
import { formatIPv4 } from '@minimesh/api';
import { cidrContains, indexedIP, parseCidr, rangeSize, requireIPv4 } from './cidr.js';
import { InvalidAddressError } from './errors.js';

describe('IPv4 addresses', () => {
  it.each<[string, number]>([
    ['0.0.0.0', 0],
    ['10.96.0.1', 0x0a600001],
    ['192.168.1.255', 0xc0a801ff],
    ['255.255.255.255', 0xffffffff],
  ])('%s <-> %d', (s, n) => {
    expect(requireIPv4(s)).toBe(n);
    expect(formatIPv4(n)).toBe(s);
  });

  it('reads leading zeros as decimal, like Kubernetes ParseIPSloppy', () => {
    expect(formatIPv4(requireIPv4('010.096.000.010'))).toBe('10.96.0.10');
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.x', ' 1.2.3.4', '1..3.4', '1.2.3.4/32', '1234.1.1.1'])('rejects %j', (s) => {
    expect(() => requireIPv4(s)).toThrow(new InvalidAddressError(`invalid IP address: ${s}`));
  });

  it('refuses IPv6 with a clear error', () => {
    expect(() => requireIPv4('fd00::1')).toThrow(new InvalidAddressError('IPv6 is not supported (minimesh is single-stack IPv4): fd00::1'));
  });
});

describe('CIDRs', () => {
  it.each<[string, string, number, string]>([
    ['10.96.0.0/12', '10.96.0.0/12', 1 << 20, '10.111.255.255'],
    ['10.96.0.5/12', '10.96.0.0/12', 1 << 20, '10.111.255.255'],
    ['10.0.0.0/24', '10.0.0.0/24', 256, '10.0.0.255'],
    ['192.168.7.77/28', '192.168.7.64/28', 16, '192.168.7.79'],
    ['1.2.3.4/32', '1.2.3.4/32', 1, '1.2.3.4'],
    ['0.0.0.0/0', '0.0.0.0/0', 2 ** 32, '255.255.255.255'],
  ])('%s is %s with %d addresses up to %s', (input, canonical, size, last) => {
    const c = parseCidr(input);
    expect(c.toString()).toBe(canonical);
    expect(c.size).toBe(size);
    expect(rangeSize(input)).toBe(size);
    expect(formatIPv4(c.broadcast)).toBe(last);
  });

  it.each(['10.96.0.0', '10.96.0.0/', '10.96.0.0/33', '10.96.0.0/1a', '10.96.0/12', '/12', '10.96.0.0/12/1'])('rejects %j', (s) => {
    expect(() => parseCidr(s)).toThrow(new InvalidAddressError(`invalid CIDR address: ${s}`));
  });

  it('refuses IPv6 CIDRs with a clear error', () => {
    expect(() => parseCidr('fd00:10:96::/112')).toThrow(
      new InvalidAddressError('IPv6 is not supported (minimesh is single-stack IPv4): fd00:10:96::/112'),
    );
  });

  it.each<[string, string, boolean]>([
    ['10.96.0.0/12', '10.96.0.0', true],
    ['10.96.0.0/12', '10.111.255.255', true],
    ['10.96.0.0/12', '10.112.0.0', false],
    ['10.96.0.0/12', '10.95.255.255', false],
    ['10.0.0.0/24', '10.0.1.0', false],
  ])('%s contains %s: %s', (cidr, ip, want) => {
    expect(cidrContains(cidr, ip)).toBe(want);
    expect(parseCidr(cidr).contains(requireIPv4(ip))).toBe(want);
  });
});

describe('indexedIP (Kubernetes GetIndexedIP)', () => {
  it.each<[string, number, string]>([
    ['10.96.0.0/12', 0, '10.96.0.0'],
    ['10.96.0.0/12', 1, '10.96.0.1'],
    ['10.96.0.0/12', 10, '10.96.0.10'],
    ['10.96.0.0/12', 256, '10.96.1.0'],
    ['10.0.0.0/24', 1, '10.0.0.1'],
    ['10.0.0.0/24', 255, '10.0.0.255'],
  ])('%s index %d = %s', (cidr, index, ip) => {
    expect(indexedIP(cidr, index)).toBe(ip);
  });

  it.each([256, -1])('rejects index %d outside a /24', (index) => {
    expect(() => indexedIP('10.0.0.0/24', index)).toThrow(
      `can't generate IP with index ${index} from subnet. subnet too small. subnet: "10.0.0.0/24"`,
    );
  });
});
