import { describe, expect, it } from 'vitest';
import { NODE1, ep, makeService, makeSlice, ruleset, stateOf, walkthroughService, walkthroughSlice } from '../testing/fixtures.js';
import { portalJumps, renderPortals } from './render-portals.js';
import { userspaceBackends } from './userspace-backends.js';

const KEY = 'study/service-clusterip/TCP';

describe('userspaceBackends', () => {
  it('one backend per TCP/UDP port with the ready endpoints; external only when it differs', () => {
    const { services, endpoints } = stateOf([walkthroughService({ type: 'NodePort' })], [walkthroughSlice()], 'node1');
    const { backends, skipped } = userspaceBackends(services, endpoints, NODE1);
    expect(skipped).toEqual([]);
    expect(backends.map((b) => [b.service.key, b.protocol, b.internal.map((e) => e.endpoint), b.external])).toEqual([
      [KEY, 'TCP', ['10.244.1.39:80', '10.244.1.40:80', '10.244.2.33:80'], undefined],
    ]);
  });

  it('externalTrafficPolicy Local: external traffic gets the node\'s own endpoints', () => {
    const { services, endpoints } = stateOf([walkthroughService({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30002 }] })], [walkthroughSlice()], 'node2');
    const [b] = userspaceBackends(services, endpoints, { name: 'node2', addresses: ['192.168.100.52'] }).backends;
    expect(b!.internal).toHaveLength(3);
    expect(b!.external!.map((e) => e.endpoint)).toEqual(['10.244.2.33:80']);
  });

  it('internalTrafficPolicy Local: ClusterIP traffic gets the node\'s own endpoints; SCTP is skipped', () => {
    const sctp = makeService('study', 'assoc', { clusterIP: '10.96.7.7', ports: [{ port: 7777, protocol: 'SCTP' }] });
    const { services, endpoints } = stateOf([walkthroughService({ internalTrafficPolicy: 'Local' }), sctp], [walkthroughSlice()], 'node1');
    const { backends, skipped } = userspaceBackends(services, endpoints, NODE1);
    expect(backends.map((b) => b.internal.map((e) => e.endpoint))).toEqual([['10.244.1.39:80', '10.244.1.40:80']]);
    expect(skipped).toEqual(['study/assoc/SCTP']);
  });
});

