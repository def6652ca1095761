import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { EndpointsChangeTracker, ServiceChangeTracker } from '../change-trackers.js';
import { TERMINATING, ep, makeService, makeSlice } from '../testing/fixtures.js';
import { SOCK_LB_AFFINITY, SOCK_LB_DROP, SOCK_LB_KEEP_SOURCE, frontendKey, type BackendEntry, type FrontendEntry, type SockLbDelta } from './sock-lb-entries.js';
import { SockLbTables } from './sock-lb-tables.js';

/** The kernel's two maps, written as the agent writes them; every step checked for holes. */
class MapModel {
  readonly frontends = new Map<string, FrontendEntry>();
  readonly backends = new Map<string, BackendEntry>();

  apply(d: SockLbDelta): void {
    for (const b of d.backends) this.backends.set(`${b.set}/${b.slot}`, b);
    this.checkNoHoles();
    for (const f of d.frontends) this.frontends.set(frontendKey(f), f);
    this.checkNoHoles();
    for (const f of d.frontendDeletes) this.frontends.delete(frontendKey(f));
    this.checkNoHoles();
    for (const b of d.backendDeletes) this.backends.delete(`${b.set}/${b.slot}`);
    this.checkNoHoles();
  }

  /** Every slot a frontend's count reaches holds a backend. */
  checkNoHoles(): void {
    for (const f of this.frontends.values()) {
      for (let i = 0; i < f.count; i++) expect(this.backends.has(`${f.set}/${i}`), `${frontendKey(f)} slot ${i}`).toBe(true);
    }
  }

  /** What a connect() can reach: frontend -> sorted backends (or "refuse"/"drop"). */
  view(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, f] of this.frontends) {
      const bs = Array.from({ length: f.count }, (_, i) => this.backends.get(`${f.set}/${i}`)!).map((b) => `${b.ip}:${b.port}`);
      out[k] = f.count === 0 ? (f.flags & SOCK_LB_DROP ? 'drop' : 'refuse') : `${bs.sort().join(',')}${f.flags & SOCK_LB_AFFINITY ? ` affinity ${f.affinitySeconds}s` : ''}${f.flags & SOCK_LB_KEEP_SOURCE ? ' keep-source' : ''}`;
    }
    return out;
  }

  /** No backend slot outside what the frontends reach. */
  strayBackends(): string[] {
    const reached = new Set<string>();
    for (const f of this.frontends.values()) for (let i = 0; i < f.count; i++) reached.add(`${f.set}/${i}`);
    return [...this.backends.keys()].filter((k) => !reached.has(k));
  }
}

class World {
  /** With the node's north-south addresses: the tc programs are attached. */
  constructor(readonly northSouthAddresses?: readonly string[]) {}
  readonly services = new ServiceChangeTracker();
  readonly endpoints = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
  readonly tables = new SockLbTables();
  readonly kernel = new MapModel();

  change(svc?: [Service | undefined, Service | undefined], slice?: [EndpointSlice | undefined, EndpointSlice | undefined]): SockLbDelta {
    if (svc) this.services.update(svc[0], svc[1]);
    if (slice) this.endpoints.update(slice[0], slice[1]);
    const s = this.services.checkoutChanges();
    const e = this.endpoints.checkoutChanges();
    return this.sync(new Set([...s.updatedServices, ...e.updatedServices]));
  }

  sync(changed: ReadonlySet<string> | undefined, tables = this.tables): SockLbDelta {
    const delta = tables.update({
      services: this.services.serviceMap,
      endpoints: this.endpoints.endpointsMap,
      node: { nodeName: 'node1' },
      northSouthAddresses: this.northSouthAddresses,
      changedServices: changed,
      byService: this.services.portsByService,
    });
    this.kernel.apply(delta);
    return delta;
  }
}

const web = (spec: Partial<Parameters<typeof makeService>[2]> = {}) => makeService('study', 'web', { clusterIP: '10.96.0.20', ports: [{ port: 80, targetPort: 8080 }], ...spec });
const webSlice = (...ips: string[]) => makeSlice('study', 'web', { ports: [{ port: 8080 }], endpoints: ips.map((ip) => ep(ip, ip.startsWith('10.244.1.') ? 'node1' : 'node2')) });

