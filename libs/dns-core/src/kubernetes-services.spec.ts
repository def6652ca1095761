/** ClusterIP and ExternalName services: A/AAAA, SRV with CoreDNS's weights, CNAME, and every negative answer. */
import { describe, expect, it } from 'vitest';
import { answer, ask, coreDnsConfig, expected, fixtureSnapshot, nodata, nxdomain, type Case } from './testing/fixtures.js';

const snap = fixtureSnapshot();
const cfg = coreDnsConfig();
const run = (c: Case) => {
  const { outcome, ...got } = ask(snap, cfg, c.qname, c.qtype);
  expect(got).toEqual(expected(c));
  return outcome;
};

const SVC1 = 'svc1.testns.svc.cluster.local.';

describe('kubernetes handler - ClusterIP services', () => {
  it.each<Case>([
    answer(SVC1, 'A', [`${SVC1} 5 IN A 10.0.0.1`]),
    nodata(SVC1, 'AAAA'),
    answer('svc6.testns.svc.cluster.local.', 'AAAA', ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1']),
    nodata('svc6.testns.svc.cluster.local.', 'A'),
    answer('svc-dual-stack.testns.svc.cluster.local.', 'A', ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3']),
    answer('svc-dual-stack.testns.svc.cluster.local.', 'AAAA', ['svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3']),
    // A ClusterIP service with no endpoints still answers its ClusterIP.
    answer('svcempty.testns.svc.cluster.local.', 'A', ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.2']),
    // The endpoint's hostname works under a ClusterIP service too; its dashed IP then does not.
    answer(`ep1a.${SVC1}`, 'A', [`ep1a.${SVC1} 5 IN A 172.0.0.1`]),
    nxdomain(`172-0-0-1.${SVC1}`),
    nxdomain(`nope.${SVC1}`),
    // _port._proto names answer A as well (the port exists).
    answer(`_http._tcp.${SVC1}`, 'A', [`_http._tcp.${SVC1} 5 IN A 10.0.0.1`]),
  ])('$qtype $qname → $rcode', (c) => {
    expect(run(c)).toBe('reply');
  });
});

describe('kubernetes handler - SRV', () => {
  it.each<Case>([
    answer(SVC1, 'SRV', [`${SVC1} 5 IN SRV 0 100 80 ${SVC1}`], [`${SVC1} 5 IN A 10.0.0.1`]),
    answer(`_http._tcp.${SVC1}`, 'SRV', [`_http._tcp.${SVC1} 5 IN SRV 0 100 80 ${SVC1}`], [`${SVC1} 5 IN A 10.0.0.1`]),
    // Port and protocol compare case-insensitively; the underscores are optional (CoreDNS strips them when present).
    answer(`_HTTP._TCP.${SVC1}`, 'SRV', [`_HTTP._TCP.${SVC1} 5 IN SRV 0 100 80 ${SVC1}`], [`${SVC1} 5 IN A 10.0.0.1`]),
    answer(`http.tcp.${SVC1}`, 'SRV', [`http.tcp.${SVC1} 5 IN SRV 0 100 80 ${SVC1}`], [`${SVC1} 5 IN A 10.0.0.1`]),
    // Wrong protocol, wrong port name: NXDOMAIN.
    nxdomain(`_http._udp.${SVC1}`, 'SRV'),
    nxdomain(`_https._tcp.${SVC1}`, 'SRV'),
    nxdomain('_http._tcp.nosvc.testns.svc.cluster.local.', 'SRV'),
    // Four ports (one unnamed): weight floor(100/4); the unnamed port only shows in the bare name's answer.
    answer(
      'multiport.testns.svc.cluster.local.',
      'SRV',
      [80, 443, 53, 8080].map((p) => `multiport.testns.svc.cluster.local. 5 IN SRV 0 25 ${p} multiport.testns.svc.cluster.local.`),
      ['multiport.testns.svc.cluster.local. 5 IN A 10.0.0.4'],
    ),
    answer(
      '_dns._udp.multiport.testns.svc.cluster.local.',
      'SRV',
      ['_dns._udp.multiport.testns.svc.cluster.local. 5 IN SRV 0 100 53 multiport.testns.svc.cluster.local.'],
      ['multiport.testns.svc.cluster.local. 5 IN A 10.0.0.4'],
    ),
    nxdomain('_dns._tcp.multiport.testns.svc.cluster.local.', 'SRV'),
    // Dual-stack, one port: two entries (weight 50) collapse into one SRV; both addresses in additional.
    answer(
      'svc-dual-stack.testns.svc.cluster.local.',
      'SRV',
      ['svc-dual-stack.testns.svc.cluster.local. 5 IN SRV 0 50 80 svc-dual-stack.testns.svc.cluster.local.'],
      ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3', 'svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3'],
    ),
    nxdomain(`x._http._tcp.${SVC1}`, 'SRV'),
  ])('$qtype $qname → $rcode', (c) => {
    expect(run(c)).toBe('reply');
  });
});

describe('kubernetes handler - ExternalName', () => {
  const EXT = 'external.testns.svc.cluster.local.';
  it('CNAME to the externalName, made fully qualified', () => {
    run(answer(EXT, 'CNAME', [`${EXT} 5 IN CNAME ext.interwebs.test.`]));
  });

  it('A and AAAA: the CNAME, and a lookup of the out-of-zone target for the shell to append', () => {
    expect(run(answer(EXT, 'A', [`${EXT} 5 IN CNAME ext.interwebs.test.`]))).toBe('chase ext.interwebs.test. A');
    expect(run(answer(EXT, 'AAAA', [`${EXT} 5 IN CNAME ext.interwebs.test.`]))).toBe('chase ext.interwebs.test. AAAA');
  });

  it('an in-zone target is chased inside the handler', () => {
    const e2s = 'external-to-service.testns.svc.cluster.local.';
    expect(run(answer(e2s, 'A', [`${e2s} 5 IN CNAME ${SVC1}`, `${SVC1} 5 IN A 10.0.0.1`]))).toBe('reply');
    // The target has no AAAA: nothing to add, so NODATA.
    run(nodata(e2s, 'AAAA'));
  });

  it.each<Case>([
    nodata(EXT, 'SRV'), // SRV for external services is not implemented
    nxdomain(`_http._tcp.${EXT}`, 'SRV'),
    nxdomain(`foo.${EXT}`),
    nodata(EXT, 'TXT'),
    nodata(EXT, 'MX'),
    nxdomain('external-ip.testns.svc.cluster.local.'), // an IP in externalName is not answered
  ])('$qtype $qname → $rcode', (c) => {
    run(c);
  });
});

describe('kubernetes handler - other types and missing names', () => {
  it.each<Case>([
    nodata(SVC1, 'CNAME'),
    nodata(SVC1, 'MX'),
    nodata(SVC1, 'HINFO'),
    nodata(SVC1, 'TYPE65'),
    nodata(SVC1, 'NS'),
    nodata(SVC1, 'SOA'),
    nodata(SVC1, 'PTR'),
    nodata(SVC1, 'TXT'),
    nxdomain('nosvc.testns.svc.cluster.local.'),
    nxdomain('nosvc.testns.svc.cluster.local.', 'MX'),
    nxdomain('nosvc.testns.svc.cluster.local.', 'HINFO'),
    nxdomain('nosvc.testns.svc.cluster.local.', 'SRV'),
    nxdomain('nosvc.testns.svc.cluster.local.', 'TXT'),
    nxdomain('nosvc.testns.svc.cluster.local.', 'CNAME'),
    nxdomain('nosvc.testns.svc.cluster.local.', 'NS'),
    // SOA for a name that is not the apex: NODATA, even when the name does not exist.
    nodata('nosvc.testns.svc.cluster.local.', 'SOA'),
    // Namespaces: an existing one is NODATA, a missing one NXDOMAIN, also with a service name under it.
    nodata('testns.svc.cluster.local.'),
    nxdomain('nons.svc.cluster.local.'),
    nxdomain('svc1.nons.svc.cluster.local.'),
    // Too many labels; a first label that is neither svc nor pod.
    nxdomain(`a.b.c.${SVC1}`),
    nxdomain('foo.cluster.local.'),
    nxdomain('svc1.testns.foo.cluster.local.'),
  ])('$qtype $qname → $rcode', (c) => {
    run(c);
  });
});
