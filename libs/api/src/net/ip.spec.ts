import { describe, expect, it } from 'vitest';
import { formatIP, formatIPv6, ipFamilyOf, isIPv4String, isIPv6String, parseCIDRSloppy, parseIPSloppy, parseIPStrict } from './ip.js';
import { cidrContains, cidrSize, formatIPv4, formatIPv4CIDR, normalizeIPv4, parseIPv4, parseIPv4CIDR, parseIPv4Strict } from './ipv4.js';

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

describe('parseIPStrict (Go 1.17+ net.ParseIP)', () => {
  it.each(['010.0.0.1', '1.2.3.01', '::ffff:1.2.3.04', '0001.2.3.4'])('refuses leading zeros: %j', (s) => {
    expect(parseIPStrict(s)).toBeNull();
    expect(parseIPSloppy(s)).not.toBeNull();
  });
  it.each(['0.0.0.0', '10.96.0.10', '::ffff:1.2.3.4', 'fd00::1'])('reads %j as the sloppy parser does', (s) =>
    expect(hex(parseIPStrict(s))).toBe(hex(parseIPSloppy(s))),
  );
});

describe('formatting', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1', '::ffff:a00:1'],
    ['010.000.0.1', '10.0.0.1', '::ffff:a00:1'],
    ['2001:DB8::1', '2001:db8::1', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1', '2001:db8:0:1::1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3', '1:0:0:2::3'],
    ['::ffff:1.2.3.4', '1.2.3.4', '::ffff:102:304'],
    ['::', '::', '::'],
  ])('%s prints as %s (Go net.IP.String) and %s (RFC 5952 of all 16 bytes)', (s, goForm, v6Form) => {
    const ip = parseIPSloppy(s)!;
    expect(formatIP(ip)).toBe(goForm);
    expect(formatIPv6(ip)).toBe(v6Form);
  });
});

describe('families', () => {
  it('isIPv4String / isIPv6String take valid addresses only', () => {
    expect([isIPv4String('10.0.0.1'), isIPv4String('fd00::1'), isIPv4String('x'), isIPv4String(undefined)]).toEqual([true, false, false, false]);
    expect([isIPv6String('fd00::1'), isIPv6String('10.0.0.1'), isIPv6String('a:b:c'), isIPv6String(undefined)]).toEqual([true, false, false, false]);
  });
});

describe('IPv4 as numbers', () => {
  it('parses sloppy and strict, formats, normalises', () => {
    expect(parseIPv4('10.96.0.10')).toBe(0x0a60000a);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIPv4('010.96.0.10')).toBe(0x0a60000a);
    expect(parseIPv4Strict('010.96.0.10')).toBeUndefined();
    expect([parseIPv4('1.2.3'), parseIPv4('1.2.3.256'), parseIPv4('fd00::1'), parseIPv4(''), parseIPv4('1.2.3.4 '), parseIPv4('1.2.3.-4'), parseIPv4('a.b.c.d')]).toEqual(new Array(7).fill(undefined));
    expect(formatIPv4(0xc0a8640b)).toBe('192.168.100.11');
    expect(normalizeIPv4('01.02.03.04')).toBe('1.2.3.4');
  });
  it('CIDRs clear host bits and contain what they should', () => {
    const c = parseIPv4CIDR('10.96.0.5/12')!;
    expect(formatIPv4CIDR(c)).toBe('10.96.0.0/12');
    expect(cidrSize(c)).toBe(2 ** 20);
    expect(cidrContains(c, parseIPv4('10.111.255.255')!)).toBe(true);
    expect(cidrContains(c, parseIPv4('10.112.0.0')!)).toBe(false);
    expect(cidrContains(parseIPv4CIDR('0.0.0.0/0')!, 0xffffffff)).toBe(true);
    expect([parseIPv4CIDR('10.0.0.0'), parseIPv4CIDR('10.0.0.0/33'), parseIPv4CIDR('fd00::/64'), parseIPv4CIDR('10.0.0.0/'), parseIPv4CIDR('10.0.0.0/8/1')]).toEqual(new Array(5).fill(undefined));
    expect(cidrContains(parseIPv4CIDR('255.1.2.3/32')!, parseIPv4('255.1.2.3')!)).toBe(true);
  });
});
