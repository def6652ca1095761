/**
 * renderIpvs on the walkthrough's services: ipvsadm listings compared byte for byte with the
 * transcripts, the ipsets, the iptables restore text and the endpoint choice per virtual server.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service, ServiceSpec } from '@minimesh/api';
import { ep, makeService, makeSlice, NODE1, ruleset, stateOf, TERMINATING, walkthroughService, walkthroughSlice } from '../testing/fixtures.js';
import type { RenderNode } from '../render-options.js';
import { formatIpvsadmList } from './ipvsadm-format.js';
import { realServerKey, UnknownIpvsSchedulerError, virtualServerKey } from './ipvs-table.js';
import { renderIpvs, type IpvsRenderOptions } from './render-ipvs.js';

const OPTS: IpvsRenderOptions = { clusterCIDR: '10.244.0.0/16' };
const render = (services: Service[], slices: EndpointSlice[], opts: IpvsRenderOptions = OPTS, node: RenderNode = NODE1) =>
  renderIpvs({ ...stateOf(services, slices, node.name), node, opts });
const sets = (r: ReturnType<typeof renderIpvs>) => Object.fromEntries(r.ipsets.filter((s) => s.entries.length > 0).map((s) => [s.spec.name, s.entries]));
const servers = (r: ReturnType<typeof renderIpvs>) => Object.fromEntries(r.table.services.map((s) => [virtualServerKey(s.vs), s.realServers.map(realServerKey)]));

const HEADER = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
`;
const THREE = `  -> 10.244.1.39:80               Masq    1      0          0         
  -> 10.244.1.40:80               Masq    1      0          0         
  -> 10.244.2.33:80               Masq    1      0          0         
`;
const ALL = ['10.244.1.39:80', '10.244.1.40:80', '10.244.2.33:80'];
const ON_NODE1 = ['10.244.1.39:80', '10.244.1.40:80'];

describe('renderIpvs: the walkthrough ClusterIP', () => {
  const r = render([walkthroughService()], [walkthroughSlice()]);

  it('one virtual server over the three endpoints, as ipvsadm -Ln lists it', () => {
    expect(formatIpvsadmList(r.table)).toBe(`${HEADER}TCP  10.97.97.97:80 rr\n${THREE}`);
    expect(r.scheduler).toBe('rr');
  });

  it('binds the ClusterIP to kube-ipvs0 and lists it in KUBE-IPVS-IPS', () => {
    expect(r.dummyDevice).toBe('kube-ipvs0');
    expect(r.boundAddresses).toEqual(['10.97.97.97']);
    expect(sets(r)).toEqual({
      'KUBE-LOOP-BACK': ['10.244.1.39,tcp:80,10.244.1.39', '10.244.1.40,tcp:80,10.244.1.40'],
      'KUBE-CLUSTER-IP': ['10.97.97.97,tcp:80'],
      'KUBE-IPVS-IPS': ['10.97.97.97'],
    });
    expect(r.ipsets).toHaveLength(17);
  });

  it('the nat and filter tables, in the order kube-proxy writes them', () => {
    expect(r.nat).toBe(
      ruleset(`
        *nat
        :KUBE-SERVICES - [0:0]
        :KUBE-POSTROUTING - [0:0]
        :KUBE-NODE-PORT - [0:0]
        :KUBE-LOAD-BALANCER - [0:0]
        :KUBE-MARK-MASQ - [0:0]
        -A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN
        -A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE
        -A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
        -A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
        -A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
        -A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
        -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
        -A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
        -A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
        -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
        COMMIT
      `),
    );
    expect(r.filter).toBe(
      ruleset(`
        *filter
        :KUBE-FORWARD - [0:0]
        :KUBE-NODE-PORT - [0:0]
        :KUBE-PROXY-FIREWALL - [0:0]
        :KUBE-SOURCE-RANGES-FIREWALL - [0:0]
        :KUBE-IPVS-FILTER - [0:0]
        :KUBE-IPVS-OUT-FILTER - [0:0]
        -A KUBE-SOURCE-RANGES-FIREWALL -j DROP
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
        -A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
        -A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT
        -A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN
        -A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN
        -A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN
        -A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN
        -A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN
        -A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT
        COMMIT
      `),
    );
    expect(r.restore).toBe(r.nat + r.filter);
    expect(r.ruleCounts).toEqual({ nat: 10, filter: 10 });
  });

  it('sysctls, and the jumps kube-proxy ensures from the built-in chains', () => {
    expect(r.sysctls.map((s) => `${s.name}=${s.value}`)).toEqual(['net/ipv4/vs/conntrack=1', 'net/ipv4/vs/expire_nodest_conn=1', 'net/ipv4/vs/expire_quiescent_template=1', 'net/ipv4/ip_forward=1']);
    expect(r.connReuseModeSysctl).toEqual({ name: 'net/ipv4/vs/conn_reuse_mode', value: 0 });
    expect(r.ensureJumps.map((j) => `${j.table} ${j.chain} ${j.args.join(' ')}`)).toEqual([
      'nat OUTPUT -m comment --comment kubernetes service portals -j KUBE-SERVICES',
      'nat PREROUTING -m comment --comment kubernetes service portals -j KUBE-SERVICES',
      'nat POSTROUTING -m comment --comment kubernetes postrouting rules -j KUBE-POSTROUTING',
      'filter FORWARD -m comment --comment kubernetes forwarding rules -j KUBE-FORWARD',
      'filter INPUT -m comment --comment kubernetes health check rules -j KUBE-NODE-PORT',
      'filter INPUT -m comment --comment kube-proxy firewall rules -j KUBE-PROXY-FIREWALL',
      'filter FORWARD -m comment --comment kube-proxy firewall rules -j KUBE-PROXY-FIREWALL',
      'filter INPUT -m comment --comment kubernetes ipvs access filter -j KUBE-IPVS-FILTER',
      'filter OUTPUT -m comment --comment kubernetes ipvs access filter -j KUBE-IPVS-OUT-FILTER',
    ]);
  });
});

describe('renderIpvs: virtual server settings', () => {
  it.each<[string, Partial<ServiceSpec>, string]>([
    ['ClientIP affinity: persistent for the default 10800 s', { sessionAffinity: 'ClientIP' }, 'TCP  10.97.97.97:80 rr persistent 10800'],
    ['ClientIP affinity with its own timeout', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, 'TCP  10.97.97.97:80 rr persistent 60'],
    ['UDP', { ports: [{ port: 80, protocol: 'UDP', targetPort: 80 }] }, 'UDP  10.97.97.97:80 rr'],
  ])('%s', (_, spec, line) => {
    const slice = walkthroughSlice();
    slice.ports = [{ name: '', port: 80, protocol: spec.ports?.[0]?.protocol ?? 'TCP' }];
    expect(formatIpvsadmList(render([walkthroughService(spec)], [slice]).table).split('\n')[3]).toBe(line);
  });

  it.each([
    ['wlc', 'TCP  10.97.97.97:80 wlc'],
    ['mh', 'TCP  10.97.97.97:80 mh (mh-port)'],
  ])('--ipvs-scheduler %s', (scheduler, line) => {
    expect(formatIpvsadmList(render([walkthroughService()], [walkthroughSlice()], { ...OPTS, scheduler }).table).split('\n')[3]).toBe(line);
  });

  it('an unknown scheduler is refused', () => {
    expect(() => render([walkthroughService()], [walkthroughSlice()], { scheduler: 'fastest' })).toThrow(UnknownIpvsSchedulerError);
  });

  it('a service without endpoints still gets its (empty) virtual server', () => {
    const r = render([walkthroughService()], []);
    expect(formatIpvsadmList(r.table)).toBe(`${HEADER}TCP  10.97.97.97:80 rr\n`);
  });
});

describe('renderIpvs: NodePort', () => {
  const NODE3: RenderNode = { name: 'node3', addresses: ['192.168.100.53'] };
  const nodePort = (extra: Partial<ServiceSpec> = {}) => walkthroughService({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30002 }], ...extra });

  it('a virtual server on the node IP, not bound to kube-ipvs0 (listed first: libipvs order)', () => {
    const r = render([nodePort()], [walkthroughSlice()], OPTS, NODE3);
    expect(formatIpvsadmList(r.table)).toBe(`${HEADER}TCP  192.168.100.53:30002 rr\n${THREE}TCP  10.97.97.97:80 rr\n${THREE}`);
    expect(r.boundAddresses).toEqual(['10.97.97.97']);
    expect(sets(r)['KUBE-NODE-PORT-TCP']).toEqual(['30002']);
    expect(r.nat).toContain('-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ\n');
  });

  it('one virtual server per node IP inside --nodeport-addresses, never a loopback one', () => {
    const node: RenderNode = { name: 'node1', addresses: ['192.168.100.51', '10.0.2.15', '127.0.0.1'] };
    const all = render([nodePort()], [walkthroughSlice()], OPTS, node);
    expect(Object.keys(servers(all))).toEqual(['TCP 192.168.100.51:30002', 'TCP 10.0.2.15:30002', 'TCP 10.97.97.97:80']);
    const some = render([nodePort()], [walkthroughSlice()], { ...OPTS, nodePortAddresses: ['192.168.100.0/24', '127.0.0.0/8'] }, node);
    expect(Object.keys(servers(some))).toEqual(['TCP 192.168.100.51:30002', 'TCP 10.97.97.97:80']);
  });

  it('externalTrafficPolicy Local: the NodePort uses the local endpoints, the ClusterIP all of them', () => {
    const r = render([nodePort({ externalTrafficPolicy: 'Local' })], [walkthroughSlice()]);
    expect(servers(r)).toEqual({ 'TCP 192.168.100.51:30002': ON_NODE1, 'TCP 10.97.97.97:80': ALL });
    expect(sets(r)['KUBE-NODE-PORT-LOCAL-TCP']).toEqual(['30002']);
    expect(r.nat).toContain('-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN\n-A KUBE-NODE-PORT -p tcp');
  });

  it('externalTrafficPolicy Local without a local endpoint falls back to all of them, and counts', () => {
    const r = render([nodePort({ externalTrafficPolicy: 'Local' })], [walkthroughSlice()], OPTS, NODE3);
    expect(servers(r)['TCP 192.168.100.53:30002']).toEqual(ALL);
    expect(r.noLocalEndpoints).toEqual({ internal: 0, external: 1 });
  });

  it('no external virtual server (no NodePort, no LB IP yet): nothing counted for externalTrafficPolicy', () => {
    const svc = walkthroughService({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', allocateLoadBalancerNodePorts: false });
    const r = render([svc], [walkthroughSlice()], OPTS, NODE3);
    expect(Object.keys(servers(r))).toEqual(['TCP 10.97.97.97:80']);
    expect(r.noLocalEndpoints).toEqual({ internal: 0, external: 0 });
  });

  it('SCTP NodePorts go to the hash:ip,port set, one member per node IP', () => {
    const svc = makeService('ns', 'sctp', { type: 'NodePort', clusterIP: '10.96.5.5', ports: [{ port: 7777, protocol: 'SCTP', targetPort: 7777, nodePort: 30007 }] });
    const node: RenderNode = { name: 'node1', addresses: ['192.168.100.51', '10.0.2.15'] };
    const r = render([svc], [], OPTS, node);
    expect(sets(r)['KUBE-NODE-PORT-SCTP-HASH']).toEqual(['10.0.2.15,sctp:30007', '192.168.100.51,sctp:30007']);
    expect(r.nat).toContain('-A KUBE-NODE-PORT -p sctp -m comment --comment "Kubernetes nodeport SCTP port for masquerade purpose with type \'hash ip:port\'" -m set --match-set KUBE-NODE-PORT-SCTP-HASH dst,dst -j KUBE-MARK-MASQ');
  });
});

describe('renderIpvs: external IPs and load balancers', () => {
  it('external IPs: bound unless the node has the address; masquerade and accept rules', () => {
    const r = render([walkthroughService({ externalIPs: ['203.0.113.10', '192.168.100.51'] })], [walkthroughSlice()]);
    expect(Object.keys(servers(r))).toEqual(['TCP 192.168.100.51:80', 'TCP 203.0.113.10:80', 'TCP 10.97.97.97:80']);
    expect(r.boundAddresses).toEqual(['10.97.97.97', '203.0.113.10']);
    expect(sets(r)['KUBE-EXTERNAL-IP']).toEqual(['192.168.100.51,tcp:80', '203.0.113.10,tcp:80']);
    const match = '-A KUBE-SERVICES -m comment --comment "Kubernetes service external ip + port for masquerade and filter purpose" -m set --match-set KUBE-EXTERNAL-IP dst,dst';
    expect(r.nat).toContain(`${match} -j KUBE-MARK-MASQ\n${match} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT\n${match} -m addrtype --dst-type LOCAL -j ACCEPT\n`);
  });

  const lb = (spec: Partial<ServiceSpec> = {}) =>
    makeService('study', 'service-clusterip', { type: 'LoadBalancer', clusterIP: '10.97.97.97', ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30080 }], ...spec }, { loadBalancer: { ingress: [{ ip: '192.168.100.200' }] } });

  it('a load balancer IP: bound, in KUBE-LOAD-BALANCER, jumped to from KUBE-SERVICES', () => {
    const r = render([lb()], [walkthroughSlice()]);
    expect(r.boundAddresses).toEqual(['10.97.97.97', '192.168.100.200']);
    expect(servers(r)['TCP 192.168.100.200:80']).toEqual(ALL);
    expect(sets(r)['KUBE-LOAD-BALANCER']).toEqual(['192.168.100.200,tcp:80']);
    expect(r.nat).toContain('-A KUBE-SERVICES -m comment --comment "Kubernetes service lb portal" -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER\n');
    expect(r.nat).toContain('-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\n-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER dst,dst -j ACCEPT\n');
  });

  it('externalTrafficPolicy Local: local endpoints, the LOCAL sets and the health check node port', () => {
    const r = render([lb({ externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 })], [walkthroughSlice()]);
    expect(servers(r)['TCP 192.168.100.200:80']).toEqual(ON_NODE1);
    expect(sets(r)).toMatchObject({ 'KUBE-LOAD-BALANCER-LOCAL': ['192.168.100.200,tcp:80'], 'KUBE-NODE-PORT-LOCAL-TCP': ['30080'], 'KUBE-HEALTH-CHECK-NODE-PORT': ['32000'] });
  });

  it('source ranges holding the node IP: FW and source sets, the node may reach its VIP', () => {
    const r = render([lb({ loadBalancerSourceRanges: ['192.168.100.0/24', '203.0.113.7/32'] })], [walkthroughSlice()]);
    expect(sets(r)).toMatchObject({
      'KUBE-LOAD-BALANCER-FW': ['192.168.100.200,tcp:80'],
      'KUBE-LOAD-BALANCER-SOURCE-CIDR': ['192.168.100.200,tcp:80,192.168.100.0/24', '192.168.100.200,tcp:80,203.0.113.7'],
      'KUBE-LOAD-BALANCER-SOURCE-IP': ['192.168.100.200,tcp:80,192.168.100.200'],
    });
    expect(r.filter).toContain(
      '-A KUBE-PROXY-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port for load balancer with sourceRange" -m set --match-set KUBE-LOAD-BALANCER-FW dst,dst -j KUBE-SOURCE-RANGES-FIREWALL\n' +
        '-A KUBE-SOURCE-RANGES-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port + source cidr for packet filter purpose" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src -j RETURN\n' +
        '-A KUBE-SOURCE-RANGES-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port + source IP for packet filter purpose" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-IP dst,dst,src -j RETURN\n' +
        '-A KUBE-SOURCE-RANGES-FIREWALL -j DROP\n',
    );
    expect(r.filter).not.toContain('-A KUBE-IPVS-OUT-FILTER');
  });

  it('source ranges without the node IP: the node is kept off the VIP in KUBE-IPVS-OUT-FILTER', () => {
    const r = render([lb({ loadBalancerSourceRanges: ['203.0.113.0/24'] })], [walkthroughSlice()]);
    expect(sets(r)['KUBE-LOAD-BALANCER-SOURCE-IP']).toBeUndefined();
    expect(r.filter).toContain('-A KUBE-IPVS-OUT-FILTER -s 192.168.100.200 -m ipvs --vaddr 192.168.100.200 --vproto tcp --vport 80 -j DROP\n');
  });
});

describe('renderIpvs: endpoint choice and masquerading', () => {
  it('internalTrafficPolicy Local: the ClusterIP uses the local endpoints only', () => {
    const r = render([walkthroughService({ internalTrafficPolicy: 'Local' })], [walkthroughSlice()]);
    expect(servers(r)).toEqual({ 'TCP 10.97.97.97:80': ON_NODE1 });
    const none = render([walkthroughService({ internalTrafficPolicy: 'Local' })], [walkthroughSlice()], OPTS, { name: 'node3', addresses: ['192.168.100.53'] });
    expect(servers(none)).toEqual({ 'TCP 10.97.97.97:80': [] });
    expect(none.noLocalEndpoints).toEqual({ internal: 1, external: 0 });
  });

  it('terminating endpoints serve only when none is ready; hairpin entries cover every local endpoint', () => {
    const slice = makeSlice('study', 'service-clusterip', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.1.39', 'node1'), ep('10.244.1.41', 'node1', TERMINATING)] });
    const r = render([walkthroughService()], [slice]);
    expect(servers(r)).toEqual({ 'TCP 10.97.97.97:80': ['10.244.1.39:80'] });
    expect(sets(r)['KUBE-LOOP-BACK']).toEqual(['10.244.1.39,tcp:80,10.244.1.39', '10.244.1.41,tcp:80,10.244.1.41']);
  });

  it.each<[string, IpvsRenderOptions, string]>([
    ['--cluster-cidr: off-cluster sources', { clusterCIDR: '10.244.0.0/16' }, 'dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ'],
    ['--masquerade-all: every source', { clusterCIDR: '10.244.0.0/16', masqueradeAll: true }, 'dst,dst -j KUBE-MARK-MASQ'],
    ['no local detector: sources that are VIPs', {}, 'src,dst -j KUBE-MARK-MASQ'],
  ])('ClusterIP masquerading, %s', (_, opts, tail) => {
    expect(render([walkthroughService()], [walkthroughSlice()], opts).nat).toContain(`--match-set KUBE-CLUSTER-IP ${tail}\n`);
  });

  it('another mark bit, no --random-fully', () => {
    const r = render([walkthroughService()], [walkthroughSlice()], { ...OPTS, masqueradeBit: 15, randomFully: false });
    expect(r.nat).toContain('-A KUBE-POSTROUTING -m mark ! --mark 0x8000/0x8000 -j RETURN\n');
    expect(r.nat).toContain('-j MASQUERADE\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x8000\n');
  });

  it('strict ARP adds arp_ignore and arp_announce; exclude CIDRs are checked and passed on', () => {
    const r = render([walkthroughService()], [walkthroughSlice()], { ...OPTS, strictARP: true, excludeCIDRs: ['10.200.0.0/16', 'fd00::/64'] });
    expect(r.sysctls.slice(4)).toEqual([
      { name: 'net/ipv4/conf/all/arp_ignore', value: 1 },
      { name: 'net/ipv4/conf/all/arp_announce', value: 2 },
    ]);
    expect(r.excludeCIDRs).toEqual(['10.200.0.0/16']);
    expect(() => render([], [], { excludeCIDRs: ['10.200.0.0'] })).toThrow('excludeCIDRs: 10.200.0.0 is not an IPv4 CIDR');
  });

  it('deterministic whatever the order the objects arrive in', () => {
    const other = makeService('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] });
    const otherSlice = makeSlice('default', 'kubernetes', { ports: [{ name: 'https', port: 6443, protocol: 'TCP' }], endpoints: [ep('192.168.100.51')] });
    const a = render([walkthroughService(), other], [walkthroughSlice(), otherSlice]);
    const b = render([other, walkthroughService()], [otherSlice, walkthroughSlice()]);
    expect(b).toEqual(a);
    expect(a.boundAddresses).toEqual(['10.96.0.1', '10.97.97.97']);
  });
});
