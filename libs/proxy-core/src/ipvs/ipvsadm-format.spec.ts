import { describe, expect, it } from 'vitest';
import { formatIpvsadmList, formatIpvsadmSave, IpvsadmParseError, parseIpvsadmList, parseIpvsadmSave } from './ipvsadm-format.js';
import type { IpvsTable, RealServer, VirtualServer } from './ipvs-table.js';

const vs = (protocol: VirtualServer['protocol'], address: string, port: number, extra: Partial<VirtualServer> = {}): VirtualServer => ({
  protocol,
  address,
  port,
  scheduler: 'rr',
  persistentTimeout: 0,
  ...extra,
});
const rs = (address: string, port: number, extra: Partial<RealServer> = {}): RealServer => ({ address, port, forward: 'Masq', weight: 1, ...extra });
const THREE = [rs('10.244.1.39', 80), rs('10.244.1.40', 80), rs('10.244.2.33', 80)];

// The transcripts, as ipvsadm prints them (trailing spaces from "%-10u\n" included).
const WALKTHROUGH = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.97.97.97:80 rr
  -> 10.244.1.39:80               Masq    1      0          0         
  -> 10.244.1.40:80               Masq    1      0          0         
  -> 10.244.2.33:80               Masq    1      0          0         
`;

describe('formatIpvsadmList', () => {
  it('the walkthrough ClusterIP, byte for byte', () => {
    expect(formatIpvsadmList({ services: [{ vs: vs('TCP', '10.97.97.97', 80), realServers: THREE }] })).toBe(WALKTHROUGH);
  });

  it.each([
    ['persistent (ClientIP affinity)', vs('TCP', '10.97.97.97', 80, { persistentTimeout: 10800 }), 'TCP  10.97.97.97:80 rr persistent 10800'],
    ['the NodePort on the node IP', vs('TCP', '192.168.100.53', 30002), 'TCP  192.168.100.53:30002 rr'],
    ['UDP', vs('UDP', '10.96.0.10', 53), 'UDP  10.96.0.10:53 rr'],
    ['SCTP fills the %-4s column', vs('SCTP', '10.96.5.5', 7777), 'SCTP 10.96.5.5:7777 rr'],
    ['scheduler flags before persistence', vs('TCP', '10.96.0.1', 443, { scheduler: 'mh', flags: ['mh-port'], persistentTimeout: 60 }), 'TCP  10.96.0.1:443 mh (mh-port) persistent 60'],
    ['flags in ipvsadm order', vs('TCP', '10.96.0.1', 443, { scheduler: 'sh', flags: ['sh-port', 'sh-fallback'] }), 'TCP  10.96.0.1:443 sh (sh-fallback,sh-port)'],
  ])('%s', (_, v, line) => {
    expect(formatIpvsadmList({ services: [{ vs: v, realServers: [] }] }).split('\n')[3]).toBe(line);
  });

  it('a real-server line is "  -> %-28s %-7s %-6d %-10u %-10u"', () => {
    const text = formatIpvsadmList({ services: [{ vs: vs('TCP', '10.97.97.97', 80), realServers: [rs('10.244.1.39', 8080, { weight: 0, activeConn: 12, inactConn: 345 })] }] });
    expect(text.split('\n')[4]).toBe(`  -> ${'10.244.1.39:8080'.padEnd(28)} Masq    0      12         345       `);
  });

  it('an empty table is the header alone', () => {
    expect(formatIpvsadmList({ services: [] }, { version: '1.2.1', size: 1048576 })).toBe(
      'IP Virtual Server version 1.2.1 (size=1048576)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n',
    );
  });

  it("lists services and destinations in ipvsadm's order (the kube-system transcript)", () => {
    const table: IpvsTable = {
      services: [
        { vs: vs('UDP', '10.96.0.10', 53), realServers: [rs('10.244.0.3', 53), rs('10.244.0.2', 53)] },
        { vs: vs('TCP', '10.111.111.114', 443), realServers: [] },
        { vs: vs('TCP', '10.96.0.10', 9153), realServers: [] },
        { vs: vs('TCP', '10.109.241.243', 5473), realServers: [] },
        { vs: vs('TCP', '10.96.0.1', 443), realServers: [rs('192.168.100.51', 6443)] },
        { vs: vs('TCP', '10.98.145.184', 9094), realServers: [] },
        { vs: vs('TCP', '10.96.0.10', 53), realServers: [rs('10.244.0.3', 53), rs('10.244.0.2', 53)] },
      ],
    };
    const services = formatIpvsadmList(table)
      .split('\n')
      .filter((l) => /^(TCP|UDP)/.test(l));
    expect(services).toEqual([
      'TCP  10.96.0.1:443 rr',
      'TCP  10.96.0.10:53 rr',
      'TCP  10.96.0.10:9153 rr',
      'TCP  10.98.145.184:9094 rr',
      'TCP  10.109.241.243:5473 rr',
      'TCP  10.111.111.114:443 rr',
      'UDP  10.96.0.10:53 rr',
    ]);
    expect(formatIpvsadmList(table)).toContain('UDP  10.96.0.10:53 rr\n  -> 10.244.0.2:53');
  });

  it('a kubeadm node: NodePorts on 172.17.0.1 list before the 10.x services (libipvs int compare)', () => {
    const LISTING = `${HEADER}TCP  172.17.0.1:30023 rr
  -> 10.244.36.72:8443            Masq    1      0          0         
TCP  10.10.110.190:30023 rr
  -> 10.244.36.72:8443            Masq    1      0          0         
TCP  10.96.0.1:443 rr
  -> 10.10.110.190:6443           Masq    1      0          0         
TCP  10.96.0.10:53 rr
  -> 10.244.36.73:53              Masq    1      0          0         
  -> 10.244.169.160:53            Masq    1      0          0         
