/** The renderer's options: chain prefix, masquerading, NodePort addresses, marks, large clusters, jumps. */
import { describe, expect, it } from 'vitest';
import { renderIptables, type RenderOptions } from './render-iptables.js';
import { NODE1, ruleset, stateOf, walkthroughService, walkthroughSlice } from '../testing/fixtures.js';
import { filterTable, MASQ_RULES } from '../testing/rulesets.js';

const walkthrough = stateOf([walkthroughService()], [walkthroughSlice()], 'node1');
const render = (opts: RenderOptions, node = NODE1) => renderIptables({ ...walkthrough, node, opts });
const SEPS = `
  -A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -s 10.244.1.39 -j KUBE-MARK-MASQ
  -A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.1.39:80
  -A KUBE-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -s 10.244.1.40 -j KUBE-MARK-MASQ
  -A KUBE-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.1.40:80
  -A KUBE-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -s 10.244.2.33 -j KUBE-MARK-MASQ
  -A KUBE-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.2.33:80`;
const JUMPS = `
  -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.39:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-ADRRA5VPLQUVN2DR
  -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.40:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-M4GYI7VZIBO3HPUD
  -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.2.33:80" -j KUBE-SEP-VKTY5JBNTA3KRJLJ`;
const natWith = (nodePortsRules: string, svcMasq: string) =>
  ruleset(`
    *nat
    :KUBE-NODEPORTS - [0:0]
    :KUBE-SERVICES - [0:0]
    :KUBE-MARK-MASQ - [0:0]
    :KUBE-POSTROUTING - [0:0]
    :KUBE-SEP-ADRRA5VPLQUVN2DR - [0:0]
    :KUBE-SEP-M4GYI7VZIBO3HPUD - [0:0]
    :KUBE-SEP-VKTY5JBNTA3KRJLJ - [0:0]
    :KUBE-SVC-FGOSKYZ2SUD3AIAL - [0:0]
    -A KUBE-SERVICES -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 -j KUBE-SVC-FGOSKYZ2SUD3AIAL
    ${nodePortsRules}
    ${MASQ_RULES}
    ${SEPS}
    ${svcMasq}
    ${JUMPS}
    COMMIT
  `);
const NOTE = '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';

