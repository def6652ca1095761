import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import {
  ipFamilyOf,
  isValidCIDR,
  isValidIP,
  isValidIPv4Address,
  isValidIPv6Address,
  parseCIDRSloppy,
  parseIPSloppy,
  validateNonSpecialIP,
} from './ip.js';

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);

describe('parseIPSloppy', () => {
  it.each([
    ['1.2.3.4', '00000000000000000000ffff01020304'],
    ['010.001.000.1', '00000000000000000000ffff0a010001'],
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['fd00::5', 'fd000000000000000000000000000005'],
    ['2001:db8::ffff', '20010db800000000000000000000ffff'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
  ])('%s', (s, want) => expect(hex(parseIPSloppy(s))).toBe(want));

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-4', 'a.b.c.d', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::1', '1:2:3:4:5:6:7:8::', 'fe80::1%eth0', '12345::', '1.2.3.4/32', ' 1.2.3.4', 'example.com'])(
    'rejects %j',
    (s) => expect(parseIPSloppy(s)).toBeNull(),
  );
});

describe('ipFamilyOf', () => {
  it.each([
    ['10.96.0.1', 'IPv4'],
    ['fd00::1', 'IPv6'],
    ['::ffff:10.0.0.1', 'IPv4'],
    ['nope', undefined],
  ])('%s', (s, want) => expect(ipFamilyOf(s)).toBe(want));
});

describe('parseCIDRSloppy', () => {
  it.each([
    ['10.244.0.0/16', 'IPv4', 16],
    ['10.244.1.0/24', 'IPv4', 24],
    ['0.0.0.0/0', 'IPv4', 0],
    ['fd00::/64', 'IPv6', 64],
    ['10.0.0.0/024', 'IPv4', 24],
  ])('%s', (s, family, bits) => expect(parseCIDRSloppy(s)).toMatchObject({ family, bits }));

  it.each(['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/a', '/24', '10.0.0/24'])('rejects %j', (s) =>
    expect(parseCIDRSloppy(s)).toBeNull(),
  );
});

describe('field validators', () => {
  it('isValidIP', () => {
    expect(isValidIP('x', '1.2.3.4')).toEqual([]);
    expect(isValidIP('x', '1.2.3').map(formatFieldError)).toEqual(['x: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  });
  it('isValidCIDR', () => {
    expect(isValidCIDR('x', '10.0.0.0/8')).toEqual([]);
    expect(isValidCIDR('x', '10.0.0.0').map(formatFieldError)).toEqual(['x: Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']);
  });
  it('isValidIPv4Address / isValidIPv6Address', () => {
    expect(isValidIPv4Address('x', '10.0.0.1')).toEqual([]);
    expect(isValidIPv4Address('x', 'fd00::1').map(formatFieldError)).toEqual(['x: Invalid value: "fd00::1": must be a valid IPv4 address']);
    expect(isValidIPv6Address('x', 'fd00::1')).toEqual([]);
    expect(isValidIPv6Address('x', '10.0.0.1').map(formatFieldError)).toEqual(['x: Invalid value: "10.0.0.1": must be a valid IPv6 address']);
  });
});

describe('validateNonSpecialIP', () => {
  it.each([
    ['1.2.3.4', []],
    ['2001:db8::1', []],
    ['10.0.0.1', []],
    ['x', ['must be a valid IP address']],
    ['0.0.0.0', ['may not be unspecified (0.0.0.0)']],
    ['::', ['may not be unspecified (::)']],
    ['127.0.0.1', ['may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['127.255.0.9', ['may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['::1', ['may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['169.254.0.1', ['may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    ['fe80::1', ['may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    ['febf::1', ['may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    ['224.0.0.1', ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)']],
    ['224.0.1.1', []],
    ['ff02::2', ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)']],
    ['::ffff:127.0.0.1', ['may not be in the loopback range (127.0.0.0/8, ::1/128)']],
  ])('%s', (ip, want) =>
    expect(validateNonSpecialIP(ip, 'subsets[0].addresses[0].ip').map((e) => e.detail)).toEqual(want),
  );
});
