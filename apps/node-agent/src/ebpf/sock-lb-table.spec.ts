import { describe, expect, it } from 'vitest';
import { formatSockLbTable } from './sock-lb-table.js';

describe('formatSockLbTable', () => {
  it('prints one line per frontend, socket ones first, by address, with its Service and its backends in slot order', () => {
    const names = new Map([
      ['10.96.0.20:80/TCP', 'study/web'],
      ['10.96.0.10:53/UDP', 'kube-system/kube-dns:dns'],
      ['192.168.100.11:30002/TCP north-south', 'study/web'],
    ]);
    const text = formatSockLbTable(
      [
        { ip: '192.168.100.11', port: 30002, protocol: 'TCP', northSouth: true, set: 2, count: 2, flags: 1, affinitySeconds: 10800 },
        { ip: '10.96.0.20', port: 80, protocol: 'TCP', set: 2, count: 2, flags: 1, affinitySeconds: 10800 },
        { ip: '10.96.0.10', port: 53, protocol: 'UDP', set: 1, count: 1, flags: 0, affinitySeconds: 0 },
        { ip: '10.96.0.30', port: 80, protocol: 'TCP', set: 3, count: 0, flags: 0, affinitySeconds: 0 },
        { ip: '10.96.0.31', port: 80, protocol: 'TCP', set: 4, count: 0, flags: 2, affinitySeconds: 0 },
      ],
      [
        { set: 2, slot: 1, ip: '10.244.1.5', port: 8080 },
        { set: 2, slot: 0, ip: '10.244.2.3', port: 8080 },
        { set: 1, slot: 0, ip: '10.244.1.2', port: 53 },
      ],
      names,
    );
    expect(text).toBe(
      [
        'FRONTEND              PROTO  SCOPE        SERVICE                   AFFINITY  BACKENDS',
        '10.96.0.10:53         UDP    socket       kube-system/kube-dns:dns  -         10.244.1.2:53',
        '10.96.0.20:80         TCP    socket       study/web                 10800s    10.244.2.3:8080 10.244.1.5:8080',
        '10.96.0.30:80         TCP    socket       (unknown)                 -         (none: refused)',
        '10.96.0.31:80         TCP    socket       (unknown)                 -         (none here: dropped)',
        '192.168.100.11:30002  TCP    north-south  study/web                 10800s    10.244.2.3:8080 10.244.1.5:8080',
        '',
      ].join('\n'),
    );
  });
});
