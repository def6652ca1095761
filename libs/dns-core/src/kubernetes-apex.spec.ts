/** The zone apex and the meta records: SOA, NS, dns-version TXT; sync, AXFR, fallthrough, zones and letter case. */
import { describe, expect, it } from 'vitest';
import { emptySnapshot } from './cluster-snapshot.js';
import { answer, ask, coreDnsConfig, expected, fixtureSnapshot, nodata, nxdomain, SERIAL, SOA, type Case } from './testing/fixtures.js';
import { parseKubernetesConfig } from './zone-config.js';

const snap = fixtureSnapshot();
const cfg = coreDnsConfig();
const run = (c: Case, config = cfg, s = snap) => {
  const { outcome, ...got } = ask(s, config, c.qname, c.qtype);
  expect(got).toEqual(expected(c));
  expect(outcome).toBe('reply');
};

describe('kubernetes handler - apex and meta records', () => {
  it.each<Case>([
    answer('cluster.local.', 'SOA', [SOA]),
    nodata('cluster.local.', 'A'),
    nodata('cluster.local.', 'AAAA'),
    nodata('cluster.local.', 'SRV'),
    nodata('cluster.local.', 'MX'),
    nodata('svc.cluster.local.', 'A'),
    nodata('pod.cluster.local.', 'A'),
    answer('dns-version.cluster.local.', 'TXT', ['dns-version.cluster.local. 28800 IN TXT "1.1.0"']),
    // Only TXT is special: other types on dns-version do not parse (NXDOMAIN).
    nxdomain('dns-version.cluster.local.', 'A'),
    // TXT on a name with no records, the apex included, is NXDOMAIN (CoreDNS's Services() for TXT).
    nxdomain('cluster.local.', 'TXT'),
    nxdomain('testns.svc.cluster.local.', 'TXT'),
    nodata('svc1.testns.svc.cluster.local.', 'TXT'),
  ])('$qtype $qname → $rcode', (c) => run(c));

  it('NS at the apex names the Service whose endpoints hold the server, with its ClusterIP as glue', () => {
    const c = coreDnsConfig({ localIPs: ['10.244.0.53'] });
    run(answer('cluster.local.', 'NS', ['cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local.'], ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10']), c);
  });

  it('NS without a matching Service: ns.dns.<zone> with the local addresses, which also answer A/AAAA', () => {
    const c = coreDnsConfig({ localIPs: ['127.0.0.1', '::1'] });
    run(answer('cluster.local.', 'NS', ['cluster.local. 5 IN NS ns.dns.cluster.local.'], ['ns.dns.cluster.local. 5 IN A 127.0.0.1', 'ns.dns.cluster.local. 5 IN AAAA ::1']), c);
    run(answer('ns.dns.cluster.local.', 'A', ['ns.dns.cluster.local. 5 IN A 127.0.0.1']), c);
    run(answer('ns.dns.cluster.local.', 'AAAA', ['ns.dns.cluster.local. 5 IN AAAA ::1']), c);
    run(nodata('cluster.local.', 'NS'), coreDnsConfig());
  });

  it('SOA: serial is the last change, TTL min(ttl, 300), minimum the ttl', () => {
    const long = coreDnsConfig({ ttl: 3600 });
    const got = ask(snap, long, 'cluster.local.', 'SOA');
    expect(got.answer).toEqual([`cluster.local. 300 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. ${SERIAL} 7200 1800 86400 3600`]);
  });

  it('AXFR and IXFR are refused', () => {
    expect(ask(snap, cfg, 'cluster.local.', 'AXFR')).toMatchObject({ rcode: 'REFUSED', aa: false, outcome: 'refused' });
    expect(ask(snap, cfg, 'cluster.local.', 'IXFR')).toMatchObject({ rcode: 'REFUSED', outcome: 'refused' });
  });

  it('before the caches synced, name errors are SERVFAIL (with the SOA); what exists without data stays NODATA', () => {
    const unsynced = emptySnapshot();
    const soa = SOA.replace(String(SERIAL), '0');
    run({ qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'SERVFAIL', ns: [soa] }, cfg, unsynced);
    run(nodata('cluster.local.', 'A', soa), cfg, unsynced);
    run({ qname: 'nosvc.testns.svc.cluster.local.', qtype: 'A', rcode: 'SERVFAIL', ns: [SOA] }, cfg, fixtureSnapshot({ synced: false }));
  });

  it('names outside the zones and fallthrough name errors go to the next plugin', () => {
    expect(ask(snap, cfg, 'example.com.', 'A').outcome).toBe('next');
    expect(ask(snap, cfg, 'local.', 'A').outcome).toBe('next');
    const fall = coreDnsConfig({ fallthrough: ['cluster.local'] });
    expect(ask(snap, fall, 'nosvc.testns.svc.cluster.local.', 'A').outcome).toBe('next');
    expect(ask(snap, fall, 'svc1.testns.svc.cluster.local.', 'AAAA').rcode).toBe('NOERROR'); // NODATA is no name error
  });

  it('the letter case of the question is kept, the zone part included', () => {
    const q = 'SvC1.TestNS.svc.CLUSTER.local.';
    run(answer(q, 'A', [`${q} 5 IN A 10.0.0.1`]));
    const soa = `CLUSTER.local. 5 IN SOA ns.dns.CLUSTER.local. hostmaster.CLUSTER.local. ${SERIAL} 7200 1800 86400 5`;
    run(nxdomain('NoSvc.TestNS.svc.CLUSTER.local.', 'A', soa));
    run(answer(`_HTTP._Tcp.${q}`, 'SRV', [`_HTTP._Tcp.${q} 5 IN SRV 0 100 80 svc1.testns.svc.CLUSTER.local.`], ['svc1.testns.svc.CLUSTER.local. 5 IN A 10.0.0.1']));
    run(answer('DNS-Version.Cluster.Local.', 'TXT', ['DNS-Version.Cluster.Local. 28800 IN TXT "1.1.0"']));
  });

  it('the longest zone wins; every zone answers the same cluster', () => {
    const c = parseKubernetesConfig({ zones: ['cluster.local', 'corp.example', 'svc.corp.example'], ttl: 5, fallthrough: [] });
    expect(ask(snap, c, 'svc1.testns.svc.cluster.local.', 'A').answer).toEqual(['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1']);
    // svc.corp.example is the longer match: left of it, "svc1.testns" ends in "testns", neither svc nor pod.
    const inner = ask(snap, c, 'svc1.testns.svc.corp.example.', 'A');
    expect(inner.rcode).toBe('NXDOMAIN');
    expect(inner.ns[0]).toMatch(/^svc\.corp\.example\. 5 IN SOA ns\.dns\.svc\.corp\.example\. /);
    expect(ask(snap, c, 'svc1.testns.svc.svc.corp.example.', 'A').answer).toEqual(['svc1.testns.svc.svc.corp.example. 5 IN A 10.0.0.1']);
  });
});
