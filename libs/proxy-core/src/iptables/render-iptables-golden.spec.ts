/**
 * kube-proxy's own golden rulesets (pkg/proxy/iptables/proxier_test.go TestOverallIPTablesRules
 * and TestSyncProxyRulesRepeated), reproduced with the fake proxier's settings: node "test-node"
 * at 192.168.0.2, cluster CIDR 10.0.0.0/8, mark 0x4000, no --random-fully.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { EndpointsChangeTracker, ServiceChangeTracker } from '../change-trackers.js';
import { renderIptables, type RenderOptions, type RenderResult } from './render-iptables.js';
import { ep, makeService, makeSlice, ruleset } from '../testing/fixtures.js';

const NODE = { name: 'test-node', addresses: ['192.168.0.2'] };
const OPTS: RenderOptions = { clusterCIDR: '10.0.0.0/8', randomFully: false };
const p80 = [{ name: 'p80', port: 80, protocol: 'TCP' }];
const slice = (ns: string, svc: string, ...ips: string[]) => makeSlice(ns, svc, { name: `${svc}-1`, ports: p80, endpoints: ips.map((ip) => ep(ip)) });
const clusterIP = (ns: string, name: string, ip: string, port = 80, portName = 'p80') => makeService(ns, name, { clusterIP: ip, ports: [{ name: portName, port, protocol: 'TCP' }] });

const FILTER_IDLE = ruleset(`
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
`);
const NAT_TAIL = `  -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
  -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
  -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
  -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE`;
const NODEPORTS_LAST = `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`;

describe('renderIptables: kube-proxy TestOverallIPTablesRules', () => {
  it('reproduces the golden ruleset (nfacct counters present)', () => {
    const services: Service[] = [
      clusterIP('ns1', 'svc1', '172.30.0.41'),
      makeService(
        'ns2',
        'svc2',
        { type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.42', ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3001 }], externalIPs: ['192.168.99.22'], healthCheckNodePort: 30000 },
        { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
      ),
      makeService('ns3', 'svc3', { type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3003 }] }),
      makeService('ns4', 'svc4', { type: 'NodePort', clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'], ports: [{ name: 'p80', port: 80, protocol: 'TCP', targetPort: 80 }] }),
      makeService(
        'ns5',
        'svc5',
        {
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Cluster',
          clusterIP: '172.30.0.45',
          ports: [{ name: 'p80', port: 80, protocol: 'TCP', nodePort: 3002 }],
          healthCheckNodePort: 30000,
          loadBalancerSourceRanges: [' 203.0.113.0/25'],
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        },
        { loadBalancer: { ingress: [{ ip: '5.6.7.8' }] } },
      ),
      clusterIP('ns6', 'svc6', '172.30.0.46'),
    ];
    const slices: EndpointSlice[] = [
      slice('ns1', 'svc1', '10.180.0.1'),
      slice('ns2', 'svc2', '10.180.0.2'),
      slice('ns3', 'svc3', '10.180.0.3'),
      makeSlice('ns4', 'svc4', { name: 'svc4-1', ports: p80, endpoints: [ep('10.180.0.4'), ep('10.180.0.5', 'test-node')] }),
      slice('ns5', 'svc5', '10.180.0.3'),
    ];
    const st = new ServiceChangeTracker();
    for (const s of services) st.update(undefined, s);
    st.checkoutChanges();
    const et = new EndpointsChangeTracker({ nodeName: 'test-node' });
    for (const s of slices) et.update(undefined, s);
    et.checkoutChanges();

    const r = renderIptables({ services: st.serviceMap, endpoints: et.endpointsMap, node: NODE, opts: { ...OPTS, nfacct: true } });
    expect(r.filter).toBe(
      ruleset(`
        *filter
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-EXTERNAL-SERVICES - [0:0]
        :KUBE-FIREWALL - [0:0]
        :KUBE-FORWARD - [0:0]
        :KUBE-PROXY-FIREWALL - [0:0]
        -A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT
        -A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT
        -A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP
        -A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP
        -A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP
        -A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
        -A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        -A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP
        COMMIT
      `),
    );
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-EXT-4SW47YFZTEDKD3PK - [0:0]
        :KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]
        :KUBE-EXT-NUKIZ6OKUXPJNT4C - [0:0]
        :KUBE-EXT-X27LE4BHSL4DOUIK - [0:0]
        :KUBE-FW-NUKIZ6OKUXPJNT4C - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-C6EBXVWJJZMIWKLZ - [0:0]
        :KUBE-SEP-I77PXRDZVX7PMWMN - [0:0]
        :KUBE-SEP-OYPFS5VJICHGATKP - [0:0]
        :KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]
        :KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]
        :KUBE-SEP-UKSFD7AGPMPPLUHC - [0:0]
        :KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]
        :KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]
        :KUBE-SVC-NUKIZ6OKUXPJNT4C - [0:0]
        :KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
        :KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
        -A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
        -A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
        -A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3003 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-X27LE4BHSL4DOUIK
        -A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK
        -A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3002 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-NUKIZ6OKUXPJNT4C
        -A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
        -A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
        -A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
        -A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
        -A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
        -A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
        -A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK
        -A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 external IP" -m tcp -p tcp -d 192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK
        -A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C
        -A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C
        ${NODEPORTS_LAST}
        -A KUBE-EXT-4SW47YFZTEDKD3PK -m comment --comment "masquerade traffic for ns4/svc4:p80 external destinations" -j KUBE-MARK-MASQ
        -A KUBE-EXT-4SW47YFZTEDKD3PK -j KUBE-SVC-4SW47YFZTEDKD3PK
        -A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
        -A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
        -A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
        -A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ
        -A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C
        -A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ
        -A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK
        -A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
        -A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"
      ${NAT_TAIL}
        -A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ
        -A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80
        -A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
        -A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
        -A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
        -A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
        -A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ
        -A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80
        -A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ
        -A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80
        -A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ
        -A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80
        -A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
        -A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC
        -A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ
        -A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
        -A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ
        -A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
        -A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN
        -A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN
        -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
        -A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ
        COMMIT
      `),
    );
    expect(r.noLocalEndpoints).toEqual({ internal: 0, external: 1 });
    expect(r.ruleCounts).toEqual({ filter: 10, nat: 55, natWritten: 55 });
  });
});

describe('renderIptables: kube-proxy TestSyncProxyRulesRepeated (KEP-3453 partial restores)', () => {
  // The steps share the trackers and the last result, like the Go test's fake proxier.
  const st = new ServiceChangeTracker();
  const et = new EndpointsChangeTracker({ nodeName: 'test-node' });
  let last: RenderResult | undefined;
  /** One syncProxyRules: check out both trackers, then a partial restore unless `full`. */
  const sync = (full = false): RenderResult => {
    const s = st.checkoutChanges();
    const e = et.checkoutChanges();
    const changed = new Set([...s.updatedServices, ...e.updatedServices]);
    last = renderIptables({ services: st.serviceMap, endpoints: et.endpointsMap, node: NODE, opts: OPTS, existingNatChains: last?.natChains, ...(full ? {} : { changedServices: changed }) });
    return last;
  };
  const nat = (...lines: string[]) => ['*nat', ':KUBE-NODEPORTS - [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-MARK-MASQ - [0:0]', ':KUBE-POSTROUTING - [0:0]', ...lines, 'COMMIT', ''].join('\n');
  const tail = NAT_TAIL.replace(/^ +/gm, '');
  const svc2 = clusterIP('ns2', 'svc2', '172.30.0.42', 8080, 'p8080');
  const svc4 = clusterIP('ns4', 'svc4', '172.30.0.44');
  const eps3 = slice('ns3', 'svc3', '10.0.3.1');
  const eps3b = slice('ns3', 'svc3', '10.0.3.2');
  const eps3c = slice('ns3', 'svc3', '10.0.3.2', '10.0.3.3');
  const cip = (n: string, ip: string, chain: string) => `-A KUBE-SERVICES -m comment --comment "ns${n}/svc${n}:p80 cluster IP" -m tcp -p tcp -d ${ip} --dport 80 -j ${chain}`;
  const s1 = cip('1', '172.30.0.41', 'KUBE-SVC-XPGD46QRK7WJZT7O');
  const s2 = '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 8080 -j KUBE-SVC-2VJB64SDSIJUP5T6';
  const s3 = cip('3', '172.30.0.43', 'KUBE-SVC-X27LE4BHSL4DOUIK');
  const s4 = cip('4', '172.30.0.44', 'KUBE-SVC-4SW47YFZTEDKD3PK');
  const sep = (sepChain: string, svc: string, ip: string, port = 80) => [
    `-A ${sepChain} -m comment --comment ${svc} -s ${ip} -j KUBE-MARK-MASQ`,
    `-A ${sepChain} -m comment --comment ${svc} -m tcp -p tcp -j DNAT --to-destination ${ip}:${port}`,
  ];
  const masq = (chain: string, n: string, ip: string) => `-A ${chain} -m comment --comment "ns${n}/svc${n}:p80 cluster IP" -m tcp -p tcp -d ${ip} --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`;

  it('1. full sync of two services', () => {
    st.update(undefined, clusterIP('ns1', 'svc1', '172.30.0.41'));
    st.update(undefined, svc2);
    et.update(undefined, slice('ns1', 'svc1', '10.0.1.1'));
    et.update(undefined, makeSlice('ns2', 'svc2', { name: 'svc2-1', ports: [{ name: 'p8080', port: 8080, protocol: 'TCP' }], endpoints: [ep('10.0.2.1')] }));
    const r = sync(true);
    expect(r.partial).toBe(false);
    expect(r.filter).toBe(FILTER_IDLE);
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-SEP-SNQ3ZNILQDEJNDQO - [0:0]
        :KUBE-SEP-UHEGFW77JX3KXTOV - [0:0]
        :KUBE-SVC-2VJB64SDSIJUP5T6 - [0:0]
        :KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
        ${s1}
        ${s2}
        ${NODEPORTS_LAST}
      ${NAT_TAIL}
        -A KUBE-SEP-SNQ3ZNILQDEJNDQO -m comment --comment ns1/svc1:p80 -s 10.0.1.1 -j KUBE-MARK-MASQ
        -A KUBE-SEP-SNQ3ZNILQDEJNDQO -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.1.1:80
        -A KUBE-SEP-UHEGFW77JX3KXTOV -m comment --comment ns2/svc2:p8080 -s 10.0.2.1 -j KUBE-MARK-MASQ
        -A KUBE-SEP-UHEGFW77JX3KXTOV -m comment --comment ns2/svc2:p8080 -m tcp -p tcp -j DNAT --to-destination 10.0.2.1:8080
        -A KUBE-SVC-2VJB64SDSIJUP5T6 -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 8080 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
        -A KUBE-SVC-2VJB64SDSIJUP5T6 -m comment --comment "ns2/svc2:p8080 -> 10.0.2.1:8080" -j KUBE-SEP-UHEGFW77JX3KXTOV
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
        -A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.0.1.1:80" -j KUBE-SEP-SNQ3ZNILQDEJNDQO
        COMMIT
      `),
    );
  });

  it('2. a new service: only its chains, plus the full top-level chains', () => {
    st.update(undefined, clusterIP('ns3', 'svc3', '172.30.0.43'));
    et.update(undefined, eps3);
    const r = sync();
    expect(r.partial).toBe(true);
    expect(r.filter).toBe(FILTER_IDLE);
    expect(r.nat).toBe(
      nat(
        ':KUBE-SEP-BSWRHOQ77KEXZLNL - [0:0]',
        ':KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]',
        s1,
        s2,
        s3,
        NODEPORTS_LAST,
        tail,
        ...sep('KUBE-SEP-BSWRHOQ77KEXZLNL', 'ns3/svc3:p80', '10.0.3.1'),
        masq('KUBE-SVC-X27LE4BHSL4DOUIK', '3', '172.30.0.43'),
        '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.1:80" -j KUBE-SEP-BSWRHOQ77KEXZLNL',
      ),
    );
    // The unchanged services' 8 rules are counted but not written.
    expect(r.ruleCounts).toEqual({ filter: 4, nat: 20, natWritten: 12 });
  });

  it('3. a deleted service: its chains flushed and deleted, no other service touched', () => {
    st.update(svc2, undefined);
    const r = sync();
    expect(r.nat).toBe(nat(':KUBE-SEP-UHEGFW77JX3KXTOV - [0:0]', ':KUBE-SVC-2VJB64SDSIJUP5T6 - [0:0]', s1, s3, NODEPORTS_LAST, tail, '-X KUBE-SEP-UHEGFW77JX3KXTOV', '-X KUBE-SVC-2VJB64SDSIJUP5T6'));
    expect(r.deletedChains).toEqual(['KUBE-SEP-UHEGFW77JX3KXTOV', 'KUBE-SVC-2VJB64SDSIJUP5T6']);
  });

  it('4. a service without endpoints: a REJECT in filter; its endpoints then bring its chains', () => {
    st.update(undefined, svc4);
    let r = sync();
    expect(r.filter).toBe(FILTER_IDLE.replace(':KUBE-PROXY-FIREWALL - [0:0]\n', ':KUBE-PROXY-FIREWALL - [0:0]\n-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j REJECT\n'));
    expect(r.nat).toBe(nat(s1, s3, NODEPORTS_LAST, tail));

    et.update(undefined, slice('ns4', 'svc4', '10.0.4.1'));
    r = sync();
    expect(r.filter).toBe(FILTER_IDLE);
    expect(r.nat).toBe(
      nat(
        ':KUBE-SEP-AYCN5HPXMIRJNJXU - [0:0]',
        ':KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]',
        s1,
        s3,
        s4,
        NODEPORTS_LAST,
        tail,
        ...sep('KUBE-SEP-AYCN5HPXMIRJNJXU', 'ns4/svc4:p80', '10.0.4.1'),
        masq('KUBE-SVC-4SW47YFZTEDKD3PK', '4', '172.30.0.44'),
        '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.0.4.1:80" -j KUBE-SEP-AYCN5HPXMIRJNJXU',
      ),
    );
  });

  it('5. a changed endpoint rewrites the SVC chain and deletes the old SEP chain', () => {
    et.update(eps3, eps3b);
    const r = sync();
    expect(r.nat).toBe(
      nat(
        ':KUBE-SEP-BSWRHOQ77KEXZLNL - [0:0]',
        ':KUBE-SEP-DKCFIS26GWF2WLWC - [0:0]',
        ':KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]',
        s1,
        s3,
        s4,
        NODEPORTS_LAST,
        tail,
        ...sep('KUBE-SEP-DKCFIS26GWF2WLWC', 'ns3/svc3:p80', '10.0.3.2'),
        masq('KUBE-SVC-X27LE4BHSL4DOUIK', '3', '172.30.0.43'),
        '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.2:80" -j KUBE-SEP-DKCFIS26GWF2WLWC',
        '-X KUBE-SEP-BSWRHOQ77KEXZLNL',
      ),
    );
  });

  it('6. an added endpoint rewrites the SVC and SEP chains', () => {
    et.update(eps3b, eps3c);
    expect(sync().nat).toBe(
      nat(
        ':KUBE-SEP-DKCFIS26GWF2WLWC - [0:0]',
        ':KUBE-SEP-JVVZVJ7BSEPPRNBS - [0:0]',
        ':KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]',
        s1,
        s3,
        s4,
        NODEPORTS_LAST,
        tail,
        ...sep('KUBE-SEP-DKCFIS26GWF2WLWC', 'ns3/svc3:p80', '10.0.3.2'),
        ...sep('KUBE-SEP-JVVZVJ7BSEPPRNBS', 'ns3/svc3:p80', '10.0.3.3'),
        masq('KUBE-SVC-X27LE4BHSL4DOUIK', '3', '172.30.0.43'),
        '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-DKCFIS26GWF2WLWC',
        '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.3:80" -j KUBE-SEP-JVVZVJ7BSEPPRNBS',
      ),
    );
  });

  it('7. no changes: no service chain is rewritten', () => {
    expect(sync().nat).toBe(nat(s1, s3, s4, NODEPORTS_LAST, tail));
  });

  it('8. a full sync after deleting a service rewrites everything and deletes its chains', () => {
    st.update(svc4, undefined);
    expect(sync(true).nat).toBe(
      nat(
        ':KUBE-SEP-AYCN5HPXMIRJNJXU - [0:0]',
        ':KUBE-SEP-DKCFIS26GWF2WLWC - [0:0]',
        ':KUBE-SEP-JVVZVJ7BSEPPRNBS - [0:0]',
        ':KUBE-SEP-SNQ3ZNILQDEJNDQO - [0:0]',
        ':KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]',
        ':KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]',
        ':KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]',
        s1,
        s3,
        NODEPORTS_LAST,
        tail,
        ...sep('KUBE-SEP-DKCFIS26GWF2WLWC', 'ns3/svc3:p80', '10.0.3.2'),
        ...sep('KUBE-SEP-JVVZVJ7BSEPPRNBS', 'ns3/svc3:p80', '10.0.3.3'),
        ...sep('KUBE-SEP-SNQ3ZNILQDEJNDQO', 'ns1/svc1:p80', '10.0.1.1'),
        masq('KUBE-SVC-X27LE4BHSL4DOUIK', '3', '172.30.0.43'),
        '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-DKCFIS26GWF2WLWC',
        '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.3:80" -j KUBE-SEP-JVVZVJ7BSEPPRNBS',
        masq('KUBE-SVC-XPGD46QRK7WJZT7O', '1', '172.30.0.41'),
        '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.0.1.1:80" -j KUBE-SEP-SNQ3ZNILQDEJNDQO',
        '-X KUBE-SEP-AYCN5HPXMIRJNJXU',
        '-X KUBE-SVC-4SW47YFZTEDKD3PK',
      ),
    );
  });
});
