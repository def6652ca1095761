/**
 * NftablesRuleset: partial transactions send only what changed, full ones re-send everything in
 * place, and any sequence of transactions leaves the table a fresh load of the final state
 * would build (checked on a model of nft's table).
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { EndpointsChangeTracker, ServiceChangeTracker } from '../change-trackers.js';
import { ep, makeService, makeSlice, NODE1, ruleset, walkthroughService, walkthroughSlice } from '../testing/fixtures.js';
import { applyNftScript, emptyNftModel, type NftModel } from '../testing/nft-model.js';
import { nftPreamble } from '../testing/nft-rulesets.js';
import { NftablesRuleset, STALE_CHAIN_DELETE_DELAY_MS, type NftRenderOptions } from './nftables-ruleset.js';

const T = 'ip kube-proxy';
const OPTS: NftRenderOptions = { clusterCIDR: '10.244.0.0/16' };
const SVC = 'service-Q6UJPJSN-study/service-clusterip/tcp/';
const EP39 = 'endpoint-5MLZQANP-study/service-clusterip/tcp/__10.244.1.39/80';
const EP40 = 'endpoint-RRBC2LMO-study/service-clusterip/tcp/__10.244.1.40/80';
const EP33 = 'endpoint-TDXDPWXT-study/service-clusterip/tcp/__10.244.2.33/80';
const A39 = EP39.replace('endpoint-', 'affinity-');
const A40 = EP40.replace('endpoint-', 'affinity-');
const A33 = EP33.replace('endpoint-', 'affinity-');

/** The objects a node agent sees, through the same change trackers. */
class Cluster {
  readonly services = new ServiceChangeTracker();
  readonly endpoints = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
  private readonly svcs = new Map<string, Service>();
  private readonly slices = new Map<string, EndpointSlice>();
  node = NODE1;

  service(s: Service | string): this {
    const key = typeof s === 'string' ? s : `${s.metadata.namespace}/${s.metadata.name}`;
    this.services.update(this.svcs.get(key), typeof s === 'string' ? undefined : s);
    if (typeof s === 'string') this.svcs.delete(key);
    else this.svcs.set(key, s);
    return this;
  }

  slice(s: EndpointSlice | string): this {
    const key = typeof s === 'string' ? s : `${s.metadata.namespace}/${s.metadata.name}`;
    this.endpoints.update(this.slices.get(key), typeof s === 'string' ? undefined : s);
    if (typeof s === 'string') this.slices.delete(key);
    else this.slices.set(key, s);
    return this;
  }

  /** The sync input with the Services changed since the last call (all of them: `full`). */
  input(now: number, full = false) {
    const changed = new Set([...this.services.checkoutChanges().updatedServices, ...this.endpoints.checkoutChanges().updatedServices]);
    return { services: this.services.serviceMap, endpoints: this.endpoints.endpointsMap, node: this.node, now, changedServices: full ? undefined : changed };
  }

  /** What one fresh load of the current state builds. */
  fresh(opts: NftRenderOptions = OPTS): NftModel {
    const model = emptyNftModel();
    applyNftScript(model, new NftablesRuleset(opts).transaction({ services: this.services.serviceMap, endpoints: this.endpoints.endpointsMap, node: this.node, now: 0 }).script);
    return model;
  }
}

const sliceOf = (...ips: [string, string][]) => makeSlice('study', 'service-clusterip', { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: ips.map(([ip, node]) => ep(ip, node)) });