describe('renderPortals', () => {
  it('redirects the ClusterIP, externalIPs, LB IPs and NodePort to the proxy ports', () => {
    const svc = walkthroughService({ type: 'LoadBalancer', externalIPs: ['203.0.113.9'], ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30002 }] });
    svc.status = { loadBalancer: { ingress: [{ ip: '192.168.100.200' }] } };
    const { services, endpoints } = stateOf([svc], [walkthroughSlice()], 'node1');
    const { backends } = userspaceBackends(services, endpoints, NODE1);
    const r = renderPortals({ backends, ports: new Map([[KEY, { internal: 40001 }]]), node: NODE1 });
    const c = '-m comment --comment "study/service-clusterip" -p tcp -m tcp';
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-NODEPORT-CONTAINER - [0:0]
        :KUBE-NODEPORT-HOST - [0:0]
        :KUBE-PORTALS-CONTAINER - [0:0]
        :KUBE-PORTALS-HOST - [0:0]
        -A KUBE-NODEPORT-CONTAINER ${c} --dport 30002 -j REDIRECT --to-ports 40001
        -A KUBE-NODEPORT-HOST ${c} --dport 30002 -j DNAT --to-destination 192.168.100.51:40001
        -A KUBE-PORTALS-CONTAINER ${c} --dport 80 -d 10.97.97.97/32 -j REDIRECT --to-ports 40001
        -A KUBE-PORTALS-CONTAINER ${c} --dport 80 -d 203.0.113.9/32 -j REDIRECT --to-ports 40001
        -A KUBE-PORTALS-CONTAINER ${c} --dport 80 -d 192.168.100.200/32 -j REDIRECT --to-ports 40001
        -A KUBE-PORTALS-HOST ${c} --dport 80 -d 10.97.97.97/32 -j DNAT --to-destination 192.168.100.51:40001
        -A KUBE-PORTALS-HOST ${c} --dport 80 -d 203.0.113.9/32 -j DNAT --to-destination 192.168.100.51:40001
        -A KUBE-PORTALS-HOST ${c} --dport 80 -d 192.168.100.200/32 -j DNAT --to-destination 192.168.100.51:40001
        COMMIT
      `),
    );
    expect(r.filter).toBe(ruleset(`
      *filter
      :KUBE-EXTERNAL-SERVICES - [0:0]
      :KUBE-NODEPORT-NON-LOCAL - [0:0]
      :KUBE-SERVICES - [0:0]
      -A KUBE-NODEPORT-NON-LOCAL ${c} --dport 40001 -j ACCEPT
      COMMIT
    `));
    expect(r.restore).toBe(r.filter + r.nat);
    expect(r.ruleCounts).toEqual({ nat: 8, filter: 1 });
  });

  it('external traffic to its own port; UDP; NodePorts on chosen addresses; no rules before a port is known', () => {
    const dns = makeService('kube-system', 'dns', { clusterIP: '10.96.0.10', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }] });
    const slice = makeSlice('kube-system', 'dns', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }], endpoints: [ep('10.244.1.5', 'node1'), ep('10.244.2.5', 'node2')] });
    const { services, endpoints } = stateOf([dns, walkthroughService()], [slice, walkthroughSlice()], 'node1');
    const { backends } = userspaceBackends(services, endpoints, NODE1);
    const node = { name: 'node1', addresses: ['192.168.100.51', '10.0.0.5'] };
    const r = renderPortals({ backends, ports: new Map([['kube-system/dns:dns/UDP', { internal: 40001, external: 40002 }]]), node, nodePortAddresses: ['10.0.0.0/8'] });
    const c = '-m comment --comment "kube-system/dns:dns" -p udp -m udp';
    expect(r.nat.split('\n').filter((l) => l.startsWith('-A'))).toEqual([
      `-A KUBE-NODEPORT-CONTAINER ${c} --dport 30053 -d 10.0.0.5/32 -j REDIRECT --to-ports 40002`,
      `-A KUBE-NODEPORT-HOST ${c} --dport 30053 -d 10.0.0.5/32 -j DNAT --to-destination 192.168.100.51:40002`,
      `-A KUBE-PORTALS-CONTAINER ${c} --dport 53 -d 10.96.0.10/32 -j REDIRECT --to-ports 40001`,
      `-A KUBE-PORTALS-HOST ${c} --dport 53 -d 10.96.0.10/32 -j DNAT --to-destination 192.168.100.51:40001`,
    ]);
    expect(r.filter.split('\n').filter((l) => l.startsWith('-A'))).toEqual([
      `-A KUBE-NODEPORT-NON-LOCAL ${c} --dport 40001 -j ACCEPT`,
      `-A KUBE-NODEPORT-NON-LOCAL ${c} --dport 40002 -j ACCEPT`,
    ]);
  });

  it('kube-proxy\'s jumps, with the prefix', () => {
    expect(portalJumps('MM-').map((j) => `${j.table} ${j.chain} ${j.args.join(' ')}`)).toEqual([
      'filter INPUT -m conntrack --ctstate NEW -m comment --comment kubernetes externally-visible service portals -j MM-EXTERNAL-SERVICES',
      'filter FORWARD -m conntrack --ctstate NEW -m comment --comment kubernetes externally-visible service portals -j MM-EXTERNAL-SERVICES',
      'filter FORWARD -m conntrack --ctstate NEW -m comment --comment kubernetes service portals -j MM-SERVICES',
      'filter OUTPUT -m conntrack --ctstate NEW -m comment --comment kubernetes service portals -j MM-SERVICES',
      'filter INPUT -m comment --comment Ensure that non-local NodePort traffic can flow -j MM-NODEPORT-NON-LOCAL',
      'nat PREROUTING -m addrtype --dst-type LOCAL -m comment --comment handle service NodePorts; NOTE: this must be the last rule in the chain -j MM-NODEPORT-CONTAINER',
      'nat OUTPUT -m addrtype --dst-type LOCAL -m comment --comment handle service NodePorts; NOTE: this must be the last rule in the chain -j MM-NODEPORT-HOST',
      'nat PREROUTING -m comment --comment handle ClusterIPs; NOTE: this must be before the NodePort rules -j MM-PORTALS-CONTAINER',
      'nat OUTPUT -m comment --comment handle ClusterIPs; NOTE: this must be before the NodePort rules -j MM-PORTALS-HOST',
    ]);
  });

  it('refuses instead of redirecting where there is no endpoint: REJECT without any, DROP when a Local policy has none here', () => {
    const none = makeService('study', 'nobody', { clusterIP: '10.96.1.1', type: 'NodePort', externalIPs: ['203.0.113.9'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] });
    const local = makeService('study', 'local', { clusterIP: '10.96.1.2', type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', nodePort: 30081 }] });
    const elsewhere = makeSlice('study', 'local', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.2.5', 'node2')] });
    const { services, endpoints } = stateOf([none, local], [elsewhere], 'node1');
    const { backends } = userspaceBackends(services, endpoints, NODE1);
    const r = renderPortals({ backends, ports: new Map([['study/nobody/TCP', { internal: 40001 }], ['study/local/TCP', { internal: 40002, external: 40003 }]]), node: NODE1 });
    expect(r.filter.split('\n').filter((l) => l.startsWith('-A') && !l.includes('NON-LOCAL'))).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "study/local has no local endpoints" -p tcp -m tcp --dport 30081 -m addrtype --dst-type LOCAL -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "study/nobody has no endpoints" -p tcp -m tcp --dport 80 -d 203.0.113.9/32 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "study/nobody has no endpoints" -p tcp -m tcp --dport 30080 -m addrtype --dst-type LOCAL -j REJECT',
      '-A KUBE-SERVICES -m comment --comment "study/nobody has no endpoints" -p tcp -m tcp --dport 80 -d 10.96.1.1/32 -j REJECT',
    ]);
    // The ClusterIP of the Local Service still goes to its endpoints elsewhere.
    expect(r.nat.split('\n').filter((l) => l.startsWith('-A'))).toEqual([
      '-A KUBE-PORTALS-CONTAINER -m comment --comment "study/local" -p tcp -m tcp --dport 80 -d 10.96.1.2/32 -j REDIRECT --to-ports 40002',
      '-A KUBE-PORTALS-HOST -m comment --comment "study/local" -p tcp -m tcp --dport 80 -d 10.96.1.2/32 -j DNAT --to-destination 192.168.100.51:40002',
    ]);
  });
});
