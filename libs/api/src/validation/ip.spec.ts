import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import { isValidCIDR, isValidIP, isValidIPv4Address, isValidIPv6Address, validateNonSpecialIP } from './ip.js';

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
