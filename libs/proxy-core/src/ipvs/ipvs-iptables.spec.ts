import { describe, expect, it } from 'vitest';
import { ipvsEnsureJumps, renderIpvsIptables, type IpvsIptablesInput } from './ipvs-iptables.js';
import { ipvsSysctls, kernelNeedsConnReuseMode } from './ipvs-sysctls.js';

const input = (nonEmpty: string[], extra: Partial<IpvsIptablesInput> = {}): IpvsIptablesInput => ({
  nonEmptySets: new Set(nonEmpty),
  masqueradeAll: false,
  clusterCIDR: '10.244.0.0/16',
  mark: '0x4000',
  randomFully: true,
  lbNoNodeAccess: [],
  ...extra,
});
const rules = (text: string, chain: string) => text.split('\n').filter((l) => l.startsWith(`-A ${chain} `));

describe('renderIpvsIptables', () => {
  it('no service at all: the fixed rules only', () => {
    const r = renderIpvsIptables(input([]));
    expect(rules(r.nat, 'KUBE-SERVICES')).toEqual(['-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN', '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT']);
    expect(rules(r.nat, 'KUBE-NODE-PORT')).toEqual([]);
    expect(r.ruleCounts).toEqual({ nat: 7, filter: 10 });
  });

  it('NodePort sets per protocol, each LOCAL set before its masquerade set', () => {
    const r = renderIpvsIptables(input(['KUBE-NODE-PORT-TCP', 'KUBE-NODE-PORT-LOCAL-TCP', 'KUBE-NODE-PORT-UDP', 'KUBE-NODE-PORT-LOCAL-UDP']));
    expect(rules(r.nat, 'KUBE-NODE-PORT').map((l) => l.replace(/-m comment --comment "[^"]*" /, ''))).toEqual([
      '-A KUBE-NODE-PORT -p tcp -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN',
      '-A KUBE-NODE-PORT -p tcp -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ',
      '-A KUBE-NODE-PORT -p udp -m set --match-set KUBE-NODE-PORT-LOCAL-UDP dst -j RETURN',
      '-A KUBE-NODE-PORT -p udp -m set --match-set KUBE-NODE-PORT-UDP dst -j KUBE-MARK-MASQ',
    ]);
    expect(rules(r.nat, 'KUBE-NODE-PORT')[2]).toBe(
      '-A KUBE-NODE-PORT -p udp -m comment --comment "Kubernetes nodeport UDP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-UDP dst -j RETURN',
    );
  });

  it('external IPs with externalTrafficPolicy Local: accepted, not masqueraded', () => {
    const r = renderIpvsIptables(input(['KUBE-EXTERNAL-IP-LOCAL']));
    const match = '-A KUBE-SERVICES -m comment --comment "Kubernetes service external ip + port with externalTrafficPolicy=local" -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst';
    expect(rules(r.nat, 'KUBE-SERVICES').filter((l) => l.includes('EXTERNAL'))).toEqual([
      `${match} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`,
      `${match} -m addrtype --dst-type LOCAL -j ACCEPT`,
    ]);
  });

  it('load balancers with externalTrafficPolicy Local return before KUBE-LOAD-BALANCER masquerades', () => {
    const r = renderIpvsIptables(input(['KUBE-LOAD-BALANCER', 'KUBE-LOAD-BALANCER-LOCAL']));
    expect(rules(r.nat, 'KUBE-LOAD-BALANCER')).toEqual([
      '-A KUBE-LOAD-BALANCER -m comment --comment "Kubernetes service load balancer ip + port with externalTrafficPolicy=local" -m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN',
      '-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ',
    ]);
  });

  it('one KUBE-IPVS-OUT-FILTER drop per load balancer the node may not reach', () => {
    const r = renderIpvsIptables(input([], { lbNoNodeAccess: [{ ip: '192.168.100.200', protocol: 'tcp', port: 80 }, { ip: '192.168.100.201', protocol: 'udp', port: 53 }] }));
    expect(rules(r.filter, 'KUBE-IPVS-OUT-FILTER')).toEqual([
      '-A KUBE-IPVS-OUT-FILTER -s 192.168.100.200 -m ipvs --vaddr 192.168.100.200 --vproto tcp --vport 80 -j DROP',
      '-A KUBE-IPVS-OUT-FILTER -s 192.168.100.201 -m ipvs --vaddr 192.168.100.201 --vproto udp --vport 53 -j DROP',
    ]);
  });

  it('the jumps from the built-in chains are plain comment + jump arguments, prepended in order', () => {
    const jumps = ipvsEnsureJumps();
    expect(jumps).toHaveLength(9);
    expect(jumps[0]).toEqual({ table: 'nat', chain: 'OUTPUT', target: 'KUBE-SERVICES', args: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'] });
    expect(jumps.filter((j) => j.target === 'KUBE-PROXY-FIREWALL').map((j) => j.chain)).toEqual(['INPUT', 'FORWARD']);
  });
});

describe('IPVS sysctls', () => {
  it.each([
    ['3.10.0-1160.el7.x86_64', false],
    ['4.1.0', true],
    ['4.18.0-553.el8_10.x86_64', true],
    ['5.8.18', true],
    ['5.9.0', false],
    ['6.8.0-45-generic', false],
    ['weird', false],
  ])('conn_reuse_mode on kernel %s: %s', (kernel, needed) => {
    expect(kernelNeedsConnReuseMode(kernel)).toBe(needed);
  });

  it('strict ARP adds two', () => {
    expect(ipvsSysctls(false)).toHaveLength(4);
    expect(ipvsSysctls(true).map((s) => s.name).slice(4)).toEqual(['net/ipv4/conf/all/arp_ignore', 'net/ipv4/conf/all/arp_announce']);
  });
});
