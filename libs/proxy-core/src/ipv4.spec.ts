import { describe, expect, it } from 'vitest';
import { cidrContains, formatIPv4CIDR, normalizeIPv4, parseIPv4, parseIPv4CIDR } from './ipv4.js';

describe('ipv4', () => {
  it('parses and normalizes dotted quads, rejects the rest', () => {
    expect(normalizeIPv4('010.0.0.1')).toBe('10.0.0.1');
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'fd00::1', '', 'a.b.c.d', '1.2.3.-4']) expect(parseIPv4(bad)).toBeUndefined();
  });

  it('CIDRs: host bits cleared, containment, /0 and /32', () => {
    expect(formatIPv4CIDR(parseIPv4CIDR(' 203.0.113.5/25')!)).toBe('203.0.113.0/25');
    expect(cidrContains(parseIPv4CIDR('192.168.100.0/24')!, parseIPv4('192.168.100.51')!)).toBe(true);
    expect(cidrContains(parseIPv4CIDR('192.168.100.0/24')!, parseIPv4('192.168.101.1')!)).toBe(false);
    expect(cidrContains(parseIPv4CIDR('0.0.0.0/0')!, parseIPv4('255.1.2.3')!)).toBe(true);
    expect(cidrContains(parseIPv4CIDR('255.1.2.3/32')!, parseIPv4('255.1.2.3')!)).toBe(true);
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/64', '10.0.0.0/8/1']) expect(parseIPv4CIDR(bad)).toBeUndefined();
  });
});