TCP  10.97.105.36:80 rr
TCP  10.110.221.168:8000 rr
  -> 10.244.169.159:8000          Masq    1      0          0         
`;
    const parsed = parseIpvsadmList(LISTING);
    const shuffled = { services: [...parsed.services].reverse().map((s) => ({ vs: s.vs, realServers: [...s.realServers].reverse() })) };
    expect(formatIpvsadmList(shuffled)).toBe(LISTING);
  });
});

const HEADER = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';

describe('formatIpvsadmSave', () => {
  it('-A / -a lines, -u for UDP, --sctp-service for SCTP, -p when persistent', () => {
    const table: IpvsTable = {
      services: [
        { vs: vs('TCP', '10.97.97.97', 80, { persistentTimeout: 10800 }), realServers: THREE.slice(0, 2) },
        { vs: vs('UDP', '10.96.0.10', 53), realServers: [rs('10.244.0.2', 53)] },
        { vs: vs('SCTP', '10.96.5.5', 7777, { scheduler: 'mh', flags: ['mh-port'] }), realServers: [rs('10.244.3.3', 7777, { forward: 'Route', weight: 3 })] },
      ],
    };
    expect(formatIpvsadmSave(table)).toBe(
      [
        '-A -t 10.97.97.97:80 -s rr -p 10800',
        '-a -t 10.97.97.97:80 -r 10.244.1.39:80 -m -w 1',
        '-a -t 10.97.97.97:80 -r 10.244.1.40:80 -m -w 1',
        '-A -u 10.96.0.10:53 -s rr',
        '-a -u 10.96.0.10:53 -r 10.244.0.2:53 -m -w 1',
        '-A --sctp-service 10.96.5.5:7777 -s mh -b mh-port',
        '-a --sctp-service 10.96.5.5:7777 -r 10.244.3.3:7777 -g -w 3',
        '',
      ].join('\n'),
    );
    expect(parseIpvsadmSave(formatIpvsadmSave(table))).toEqual(table);
    expect(formatIpvsadmSave({ services: [] })).toBe('');
  });
});

describe('parseIpvsadmList', () => {
  it('reads the walkthrough back, with the counters', () => {
    expect(parseIpvsadmList(WALKTHROUGH)).toEqual({
      services: [{ vs: vs('TCP', '10.97.97.97', 80), realServers: THREE.map((r) => ({ ...r, activeConn: 0, inactConn: 0 })) }],
    });
  });

  it('reads flags, persistence, weights and counters; round-trips', () => {
    const table: IpvsTable = {
      services: [
        { vs: vs('TCP', '10.96.0.1', 443, { persistentTimeout: 10800 }), realServers: [rs('192.168.100.51', 6443, { activeConn: 3, inactConn: 17 })] },
        { vs: vs('UDP', '10.96.0.10', 53, { scheduler: 'mh', flags: ['mh-fallback', 'mh-port'] }), realServers: [rs('10.244.0.2', 53, { weight: 0, activeConn: 0, inactConn: 2 })] },
      ],
    };
    expect(parseIpvsadmList(formatIpvsadmList(table))).toEqual(table);
  });

  it('accepts lines without trailing spaces (as pasted transcripts have them)', () => {
    const text = WALKTHROUGH.replace(/ +\n/g, '\n');
    expect(parseIpvsadmList(text).services[0]!.realServers).toHaveLength(3);
  });

  it.each([
    ['a destination before any service', '  -> 10.244.1.39:80               Masq    1      0          0', 2, 'destination before any service'],
    ['names instead of numbers (no -n)', 'TCP  kubernetes.default:https rr', 2, 'numeric output expected'],
    ['a firewall-mark service', 'FWM  5 rr', 2, 'firewall-mark'],
    ['an unknown forwarding method', 'TCP  10.0.0.1:80 rr\n  -> 10.0.0.2:80 Bridge 1 0 0', 3, 'unknown forwarding method Bridge'],
    ['garbage', 'hello', 2, 'neither a service nor a destination'],
  ])('names the bad line: %s', (_, body, lineNumber, reason) => {
    const text = `IP Virtual Server version 1.2.1 (size=4096)\n${body}\n`;
    const err = (() => {
      try {
        parseIpvsadmList(text);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(IpvsadmParseError);
    expect((err as IpvsadmParseError).lineNumber).toBe(lineNumber);
    expect((err as Error).message).toContain(`line ${lineNumber}`);
    expect((err as Error).message).toContain(reason);
  });
});

describe('parseIpvsadmSave', () => {
  it('reads ipvsadm-save output; -s defaults to wlc and -w to 1 as in ipvsadm', () => {
    expect(parseIpvsadmSave('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m\n')).toEqual({
      services: [{ vs: vs('TCP', '10.0.0.1', 80, { scheduler: 'wlc' }), realServers: [rs('10.0.0.2', 8080)] }],
    });
  });

  it.each([
    ['-a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1', 1, 'unknown service'],
    ['-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.1:80 -s rr', 2, 'added twice'],
    ['-A -x 10.0.0.1:80 -s rr', 1, 'expected -t, -u or --sctp-service'],
    ['-A -t 10.0.0.1:80 -s rr -p soon', 1, '-p needs a number'],
    ['-A -t 10.0.0.1:80 -s rr --frobnicate', 1, 'unexpected option --frobnicate'],
    ['-D -t 10.0.0.1:80', 1, 'unsupported command -D'],
  ])('names the bad line: %s', (text, lineNumber, reason) => {
    expect(() => parseIpvsadmSave(text)).toThrow(IpvsadmParseError);
    expect(() => parseIpvsadmSave(text)).toThrow(new RegExp(`line ${lineNumber}: .*${reason.replace(/[-]/g, '\\-')}`));
  });
});
