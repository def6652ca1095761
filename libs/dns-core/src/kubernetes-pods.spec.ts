/** Pod records, `<dashed-ip>.<ns>.pod.<zone>`, in the three modes. */
import { describe, expect, it } from 'vitest';
import { answer, ask, coreDnsConfig, expected, fixtureSnapshot, nodata, nxdomain, type Case } from './testing/fixtures.js';

const snap = fixtureSnapshot();
const run = (mode: 'disabled' | 'insecure' | 'verified') => (c: Case) => {
  const { outcome, ...got } = ask(snap, coreDnsConfig({ pods: mode }), c.qname, c.qtype);
  expect(got).toEqual(expected(c));
  expect(outcome).toBe('reply');
};

describe('kubernetes handler - pods disabled (the plugin default)', () => {
  it.each<Case>([
    nxdomain('10-240-0-1.podns.pod.cluster.local.'),
    nxdomain('1-2-3-4.podns.pod.cluster.local.'),
    nxdomain('podns.pod.cluster.local.'),
    nodata('pod.cluster.local.'),
  ])('$qtype $qname → $rcode', run('disabled'));
});

describe('kubernetes handler - pods insecure (kube-dns compatible, kubeadm default)', () => {
  it.each<Case>([
    answer('1-2-3-4.podns.pod.cluster.local.', 'A', ['1-2-3-4.podns.pod.cluster.local. 5 IN A 1.2.3.4']),
    answer('1-2-3-4.PodNS.pod.cluster.local.', 'A', ['1-2-3-4.PodNS.pod.cluster.local. 5 IN A 1.2.3.4']),
    nodata('1-2-3-4.podns.pod.cluster.local.', 'AAAA'),
    answer('1234-abcd--1.podns.pod.cluster.local.', 'AAAA', ['1234-abcd--1.podns.pod.cluster.local. 5 IN AAAA 1234:abcd::1']),
    nodata('1234-abcd--1.podns.pod.cluster.local.', 'A'),
    nxdomain('1-2-3-4.nons.pod.cluster.local.'),
    nxdomain('not-an-ip.podns.pod.cluster.local.'),
    nxdomain('1-2-3-256.podns.pod.cluster.local.'),
    nodata('podns.pod.cluster.local.'),
    nxdomain('nons.pod.cluster.local.'),
    nodata('1-2-3-4.podns.pod.cluster.local.', 'TXT'),
  ])('$qtype $qname → $rcode', run('insecure'));
});

describe('kubernetes handler - pods verified', () => {
  it.each<Case>([
    answer('10-240-0-1.podns.pod.cluster.local.', 'A', ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1']),
    nxdomain('10-240-0-1.testns.pod.cluster.local.'), // a pod with that IP exists, but in another namespace
    nxdomain('10-240-0-2.podns.pod.cluster.local.'), // terminating
    nxdomain('10-240-0-9.podns.pod.cluster.local.'),
    nodata('podns.pod.cluster.local.'),
  ])('$qtype $qname → $rcode', run('verified'));
});
