/**
 * Hand-written expected nftables scripts for the walkthrough's services on node1
 * (192.168.100.51, pod CIDR 10.244.0.0/16), in knftables' command form.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { hashAndTruncate } from './nftables-names.js';
import { renderNftables } from './render-nftables.js';
import type { NftRenderOptions } from './nftables-ruleset.js';
import { ep, makeService, makeSlice, NODE1, ruleset, stateOf, walkthroughService, walkthroughSlice } from '../testing/fixtures.js';
import { nftPreamble } from '../testing/nft-rulesets.js';

const OPTS: NftRenderOptions = { clusterCIDR: '10.244.0.0/16' };
const render = (services: Service[], slices: EndpointSlice[], opts: NftRenderOptions = OPTS, more: Partial<Parameters<typeof renderNftables>[0]> = {}) =>
  renderNftables({ ...stateOf(services, slices, 'node1'), node: NODE1, opts, ...more });
const expected = (body: string, pre = nftPreamble()) => ruleset(pre + body);

const SVC = 'service-Q6UJPJSN-study/service-clusterip/tcp/';
const EP39 = 'endpoint-5MLZQANP-study/service-clusterip/tcp/__10.244.1.39/80';
const EP40 = 'endpoint-RRBC2LMO-study/service-clusterip/tcp/__10.244.1.40/80';
const EP33 = 'endpoint-TDXDPWXT-study/service-clusterip/tcp/__10.244.2.33/80';
const T = 'ip kube-proxy';

const npService = (spec: Partial<Service['spec']> = {}) =>
  makeService('study', 'np', { clusterIP: '10.96.0.30', type: 'NodePort', externalIPs: ['80.11.12.10'], ports: [{ name: 'http', port: 80, nodePort: 30080, protocol: 'TCP' }], ...spec });
const npSlice = (nodeName: string) => makeSlice('study', 'np', { ports: [{ name: 'http', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.2.5', nodeName)] });
const NP = 'service-WIZCRUCV-study/np/tcp/http';
const NP_EXT = 'external-WIZCRUCV-study/np/tcp/http';
const NP_EP = 'endpoint-4VDOVNP6-study/np/tcp/http__10.244.2.5/80';

describe('nftables names', () => {
  it("render-nftables - hashAndTruncate matches kube-proxy's verified names", () => {
    expect(hashAndTruncate('ns1/svc1/tcp/p80')).toBe('ULMVA6XW-ns1/svc1/tcp/p80');
    expect(hashAndTruncate('ns1/svc1/tcp/p80__10.180.0.1/80')).toBe('5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80');
    expect(hashAndTruncate('ns4/svc4/tcp/p80')).toBe('LAUZTJTB-ns4/svc4/tcp/p80');
  });

  it('render-nftables - long names are cut to 240 characters with "..."', () => {
    const n = hashAndTruncate(`ns/${'x'.repeat(300)}/tcp/p`);
    expect(n).toHaveLength(240);
    expect(n.endsWith('...')).toBe(true);
  });
});

describe('renderNftables: ClusterIP', () => {
  it('render-nftables - the walkthrough: 10.97.97.97:80 over three endpoints, cascaded numgen picks, no anonymous maps', () => {
    const r = render([walkthroughService()], [walkthroughSlice()]);
    expect(r.script).toBe(
      expected(`
        add chain ${T} ${SVC}
        add chain ${T} ${EP39}
        add chain ${T} ${EP40}
        add chain ${T} ${EP33}
        add element ${T} cluster-ips { 10.97.97.97 }
        add element ${T} service-ips { 10.97.97.97 . tcp . 80 comment "study/service-clusterip" : goto ${SVC} }
        add rule ${T} ${SVC} ip daddr 10.97.97.97 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
        add rule ${T} ${SVC} numgen random mod 3 0 goto ${EP39}
        add rule ${T} ${SVC} numgen random mod 2 0 goto ${EP40}
        add rule ${T} ${SVC} goto ${EP33}
        add rule ${T} ${EP39} ip saddr 10.244.1.39 jump mark-for-masquerade
        add rule ${T} ${EP39} meta l4proto tcp dnat to 10.244.1.39:80
        add rule ${T} ${EP40} ip saddr 10.244.1.40 jump mark-for-masquerade
        add rule ${T} ${EP40} meta l4proto tcp dnat to 10.244.1.40:80
        add rule ${T} ${EP33} ip saddr 10.244.2.33 jump mark-for-masquerade
        add rule ${T} ${EP33} meta l4proto tcp dnat to 10.244.2.33:80
      `),
    );
    expect(r.kind).toBe('fresh');
    expect(r.script.match(/^add chain ip kube-proxy \S+\/\S+$/gm)?.map((l) => l.split(' ')[4])).toEqual([SVC, EP39, EP40, EP33]);
    expect(r.script).not.toMatch(/vmap \{|map \{ 0/);
  });

  it('render-nftables - no endpoints: no chains, the ClusterIP rejects through no-endpoint-services', () => {
    const r = render([makeService('study', 'empty', { clusterIP: '10.96.0.32', ports: [{ port: 53, protocol: 'UDP' }] })], []);
    expect(r.script).toBe(
      expected(`
        add element ${T} cluster-ips { 10.96.0.32 }
        add element ${T} no-endpoint-services { 10.96.0.32 . udp . 53 comment "study/empty" : goto reject-chain }
      `),
    );
  });

  it('render-nftables - internalTrafficPolicy Local without a local endpoint drops', () => {
    const r = render([walkthroughService({ internalTrafficPolicy: 'Local' })], [makeSlice('study', 'service-clusterip', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.2.33', 'node2')] })]);
    expect(r.script).toBe(
      expected(`
        add element ${T} cluster-ips { 10.97.97.97 }
        add element ${T} no-endpoint-services { 10.97.97.97 . tcp . 80 comment "study/service-clusterip" : drop }
      `),
    );
    expect(r.noLocalEndpoints).toEqual({ internal: 1, external: 0 });
  });

  it('render-nftables - sessionAffinity ClientIP: a timeout set per endpoint, looked up first, updated on DNAT', () => {
    const r = render([walkthroughService({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })], [makeSlice('study', 'service-clusterip', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.1.39', 'node1'), ep('10.244.2.33', 'node2')] })]);
    const A39 = EP39.replace('endpoint-', 'affinity-');
    const A33 = EP33.replace('endpoint-', 'affinity-');
    expect(r.script).toBe(
      expected(`
        add chain ${T} ${SVC}
        add chain ${T} ${EP39}
        add chain ${T} ${EP33}
        add set ${T} ${A39} { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }
        add set ${T} ${A33} { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }
        add element ${T} cluster-ips { 10.97.97.97 }
        add element ${T} service-ips { 10.97.97.97 . tcp . 80 comment "study/service-clusterip" : goto ${SVC} }
        add rule ${T} ${SVC} ip daddr 10.97.97.97 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
        add rule ${T} ${SVC} ip saddr @${A39} goto ${EP39}
        add rule ${T} ${SVC} ip saddr @${A33} goto ${EP33}
        add rule ${T} ${SVC} numgen random mod 2 0 goto ${EP39}
        add rule ${T} ${SVC} goto ${EP33}
        add rule ${T} ${EP39} ip saddr 10.244.1.39 jump mark-for-masquerade
        add rule ${T} ${EP39} update @${A39} { ip saddr }
        add rule ${T} ${EP39} meta l4proto tcp dnat to 10.244.1.39:80
        add rule ${T} ${EP33} ip saddr 10.244.2.33 jump mark-for-masquerade
        add rule ${T} ${EP33} update @${A33} { ip saddr }
        add rule ${T} ${EP33} meta l4proto tcp dnat to 10.244.2.33:80
      `),
    );
  });
});

describe('renderNftables: external traffic', () => {
  it('render-nftables - NodePort and externalIP with Cluster policy: masquerade, then the service chain', () => {
    const r = render([npService()], [npSlice('node2')]);
    expect(r.script).toBe(
      expected(`
        add chain ${T} ${NP}
        add chain ${T} ${NP_EXT}
        add chain ${T} ${NP_EP}
        add element ${T} cluster-ips { 10.96.0.30 }
        add element ${T} service-ips { 10.96.0.30 . tcp . 80 comment "study/np:http" : goto ${NP} }
        add element ${T} service-ips { 80.11.12.10 . tcp . 80 comment "study/np:http" : goto ${NP_EXT} }
        add element ${T} service-nodeports { tcp . 30080 comment "study/np:http" : goto ${NP_EXT} }
        add rule ${T} ${NP} ip daddr 10.96.0.30 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
        add rule ${T} ${NP} goto ${NP_EP}
        add rule ${T} ${NP_EXT} jump mark-for-masquerade
        add rule ${T} ${NP_EXT} goto ${NP}
        add rule ${T} ${NP_EP} ip saddr 10.244.2.5 jump mark-for-masquerade
        add rule ${T} ${NP_EP} meta l4proto tcp dnat to 10.244.2.5:80
      `),
    );
  });

  it('render-nftables - externalTrafficPolicy Local without a local endpoint: pods and the node short-circuit, others drop', () => {
    const r = render([npService({ externalTrafficPolicy: 'Local' })], [npSlice('node2')]);
    expect(r.script).toBe(
      expected(`
        add chain ${T} ${NP}
        add chain ${T} ${NP_EXT}
        add chain ${T} ${NP_EP}
        add element ${T} cluster-ips { 10.96.0.30 }
        add element ${T} service-ips { 10.96.0.30 . tcp . 80 comment "study/np:http" : goto ${NP} }
        add element ${T} service-ips { 80.11.12.10 . tcp . 80 comment "study/np:http" : goto ${NP_EXT} }
        add element ${T} no-endpoint-services { 80.11.12.10 . tcp . 80 comment "study/np:http" : drop }
        add element ${T} service-nodeports { tcp . 30080 comment "study/np:http" : goto ${NP_EXT} }
        add element ${T} no-endpoint-nodeports { tcp . 30080 comment "study/np:http" : drop }
        add rule ${T} ${NP} ip daddr 10.96.0.30 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
        add rule ${T} ${NP} goto ${NP_EP}
        add rule ${T} ${NP_EXT} ip saddr 10.244.0.0/16 goto ${NP} comment "short-circuit pod traffic"
        add rule ${T} ${NP_EXT} fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"
        add rule ${T} ${NP_EXT} fib saddr type local goto ${NP} comment "short-circuit local traffic"
        add rule ${T} ${NP_EP} ip saddr 10.244.2.5 jump mark-for-masquerade
        add rule ${T} ${NP_EP} meta l4proto tcp dnat to 10.244.2.5:80
      `),
    );
    expect(r.noLocalEndpoints).toEqual({ internal: 0, external: 1 });
  });

  it('render-nftables - externalTrafficPolicy Local with a local endpoint: the external chain ends in the local chain', () => {
    const r = render([npService({ externalTrafficPolicy: 'Local' })], [npSlice('node1')]);
    expect(r.script).toContain(`add chain ${T} local-WIZCRUCV-study/np/tcp/http\n`);
    expect(r.script).toContain(`add rule ${T} ${NP_EXT} goto local-WIZCRUCV-study/np/tcp/http\n`);
    expect(r.script).toContain(`add rule ${T} local-WIZCRUCV-study/np/tcp/http goto ${NP_EP}\n`);
    expect(r.script).not.toContain(`add element ${T} no-endpoint-nodeports`);
  });

  it('render-nftables - LoadBalancer with source ranges: a firewall chain per service, one return per range', () => {
    const lb = makeService('study', 'lb', { clusterIP: '10.96.0.31', type: 'LoadBalancer', loadBalancerSourceRanges: ['203.0.113.0/24', '192.168.100.0/24'], ports: [{ port: 80, nodePort: 30081, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '192.168.200.10' }] } });
    const r = render([lb], [makeSlice('study', 'lb', { ports: [{ port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.1.5', 'node1')] })]);
    const S = 'service-A4A7VDZO-study/lb/tcp/';
    const X = 'external-A4A7VDZO-study/lb/tcp/';
    const F = 'firewall-A4A7VDZO-study/lb/tcp/';
    const E = 'endpoint-IYH6O5CA-study/lb/tcp/__10.244.1.5/80';
    expect(r.script).toBe(
      expected(`
        add chain ${T} ${S}
        add chain ${T} ${X}
        add chain ${T} ${F}
        add chain ${T} ${E}
        add element ${T} cluster-ips { 10.96.0.31 }
        add element ${T} service-ips { 10.96.0.31 . tcp . 80 comment "study/lb" : goto ${S} }
        add element ${T} service-ips { 192.168.200.10 . tcp . 80 comment "study/lb" : goto ${X} }
        add element ${T} firewall-ips { 192.168.200.10 . tcp . 80 comment "study/lb" : goto ${F} }
        add element ${T} service-nodeports { tcp . 30081 comment "study/lb" : goto ${X} }
        add rule ${T} ${S} ip daddr 10.96.0.31 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
        add rule ${T} ${S} goto ${E}
        add rule ${T} ${X} jump mark-for-masquerade
        add rule ${T} ${X} goto ${S}
        add rule ${T} ${F} ip saddr 203.0.113.0/24 return
        add rule ${T} ${F} ip saddr 192.168.100.0/24 return
        add rule ${T} ${F} ip saddr 192.168.200.10 return
        add rule ${T} ${F} drop
        add rule ${T} ${E} ip saddr 10.244.1.5 jump mark-for-masquerade
        add rule ${T} ${E} meta l4proto tcp dnat to 10.244.1.5:80
      `),
    );
  });
});

describe('renderNftables: options', () => {
  it('render-nftables - table name, masqueradeAll, no localhost NodePorts, plain masquerade', () => {
    const r = render([walkthroughService()], [makeSlice('study', 'service-clusterip', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [ep('10.244.1.39', 'node1')] })], { table: 'mesh', masqueradeAll: true, localhostNodePorts: false, randomFully: false });
    const pre = nftPreamble({ localhostNodePorts: false, masquerade: 'masquerade' }).replace(/ip kube-proxy/g, 'ip mesh');
    expect(r.script).toBe(
      ruleset(
        pre +
          `
        add chain ip mesh ${SVC}
        add chain ip mesh ${EP39}
        add element ip mesh cluster-ips { 10.97.97.97 }
        add element ip mesh service-ips { 10.97.97.97 . tcp . 80 comment "study/service-clusterip" : goto ${SVC} }
        add rule ip mesh ${SVC} ip daddr 10.97.97.97 tcp dport 80 jump mark-for-masquerade
        add rule ip mesh ${SVC} goto ${EP39}
        add rule ip mesh ${EP39} ip saddr 10.244.1.39 jump mark-for-masquerade
        add rule ip mesh ${EP39} meta l4proto tcp dnat to 10.244.1.39:80
      `,
      ),
    );
  });

  it('render-nftables - nodePortAddresses: a nodeport-ips set of the matching node addresses', () => {
    const r = render([], [], { ...OPTS, nodePortAddresses: ['192.168.100.0/24'] });
    expect(r.script).toContain(`add set ${T} nodeport-ips { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }\n`);
    expect(r.script).toContain(`add rule ${T} services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports\n`);
    expect(r.script).toContain(`add rule ${T} nodeport-endpoints-check ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports\n`);
    expect(r.script).toContain(`add element ${T} nodeport-ips { 192.168.100.51 }\n`);
    expect(r.script).not.toContain('fib daddr type local');
  });

  it('render-nftables - rejects a table name nft would not parse', () => {
    expect(() => render([], [], { table: 'a b' })).toThrow(/not an nft identifier/);
  });
});
