import { describe, expect, it } from 'vitest';
import {
  formatIpsetEntry,
  ipsetCreateArgs,
  IpsetEntryError,
  ipsetRestoreText,
  IpsetSaveParseError,
  parseIpsetSave,
  savedEntriesByName,
  sortIpsetEntries,
  type IpsetEntry,
  type IpsetSpec,
  type IpsetType,
} from './ipset-format.js';
import { KUBE_IPSETS, kubeIpset } from './kube-ipsets.js';

describe('formatIpsetEntry: as ipset prints members', () => {
  it.each<[IpsetType, IpsetEntry, string]>([
    ['hash:ip', { ip: '10.97.97.97' }, '10.97.97.97'],
    ['hash:ip,port', { ip: '10.96.0.1', protocol: 'tcp', port: 443 }, '10.96.0.1,tcp:443'],
    ['hash:ip,port', { ip: '10.96.0.10', protocol: 'udp', port: 53 }, '10.96.0.10,udp:53'],
    ['hash:ip,port', { ip: '192.168.100.53', protocol: 'sctp', port: 30007 }, '192.168.100.53,sctp:30007'],
    ['hash:ip,port', { ip: '10.96.0.1', port: 443 }, '10.96.0.1,tcp:443'],
    ['hash:ip,port,ip', { ip: '10.244.1.5', protocol: 'tcp', port: 80, ip2: '10.244.1.5' }, '10.244.1.5,tcp:80,10.244.1.5'],
    ['hash:ip,port,net', { ip: '203.0.113.7', protocol: 'tcp', port: 80, net: '10.0.0.0/8' }, '203.0.113.7,tcp:80,10.0.0.0/8'],
    ['hash:ip,port,net', { ip: '203.0.113.7', protocol: 'tcp', port: 80, net: '192.168.1.9/32' }, '203.0.113.7,tcp:80,192.168.1.9'],
    ['bitmap:port', { port: 30002 }, '30002'],
  ])('%s %o → %s', (type, entry, want) => {
    expect(formatIpsetEntry(type, entry)).toBe(want);
  });

  it.each<[IpsetType, IpsetEntry, string]>([
    ['bitmap:port', {}, 'missing port'],
    ['hash:ip,port', { port: 80 }, 'missing ip'],
    ['hash:ip,port,ip', { ip: '1.1.1.1', port: 80 }, 'missing ip2'],
    ['hash:ip,port,net', { ip: '1.1.1.1', port: 80, net: 'ten' }, 'not a CIDR'],
  ])('%s %o throws (%s)', (type, entry, reason) => {
    expect(() => formatIpsetEntry(type, entry)).toThrow(IpsetEntryError);
    expect(() => formatIpsetEntry(type, entry)).toThrow(reason);
  });
});

describe('ipsetCreateArgs', () => {
  it.each<[IpsetSpec, string]>([
    [kubeIpset('KUBE-CLUSTER-IP'), 'hash:ip,port family inet hashsize 1024 maxelem 65536'],
    [kubeIpset('KUBE-IPVS-IPS'), 'hash:ip family inet hashsize 1024 maxelem 65536'],
    [kubeIpset('KUBE-NODE-PORT-TCP'), 'bitmap:port range 0-65535'],
    [{ name: 'X', type: 'hash:ip,port,net', comment: '', hashSize: 4096, maxElem: 131072 }, 'hash:ip,port,net family inet hashsize 4096 maxelem 131072'],
  ])('%o', (spec, want) => {
    expect(ipsetCreateArgs(spec).join(' ')).toBe(want);
  });
});

describe('ipsetRestoreText', () => {
  const clusterIP = kubeIpset('KUBE-CLUSTER-IP');
  const nodePorts = kubeIpset('KUBE-NODE-PORT-TCP');

  it('fresh sets: create with -exist, then every member', () => {
    const text = ipsetRestoreText([
      { spec: clusterIP, entries: ['10.97.97.97,tcp:80', '10.96.0.1,tcp:443'] },
      { spec: nodePorts, entries: ['30002', '8080'] },
    ]);
    expect(text).toBe(
      [
        'create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 -exist',
        'create KUBE-NODE-PORT-TCP bitmap:port range 0-65535 -exist',
        'add KUBE-CLUSTER-IP 10.96.0.1,tcp:443 -exist',
        'add KUBE-CLUSTER-IP 10.97.97.97,tcp:80 -exist',
        'add KUBE-NODE-PORT-TCP 8080 -exist',
        'add KUBE-NODE-PORT-TCP 30002 -exist',
        '',
      ].join('\n'),
    );
  });

  it('reconciles against the current members: deletes the extra ones, adds the missing ones', () => {
    const current = new Map([
      ['KUBE-CLUSTER-IP', ['10.96.0.1,tcp:443', '10.100.0.9,tcp:80']],
      ['KUBE-NODE-PORT-TCP', ['30002']],
      ['SOMEONE-ELSES', ['1.2.3.4']],
    ]);
    const text = ipsetRestoreText(
      [
        { spec: clusterIP, entries: ['10.96.0.1,tcp:443', '10.97.97.97,tcp:80'] },
        { spec: nodePorts, entries: ['30002'] },
      ],
      current,
    );
    expect(text.split('\n').filter((l) => !l.startsWith('create'))).toEqual(['del KUBE-CLUSTER-IP 10.100.0.9,tcp:80 -exist', 'add KUBE-CLUSTER-IP 10.97.97.97,tcp:80 -exist', '']);
  });

  it('nothing desired: nothing to restore', () => {
    expect(ipsetRestoreText([])).toBe('');
  });

  it('sorts bitmap:port members numerically, others as text, without duplicates', () => {
    expect(sortIpsetEntries('bitmap:port', ['30002', '8080', '30002'])).toEqual(['8080', '30002']);
    expect(sortIpsetEntries('hash:ip', ['10.0.0.10', '10.0.0.9'])).toEqual(['10.0.0.10', '10.0.0.9']);
  });
});

