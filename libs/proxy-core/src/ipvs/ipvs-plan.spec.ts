import { describe, expect, it } from 'vitest';
import { walkthroughService, walkthroughSlice, NODE1, stateOf } from '../testing/fixtures.js';
import { parseIpvsadmList } from './ipvsadm-format.js';
import { ipvsadmRestoreText, isIpvsPlanEmpty, NotAnAddOperationError, planIpvs, type IpvsPlan } from './ipvs-plan.js';
import type { IpvsTable, RealServer, VirtualServer } from './ipvs-table.js';
import { renderIpvs } from './render-ipvs.js';

const vs = (protocol: VirtualServer['protocol'], address: string, port: number, extra: Partial<VirtualServer> = {}): VirtualServer => ({
  protocol,
  address,
  port,
  scheduler: 'rr',
  persistentTimeout: 0,
  ...extra,
});
const rs = (address: string, port: number, extra: Partial<RealServer> = {}): RealServer => ({ address, port, forward: 'Masq', weight: 1, ...extra });
const table = (...services: [VirtualServer, RealServer[]][]): IpvsTable => ({ services: services.map(([v, r]) => ({ vs: v, realServers: r })) });
const EMPTY: IpvsTable = { services: [] };
const args = (plan: IpvsPlan) => ({
  apply: plan.apply.map((o) => o.args.join(' ')),
  remove: plan.removeRealServers.map((r) => ({ graceful: r.graceful, drain: r.drain?.join(' '), remove: r.remove.join(' ') })),
  delete: plan.deleteVirtualServers.map((o) => o.args.join(' ')),
});

const WALKTHROUGH = table([vs('TCP', '10.97.97.97', 80), [rs('10.244.1.39', 80), rs('10.244.1.40', 80), rs('10.244.2.33', 80)]]);