describe('NftablesRuleset: partial transactions', () => {
  it('nftables-ruleset - an endpoint goes: the service chain is rewritten, the endpoint chain flushed, deleted a second later', () => {
    const c = new Cluster().service(walkthroughService()).slice(walkthroughSlice());
    const rs = new NftablesRuleset(OPTS);
    expect(rs.transaction(c.input(0)).kind).toBe('fresh');

    c.slice(sliceOf(['10.244.1.39', 'node1'], ['10.244.1.40', 'node1']));
    const t = rs.transaction(c.input(1000));
    expect(t.kind).toBe('partial');
    expect(t.script).toBe(
      ruleset(`
        add chain ${T} ${SVC}
        flush chain ${T} ${SVC}
        add rule ${T} ${SVC} ip daddr 10.97.97.97 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
        add rule ${T} ${SVC} numgen random mod 2 0 goto ${EP39}
        add rule ${T} ${SVC} goto ${EP40}
        flush chain ${T} ${EP33}
      `),
    );
    expect(t.staleChains).toEqual([EP33]);
    expect(t.servicePortsWritten).toBe(1);

    // Nothing changed: nothing to send, and the flushed chain is not old enough yet.
    const nothing = rs.transaction(c.input(1999));
    expect([nothing.script, nothing.lines]).toEqual(['', []]);
    const later = rs.transaction(c.input(1000 + STALE_CHAIN_DELETE_DELAY_MS));
    expect(later.script).toBe(`delete chain ${T} ${EP33}\n`);
    expect(later.lines).toEqual([`delete chain ${T} ${EP33}`]);
    expect(later.deletedChains).toEqual([EP33]);
    expect(rs.staleChainCount).toBe(0);
  });

  it('nftables-ruleset - a flushed chain that comes back is reused, not deleted', () => {
    const c = new Cluster().service(walkthroughService()).slice(walkthroughSlice());
    const rs = new NftablesRuleset(OPTS);
    rs.transaction(c.input(0));
    c.slice(sliceOf(['10.244.1.39', 'node1'], ['10.244.1.40', 'node1']));
    rs.transaction(c.input(10));
    c.slice(walkthroughSlice());
    const back = rs.transaction(c.input(5000));
    expect(back.script).toContain(`add chain ${T} ${EP33}\nflush chain ${T} ${EP33}\n`);
    expect(back.script).toContain(`add rule ${T} ${EP33} meta l4proto tcp dnat to 10.244.2.33:80\n`);
    expect(back.deletedChains).toEqual([]);
    expect(rs.staleChainCount).toBe(0);
  });

  it('nftables-ruleset - a new Service adds its chains and elements only; a deleted one deletes its elements', () => {
    const c = new Cluster().service(walkthroughService()).slice(walkthroughSlice());
    const rs = new NftablesRuleset(OPTS);
    rs.transaction(c.input(0));
    const other = makeService('study', 'other', { clusterIP: '10.96.0.40', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
    c.service(other);
    expect(rs.transaction(c.input(1)).script).toBe(
      ruleset(`
        add element ${T} cluster-ips { 10.96.0.40 }
        add element ${T} no-endpoint-services { 10.96.0.40 . udp . 53 comment "study/other:dns" : goto reject-chain }
      `),
    );
    c.slice(makeSlice('study', 'other', { ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }], endpoints: [ep('10.244.1.7', 'node1')] }));
    const S = 'service-Y2ZPQA4Z-study/other/udp/dns';
    const withEndpoint = rs.transaction(c.input(2)).script;
    expect(withEndpoint).toMatch(/^add chain ip kube-proxy service-[A-Z2-7]{8}-study\/other\/udp\/dns\n/);
    expect(withEndpoint).toContain(`delete element ${T} no-endpoint-services { 10.96.0.40 . udp . 53 }\n`);
    expect(withEndpoint).toMatch(/add element ip kube-proxy service-ips \{ 10\.96\.0\.40 \. udp \. 53 comment "study\/other:dns" : goto service-[A-Z2-7]{8}-study\/other\/udp\/dns \}\n/);
    expect(withEndpoint).not.toContain(SVC);

    c.service('study/service-clusterip');
    const gone = rs.transaction(c.input(3));
    expect(gone.script).toBe(
      ruleset(`
        delete element ${T} cluster-ips { 10.97.97.97 }
        delete element ${T} service-ips { 10.97.97.97 . tcp . 80 }
        flush chain ${T} ${SVC}
        flush chain ${T} ${EP39}
        flush chain ${T} ${EP40}
        flush chain ${T} ${EP33}
      `),
    );
    expect(gone.staleChains).toEqual([SVC, EP39, EP40, EP33]);
  });

  it('nftables-ruleset - affinity sets: created with their endpoint, never flushed, deleted with it', () => {
    const c = new Cluster().service(walkthroughService({ sessionAffinity: 'ClientIP' })).slice(walkthroughSlice());
    const rs = new NftablesRuleset(OPTS);
    rs.transaction(c.input(0));
    c.slice(sliceOf(['10.244.1.39', 'node1'], ['10.244.1.40', 'node1']));
    const t = rs.transaction(c.input(1)).script;
    expect(t).not.toMatch(/add set|flush set/);
    expect(t).toContain(`flush chain ${T} ${EP33}\ndelete set ${T} ${A33}\n`);
    c.slice(walkthroughSlice());
    expect(rs.transaction(c.input(2)).script).toContain(`add set ${T} ${A33} { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }\n`);
  });

  it('nftables-ruleset - two Services claiming one externalIP and port: the first by name holds it, the other takes over when it goes', () => {
    const a = makeService('study', 'a', { clusterIP: '10.96.0.50', externalIPs: ['80.11.12.10'], ports: [{ port: 80, protocol: 'TCP' }] });
    const b = makeService('study', 'b', { clusterIP: '10.96.0.51', externalIPs: ['80.11.12.10'], ports: [{ port: 80, protocol: 'TCP' }] });
    const slice = (svc: string, ip: string) => makeSlice('study', svc, { ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints: [ep(ip, 'node2')] });
    const c = new Cluster().service(a).service(b).slice(slice('a', '10.244.2.1')).slice(slice('b', '10.244.2.2'));
    const rs = new NftablesRuleset(OPTS);
    const model = emptyNftModel();
    applyNftScript(model, rs.transaction(c.input(0)).script);
    expect(model.sets.get('service-ips')!.get('80.11.12.10 . tcp . 80')).toMatch(/^goto external-[A-Z2-7]{8}-study\/a\/tcp\/ \(comment "study\/a"\)$/);
    c.service('study/a');
    const t = rs.transaction(c.input(1)).script;
    expect(t).toContain(`delete element ${T} service-ips { 80.11.12.10 . tcp . 80 }\n`);
    applyNftScript(model, t);
    expect(model.sets.get('service-ips')!.get('80.11.12.10 . tcp . 80')).toMatch(/^goto external-[A-Z2-7]{8}-study\/b\/tcp\/ /);
  });
});

