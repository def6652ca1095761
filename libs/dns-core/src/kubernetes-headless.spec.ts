/** Headless services: one record per ready endpoint, endpoint names, SRV per endpoint × port, NXDOMAIN when none is ready. */
import { describe, expect, it } from 'vitest';
import { answer, ask, coreDnsConfig, ep, expected, fixtureSnapshot, FIXTURE_SLICES, nodata, nxdomain, slice, type Case } from './testing/fixtures.js';

const snap = fixtureSnapshot();
const cfg = coreDnsConfig();
const run = (c: Case) => {
  const { outcome, ...got } = ask(snap, cfg, c.qname, c.qtype);
  expect(got).toEqual(expected(c));
  expect(outcome).toBe('reply');
};

const H = 'hdls1.testns.svc.cluster.local.';

describe('kubernetes handler - headless services', () => {
  it.each<Case>([
    // Every ready IPv4 endpoint (172.0.0.6 is not ready), and the IPv6 slice for AAAA.
    answer(H, 'A', ['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5'].map((ip) => `${H} 5 IN A ${ip}`)),
    answer(H, 'AAAA', ['5678:abcd::1', '5678:abcd::2'].map((ip) => `${H} 5 IN AAAA ${ip}`)),
    // Endpoint names: the hostname (two endpoints may share one), or the dashed IP.
    answer(`dup-name.${H}`, 'A', [`dup-name.${H} 5 IN A 172.0.0.4`, `dup-name.${H} 5 IN A 172.0.0.5`]),
    answer(`172-0-0-2.${H}`, 'A', [`172-0-0-2.${H} 5 IN A 172.0.0.2`]),
    answer(`5678-abcd--1.${H}`, 'AAAA', [`5678-abcd--1.${H} 5 IN AAAA 5678:abcd::1`]),
    nodata(`5678-abcd--1.${H}`, 'A'),
    nxdomain(`172-0-0-6.${H}`), // not ready
    nxdomain(`172-0-0-4.${H}`), // has a hostname, so its dashed IP is no name
    nxdomain(`unknown.${H}`),
  ])('$qtype $qname → $rcode', run);

  it('SRV: one per endpoint × named port, weight floor(100/6), same target and port once, the addresses in additional', () => {
    const targets = ['172-0-0-2', '172-0-0-3', 'dup-name', '5678-abcd--1', '5678-abcd--2'];
    const srv = targets.map((t) => `${H} 5 IN SRV 0 16 80 ${t}.${H}`);
    const extra = [
      `172-0-0-2.${H} 5 IN A 172.0.0.2`,
      `172-0-0-3.${H} 5 IN A 172.0.0.3`,
      `dup-name.${H} 5 IN A 172.0.0.4`,
      `dup-name.${H} 5 IN A 172.0.0.5`,
      `5678-abcd--1.${H} 5 IN AAAA 5678:abcd::1`,
      `5678-abcd--2.${H} 5 IN AAAA 5678:abcd::2`,
    ];
    run(answer(H, 'SRV', srv, extra));
    run(answer(`_http._tcp.${H}`, 'SRV', srv.map((s) => `_http._tcp.${s}`), extra));
  });

  it.each<Case>([
    nxdomain(`_http._udp.${H}`, 'SRV'),
    nxdomain(`_https._tcp.${H}`, 'SRV'),
    // A slice without ports: addresses answer, SRV has nothing to say (NODATA), a _port._proto name does not exist.
    answer('hdlsprtls.testns.svc.cluster.local.', 'A', ['hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20']),
    nodata('hdlsprtls.testns.svc.cluster.local.', 'SRV'),
    nxdomain('_http._tcp.hdlsprtls.testns.svc.cluster.local.', 'SRV'),
    // No ready endpoint: the name does not exist, whatever the type.
    nxdomain('hdlsempty.testns.svc.cluster.local.'),
    nxdomain('hdlsempty.testns.svc.cluster.local.', 'AAAA'),
    nxdomain('hdlsempty.testns.svc.cluster.local.', 'SRV'),
    nxdomain('hdlsempty.testns.svc.cluster.local.', 'TXT'),
    nxdomain('hdlsempty.testns.svc.cluster.local.', 'MX'),
  ])('$qtype $qname → $rcode', run);

  it('slices of one service merge; an endpoint in two slices answers once', () => {
    const extra = slice('hdls1', 'testns', [ep('172.0.0.2'), ep('172.0.0.9')]);
    const merged = fixtureSnapshot({ slices: [...FIXTURE_SLICES, extra] });
    const got = ask(merged, cfg, H, 'A');
    expect(got.answer).toEqual(['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5', '172.0.0.9'].map((ip) => `${H} 5 IN A ${ip}`));
  });

  it('a headless service with no slice at all is NXDOMAIN', () => {
    const bare = fixtureSnapshot({ slices: FIXTURE_SLICES.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] !== 'hdls1') });
    expect(ask(bare, cfg, H, 'A').rcode).toBe('NXDOMAIN');
  });

  it('endpoint_pod_names: the pod name stands in for a missing hostname', () => {
    const named = fixtureSnapshot({ slices: [slice('hdls1', 'testns', [ep('172.0.0.2', { pod: 'web-0' }), ep('172.0.0.3', { pod: 'web-1', hostname: 'h' })])] });
    const c = coreDnsConfig({ endpointPodNames: true });
    expect(ask(named, c, `web-0.${H}`, 'A').answer).toEqual([`web-0.${H} 5 IN A 172.0.0.2`]);
    expect(ask(named, c, `h.${H}`, 'A').answer).toEqual([`h.${H} 5 IN A 172.0.0.3`]);
    expect(ask(named, c, `172-0-0-2.${H}`, 'A').rcode).toBe('NXDOMAIN');
  });
});