describe('renderIptables: options', () => {
  it('a custom chain prefix renames every chain (the hash does not change)', () => {
    const r = render({ prefix: 'MMESH-', clusterCIDR: '10.244.0.0/16' });
    expect(r.restore).toBe(
      ruleset(`
        *filter
        :MMESH-NODEPORTS - [0:0]
        :MMESH-SERVICES - [0:0]
        :MMESH-EXTERNAL-SERVICES - [0:0]
        :MMESH-FIREWALL - [0:0]
        :MMESH-FORWARD - [0:0]
        :MMESH-PROXY-FIREWALL - [0:0]
        -A MMESH-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
        -A MMESH-FORWARD -m conntrack --ctstate INVALID -j DROP
        -A MMESH-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
        -A MMESH-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        COMMIT
        *nat
        :MMESH-NODEPORTS - [0:0]
        :MMESH-SERVICES - [0:0]
        :MMESH-MARK-MASQ - [0:0]
        :MMESH-POSTROUTING - [0:0]
        :MMESH-SEP-ADRRA5VPLQUVN2DR - [0:0]
        :MMESH-SEP-M4GYI7VZIBO3HPUD - [0:0]
        :MMESH-SEP-VKTY5JBNTA3KRJLJ - [0:0]
        :MMESH-SVC-FGOSKYZ2SUD3AIAL - [0:0]
        -A MMESH-SERVICES -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 -j MMESH-SVC-FGOSKYZ2SUD3AIAL
        -A MMESH-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j MMESH-NODEPORTS
        -A MMESH-MARK-MASQ -j MARK --or-mark 0x4000
        -A MMESH-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A MMESH-POSTROUTING -j MARK --xor-mark 0x4000
        -A MMESH-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
        -A MMESH-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -s 10.244.1.39 -j MMESH-MARK-MASQ
        -A MMESH-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.1.39:80
        -A MMESH-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -s 10.244.1.40 -j MMESH-MARK-MASQ
        -A MMESH-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.1.40:80
        -A MMESH-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -s 10.244.2.33 -j MMESH-MARK-MASQ
        -A MMESH-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.2.33:80
        -A MMESH-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 ! -s 10.244.0.0/16 -j MMESH-MARK-MASQ
        -A MMESH-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.39:80" -m statistic --mode random --probability 0.3333333333 -j MMESH-SEP-ADRRA5VPLQUVN2DR
        -A MMESH-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.40:80" -m statistic --mode random --probability 0.5000000000 -j MMESH-SEP-M4GYI7VZIBO3HPUD
        -A MMESH-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.2.33:80" -j MMESH-SEP-VKTY5JBNTA3KRJLJ
        COMMIT
      `),
    );
    expect(r.canary).toEqual({ chain: 'MMESH-PROXY-CANARY', tables: ['mangle', 'nat', 'filter'] });
    expect(r.ensureJumps.map((j) => `${j.table} ${j.chain} -> ${j.target}`)).toContain('nat PREROUTING -> MMESH-SERVICES');
    // Stale-chain cleanup only ever deletes chains with our own prefix.
    const again = renderIptables({ ...walkthrough, node: NODE1, opts: { prefix: 'MMESH-', clusterCIDR: '10.244.0.0/16' }, existingNatChains: ['KUBE-SVC-FGOSKYZ2SUD3AIAL', 'MMESH-SEP-AAAAAAAAAAAAAAAA', 'DOCKER'] });
    expect(again.deletedChains).toEqual(['MMESH-SEP-AAAAAAAAAAAAAAAA']);
  });

  it('a prefix too long for 28-character chain names is refused', () => {
    expect(() => render({ prefix: 'MINIMESH-' })).toThrow(/too long/);
    expect(() => render({ prefix: 'BAD PREFIX-' })).toThrow(/invalid chain prefix/);
  });

  it('masqueradeAll masquerades every ClusterIP packet; without a cluster CIDR nothing is masqueraded there', () => {
    const note = `${NOTE} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`;
    const masqAll = '-A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 -j KUBE-MARK-MASQ';
    expect(render({ masqueradeAll: true, clusterCIDR: '10.244.0.0/16' }).nat).toBe(natWith(note, masqAll));
    expect(render({}).nat).toBe(natWith(note, ''));
  });

  it('--nodeport-addresses: one NODEPORTS jump per matching node address, and no localhost NodePorts', () => {
    const node = { name: 'node1', addresses: ['192.168.100.51', '10.0.2.15', '127.0.0.1', '192.168.100.99'] };
    const r = render({ clusterCIDR: '10.244.0.0/16', nodePortAddresses: ['192.168.100.0/24', 'fd00::/64'] }, node);
    const masq = '-A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ';
    expect(r.nat).toBe(natWith(`${NOTE} -d 192.168.100.51 -j KUBE-NODEPORTS\n${NOTE} -d 192.168.100.99 -j KUBE-NODEPORTS`, masq));
    // The loopback-excluding CIDRs turn localhost NodePorts off: no KUBE-FIREWALL, no jumps to it.
    expect(r.filter).toBe(filterTable().replace(/^.*KUBE-FIREWALL .*\n/gm, ''));
    expect(r.ensureJumps.some((j) => j.target === 'KUBE-FIREWALL')).toBe(false);
    // With loopback in the CIDRs, 127.0.0.1 gets its jump too.
    const withLo = render({ clusterCIDR: '10.244.0.0/16', nodePortAddresses: ['127.0.0.0/8', '192.168.100.51/32'] }, node);
    expect(withLo.nat).toBe(natWith(`${NOTE} -d 127.0.0.1 -j KUBE-NODEPORTS\n${NOTE} -d 192.168.100.51 -j KUBE-NODEPORTS`, masq));
    expect(withLo.filter).toBe(filterTable());
  });

  it('localhostNodePorts false: NODEPORTS not for 127.0.0.0/8, no KUBE-FIREWALL', () => {
    const r = render({ clusterCIDR: '10.244.0.0/16', localhostNodePorts: false });
    expect(r.nat).toContain(`${NOTE} -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS\n`);
    expect(r.filter).not.toContain('KUBE-FIREWALL');
  });

  it('mark bit, --random-fully and the INVALID drop follow the options', () => {
    const r = render({ clusterCIDR: '10.244.0.0/16', masqueradeBit: 15, randomFully: false, conntrackTCPBeLiberal: true });
    expect(r.nat).toContain(
      ruleset(`
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x8000
        -A KUBE-POSTROUTING -m mark ! --mark 0x8000/0x8000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --xor-mark 0x8000
        -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
      `),
    );
    expect(r.filter).toContain('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x8000/0x8000 -j ACCEPT\n');
    expect(r.filter).not.toContain('INVALID');
    expect(() => render({ masqueradeBit: 32 })).toThrow(RangeError);
    expect(() => render({ clusterCIDR: '10.244.0.0' })).toThrow(/not an IPv4 CIDR/);
  });

  it('large cluster mode (more endpoints than the threshold) leaves out per-endpoint comments', () => {
    const r = render({ clusterCIDR: '10.244.0.0/16', largeClusterEndpointsThreshold: 2 });
    expect(r.largeClusterMode).toBe(true);
    expect(r.nat).toContain(
      ruleset(`
        -A KUBE-SEP-ADRRA5VPLQUVN2DR -s 10.244.1.39 -j KUBE-MARK-MASQ
        -A KUBE-SEP-ADRRA5VPLQUVN2DR -m tcp -p tcp -j DNAT --to-destination 10.244.1.39:80
        -A KUBE-SEP-M4GYI7VZIBO3HPUD -s 10.244.1.40 -j KUBE-MARK-MASQ
        -A KUBE-SEP-M4GYI7VZIBO3HPUD -m tcp -p tcp -j DNAT --to-destination 10.244.1.40:80
        -A KUBE-SEP-VKTY5JBNTA3KRJLJ -s 10.244.2.33 -j KUBE-MARK-MASQ
        -A KUBE-SEP-VKTY5JBNTA3KRJLJ -m tcp -p tcp -j DNAT --to-destination 10.244.2.33:80
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-ADRRA5VPLQUVN2DR
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-M4GYI7VZIBO3HPUD
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -j KUBE-SEP-VKTY5JBNTA3KRJLJ
      `),
    );
    expect(render({ clusterCIDR: '10.244.0.0/16', largeClusterEndpointsThreshold: 3 }).largeClusterMode).toBe(false);
  });

  it('jumps from the built-in chains, in kube-proxy order, as argv for iptables -C / -I', () => {
    const r = render({});
    expect(r.ensureJumps.map((j) => [j.table, j.chain, ...j.args].join(' '))).toEqual([
      'filter INPUT -m conntrack --ctstate NEW -m comment --comment kubernetes externally-visible service portals -j KUBE-EXTERNAL-SERVICES',
      'filter FORWARD -m conntrack --ctstate NEW -m comment --comment kubernetes externally-visible service portals -j KUBE-EXTERNAL-SERVICES',
      'filter INPUT -m comment --comment kubernetes health check service ports -j KUBE-NODEPORTS',
      'filter FORWARD -m conntrack --ctstate NEW -m comment --comment kubernetes service portals -j KUBE-SERVICES',
      'filter OUTPUT -m conntrack --ctstate NEW -m comment --comment kubernetes service portals -j KUBE-SERVICES',
      'filter FORWARD -m comment --comment kubernetes forwarding rules -j KUBE-FORWARD',
      'filter INPUT -m conntrack --ctstate NEW -m comment --comment kubernetes load balancer firewall -j KUBE-PROXY-FIREWALL',
      'filter OUTPUT -m conntrack --ctstate NEW -m comment --comment kubernetes load balancer firewall -j KUBE-PROXY-FIREWALL',
      'filter FORWARD -m conntrack --ctstate NEW -m comment --comment kubernetes load balancer firewall -j KUBE-PROXY-FIREWALL',
      'nat OUTPUT -m comment --comment kubernetes service portals -j KUBE-SERVICES',
      'nat PREROUTING -m comment --comment kubernetes service portals -j KUBE-SERVICES',
      'nat POSTROUTING -m comment --comment kubernetes postrouting rules -j KUBE-POSTROUTING',
      'filter INPUT -j KUBE-FIREWALL',
      'filter OUTPUT -j KUBE-FIREWALL',
    ]);
    expect(r.ensureJumps[0]!.args).toContain('kubernetes externally-visible service portals');
    expect(r.canary).toEqual({ chain: 'KUBE-PROXY-CANARY', tables: ['mangle', 'nat', 'filter'] });
  });

  it('is deterministic: the same maps give the same text whatever their insertion order', () => {
    const a = stateOf([walkthroughService()], [walkthroughSlice()], 'node1');
    const reversed = { services: new Map([...a.services].reverse()), endpoints: new Map([...a.endpoints].reverse()) };
    expect(renderIptables({ ...reversed, node: NODE1 }).restore).toBe(renderIptables({ ...a, node: NODE1 }).restore);
  });
});
