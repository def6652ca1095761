import { describe, expect, it } from 'vitest';
import { nodePortIPs, parseNodePortAddresses } from './node-port-addresses.js';

describe('NodePortAddresses (IPv4)', () => {
  it('no CIDR, only other-family CIDRs, or 0.0.0.0/0 match every local address', () => {
    for (const cidrs of [undefined, [], ['fd00::/64'], ['10.0.0.0/8', '0.0.0.0/0']]) {
      const npa = parseNodePortAddresses(cidrs);
      expect(npa.matchAll).toBe(true);
      expect(npa.containsIPv4Loopback).toBe(true);
    }
  });

  it('CIDRs select the node addresses inside them, deduplicated and in numeric order', () => {
    const npa = parseNodePortAddresses(['192.168.100.0/24', '10.0.0.0/8']);
    expect(npa.matchAll).toBe(false);
    expect(npa.containsIPv4Loopback).toBe(false);
    expect(nodePortIPs(npa, ['192.168.100.51', '10.0.2.15', '172.17.0.1', '127.0.0.1', '192.168.100.51', 'fe80::1'])).toEqual(['10.0.2.15', '192.168.100.51']);
  });

  it('loopback is contained when a CIDR covers 127.0.0.0', () => {
    expect(parseNodePortAddresses(['127.0.0.0/8']).containsIPv4Loopback).toBe(true);
    expect(parseNodePortAddresses(['127.0.0.1/32']).containsIPv4Loopback).toBe(true);
    expect(parseNodePortAddresses(['0.0.0.0/1']).containsIPv4Loopback).toBe(true);
    expect(parseNodePortAddresses(['128.0.0.0/1']).containsIPv4Loopback).toBe(false);
  });
});
