/** PTR for ClusterIPs and endpoint IPs in the reverse zones. */
import { describe, expect, it } from 'vitest';
import { reverseName } from './ip.js';
import { answer, ask, coreDnsConfig, ep, expected, fixtureSnapshot, FIXTURE_SERVICES, FIXTURE_SLICES, nodata, nxdomain, SERIAL, service, slice, type Case } from './testing/fixtures.js';

const snap = fixtureSnapshot();
const cfg = coreDnsConfig();
const ARPA_SOA = `in-addr.arpa. 5 IN SOA ns.dns.in-addr.arpa. hostmaster.in-addr.arpa. ${SERIAL} 7200 1800 86400 5`;
const IP6_SOA = `ip6.arpa. 5 IN SOA ns.dns.ip6.arpa. hostmaster.ip6.arpa. ${SERIAL} 7200 1800 86400 5`;
const run = (c: Case, s = snap, config = cfg) => {
  const { outcome, ...got } = ask(s, config, c.qname, c.qtype);
  expect(got).toEqual(expected(c));
  expect(outcome).toBe('reply');
};
const ptr = (ip: string, ...targets: string[]): Case => {
  const name = reverseName(ip)!;
  return answer(name, 'PTR', targets.map((t) => `${name} 5 IN PTR ${t}`));
};

describe('kubernetes handler - PTR', () => {
  it.each<Case>([
    ptr('10.0.0.1', 'svc1.testns.svc.cluster.local.'),
    ptr('10.96.0.10', 'kube-dns.kube-system.svc.cluster.local.'),
    ptr('10::3', 'svc-dual-stack.testns.svc.cluster.local.'),
    ptr('1234:abcd::1', 'svc6.testns.svc.cluster.local.'),
    // Endpoint IPs: the endpoint's name under its service (hostname, else the dashed IP).
    ptr('172.0.0.1', 'ep1a.svc1.testns.svc.cluster.local.'),
    ptr('172.0.0.2', '172-0-0-2.hdls1.testns.svc.cluster.local.'),
    ptr('172.0.0.4', 'dup-name.hdls1.testns.svc.cluster.local.'),
    ptr('5678:abcd::1', '5678-abcd--1.hdls1.testns.svc.cluster.local.'),
    nxdomain(reverseName('172.0.0.6')!, 'PTR', ARPA_SOA), // not ready
    nxdomain(reverseName('192.0.2.1')!, 'PTR', ARPA_SOA),
    nxdomain(reverseName('2001:db8::1')!, 'PTR', IP6_SOA),
    // Partial reverse names do not parse; the apex of the reverse zone is NODATA.
    nxdomain('0.0.10.in-addr.arpa.', 'PTR', ARPA_SOA),
    nodata('in-addr.arpa.', 'PTR', ARPA_SOA),
    // Other types under a reverse zone: forward-shaped names do not parse there, even where a PTR exists.
    nxdomain(reverseName('10.0.0.1')!, 'A', ARPA_SOA),
    // PTR in the forward zone: the name exists, so NODATA.
    nodata('svc1.testns.svc.cluster.local.', 'PTR'),
  ])('$qtype $qname → $rcode', (c) => run(c));

  it('an IP selected by two services has two PTRs; the same IP in two slices of one service, one', () => {
    const s = fixtureSnapshot({
      services: [...FIXTURE_SERVICES, service('other', 'testns', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] })],
      slices: [...FIXTURE_SLICES, slice('other', 'testns', [ep('172.0.0.2')]), slice('hdls1', 'testns', [ep('172.0.0.2')], [{ name: 'metrics', port: 9090 }])],
    });
    run(ptr('172.0.0.2', '172-0-0-2.hdls1.testns.svc.cluster.local.', '172-0-0-2.other.testns.svc.cluster.local.'), s);
  });

  it('targets are in the primary zone; with fallthrough a miss goes to the next plugin', () => {
    const c = coreDnsConfig({ zones: ['in-addr.arpa', 'corp.example', 'cluster.local'], fallthrough: ['in-addr.arpa'] });
    expect(ask(snap, c, reverseName('10.0.0.1')!, 'PTR').answer).toEqual([`${reverseName('10.0.0.1')} 5 IN PTR svc1.testns.svc.corp.example.`]);
    expect(ask(snap, c, reverseName('192.0.2.1')!, 'PTR').outcome).toBe('next');
  });

  it('only configured reverse zones are answered', () => {
    const c = coreDnsConfig({ zones: ['cluster.local', '0.10.in-addr.arpa'] });
    expect(ask(snap, c, reverseName('10.0.0.1')!, 'PTR').answer).toHaveLength(1);
    expect(ask(snap, c, reverseName('172.0.0.2')!, 'PTR').outcome).toBe('next');
  });
});