describe('parseIpsetSave', () => {
  const SAVED = `create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x3bf2a1c4
add KUBE-CLUSTER-IP 10.96.0.1,tcp:443
add KUBE-CLUSTER-IP 10.97.97.97,tcp:80
create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
add KUBE-NODE-PORT-TCP 30002
create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536
create f2b-sshd hash:ip family inet hashsize 1024 maxelem 65536 timeout 600
add f2b-sshd 198.51.100.4 timeout 341
`;

  it('reads create and add lines, options verbatim, empty sets included', () => {
    const sets = parseIpsetSave(SAVED);
    expect(sets.map((s) => [s.name, s.type, s.entries])).toEqual([
      ['KUBE-CLUSTER-IP', 'hash:ip,port', ['10.96.0.1,tcp:443', '10.97.97.97,tcp:80']],
      ['KUBE-NODE-PORT-TCP', 'bitmap:port', ['30002']],
      ['KUBE-LOOP-BACK', 'hash:ip,port,ip', []],
      ['f2b-sshd', 'hash:ip', ['198.51.100.4']],
    ]);
    expect(sets[0]!.options).toEqual(['family', 'inet', 'hashsize', '1024', 'maxelem', '65536', 'bucketsize', '12', 'initval', '0x3bf2a1c4']);
    expect(savedEntriesByName(sets).get('KUBE-NODE-PORT-TCP')).toEqual(['30002']);
  });

  it('a restore after a save changes nothing when the members match', () => {
    const current = savedEntriesByName(parseIpsetSave(SAVED));
    const text = ipsetRestoreText([{ spec: kubeIpset('KUBE-CLUSTER-IP'), entries: ['10.97.97.97,tcp:80', '10.96.0.1,tcp:443'] }], current);
    expect(text).toBe('create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 -exist\n');
  });

  it.each([
    ['add KUBE-CLUSTER-IP 10.96.0.1,tcp:443', 1, 'member of set KUBE-CLUSTER-IP before its create line'],
    ['create KUBE-X hash:ip\ncreate KUBE-X hash:ip', 2, 'set KUBE-X created twice'],
    ['create KUBE-X', 1, 'create needs a name and a type'],
    ['create KUBE-X hash:ip\nflush KUBE-X', 2, 'unknown command flush'],
  ])('names the bad line: %s', (text, lineNumber, reason) => {
    expect(() => parseIpsetSave(text)).toThrow(IpsetSaveParseError);
    expect(() => parseIpsetSave(text)).toThrow(`ipset save line ${lineNumber}: ${reason}`);
  });
});

describe("kube-proxy's sets", () => {
  it('seventeen, in the ipsetInfo order, with their types', () => {
    expect(KUBE_IPSETS.map((s) => `${s.name} ${s.type}`)).toEqual([
      'KUBE-LOOP-BACK hash:ip,port,ip',
      'KUBE-CLUSTER-IP hash:ip,port',
      'KUBE-EXTERNAL-IP hash:ip,port',
      'KUBE-EXTERNAL-IP-LOCAL hash:ip,port',
      'KUBE-LOAD-BALANCER hash:ip,port',
      'KUBE-LOAD-BALANCER-FW hash:ip,port',
      'KUBE-LOAD-BALANCER-LOCAL hash:ip,port',
      'KUBE-LOAD-BALANCER-SOURCE-IP hash:ip,port,ip',
      'KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net',
      'KUBE-NODE-PORT-TCP bitmap:port',
      'KUBE-NODE-PORT-LOCAL-TCP bitmap:port',
      'KUBE-NODE-PORT-UDP bitmap:port',
      'KUBE-NODE-PORT-LOCAL-UDP bitmap:port',
      'KUBE-NODE-PORT-SCTP-HASH hash:ip,port',
      'KUBE-NODE-PORT-LOCAL-SCTP-HASH hash:ip,port',
      'KUBE-HEALTH-CHECK-NODE-PORT bitmap:port',
      'KUBE-IPVS-IPS hash:ip',
    ]);
    expect(kubeIpset('KUBE-LOOP-BACK').comment).toBe('Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose');
  });
});