describe('NftablesRuleset: full transactions', () => {
  it('nftables-ruleset - in place: everything flushed and refilled, affinity sets kept, stale chains flushed, old ones deleted', () => {
    const c = new Cluster().service(walkthroughService({ sessionAffinity: 'ClientIP' })).slice(walkthroughSlice());
    const rs = new NftablesRuleset(OPTS);
    rs.transaction(c.input(0));
    // pod 10.244.2.33 is gone.
    c.slice(sliceOf(['10.244.1.39', 'node1'], ['10.244.1.40', 'node1']));
    const r = rs.transaction(c.input(10, true));
    expect(r.kind).toBe('full');
    expect(r.script).toBe(
      ruleset(
        nftPreamble({ fresh: false }) +
          `
        add chain ${T} ${SVC}
        flush chain ${T} ${SVC}
        add chain ${T} ${EP39}
        flush chain ${T} ${EP39}
        add chain ${T} ${EP40}
        flush chain ${T} ${EP40}
        add set ${T} ${A39} { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }
        add set ${T} ${A40} { type ipv4_addr ; flags dynamic,timeout ; timeout 10800s ; }
        add element ${T} cluster-ips { 10.97.97.97 }
        add element ${T} service-ips { 10.97.97.97 . tcp . 80 comment "study/service-clusterip" : goto ${SVC} }
        add rule ${T} ${SVC} ip daddr 10.97.97.97 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
        add rule ${T} ${SVC} ip saddr @${A39} goto ${EP39}
        add rule ${T} ${SVC} ip saddr @${A40} goto ${EP40}
        add rule ${T} ${SVC} numgen random mod 2 0 goto ${EP39}
        add rule ${T} ${SVC} goto ${EP40}
        add rule ${T} ${EP39} ip saddr 10.244.1.39 jump mark-for-masquerade
        add rule ${T} ${EP39} update @${A39} { ip saddr }
        add rule ${T} ${EP39} meta l4proto tcp dnat to 10.244.1.39:80
        add rule ${T} ${EP40} ip saddr 10.244.1.40 jump mark-for-masquerade
        add rule ${T} ${EP40} update @${A40} { ip saddr }
        add rule ${T} ${EP40} meta l4proto tcp dnat to 10.244.1.40:80
        flush chain ${T} ${EP33}
        delete set ${T} ${A33}
      `,
      ),
    );
    expect(r.staleChains).toEqual([EP33]);
    expect(r.script).not.toMatch(/flush set .*affinity-/);
    // The next full one, a second later, deletes the flushed chain.
    expect(rs.transaction(c.input(1010, true)).script).toMatch(new RegExp(`\\ndelete chain ${T} ${EP33.replace(/[/.]/g, '\\$&')}\\n$`));
  });

  it("nftables-ruleset - a change of the node's addresses makes a partial sync full; reset() makes the next one fresh", () => {
    const c = new Cluster().service(walkthroughService()).slice(walkthroughSlice());
    const rs = new NftablesRuleset({ ...OPTS, nodePortAddresses: ['192.168.100.0/24'] });
    rs.transaction(c.input(0));
    expect(rs.transaction(c.input(1)).kind).toBe('partial');
    c.node = { name: 'node1', addresses: ['192.168.100.52'] };
    const moved = rs.transaction(c.input(2));
    expect(moved.kind).toBe('full');
    expect(moved.script).toContain(`flush set ${T} nodeport-ips\n`);
    expect(moved.script).toContain(`add element ${T} nodeport-ips { 192.168.100.52 }\n`);
    rs.reset();
    expect(rs.transaction(c.input(3)).kind).toBe('fresh');
  });

  it('nftables-ruleset - service CIDRs: traffic to an unallocated ClusterIP is dropped; a bad CIDR is refused', () => {
    const r = new NftablesRuleset({ ...OPTS, serviceCIDRs: ['10.96.0.1/12', ' 10.200.0.0/16'] }).transaction({ ...new Cluster().input(0) });
    expect(r.script).toContain(`add rule ${T} cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"\nadd rule ${T} cluster-ips-check ip daddr { 10.96.0.0/12, 10.200.0.0/16 } drop comment "Drop traffic to unallocated ClusterIPs"\n`);
    expect(new NftablesRuleset(OPTS).transaction(new Cluster().input(0)).script).not.toContain('unallocated');
    expect(() => new NftablesRuleset({ serviceCIDRs: ['10.96.0.0'] })).toThrow('service CIDR "10.96.0.0" is not an IPv4 CIDR');
  });
});

