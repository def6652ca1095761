import { describe, expect, it } from 'vitest';
import {
  compareRealServers,
  compareVirtualServers,
  DEFAULT_IPVS_SCHEDULER,
  IPVS_SCHEDULERS,
  parseIpvsScheduler,
  realServerKey,
  sameVirtualServerConfig,
  sortIpvsTable,
  UnknownIpvsSchedulerError,
  virtualServerKey,
  type RealServer,
  type VirtualServer,
} from './ipvs-table.js';

const vs = (protocol: VirtualServer['protocol'], address: string, port: number, extra: Partial<VirtualServer> = {}): VirtualServer => ({
  protocol,
  address,
  port,
  scheduler: 'rr',
  persistentTimeout: 0,
  ...extra,
});
const rs = (address: string, port: number): RealServer => ({ address, port, forward: 'Masq', weight: 1 });

describe('keys', () => {
  it.each([
    [vs('TCP', '10.97.97.97', 80), 'TCP 10.97.97.97:80'],
    [vs('UDP', '10.96.0.10', 53), 'UDP 10.96.0.10:53'],
    [vs('SCTP', 'fd00::1', 7777), 'SCTP [fd00::1]:7777'],
  ])('%o → %s', (v, key) => {
    expect(virtualServerKey(v)).toBe(key);
  });

  it('a real server is ip:port', () => {
    expect(realServerKey(rs('10.244.1.39', 80))).toBe('10.244.1.39:80');
  });
});

describe('parseIpvsScheduler', () => {
  it.each([
    [undefined, 'rr'],
    ['', 'rr'],
    ['  ', 'rr'],
    ['wrr', 'wrr'],
    [' lc ', 'lc'],
    ['mh', 'mh'],
  ])('%o → %s', (input, want) => {
    expect(parseIpvsScheduler(input)).toBe(want);
  });

  it('takes every scheduler kube-proxy knows; rr is the default', () => {
    expect(IPVS_SCHEDULERS.map((s) => parseIpvsScheduler(s))).toEqual([...IPVS_SCHEDULERS]);
    expect(DEFAULT_IPVS_SCHEDULER).toBe('rr');
  });

  it.each(['RR', 'fo', 'roundrobin', 'ovf'])('refuses %s with a clear error', (bad) => {
    expect(() => parseIpvsScheduler(bad)).toThrow(UnknownIpvsSchedulerError);
    expect(() => parseIpvsScheduler(bad)).toThrow(`unknown IPVS scheduler "${bad}": must be one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh (blank means rr)`);
  });
});

describe("ipvsadm's order", () => {
  it('protocol number first (TCP 6, UDP 17, SCTP 132), then address, then port', () => {
    const list = [vs('SCTP', '10.0.0.1', 1), vs('UDP', '10.0.0.1', 1), vs('TCP', '10.0.0.2', 1), vs('TCP', '10.0.0.1', 2), vs('TCP', '10.0.0.1', 1)];
    expect([...list].sort(compareVirtualServers).map(virtualServerKey)).toEqual(['TCP 10.0.0.1:1', 'TCP 10.0.0.1:2', 'TCP 10.0.0.2:1', 'UDP 10.0.0.1:1', 'SCTP 10.0.0.1:1']);
  });

  it('addresses compare numerically, not as text', () => {
    const list = [vs('TCP', '10.111.111.114', 443), vs('TCP', '10.96.0.10', 53), vs('TCP', '10.109.241.243', 5473), vs('TCP', '10.98.145.184', 9094)];
    expect([...list].sort(compareVirtualServers).map((v) => v.address)).toEqual(['10.96.0.10', '10.98.145.184', '10.109.241.243', '10.111.111.114']);
  });

  it('libipvs subtracts addresses into a C int: more than 2^31 apart they compare reversed', () => {
    // 192.168.100.53 - 10.97.97.97 overflows to a negative int: the node IP is listed first.
    expect(compareVirtualServers(vs('TCP', '192.168.100.53', 30002), vs('TCP', '10.97.97.97', 80))).toBeLessThan(0);
    expect(compareVirtualServers(vs('TCP', '172.18.0.2', 30002), vs('TCP', '10.96.0.1', 443))).toBeLessThan(0);
    // Within half the address space: plain numeric order.
    expect(compareVirtualServers(vs('TCP', '172.18.0.2', 1), vs('TCP', '192.168.0.1', 1))).toBeLessThan(0);
    expect(compareRealServers(rs('10.244.2.33', 80), rs('10.244.10.1', 80))).toBeLessThan(0);
  });

  it('IPv4 before IPv6', () => {
    expect(compareVirtualServers(vs('TCP', 'fd00::1', 1), vs('TCP', '10.0.0.1', 1))).toBeGreaterThan(0);
  });

  it('sortIpvsTable sorts services and their real servers, leaving the input alone', () => {
    const input = { services: [{ vs: vs('UDP', '10.96.0.10', 53), realServers: [rs('10.244.0.3', 53), rs('10.244.0.2', 53)] }, { vs: vs('TCP', '10.96.0.10', 53), realServers: [] }] };
    const sorted = sortIpvsTable(input);
    expect(sorted.services.map((s) => virtualServerKey(s.vs))).toEqual(['TCP 10.96.0.10:53', 'UDP 10.96.0.10:53']);
    expect(sorted.services[1]!.realServers.map(realServerKey)).toEqual(['10.244.0.2:53', '10.244.0.3:53']);
    expect(input.services[0]!.realServers.map(realServerKey)).toEqual(['10.244.0.3:53', '10.244.0.2:53']);
  });
});

describe('sameVirtualServerConfig', () => {
  it.each([
    [vs('TCP', '1.1.1.1', 1), vs('TCP', '1.1.1.1', 1), true],
    [vs('TCP', '1.1.1.1', 1), vs('TCP', '1.1.1.1', 1, { scheduler: 'wrr' }), false],
    [vs('TCP', '1.1.1.1', 1), vs('TCP', '1.1.1.1', 1, { persistentTimeout: 10800 }), false],
    [vs('TCP', '1.1.1.1', 1, { flags: ['mh-port'] }), vs('TCP', '1.1.1.1', 1), false],
    [vs('TCP', '1.1.1.1', 1, { flags: ['sh-port', 'sh-fallback'] }), vs('TCP', '1.1.1.1', 1, { flags: ['sh-fallback', 'sh-port'] }), true],
    [vs('TCP', '1.1.1.1', 1, { flags: [] }), vs('TCP', '1.1.1.1', 1), true],
  ])('%o vs %o → %s', (a, b, same) => {
    expect(sameVirtualServerConfig(a, b)).toBe(same);
  });
});
