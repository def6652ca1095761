/**
 * Hand-written expected rulesets, compared exactly, for the walkthrough's services on node1
 * (192.168.100.51, pod CIDR 10.244.0.0/16).
 */
import { describe, expect, it } from 'vitest';
import { iptablesSaveRule } from '../testing/iptables-save-form.js';
import { renderIptables, type RenderOptions } from './render-iptables.js';
import { ep, makeService, makeSlice, NODE1, NOT_READY, ruleset, stateOf, walkthroughService, walkthroughSlice } from '../testing/fixtures.js';
import { filterTable, MASQ_RULES, NAT_IDLE, NODEPORTS_LAST } from '../testing/rulesets.js';
import type { EndpointSlice, Service } from '@minimesh/api';

const OPTS: RenderOptions = { clusterCIDR: '10.244.0.0/16' };
const render = (services: Service[], slices: EndpointSlice[], opts: RenderOptions = OPTS) => renderIptables({ ...stateOf(services, slices, 'node1'), node: NODE1, opts });

describe('renderIptables: ClusterIP', () => {
  it('the walkthrough: 10.97.97.97:80 over three endpoints, 1/3 then 1/2 then the rest', () => {
    const r = render([walkthroughService()], [walkthroughSlice()]);
    expect(r.filter).toBe(
      ruleset(`
        *filter
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-EXTERNAL-SERVICES - [0:0]
        :KUBE-FIREWALL - [0:0]
        :KUBE-FORWARD - [0:0]
        :KUBE-PROXY-FIREWALL - [0:0]
        -A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
        -A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        COMMIT
      `),
    );
    expect(r.nat).toBe(
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
        -A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
        -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
        -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
        -A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -s 10.244.1.39 -j KUBE-MARK-MASQ
        -A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.1.39:80
        -A KUBE-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -s 10.244.1.40 -j KUBE-MARK-MASQ
        -A KUBE-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.1.40:80
        -A KUBE-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -s 10.244.2.33 -j KUBE-MARK-MASQ
        -A KUBE-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.2.33:80
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.39:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-ADRRA5VPLQUVN2DR
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.40:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-M4GYI7VZIBO3HPUD
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.2.33:80" -j KUBE-SEP-VKTY5JBNTA3KRJLJ
        COMMIT
      `),
    );
    expect(r.restore).toBe(r.filter + r.nat);
    expect(r.partial).toBe(false);
    expect(r.ruleCounts).toEqual({ filter: 4, nat: 16, natWritten: 16 });
    expect(r.noLocalEndpoints).toEqual({ internal: 0, external: 0 });
    expect([...r.natChains].sort()).toEqual([
      'KUBE-MARK-MASQ',
      'KUBE-NODEPORTS',
      'KUBE-POSTROUTING',
      'KUBE-SEP-ADRRA5VPLQUVN2DR',
      'KUBE-SEP-M4GYI7VZIBO3HPUD',
      'KUBE-SEP-VKTY5JBNTA3KRJLJ',
      'KUBE-SERVICES',
      'KUBE-SVC-FGOSKYZ2SUD3AIAL',
    ]);
  });

  it('no endpoints: no nat chains, a REJECT in filter KUBE-SERVICES', () => {
    const noEndpoints = filterTable({ services: ['-A KUBE-SERVICES -m comment --comment "study/service-clusterip has no endpoints" -m tcp -p tcp -d 10.97.97.97 --dport 80 -j REJECT'] });
    let r = render([walkthroughService()], []);
    expect(r.filter).toBe(noEndpoints);
    expect(r.nat).toBe(NAT_IDLE);
    // Endpoints that are neither ready nor serving-terminating count as none.
    const unready = makeSlice('study', 'service-clusterip', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.1.39', 'node1', NOT_READY)] });
    r = render([walkthroughService()], [unready]);
    expect(r.filter).toBe(noEndpoints);
    expect(r.nat).toBe(NAT_IDLE);
  });

  it('ClientIP affinity: recent --rcheck before the random jumps, recent --set before DNAT', () => {
    const r = render([walkthroughService({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } })], [walkthroughSlice()]);
    expect(r.nat).toBe(
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
        ${NODEPORTS_LAST}
        ${MASQ_RULES}
        -A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -s 10.244.1.39 -j KUBE-MARK-MASQ
        -A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -m recent --name KUBE-SEP-ADRRA5VPLQUVN2DR --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.39:80
        -A KUBE-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -s 10.244.1.40 -j KUBE-MARK-MASQ
        -A KUBE-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -m recent --name KUBE-SEP-M4GYI7VZIBO3HPUD --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.40:80
        -A KUBE-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -s 10.244.2.33 -j KUBE-MARK-MASQ
        -A KUBE-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -m recent --name KUBE-SEP-VKTY5JBNTA3KRJLJ --set -m tcp -p tcp -j DNAT --to-destination 10.244.2.33:80
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.39:80" -m recent --name KUBE-SEP-ADRRA5VPLQUVN2DR --rcheck --seconds 10800 --reap -j KUBE-SEP-ADRRA5VPLQUVN2DR
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.40:80" -m recent --name KUBE-SEP-M4GYI7VZIBO3HPUD --rcheck --seconds 10800 --reap -j KUBE-SEP-M4GYI7VZIBO3HPUD
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.2.33:80" -m recent --name KUBE-SEP-VKTY5JBNTA3KRJLJ --rcheck --seconds 10800 --reap -j KUBE-SEP-VKTY5JBNTA3KRJLJ
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.39:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-ADRRA5VPLQUVN2DR
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.40:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-M4GYI7VZIBO3HPUD
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.2.33:80" -j KUBE-SEP-VKTY5JBNTA3KRJLJ
        COMMIT
      `),
    );
  });
});

