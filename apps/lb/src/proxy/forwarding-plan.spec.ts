import { describe, expect, it } from 'vitest';
import type { Node, Service } from '@minimesh/api';
import { Director, parseRouteDestinations } from './director.js';
import { forwardingPlan, healthCheckURL } from './forwarding-plan.js';

const node = (i: number, ready = true, labels?: Record<string, string>): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: `node${i}`, ...(labels ? { labels } : {}) },
  status: { addresses: [{ type: 'InternalIP', address: `192.168.100.1${i}` }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const svc = (name: string, ip: string | undefined, spec: Partial<NonNullable<Service['spec']>> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns' },
  spec: { type: 'LoadBalancer', clusterIP: '10.96.0.5', ports: [{ port: 80, protocol: 'TCP' }], ...spec },
  ...(ip ? { status: { loadBalancer: { ingress: [{ ip }] } } } : {}),
});

describe('forwardingPlan', () => {
  it('each assigned address, its Services\' ports, and a check per Ready node', () => {
    const plan = forwardingPlan(
      [
        svc('web', '192.168.100.200'),
        svc('dns-udp', '192.168.100.201', { ports: [{ port: 53, protocol: 'UDP' }] }),
        svc('dns-tcp', '192.168.100.201', { ports: [{ port: 53, protocol: 'TCP' }] }),
        svc('pending', undefined),
        { ...svc('plain', '192.168.100.202'), spec: { type: 'ClusterIP', clusterIP: '10.96.0.9' } },
      ],
      [node(1), node(2), node(3, false), node(4, true, { 'node.kubernetes.io/exclude-from-external-load-balancers': '' })],
      undefined,
    );
    expect(plan.map((a) => [a.ip, a.ports.map((p) => `${p.protocol}/${p.port}`), [...a.checks.keys()]])).toEqual([
      ['192.168.100.200', ['TCP/80'], ['192.168.100.11', '192.168.100.12']],
      ['192.168.100.201', ['TCP/53', 'UDP/53'], ['192.168.100.11', '192.168.100.12']],
    ]);
    expect(plan[0]!.checks.get('192.168.100.11')).toBe('http://192.168.100.11:10256/healthz');
  });

  it('externalTrafficPolicy Local: the Service\'s health-check node port decides', () => {
    expect(healthCheckURL(svc('l', 'x', { externalTrafficPolicy: 'Local', healthCheckNodePort: 31999 }), '192.168.100.11')).toBe('http://192.168.100.11:31999/');
    expect(healthCheckURL(svc('c', 'x'), '192.168.100.11')).toBe('http://192.168.100.11:10256/healthz');
  });
});

describe('Director', () => {
  it('marks every forwarded address, protocol and port in one nftables transaction', () => {
    expect(Director.nftRuleset([{ ip: '192.168.100.200', ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 53 }], nexthops: [] }])).toBe(
      [
        'add table ip minimesh-lb',
        'flush table ip minimesh-lb',
        'add set ip minimesh-lb forwarded { type ipv4_addr . inet_proto . inet_service; }',
        'add element ip minimesh-lb forwarded { 192.168.100.200 . tcp . 80, 192.168.100.200 . udp . 53 }',
        'add chain ip minimesh-lb prerouting { type filter hook prerouting priority mangle; }',
        'add rule ip minimesh-lb prerouting ip daddr . meta l4proto . th dport @forwarded meta mark set 0x100',
        '',
      ].join('\n'),
    );
  });

  it('routes: ECMP over healthy nodes, one via, or unreachable', () => {
    const r = (nexthops: string[]) => Director.routeArgs({ ip: '192.168.100.200', ports: [], nexthops }).join(' ');
    expect(r(['192.168.100.11', '192.168.100.12'])).toBe('route replace 192.168.100.200/32 table 100 nexthop via 192.168.100.11 weight 1 nexthop via 192.168.100.12 weight 1');
    expect(r(['192.168.100.11'])).toBe('route replace 192.168.100.200/32 table 100 via 192.168.100.11');
    expect(r([])).toBe('route replace unreachable 192.168.100.200/32 table 100');
    expect(parseRouteDestinations('192.168.100.200 via 192.168.100.11 dev eth0\nunreachable 192.168.100.201\n192.168.100.202 nexthop via 192.168.100.11 dev eth0 weight 1 nexthop via 192.168.100.12 dev eth0 weight 1\n')).toEqual([
      '192.168.100.200',
      '192.168.100.201',
      '192.168.100.202',
    ]);
  });
});
