/**
 * Hand-written expected rulesets for traffic policies, terminating endpoints and protocols, on
 * node1 (192.168.100.51, pod CIDR 10.244.0.0/16).
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { renderIptables } from './render-iptables.js';
import { ep, makeService, makeSlice, NODE1, NOT_READY, ruleset, stateOf, TERMINATING, walkthroughService, walkthroughSlice } from '../testing/fixtures.js';
import { filterTable, MASQ_RULES, NAT_IDLE, NODEPORTS_LAST } from '../testing/rulesets.js';

const render = (services: Service[], slices: EndpointSlice[], node = NODE1) => renderIptables({ ...stateOf(services, slices, node.name), node, opts: { clusterCIDR: '10.244.0.0/16' } });
const port80 = [{ name: '', port: 80, protocol: 'TCP' }];

describe('renderIptables: externalTrafficPolicy Local', () => {
  const nodePortLocal = makeService('study', 'service-nodeport', { type: 'NodePort', externalTrafficPolicy: 'Local', clusterIP: '10.100.46.87', ports: [{ port: 80, protocol: 'TCP', nodePort: 30002 }] });
  const slice = makeSlice('study', 'service-nodeport', { ports: port80, endpoints: [ep('10.244.166.191', 'node1'), ep('10.244.166.129', 'node1'), ep('10.244.104.10', 'node2')] });

  it('with local endpoints: KUBE-EXT short-circuits pod and host traffic to KUBE-SVC, the rest goes to KUBE-SVL', () => {
    const r = render([nodePortLocal], [slice]);
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
        :KUBE-SVL-AGWKR7IBOY7D6CHM - [0:0]
        -A KUBE-NODEPORTS -m comment --comment study/service-nodeport -m tcp -p tcp --dport 30002 -j KUBE-EXT-AGWKR7IBOY7D6CHM
        -A KUBE-SERVICES -m comment --comment "study/service-nodeport cluster IP" -m tcp -p tcp -d 10.100.46.87 --dport 80 -j KUBE-SVC-AGWKR7IBOY7D6CHM
        ${NODEPORTS_LAST}
        -A KUBE-EXT-AGWKR7IBOY7D6CHM -m comment --comment "pod traffic for study/service-nodeport external destinations" -s 10.244.0.0/16 -j KUBE-SVC-AGWKR7IBOY7D6CHM
        -A KUBE-EXT-AGWKR7IBOY7D6CHM -m comment --comment "masquerade LOCAL traffic for study/service-nodeport external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
        -A KUBE-EXT-AGWKR7IBOY7D6CHM -m comment --comment "route LOCAL traffic for study/service-nodeport external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-AGWKR7IBOY7D6CHM
        -A KUBE-EXT-AGWKR7IBOY7D6CHM -j KUBE-SVL-AGWKR7IBOY7D6CHM
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
        -A KUBE-SVL-AGWKR7IBOY7D6CHM -m comment --comment "study/service-nodeport -> 10.244.166.129:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-JCKO7E7ERW4Q763O
        -A KUBE-SVL-AGWKR7IBOY7D6CHM -m comment --comment "study/service-nodeport -> 10.244.166.191:80" -j KUBE-SEP-6OEKFVMFTHP6EC2N
        COMMIT
      `),
    );
    expect(r.noLocalEndpoints).toEqual({ internal: 0, external: 0 });
  });

  it('without local endpoints (LoadBalancer): DROP external traffic in filter, keep the short-circuit, accept the health check node port', () => {
    const web = makeService(
      'default',
      'web',
      { type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '10.96.7.7', healthCheckNodePort: 32100, ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 31080 }] },
      { loadBalancer: { ingress: [{ ip: '198.51.100.7' }] } },
    );
    const webSlice = makeSlice('default', 'web', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.2.20', 'node2')] });
    const r = render([web], [webSlice]);
    expect(r.filter).toBe(
      filterTable({
        nodePorts: ['-A KUBE-NODEPORTS -m comment --comment "default/web:http health check node port" -m tcp -p tcp --dport 32100 -j ACCEPT'],
        externalServices: [
          '-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/web:http has no local endpoints" -m tcp -p tcp -d 198.51.100.7 --dport 80 -j DROP',
          '-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 31080 -j DROP',
        ],
      }),
    );
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-EXT-CDGGSHYLG3RE2FKL - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-G7NF7UUBOQBUZ57S - [0:0]
        :KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
        -A KUBE-NODEPORTS -m comment --comment default/web:http -m tcp -p tcp --dport 31080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
        -A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.7.7 --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
        -A KUBE-SERVICES -m comment --comment "default/web:http loadbalancer IP" -m tcp -p tcp -d 198.51.100.7 --dport 80 -j KUBE-EXT-CDGGSHYLG3RE2FKL
        ${NODEPORTS_LAST}
        -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "pod traffic for default/web:http external destinations" -s 10.244.0.0/16 -j KUBE-SVC-CDGGSHYLG3RE2FKL
        -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
        -A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-CDGGSHYLG3RE2FKL
        ${MASQ_RULES}
        -A KUBE-SEP-G7NF7UUBOQBUZ57S -m comment --comment default/web:http -s 10.244.2.20 -j KUBE-MARK-MASQ
        -A KUBE-SEP-G7NF7UUBOQBUZ57S -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.2.20:80
        -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.7.7 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.20:80" -j KUBE-SEP-G7NF7UUBOQBUZ57S
        COMMIT
      `),
    );
    expect(r.noLocalEndpoints).toEqual({ internal: 0, external: 1 });
  });
});

describe('renderIptables: internalTrafficPolicy Local', () => {
  const local = walkthroughService({ internalTrafficPolicy: 'Local' });

  it('with local endpoints: the ClusterIP goes to KUBE-SVL over this node’s endpoints only', () => {
    const r = render([local], [walkthroughSlice()]);
    expect(r.filter).toBe(filterTable());
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-ADRRA5VPLQUVN2DR - [0:0]
        :KUBE-SEP-M4GYI7VZIBO3HPUD - [0:0]
        :KUBE-SVL-FGOSKYZ2SUD3AIAL - [0:0]
        -A KUBE-SERVICES -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 -j KUBE-SVL-FGOSKYZ2SUD3AIAL
        ${NODEPORTS_LAST}
        ${MASQ_RULES}
        -A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -s 10.244.1.39 -j KUBE-MARK-MASQ
        -A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.1.39:80
        -A KUBE-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -s 10.244.1.40 -j KUBE-MARK-MASQ
        -A KUBE-SEP-M4GYI7VZIBO3HPUD -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.1.40:80
        -A KUBE-SVL-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVL-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.39:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-ADRRA5VPLQUVN2DR
        -A KUBE-SVL-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.40:80" -j KUBE-SEP-M4GYI7VZIBO3HPUD
        COMMIT
      `),
    );
  });

  it('without local endpoints: DROP "has no local endpoints" in filter, no nat chains', () => {
    const r = render([local], [walkthroughSlice()], { name: 'node3', addresses: ['192.168.100.53'] });
    expect(r.filter).toBe(filterTable({ services: ['-A KUBE-SERVICES -m comment --comment "study/service-clusterip has no local endpoints" -m tcp -p tcp -d 10.97.97.97 --dport 80 -j DROP'] }));
    expect(r.nat).toBe(NAT_IDLE);
    expect(r.noLocalEndpoints).toEqual({ internal: 1, external: 0 });
  });
});

describe('renderIptables: terminating endpoints', () => {
  const slice = (...endpoints: ReturnType<typeof ep>[]) => makeSlice('study', 'service-clusterip', { ports: port80, endpoints });
  const sep39 = [
    '-A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -s 10.244.1.39 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-ADRRA5VPLQUVN2DR -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.1.39:80',
  ].join('\n');
  const sep33 = [
    '-A KUBE-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -s 10.244.2.33 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-VKTY5JBNTA3KRJLJ -m comment --comment study/service-clusterip -m tcp -p tcp -j DNAT --to-destination 10.244.2.33:80',
  ].join('\n');
  const masq = (chain: string) => `-A ${chain} -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ`;

  it('no ready endpoint anywhere: fall back to the serving terminating ones', () => {
    const r = render([walkthroughService()], [slice(ep('10.244.1.39', 'node1', TERMINATING), ep('10.244.1.40', 'node1', { ready: false, serving: false, terminating: true }), ep('10.244.2.33', 'node2', NOT_READY))]);
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-ADRRA5VPLQUVN2DR - [0:0]
        :KUBE-SVC-FGOSKYZ2SUD3AIAL - [0:0]
        -A KUBE-SERVICES -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 -j KUBE-SVC-FGOSKYZ2SUD3AIAL
        ${NODEPORTS_LAST}
        ${MASQ_RULES}
        ${sep39}
        ${masq('KUBE-SVC-FGOSKYZ2SUD3AIAL')}
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.39:80" -j KUBE-SEP-ADRRA5VPLQUVN2DR
        COMMIT
      `),
    );
  });

  it('a ready endpoint anywhere: terminating ones get no new connections', () => {
    const r = render([walkthroughService()], [slice(ep('10.244.1.39', 'node1', TERMINATING), ep('10.244.2.33', 'node2'))]);
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-VKTY5JBNTA3KRJLJ - [0:0]
        :KUBE-SVC-FGOSKYZ2SUD3AIAL - [0:0]
        -A KUBE-SERVICES -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 -j KUBE-SVC-FGOSKYZ2SUD3AIAL
        ${NODEPORTS_LAST}
        ${MASQ_RULES}
        ${sep33}
        ${masq('KUBE-SVC-FGOSKYZ2SUD3AIAL')}
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.2.33:80" -j KUBE-SEP-VKTY5JBNTA3KRJLJ
        COMMIT
      `),
    );
  });

  it('eTP Local: the local terminating endpoint serves external traffic while the cluster uses the ready remote one', () => {
    const svc = walkthroughService({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] });
    const r = render([svc], [slice(ep('10.244.1.39', 'node1', TERMINATING), ep('10.244.2.33', 'node2'))]);
    expect(r.filter).toBe(filterTable());
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-EXT-FGOSKYZ2SUD3AIAL - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-ADRRA5VPLQUVN2DR - [0:0]
        :KUBE-SEP-VKTY5JBNTA3KRJLJ - [0:0]
        :KUBE-SVC-FGOSKYZ2SUD3AIAL - [0:0]
        :KUBE-SVL-FGOSKYZ2SUD3AIAL - [0:0]
        -A KUBE-NODEPORTS -m comment --comment study/service-clusterip -m tcp -p tcp --dport 30080 -j KUBE-EXT-FGOSKYZ2SUD3AIAL
        -A KUBE-SERVICES -m comment --comment "study/service-clusterip cluster IP" -m tcp -p tcp -d 10.97.97.97 --dport 80 -j KUBE-SVC-FGOSKYZ2SUD3AIAL
        ${NODEPORTS_LAST}
        -A KUBE-EXT-FGOSKYZ2SUD3AIAL -m comment --comment "pod traffic for study/service-clusterip external destinations" -s 10.244.0.0/16 -j KUBE-SVC-FGOSKYZ2SUD3AIAL
        -A KUBE-EXT-FGOSKYZ2SUD3AIAL -m comment --comment "masquerade LOCAL traffic for study/service-clusterip external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
        -A KUBE-EXT-FGOSKYZ2SUD3AIAL -m comment --comment "route LOCAL traffic for study/service-clusterip external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-FGOSKYZ2SUD3AIAL
        -A KUBE-EXT-FGOSKYZ2SUD3AIAL -j KUBE-SVL-FGOSKYZ2SUD3AIAL
        ${MASQ_RULES}
        ${sep39}
        ${sep33}
        ${masq('KUBE-SVC-FGOSKYZ2SUD3AIAL')}
        -A KUBE-SVC-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.2.33:80" -j KUBE-SEP-VKTY5JBNTA3KRJLJ
        -A KUBE-SVL-FGOSKYZ2SUD3AIAL -m comment --comment "study/service-clusterip -> 10.244.1.39:80" -j KUBE-SEP-ADRRA5VPLQUVN2DR
        COMMIT
      `),
    );
  });
});

describe('renderIptables: UDP and SCTP', () => {
  it('kube-dns over UDP and TCP, and an SCTP service: -m udp -p udp, -m sctp -p sctp, one chain per protocol', () => {
    const dns = makeService('kube-system', 'kube-dns', {
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    });
    const dnsSlice = makeSlice('kube-system', 'kube-dns', {
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
      endpoints: [ep('10.244.1.2', 'node1'), ep('10.244.2.2', 'node2')],
    });
    const sctp = makeService('default', 'sctp-svc', { clusterIP: '10.96.9.9', ports: [{ port: 9999, protocol: 'SCTP' }] });
    const sctpSlice = makeSlice('default', 'sctp-svc', { ports: [{ name: '', port: 9999, protocol: 'SCTP' }], endpoints: [ep('10.244.2.9', 'node2')] });
    const r = render([dns, sctp], [dnsSlice, sctpSlice]);
    expect(r.filter).toBe(filterTable());
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-BWHGELGX6BITPZVO - [0:0]
        :KUBE-SEP-H43KOBK57RGK7JDG - [0:0]
        :KUBE-SEP-H7FN6LU3RSH6CC2T - [0:0]
        :KUBE-SEP-TCIZBYBD3WWXNWF5 - [0:0]
        :KUBE-SEP-Z6M7ZHWCTBNMPLD7 - [0:0]
        :KUBE-SVC-3PFNZZQH7SSTBM42 - [0:0]
        :KUBE-SVC-ERIFXISQEP7F7OF4 - [0:0]
        :KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
        -A KUBE-SERVICES -m comment --comment "default/sctp-svc cluster IP" -m sctp -p sctp -d 10.96.9.9 --dport 9999 -j KUBE-SVC-3PFNZZQH7SSTBM42
        -A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
        -A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4
        ${NODEPORTS_LAST}
        ${MASQ_RULES}
        -A KUBE-SEP-BWHGELGX6BITPZVO -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.1.2 -j KUBE-MARK-MASQ
        -A KUBE-SEP-BWHGELGX6BITPZVO -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:53
        -A KUBE-SEP-H43KOBK57RGK7JDG -m comment --comment default/sctp-svc -s 10.244.2.9 -j KUBE-MARK-MASQ
        -A KUBE-SEP-H43KOBK57RGK7JDG -m comment --comment default/sctp-svc -m sctp -p sctp -j DNAT --to-destination 10.244.2.9:9999
        -A KUBE-SEP-H7FN6LU3RSH6CC2T -m comment --comment kube-system/kube-dns:dns-tcp -s 10.244.2.2 -j KUBE-MARK-MASQ
        -A KUBE-SEP-H7FN6LU3RSH6CC2T -m comment --comment kube-system/kube-dns:dns-tcp -m tcp -p tcp -j DNAT --to-destination 10.244.2.2:53
        -A KUBE-SEP-TCIZBYBD3WWXNWF5 -m comment --comment kube-system/kube-dns:dns -s 10.244.2.2 -j KUBE-MARK-MASQ
        -A KUBE-SEP-TCIZBYBD3WWXNWF5 -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.2.2:53
        -A KUBE-SEP-Z6M7ZHWCTBNMPLD7 -m comment --comment kube-system/kube-dns:dns -s 10.244.1.2 -j KUBE-MARK-MASQ
        -A KUBE-SEP-Z6M7ZHWCTBNMPLD7 -m comment --comment kube-system/kube-dns:dns -m udp -p udp -j DNAT --to-destination 10.244.1.2:53
        -A KUBE-SVC-3PFNZZQH7SSTBM42 -m comment --comment "default/sctp-svc cluster IP" -m sctp -p sctp -d 10.96.9.9 --dport 9999 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-3PFNZZQH7SSTBM42 -m comment --comment "default/sctp-svc -> 10.244.2.9:9999" -j KUBE-SEP-H43KOBK57RGK7JDG
        -A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.1.2:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-BWHGELGX6BITPZVO
        -A KUBE-SVC-ERIFXISQEP7F7OF4 -m comment --comment "kube-system/kube-dns:dns-tcp -> 10.244.2.2:53" -j KUBE-SEP-H7FN6LU3RSH6CC2T
        -A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp -p udp -d 10.96.0.10 --dport 53 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.1.2:53" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-Z6M7ZHWCTBNMPLD7
        -A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.2.2:53" -j KUBE-SEP-TCIZBYBD3WWXNWF5
        COMMIT
      `),
    );
  });

  it('a UDP NodePort service without endpoints: REJECT with -m udp -p udp', () => {
    const svc = makeService('default', 'syslog', { type: 'NodePort', clusterIP: '10.96.5.14', ports: [{ port: 514, protocol: 'UDP', nodePort: 30514 }] });
    expect(render([svc], []).filter).toBe(
      filterTable({
        services: ['-A KUBE-SERVICES -m comment --comment "default/syslog has no endpoints" -m udp -p udp -d 10.96.5.14 --dport 514 -j REJECT'],
        externalServices: ['-A KUBE-EXTERNAL-SERVICES -m comment --comment "default/syslog has no endpoints" -m addrtype --dst-type LOCAL -m udp -p udp --dport 30514 -j REJECT'],
      }),
    );
  });
});