/** The table `got` holds is the one `want` describes, but for flushed chains waiting to be deleted. */
function expectSameTable(got: NftModel, want: NftModel): void {
  for (const [chain, rules] of got.chains) if (!want.chains.has(chain)) expect(rules, `stale chain ${chain}`).toEqual([]);
  expect(Object.fromEntries([...got.chains].filter(([c]) => want.chains.has(c)))).toEqual(Object.fromEntries(want.chains));
  expect(Object.fromEntries([...got.sets].map(([k, v]) => [k, Object.fromEntries(v)]))).toEqual(Object.fromEntries([...want.sets].map(([k, v]) => [k, Object.fromEntries(v)])));
  expect(Object.fromEntries(got.specs)).toEqual(Object.fromEntries(want.specs));
}

describe('NftablesRuleset: any sequence of transactions', () => {
  it('nftables-ruleset - 400 random changes, applied partially, give at every step the table one fresh load gives', () => {
    // mulberry32: a small seeded generator, so a failure replays.
    let seed = 20261205;
    const rand = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const c = new Cluster();
    const rs = new NftablesRuleset(OPTS);
    const model = emptyNftModel();
    applyNftScript(model, rs.transaction(c.input(0)).script);
    let partialWrites = 0;
    let maxChains = 0;
    for (let step = 1; step <= 400; step++) {
      const i = rand(12);
      const name = ['web', 'web-v2', 'web-v2-a'][i % 3] === undefined ? `svc-${i}` : i < 3 ? ['web', 'web-v2', 'web-v2-a'][i]! : `svc-${i}`;
      const action = rand(8);
      if (action === 0) c.service(`study/${name}`);
      else if (action <= 3) {
        const type = (['ClusterIP', 'NodePort', 'LoadBalancer'] as const)[rand(3)]!;
        const spec = {
          type,
          clusterIP: `10.96.1.${i}`,
          externalIPs: rand(3) === 0 ? [`80.11.12.${rand(3)}`] : [],
          ...(rand(3) === 0 ? { sessionAffinity: 'ClientIP' as const, sessionAffinityConfig: { clientIP: { timeoutSeconds: [60, 10800][rand(2)]! } } } : { sessionAffinity: 'None' as const }),
          ...(type !== 'ClusterIP' && rand(2) === 0 ? { externalTrafficPolicy: 'Local' as const } : {}),
          ...(rand(4) === 0 ? { internalTrafficPolicy: 'Local' as const } : {}),
          ...(type === 'LoadBalancer' && rand(2) === 0 ? { loadBalancerSourceRanges: ['203.0.113.0/24'] } : {}),
          ports: [{ name: 'http', port: 80, protocol: 'TCP' as const, ...(type !== 'ClusterIP' ? { nodePort: 30000 + rand(4) } : {}) }, ...(rand(2) === 0 ? [{ name: 'dns', port: 53, protocol: 'UDP' as const }] : [])],
        };
        c.service(makeService('study', name, spec, type === 'LoadBalancer' ? { loadBalancer: { ingress: [{ ip: `192.168.200.${rand(2)}` }] } } : undefined));
      } else if (action === 4) c.slice(`study/${name}-abcde`);
      else {
        const eps = Array.from({ length: rand(4) }, () => ep(`10.244.${1 + rand(2)}.${rand(6)}`, rand(2) === 0 ? 'node1' : 'node2'));
        const unique = [...new Map(eps.map((e) => [e.addresses[0], e])).values()];
        c.slice(makeSlice('study', name, { ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }], endpoints: unique }));
      }
      const t = rs.transaction(c.input(step * 300, step % 50 === 0));
      if (t.kind === 'partial') partialWrites += t.servicePortsWritten;
      applyNftScript(model, t.script);
      expectSameTable(model, c.fresh());
      maxChains = Math.max(maxChains, model.chains.size);
    }
    expect(partialWrites).toBeGreaterThan(200);
    expect(maxChains).toBeGreaterThan(40);
    // A second on, every flushed chain is gone.
    applyNftScript(model, rs.transaction(c.input(1e9)).script);
    expect([...model.chains.keys()].sort()).toEqual([...c.fresh().chains.keys()].sort());
  });
});
