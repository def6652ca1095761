import { describe, expect, it } from 'vitest';
import type { BackendEntry, FrontendEntry } from '@minimesh/proxy-core';
import { backendKeys, backendRecords, frontendKeys, frontendRecords, parseBackendRecords, parseFrontendRecords } from './sock-lb-records.js';

describe('socket load balancer records', () => {
  const frontend: FrontendEntry = { ip: '10.96.0.10', port: 53, protocol: 'UDP', set: 258, count: 3, flags: 1, affinitySeconds: 10800 };
  const backend: BackendEntry = { set: 258, slot: 2, ip: '10.244.1.7', port: 8080 };

  it('lay a frontend out as sock-lb-maps.h declares it: address and port in network order, the rest little-endian', () => {
    expect(frontendRecords([frontend]).toString('hex')).toBe(
      '0a60000a' + '0035' + '11' + '00' + // 10.96.0.10, port 53, UDP (17), scope socket
        '02010000' + '0300' + '0100' + '302a0000', // set 258, count 3, flags 1, 10800 s
    );
    expect(frontendKeys([frontend]).toString('hex')).toBe('0a60000a00351100');
    // A north-south frontend (the tc programs'): scope 1.
    expect(frontendKeys([{ ip: '192.168.100.11', port: 30002, protocol: 'TCP', northSouth: true }]).toString('hex')).toBe('c0a8640b' + '7532' + '06' + '01');
  });

  it('lay a backend out the same way, flag 1 for one on this node', () => {
    expect(backendRecords([backend]).toString('hex')).toBe('02010000' + '02000000' + '0af40107' + '1f90' + '0000');
    expect(backendRecords([{ ...backend, local: true }]).toString('hex')).toBe('02010000' + '02000000' + '0af40107' + '1f90' + '0100');
    expect(backendKeys([backend]).toString('hex')).toBe('0201000002000000');
  });

  it('read back what they write', () => {
    const fs: FrontendEntry[] = [frontend, { ip: '192.0.2.7', port: 443, protocol: 'TCP', set: 1, count: 0, flags: 2, affinitySeconds: 0 }, { ip: '10.96.0.1', port: 9, protocol: 'SCTP', set: 7, count: 1, flags: 0, affinitySeconds: 0 }, { ip: '192.168.100.11', port: 30002, protocol: 'TCP', northSouth: true, set: 7, count: 1, flags: 4, affinitySeconds: 0 }];
    expect(parseFrontendRecords(frontendRecords(fs))).toEqual(fs);
    const bs: BackendEntry[] = [backend, { set: 1, slot: 0, ip: '255.255.255.255', port: 65535 }, { set: 2, slot: 1, ip: '10.244.1.9', port: 80, local: true }];
    expect(parseBackendRecords(backendRecords(bs))).toEqual(bs);
  });

  it('refuse an address that is not IPv4', () => {
    expect(() => frontendRecords([{ ...frontend, ip: 'fd00::1' }])).toThrow('"fd00::1" is not an IPv4 address');
  });
});