describe('SockLbTables', () => {
  it('writes a Service and its endpoints as a frontend over a backend set', () => {
    const w = new World();
    w.change([undefined, web()], [undefined, webSlice('10.244.1.1', '10.244.2.1')]);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': '10.244.1.1:8080,10.244.2.1:8080' });
    expect(w.kernel.strayBackends()).toEqual([]);
  });

  it('refuses a Service without endpoints, and drops for internal policy Local with endpoints elsewhere only', () => {
    const w = new World();
    w.change([undefined, web()]);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': 'refuse' });
    w.change([web(), web({ internalTrafficPolicy: 'Local' })], [undefined, webSlice('10.244.2.1')]);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': 'drop' });
  });

  it('gives externalIPs and LoadBalancer IPs the Cluster endpoints, the ClusterIP the internal policy\'s', () => {
    const w = new World();
    const svc = web({ type: 'LoadBalancer', internalTrafficPolicy: 'Local', externalTrafficPolicy: 'Local', externalIPs: ['192.0.2.7'] });
    const withStatus = { ...svc, status: { loadBalancer: { ingress: [{ ip: '198.51.100.9' }] } } };
    w.change([undefined, withStatus], [undefined, webSlice('10.244.1.1', '10.244.2.1')]);
    expect(w.kernel.view()).toEqual({
      '10.96.0.20:80/TCP': '10.244.1.1:8080',
      '192.0.2.7:80/TCP': '10.244.1.1:8080,10.244.2.1:8080',
      '198.51.100.9:80/TCP': '10.244.1.1:8080,10.244.2.1:8080',
    });
  });

  it('with the tc programs attached, gives NodePorts, externalIPs and LoadBalancer IPs north-south frontends over the external policy\'s endpoints', () => {
    const w = new World(['192.168.100.11']);
    const svc = web({ type: 'LoadBalancer', externalIPs: ['192.0.2.7'], ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] });
    const withStatus = { ...svc, status: { loadBalancer: { ingress: [{ ip: '198.51.100.9' }] } } };
    w.change([undefined, withStatus], [undefined, webSlice('10.244.1.1', '10.244.2.1')]);
    const both = '10.244.1.1:8080,10.244.2.1:8080';
    expect(w.kernel.view()).toEqual({
      '10.96.0.20:80/TCP': both,
      '192.0.2.7:80/TCP': both,
      '198.51.100.9:80/TCP': both,
      '192.168.100.11:30080/TCP north-south': both,
      '192.0.2.7:80/TCP north-south': both,
      '198.51.100.9:80/TCP north-south': both,
    });
    // loadBalancerSourceRanges: the LoadBalancer IP stays with nftables and its firewall rules.
    const limited = { ...withStatus, spec: { ...withStatus.spec!, loadBalancerSourceRanges: ['203.0.113.0/24'] } };
    w.change([withStatus, limited]);
    expect(Object.keys(w.kernel.view()).filter((k) => k.endsWith('north-south'))).toEqual(['192.168.100.11:30080/TCP north-south', '192.0.2.7:80/TCP north-south']);
    w.change([limited, undefined]);
    expect(w.kernel.view()).toEqual({});
    expect(w.kernel.backends.size).toBe(0);
  });

  it('externalTrafficPolicy Local: north-south frontends keep the client\'s address and use this node\'s endpoints; none here drops, none at all is left to nftables\' reject', () => {
    const w = new World(['192.168.100.11']);
    const svc = web({ type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] });
    w.change([undefined, svc], [undefined, webSlice('10.244.1.1', '10.244.2.1')]);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': '10.244.1.1:8080,10.244.2.1:8080', '192.168.100.11:30080/TCP north-south': '10.244.1.1:8080 keep-source' });
    w.change(undefined, [webSlice('10.244.1.1', '10.244.2.1'), webSlice('10.244.2.1')]);
    expect(w.kernel.view()['192.168.100.11:30080/TCP north-south']).toBe('drop');
    w.change(undefined, [webSlice('10.244.2.1'), webSlice()]);
    expect(w.kernel.view()['192.168.100.11:30080/TCP north-south']).toBe('refuse');
    // Back to Cluster: the local set goes, the frontend uses the Cluster endpoints.
    w.change([svc, { ...svc, spec: { ...svc.spec!, externalTrafficPolicy: 'Cluster' } }], [webSlice(), webSlice('10.244.1.1', '10.244.2.1')]);
    expect(w.kernel.view()['192.168.100.11:30080/TCP north-south']).toBe('10.244.1.1:8080,10.244.2.1:8080');
    expect(w.kernel.strayBackends()).toEqual([]);
  });

  it('without the tc programs there is no north-south frontend', () => {
    const w = new World();
    w.change([undefined, web({ type: 'NodePort', externalIPs: ['192.0.2.7'] })], [undefined, webSlice('10.244.1.1')]);
    expect(Object.keys(w.kernel.view()).sort()).toEqual(['10.96.0.20:80/TCP', '192.0.2.7:80/TCP']);
  });

  it('carries ClientIP affinity and its timeout, 10800 s by default', () => {
    const w = new World();
    w.change([undefined, web({ sessionAffinity: 'ClientIP' })], [undefined, webSlice('10.244.1.1')]);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': '10.244.1.1:8080 affinity 10800s' });
  });

  it('falls back to serving-and-terminating endpoints when none is ready', () => {
    const w = new World();
    const slice = makeSlice('study', 'web', { ports: [{ port: 8080 }], endpoints: [ep('10.244.1.5', 'node1', TERMINATING)] });
    w.change([undefined, web()], [undefined, slice]);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': '10.244.1.5:8080' });
  });

  it('keeps a backend in its slot while others come and go, and writes only what changed', () => {
    const w = new World();
    const a = webSlice('10.244.1.1', '10.244.2.1', '10.244.2.2');
    w.change([undefined, web()], [undefined, a]);
    const slotOf = (ip: string) => [...w.kernel.backends.values()].find((b) => b.ip === ip)!.slot;
    const before = slotOf('10.244.2.2');
    const b = webSlice('10.244.2.1', '10.244.2.2', '10.244.2.3');
    const d = w.change(undefined, [a, b]);
    expect(slotOf('10.244.2.2')).toBe(before);
    expect(d.backends).toHaveLength(1); // 10.244.2.3 into the slot 10.244.1.1 left
    expect(d.backendDeletes).toHaveLength(0);
    expect(d.frontends).toHaveLength(0); // the count stayed 3
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': '10.244.2.1:8080,10.244.2.2:8080,10.244.2.3:8080' });
    const c = webSlice('10.244.2.2');
    w.change(undefined, [b, c]);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': '10.244.2.2:8080' });
    expect(w.kernel.strayBackends()).toEqual([]);
  });

  it('deletes everything of a deleted Service', () => {
    const w = new World();
    w.change([undefined, web({ externalIPs: ['192.0.2.7'] })], [undefined, webSlice('10.244.1.1')]);
    w.change([web({ externalIPs: ['192.0.2.7'] }), undefined]);
    expect(w.kernel.view()).toEqual({});
    expect(w.kernel.backends.size).toBe(0);
  });

  it('after a restart adopts the kernel\'s maps: nothing is rewritten that did not change, leftovers go', () => {
    const w = new World();
    w.change([undefined, web()], [undefined, webSlice('10.244.1.1', '10.244.2.1')]);
    const other = makeService('study', 'gone', { clusterIP: '10.96.0.30', ports: [{ port: 53, protocol: 'UDP' }] });
    w.change([undefined, other]);
    // The agent stops; meanwhile "gone" is deleted and web loses an endpoint.
    const fresh = new SockLbTables();
    fresh.adopt([...w.kernel.frontends.values()], [...w.kernel.backends.values()]);
    w.services.update(other, undefined);
    w.services.checkoutChanges();
    w.endpoints.update(webSlice('10.244.1.1', '10.244.2.1'), webSlice('10.244.2.1'));
    w.endpoints.checkoutChanges();
    const d = w.sync(undefined, fresh);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': '10.244.2.1:8080' });
    expect(w.kernel.strayBackends()).toEqual([]);
    expect(d.frontendDeletes).toEqual([{ ip: '10.96.0.30', port: 53, protocol: 'UDP' }]);
    const again = w.sync(undefined, fresh);
    expect(again).toEqual({ backends: [], frontends: [], frontendDeletes: [], backendDeletes: [] });
  });

  it('a port renamed keeps its address in the kernel (the old port lets it go before the new one claims it)', () => {
    const w = new World();
    w.change([undefined, web()], [undefined, webSlice('10.244.1.1')]);
    const named = web({ ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
    const namedSlice = makeSlice('study', 'web', { ports: [{ name: 'http', port: 8080 }], endpoints: [ep('10.244.1.1', 'node1')] });
    w.change([web(), named], [webSlice('10.244.1.1'), namedSlice]);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': '10.244.1.1:8080' });
    expect(w.kernel.strayBackends()).toEqual([]);
  });

  it('an externalIP two Services claim: the first keeps it; when it lets go, the other gets it in the same sync', () => {
    const w = new World();
    const a = makeService('study', 'a', { clusterIP: '10.96.0.31', externalIPs: ['192.0.2.9'], ports: [{ port: 80 }] });
    const b = makeService('study', 'b', { clusterIP: '10.96.0.32', externalIPs: ['192.0.2.9'], ports: [{ port: 80 }] });
    w.change([undefined, a], [undefined, makeSlice('study', 'a', { ports: [{ port: 80 }], endpoints: [ep('10.244.1.1', 'node1')] })]);
    w.change([undefined, b], [undefined, makeSlice('study', 'b', { ports: [{ port: 80 }], endpoints: [ep('10.244.1.2', 'node1')] })]);
    expect(w.kernel.view()['192.0.2.9:80/TCP']).toBe('10.244.1.1:80');
    // Only a changes: b's claim is handed over without b changing.
    w.change([a, { ...a, spec: { ...a.spec, externalIPs: [] } }]);
    expect(w.kernel.view()['192.0.2.9:80/TCP']).toBe('10.244.1.2:80');
    expect(w.kernel.strayBackends()).toEqual([]);
  });

  it('after adopt(), a slot beyond a frontend\'s count that the set grows back into is written, not deleted', () => {
    const w = new World();
    w.change([undefined, web()], [undefined, webSlice('10.244.1.1', '10.244.2.1', '10.244.2.2')]);
    // A failed shrink left a stale third slot: the frontend says 2.
    const fe = [...w.kernel.frontends.values()][0]!;
    w.kernel.frontends.set(frontendKey(fe), { ...fe, count: 2 });
    const fresh = new SockLbTables();
    fresh.adopt([...w.kernel.frontends.values()], [...w.kernel.backends.values()]);
    w.sync(undefined, fresh);
    expect(w.kernel.view()).toEqual({ '10.96.0.20:80/TCP': '10.244.1.1:8080,10.244.2.1:8080,10.244.2.2:8080' });
    expect(w.kernel.strayBackends()).toEqual([]);
  });

  it.each([
    ['socket frontends only', undefined],
    ['north-south frontends too', ['192.168.100.11', '192.168.100.21']],
  ])('stays equal to a fresh computation through random changes, with no hole at any step (%s)', (_, northSouth) => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const w = new World(northSouth);
    let northSouthSeen = 0;
    const svcs = new Map<string, Service>();
    const slices = new Map<string, EndpointSlice>();
    for (let step = 0; step < 400; step++) {
      const name = `s${rand(12)}`;
      const ip = `10.96.1.${Number(name.slice(1)) + 1}`;
      if (rand(3) === 0) {
        const prev = svcs.get(name);
        const n = Number(name.slice(1));
        const nodePort = rand(2) === 0;
        const ports = [{ port: 80, ...(nodePort ? { nodePort: 30100 + n } : {}) }, { name: 'dns', port: 53, protocol: 'UDP' as const, ...(nodePort ? { nodePort: 30200 + n } : {}) }].slice(0, 1 + rand(2));
        const policies = nodePort ? { type: 'NodePort' as const, externalTrafficPolicy: rand(2) ? ('Local' as const) : ('Cluster' as const), ...(rand(3) === 0 ? { internalTrafficPolicy: 'Local' as const } : {}) } : {};
        const next = rand(5) === 0 ? undefined : makeService('ns', name, { clusterIP: ip, ports, sessionAffinity: rand(2) ? 'ClientIP' : 'None', ...(rand(3) === 0 ? { externalIPs: [`192.0.2.${n}`] } : {}), ...policies });
        if (next) svcs.set(name, next);
        else svcs.delete(name);
        w.change([prev, next]);
      } else {
        const prev = slices.get(name);
        const ips = Array.from({ length: rand(5) }, () => `10.244.${1 + rand(2)}.${1 + rand(6)}`);
        const next = makeSlice('ns', name, { ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }], endpoints: [...new Set(ips)].map((x) => ep(x, x.startsWith('10.244.1.') ? 'node1' : 'node2')) });
        slices.set(name, next);
        w.change(undefined, [prev, next]);
      }
      const reference = new World(w.northSouthAddresses);
      for (const s of svcs.values()) reference.services.update(undefined, s);
      for (const s of slices.values()) reference.endpoints.update(undefined, s);
      reference.services.checkoutChanges();
      reference.endpoints.checkoutChanges();
      reference.sync(undefined);
      expect(w.kernel.view()).toEqual(reference.kernel.view());
      expect(w.kernel.strayBackends()).toEqual([]);
      northSouthSeen += [...w.kernel.frontends.values()].filter((f) => f.northSouth).length;
    }
    expect(northSouthSeen > 0).toBe(northSouth !== undefined);
  });
});