describe('planIpvs', () => {
  it('from nothing: virtual servers first, then their real servers', () => {
    const desired = table([vs('UDP', '10.96.0.10', 53), [rs('10.244.0.2', 53)]], ...WALKTHROUGH.services.map((s): [VirtualServer, RealServer[]] => [s.vs, [...s.realServers]]));
    expect(args(planIpvs(EMPTY, desired))).toEqual({
      apply: [
        '-A -t 10.97.97.97:80 -s rr',
        '-A -u 10.96.0.10:53 -s rr',
        '-a -t 10.97.97.97:80 -r 10.244.1.39:80 -m -w 1',
        '-a -t 10.97.97.97:80 -r 10.244.1.40:80 -m -w 1',
        '-a -t 10.97.97.97:80 -r 10.244.2.33:80 -m -w 1',
        '-a -u 10.96.0.10:53 -r 10.244.0.2:53 -m -w 1',
      ],
      remove: [],
      delete: [],
    });
  });

  it('nothing to do when the kernel matches (counters and order do not matter)', () => {
    const current = table([vs('TCP', '10.97.97.97', 80), [rs('10.244.2.33', 80, { activeConn: 4, inactConn: 9 }), rs('10.244.1.40', 80), rs('10.244.1.39', 80)]]);
    expect(isIpvsPlanEmpty(planIpvs(current, WALKTHROUGH))).toBe(true);
  });

  it.each<[string, Partial<VirtualServer>, string]>([
    ['a new scheduler', { scheduler: 'wlc' }, '-E -t 10.97.97.97:80 -s wlc'],
    ['ClientIP affinity turned on', { persistentTimeout: 10800 }, '-E -t 10.97.97.97:80 -s rr -p 10800'],
    ['mh with its flag', { scheduler: 'mh', flags: ['mh-port'] }, '-E -t 10.97.97.97:80 -s mh -b mh-port'],
  ])('%s is an edit (-E), not a delete and add', (_, change, edit) => {
    const desired = table([vs('TCP', '10.97.97.97', 80, change), [...WALKTHROUGH.services[0]!.realServers]]);
    expect(args(planIpvs(WALKTHROUGH, desired))).toEqual({ apply: [edit], remove: [], delete: [] });
  });

  it('a weight reset to 1 (a draining real server wanted again) is an edit (-e)', () => {
    const current = table([vs('TCP', '10.97.97.97', 80), [rs('10.244.1.39', 80, { weight: 0 }), rs('10.244.1.40', 80), rs('10.244.2.33', 80)]]);
    expect(args(planIpvs(current, WALKTHROUGH)).apply).toEqual(['-e -t 10.97.97.97:80 -r 10.244.1.39:80 -m -w 1']);
  });

  it.each<[string, VirtualServer, RealServer, { graceful: boolean; drain?: string; remove: string }]>([
    ['TCP with connections: drain to weight 0, delete later', vs('TCP', '10.97.97.97', 80), rs('10.244.9.9', 80, { activeConn: 2, inactConn: 5 }), { graceful: true, drain: '-e -t 10.97.97.97:80 -r 10.244.9.9:80 -m -w 0', remove: '-d -t 10.97.97.97:80 -r 10.244.9.9:80' }],
    ['TCP with unknown counters: graceful', vs('TCP', '10.97.97.97', 80), rs('10.244.9.9', 80), { graceful: true, drain: '-e -t 10.97.97.97:80 -r 10.244.9.9:80 -m -w 0', remove: '-d -t 10.97.97.97:80 -r 10.244.9.9:80' }],
    ['TCP already drained: only the deletion left', vs('TCP', '10.97.97.97', 80), rs('10.244.9.9', 80, { weight: 0, activeConn: 0, inactConn: 3 }), { graceful: true, drain: undefined, remove: '-d -t 10.97.97.97:80 -r 10.244.9.9:80' }],
    ['TCP without connections: at once', vs('TCP', '10.97.97.97', 80), rs('10.244.9.9', 80, { activeConn: 0, inactConn: 0 }), { graceful: false, drain: undefined, remove: '-d -t 10.97.97.97:80 -r 10.244.9.9:80' }],
    ['UDP: at once', vs('UDP', '10.96.0.10', 53), rs('10.244.9.9', 53, { activeConn: 0, inactConn: 40 }), { graceful: false, drain: undefined, remove: '-d -u 10.96.0.10:53 -r 10.244.9.9:53' }],
    ['SCTP: at once', vs('SCTP', '10.96.5.5', 7777), rs('10.244.9.9', 7777, { activeConn: 3, inactConn: 0 }), { graceful: false, drain: undefined, remove: '-d --sctp-service 10.96.5.5:7777 -r 10.244.9.9:7777' }],
  ])('a removed real server, %s', (_, v, gone, want) => {
    const kept = rs('10.244.1.39', v.port);
    const plan = planIpvs(table([v, [kept, gone]]), table([v, [kept]]));
    expect(plan.apply).toEqual([]);
    expect(args(plan).remove).toEqual([want]);
    expect(plan.removeRealServers[0]!.rs).toEqual(gone);
  });

  it('virtual servers no longer wanted are deleted, last; excluded CIDRs and IPv6 are left alone', () => {
    const current = table(
      [vs('TCP', '10.97.97.97', 80), [rs('10.244.1.39', 80)]],
      [vs('TCP', '10.100.0.1', 8080), [rs('10.244.3.3', 8080)]],
      [vs('TCP', '10.200.0.5', 443), []],
      [vs('TCP', 'fd00::10', 80), []],
    );
    const desired = table([vs('TCP', '10.97.97.97', 80), [rs('10.244.1.40', 80)]]);
    expect(args(planIpvs(current, desired, { excludeCIDRs: ['10.200.0.0/16'] }))).toEqual({
      apply: ['-a -t 10.97.97.97:80 -r 10.244.1.40:80 -m -w 1'],
      remove: [{ graceful: true, drain: '-e -t 10.97.97.97:80 -r 10.244.1.39:80 -m -w 0', remove: '-d -t 10.97.97.97:80 -r 10.244.1.39:80' }],
      delete: ['-D -t 10.100.0.1:8080'],
    });
    expect(() => planIpvs(current, desired, { excludeCIDRs: ['nope'] })).toThrow('excludeCIDRs: nope is not an IPv4 CIDR');
  });

  it('plans from a parsed listing to a rendered state', () => {
    const current = parseIpvsadmList(`IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.97.97.97:80 rr
  -> 10.244.1.39:80               Masq    1      0          0         
  -> 10.244.1.38:80               Masq    1      1          3         
TCP  10.99.0.1:80 rr
`);
    const desired = renderIpvs({ ...stateOf([walkthroughService()], [walkthroughSlice()], 'node1'), node: NODE1 }).table;
    expect(args(planIpvs(current, desired))).toEqual({
      apply: ['-a -t 10.97.97.97:80 -r 10.244.1.40:80 -m -w 1', '-a -t 10.97.97.97:80 -r 10.244.2.33:80 -m -w 1'],
      remove: [{ graceful: true, drain: '-e -t 10.97.97.97:80 -r 10.244.1.38:80 -m -w 0', remove: '-d -t 10.97.97.97:80 -r 10.244.1.38:80' }],
      delete: ['-D -t 10.99.0.1:80'],
    });
  });
});

describe('ipvsadmRestoreText', () => {
  it('the adds of a plan, one ipvsadm-restore line each', () => {
    const plan = planIpvs(EMPTY, table([vs('TCP', '10.97.97.97', 80, { persistentTimeout: 10800 }), [rs('10.244.1.39', 80)]]));
    expect(ipvsadmRestoreText(plan.apply)).toBe('-A -t 10.97.97.97:80 -s rr -p 10800\n-a -t 10.97.97.97:80 -r 10.244.1.39:80 -m -w 1\n');
    expect(ipvsadmRestoreText([])).toBe('');
  });

  it('refuses edits and deletions', () => {
    const plan = planIpvs(WALKTHROUGH, table([vs('TCP', '10.97.97.97', 80, { scheduler: 'lc' }), []]));
    expect(() => ipvsadmRestoreText(plan.apply)).toThrow(NotAnAddOperationError);
    expect(() => ipvsadmRestoreText(plan.apply)).toThrow('edit-virtual-server (-E -t 10.97.97.97:80 -s lc) is not an add');
  });
});