describe('renderIptables: NodePort', () => {
  it("the seed's my-nodeport-service without endpoints: REJECT its ClusterIP and its NodePort", () => {
    const svc = makeService('default', 'my-nodeport-service', { type: 'NodePort', clusterIP: '10.233.44.13', selector: { app: 'MyApp' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 9376, nodePort: 30036 }] });
    const r = render([svc], []);
    const serviceRule = '-A KUBE-SERVICES -m comment --comment "default/my-nodeport-service has no endpoints" -m tcp -p tcp -d 10.233.44.13 --dport 80 -j REJECT';
    const nodePortRule = '-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/my-nodeport-service has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30036 -j REJECT';
    expect(r.filter).toBe(filterTable({ services: [serviceRule], externalServices: [nodePortRule] }));
    expect(r.nat).toBe(NAT_IDLE);
    // As `iptables-save | grep my-nodeport-service` prints them. The seed comes from a kube-proxy
    // older than fmtPortName, whose ServicePortName.String() always ended in ":" (so its comment
    // reads "default/my-nodeport-service: has no endpoints"); today's reads without the colon.
    const seed = [
      '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/my-nodeport-service: has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30036 -j REJECT --reject-with icmp-port-unreachable',
      '-A KUBE-SERVICES -d 10.233.44.13/32 -p tcp -m comment --comment "default/my-nodeport-service: has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    ];
    expect([nodePortRule, serviceRule].map(iptablesSaveRule)).toEqual(seed.map((l) => l.replace('my-nodeport-service: has', 'my-nodeport-service has')));
  });

  it('NodePort 30002 with endpoints: KUBE-NODEPORTS → KUBE-EXT (masquerade) → KUBE-SVC', () => {
    const svc = makeService('study', 'service-nodeport', { type: 'NodePort', clusterIP: '10.100.46.87', ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30002 }] });
    const slice = makeSlice('study', 'service-nodeport', {
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
      endpoints: [ep('10.244.166.191', 'node1'), ep('10.244.166.129', 'node1'), ep('10.244.104.10', 'node2')],
    });
    const r = render([svc], [slice]);
    expect(r.filter).toBe(filterTable());
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-EXT-AGWKR7IBOY7D6CHM - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-6OEKFVMFTHP6EC2N - [0:0]
        :KUBE-SEP-HAMTPC6SPI7GDIY4 - [0:0]
        :KUBE-SEP-JCKO7E7ERW4Q763O - [0:0]
        :KUBE-SVC-AGWKR7IBOY7D6CHM - [0:0]
        -A KUBE-NODEPORTS -m comment --comment study/service-nodeport -m tcp -p tcp --dport 30002 -j KUBE-EXT-AGWKR7IBOY7D6CHM
        -A KUBE-SERVICES -m comment --comment "study/service-nodeport cluster IP" -m tcp -p tcp -d 10.100.46.87 --dport 80 -j KUBE-SVC-AGWKR7IBOY7D6CHM
        ${NODEPORTS_LAST}
        -A KUBE-EXT-AGWKR7IBOY7D6CHM -m comment --comment "masquerade traffic for study/service-nodeport external destinations" -j KUBE-MARK-MASQ
        -A KUBE-EXT-AGWKR7IBOY7D6CHM -j KUBE-SVC-AGWKR7IBOY7D6CHM
        ${MASQ_RULES}
        -A KUBE-SEP-6OEKFVMFTHP6EC2N -m comment --comment study/service-nodeport -s 10.244.166.191 -j KUBE-MARK-MASQ
        -A KUBE-SEP-6OEKFVMFTHP6EC2N -m comment --comment study/service-nodeport -m tcp -p tcp -j DNAT --to-destination 10.244.166.191:80
        -A KUBE-SEP-HAMTPC6SPI7GDIY4 -m comment --comment study/service-nodeport -s 10.244.104.10 -j KUBE-MARK-MASQ
        -A KUBE-SEP-HAMTPC6SPI7GDIY4 -m comment --comment study/service-nodeport -m tcp -p tcp -j DNAT --to-destination 10.244.104.10:80
        -A KUBE-SEP-JCKO7E7ERW4Q763O -m comment --comment study/service-nodeport -s 10.244.166.129 -j KUBE-MARK-MASQ
        -A KUBE-SEP-JCKO7E7ERW4Q763O -m comment --comment study/service-nodeport -m tcp -p tcp -j DNAT --to-destination 10.244.166.129:80
        -A KUBE-SVC-AGWKR7IBOY7D6CHM -m comment --comment "study/service-nodeport cluster IP" -m tcp -p tcp -d 10.100.46.87 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-AGWKR7IBOY7D6CHM -m comment --comment "study/service-nodeport -> 10.244.104.10:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-HAMTPC6SPI7GDIY4
        -A KUBE-SVC-AGWKR7IBOY7D6CHM -m comment --comment "study/service-nodeport -> 10.244.166.129:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-JCKO7E7ERW4Q763O
        -A KUBE-SVC-AGWKR7IBOY7D6CHM -m comment --comment "study/service-nodeport -> 10.244.166.191:80" -j KUBE-SEP-6OEKFVMFTHP6EC2N
        COMMIT
      `),
    );
  });
});

describe('renderIptables: serviceRuleHeads', () => {
  it('counts the Services\' rules at the head of each top-level chain that has no fixed rule before them', () => {
    const np = makeService('study', 'np', { type: 'NodePort', clusterIP: '10.100.46.87', ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30002 }] });
    const npSlice = makeSlice('study', 'np', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.166.191', 'node1')] });
    const empty = makeService('study', 'empty', { clusterIP: '10.100.46.88', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
    const r = render([np, empty], [npSlice]);
    const heads = Object.fromEntries(r.serviceRuleHeads);
    const rules = r.topLevelRules();
    // nat KUBE-SERVICES: np's cluster IP rule, then the fixed jump to KUBE-NODEPORTS.
    expect(heads['nat:KUBE-SERVICES']).toBe(1);
    expect(rules.get('nat:KUBE-SERVICES')!.at(-1)).toContain('KUBE-NODEPORTS');
    expect(heads['nat:KUBE-NODEPORTS']).toBe(1);
    expect(heads['filter:KUBE-SERVICES']).toBe(1); // empty's REJECT
    expect(heads['filter:KUBE-FORWARD']).toBe(0); // fixed rules only
    expect(r.serviceRuleHeads.has('nat:KUBE-POSTROUTING')).toBe(false); // fixed rules come first
    expect(r.serviceRuleHeads.has('nat:KUBE-MARK-MASQ')).toBe(false);
    for (const [key, n] of r.serviceRuleHeads) expect(n).toBeLessThanOrEqual(rules.get(key)!.length);
  });
});

describe('renderIptables: externalIPs and LoadBalancer', () => {
  const myService = makeService('default', 'my-service', { clusterIP: '10.96.100.100', selector: { app: 'MyApp' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9376 }], externalIPs: ['80.11.12.10'] });
  const mySlice = makeSlice('default', 'my-service', { ports: [{ name: 'http', port: 9376, protocol: 'TCP' }], endpoints: [ep('10.244.1.5', 'node2')] });

  it('externalIPs 80.11.12.10: KUBE-SERVICES "external IP" → KUBE-EXT', () => {
    const r = render([myService], [mySlice]);
    expect(r.filter).toBe(filterTable());
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-EXT-I37Z43XJW6BD4TLV - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-ZTI3FFYXSTSPLFXI - [0:0]
        :KUBE-SVC-I37Z43XJW6BD4TLV - [0:0]
        -A KUBE-SERVICES -m comment --comment "default/my-service:http cluster IP" -m tcp -p tcp -d 10.96.100.100 --dport 80 -j KUBE-SVC-I37Z43XJW6BD4TLV
        -A KUBE-SERVICES -m comment --comment "default/my-service:http external IP" -m tcp -p tcp -d 80.11.12.10 --dport 80 -j KUBE-EXT-I37Z43XJW6BD4TLV
        ${NODEPORTS_LAST}
        -A KUBE-EXT-I37Z43XJW6BD4TLV -m comment --comment "masquerade traffic for default/my-service:http external destinations" -j KUBE-MARK-MASQ
        -A KUBE-EXT-I37Z43XJW6BD4TLV -j KUBE-SVC-I37Z43XJW6BD4TLV
        ${MASQ_RULES}
        -A KUBE-SEP-ZTI3FFYXSTSPLFXI -m comment --comment default/my-service:http -s 10.244.1.5 -j KUBE-MARK-MASQ
        -A KUBE-SEP-ZTI3FFYXSTSPLFXI -m comment --comment default/my-service:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:9376
        -A KUBE-SVC-I37Z43XJW6BD4TLV -m comment --comment "default/my-service:http cluster IP" -m tcp -p tcp -d 10.96.100.100 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-I37Z43XJW6BD4TLV -m comment --comment "default/my-service:http -> 10.244.1.5:9376" -j KUBE-SEP-ZTI3FFYXSTSPLFXI
        COMMIT
      `),
    );
  });

  it('externalIPs without endpoints: REJECT in KUBE-EXTERNAL-SERVICES too', () => {
    const r = render([myService], []);
    expect(r.filter).toBe(
      filterTable({
        services: ['-A KUBE-SERVICES -m comment --comment "default/my-service:http has no endpoints" -m tcp -p tcp -d 10.96.100.100 --dport 80 -j REJECT'],
        externalServices: ['-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/my-service:http has no endpoints" -m tcp -p tcp -d 80.11.12.10 --dport 80 -j REJECT'],
      }),
    );
    expect(r.nat).toBe(NAT_IDLE);
  });

  it('LoadBalancer with loadBalancerSourceRanges: KUBE-FW per range (and the VIP, the node being in a range), DROP in KUBE-PROXY-FIREWALL', () => {
    const lb = makeService(
      'default',
      'lb-service',
      { type: 'LoadBalancer', clusterIP: '10.96.5.5', ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443, nodePort: 31443 }], loadBalancerSourceRanges: ['192.168.100.0/24', '10.8.0.0/16'] },
      { loadBalancer: { ingress: [{ ip: '203.0.113.10', ipMode: 'VIP' }, { ip: '203.0.113.11', ipMode: 'Proxy' }, { hostname: 'lb.example.com' }] } },
    );
    const slice = makeSlice('default', 'lb-service', { ports: [{ name: 'https', port: 8443, protocol: 'TCP' }], endpoints: [ep('10.244.2.7', 'node2')] });
    const r = render([lb], [slice]);
    expect(r.filter).toBe(
      filterTable({ proxyFirewall: ['-A KUBE-PROXY-FIREWALL -m comment --comment "default/lb-service:https traffic not accepted by KUBE-FW-T5KVFTVM7MRVQG3A" -m tcp -p tcp -d 203.0.113.10 --dport 443 -j DROP'] }),
    );
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-EXT-T5KVFTVM7MRVQG3A - [0:0]
        :KUBE-FW-T5KVFTVM7MRVQG3A - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-EUB7CO64MZH2EBQD - [0:0]
        :KUBE-SVC-T5KVFTVM7MRVQG3A - [0:0]
        -A KUBE-NODEPORTS -m comment --comment default/lb-service:https -m tcp -p tcp --dport 31443 -j KUBE-EXT-T5KVFTVM7MRVQG3A
        -A KUBE-SERVICES -m comment --comment "default/lb-service:https cluster IP" -m tcp -p tcp -d 10.96.5.5 --dport 443 -j KUBE-SVC-T5KVFTVM7MRVQG3A
        -A KUBE-SERVICES -m comment --comment "default/lb-service:https loadbalancer IP" -m tcp -p tcp -d 203.0.113.10 --dport 443 -j KUBE-FW-T5KVFTVM7MRVQG3A
        ${NODEPORTS_LAST}
        -A KUBE-EXT-T5KVFTVM7MRVQG3A -m comment --comment "masquerade traffic for default/lb-service:https external destinations" -j KUBE-MARK-MASQ
        -A KUBE-EXT-T5KVFTVM7MRVQG3A -j KUBE-SVC-T5KVFTVM7MRVQG3A
        -A KUBE-FW-T5KVFTVM7MRVQG3A -m comment --comment "default/lb-service:https loadbalancer IP" -s 192.168.100.0/24 -j KUBE-EXT-T5KVFTVM7MRVQG3A
        -A KUBE-FW-T5KVFTVM7MRVQG3A -m comment --comment "default/lb-service:https loadbalancer IP" -s 10.8.0.0/16 -j KUBE-EXT-T5KVFTVM7MRVQG3A
        -A KUBE-FW-T5KVFTVM7MRVQG3A -m comment --comment "default/lb-service:https loadbalancer IP" -s 203.0.113.10 -j KUBE-EXT-T5KVFTVM7MRVQG3A
        -A KUBE-FW-T5KVFTVM7MRVQG3A -m comment --comment "other traffic to default/lb-service:https will be dropped by KUBE-PROXY-FIREWALL"
        ${MASQ_RULES}
        -A KUBE-SEP-EUB7CO64MZH2EBQD -m comment --comment default/lb-service:https -s 10.244.2.7 -j KUBE-MARK-MASQ
        -A KUBE-SEP-EUB7CO64MZH2EBQD -m comment --comment default/lb-service:https -m tcp -p tcp -j DNAT --to-destination 10.244.2.7:8443
        -A KUBE-SVC-T5KVFTVM7MRVQG3A -m comment --comment "default/lb-service:https cluster IP" -m tcp -p tcp -d 10.96.5.5 --dport 443 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-T5KVFTVM7MRVQG3A -m comment --comment "default/lb-service:https -> 10.244.2.7:8443" -j KUBE-SEP-EUB7CO64MZH2EBQD
        COMMIT
      `),
    );
  });
});
