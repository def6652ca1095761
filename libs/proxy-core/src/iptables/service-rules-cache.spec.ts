/**
 * The render cache changes nothing but the work: through the real change trackers, a seeded
 * sequence of changes (Services created, changed, deleted; endpoints moved, made unready,
 * local or not; Local traffic policies, NodePorts, external and LoadBalancer IPs with source
 * ranges; affinity; the large-cluster threshold crossed; render options changed) renders, sync after sync, to exactly
 * what a render without the cache gives; and a partial sync renders only the Services it writes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { EndpointsChangeTracker, ServiceChangeTracker } from '../change-trackers.js';
import { ep, makeService, makeSlice, NODE1, NOT_READY } from '../testing/fixtures.js';
import { renderIptables, type RenderInput } from './render-iptables.js';
import { IptablesRenderCache } from './service-rules-cache.js';

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function service(i: number, rnd: () => number): Service {
  const type = (['ClusterIP', 'ClusterIP', 'NodePort', 'LoadBalancer'] as const)[Math.floor(rnd() * 4)]!;
  const external = type !== 'ClusterIP';
  return makeService(
    'cache',
    `svc-${i}`,
    {
      type,
      clusterIP: `10.96.${i >> 8}.${i & 255}`,
      ports: [{ name: 'http', port: 80, protocol: rnd() < 0.8 ? 'TCP' : 'UDP', targetPort: 8080, ...(external ? { nodePort: 30000 + i } : {}) }],
      ...(rnd() < 0.2 ? { externalIPs: [`192.0.2.${i & 255}`] } : {}),
      ...(external && rnd() < 0.5 ? { externalTrafficPolicy: 'Local' as const, healthCheckNodePort: 32000 + i } : {}),
      ...(rnd() < 0.15 ? { internalTrafficPolicy: 'Local' as const } : {}),
      ...(rnd() < 0.2 ? { sessionAffinity: 'ClientIP' as const } : {}),
      ...(type === 'LoadBalancer' && rnd() < 0.5 ? { loadBalancerSourceRanges: ['203.0.113.0/24', '192.168.100.0/24'] } : {}),
    },
    type === 'LoadBalancer' ? { loadBalancer: { ingress: [{ ip: `198.51.100.${i & 255}` }] } } : undefined,
  );
}

function slice(i: number, endpoints: number, rnd: () => number): EndpointSlice {
  return makeSlice('cache', `svc-${i}`, {
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Array.from({ length: endpoints }, (_, k) => ep(`10.244.${i & 255}.${k + Math.floor(rnd() * 3) * 10}`, rnd() < 0.5 ? 'node1' : 'node2', rnd() < 0.15 ? NOT_READY : undefined)),
  });
}

describe('IptablesRenderCache', () => {
  afterEach(() => vi.restoreAllMocks());

  it('renders sync after sync exactly what an uncached render gives', () => {
    for (const seed of [1, 2, 3]) {
      const rnd = random(seed);
      const services = new ServiceChangeTracker();
      const endpoints = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
      const svcs = new Map<number, Service>();
      const slices = new Map<number, EndpointSlice>();
      const cache = new IptablesRenderCache();
      let natChains: ReadonlySet<string> | undefined;
      const large: boolean[] = [];
      for (let step = 0; step < 40; step++) {
        // A big step now and then: crosses the large-cluster threshold (1,000 endpoints) both ways.
        const changes = step % 10 === 5 ? 300 : 1 + Math.floor(rnd() * 4);
        for (let c = 0; c < changes; c++) {
          const i = Math.floor(rnd() * (step % 10 === 5 ? 400 : 60));
          const what = rnd();
          if (what < 0.3 || !svcs.has(i)) {
            const next = service(i, rnd);
            services.update(svcs.get(i), next);
            svcs.set(i, next);
          } else if (what < 0.4) {
            services.update(svcs.get(i), undefined);
            svcs.delete(i);
          }
          if (svcs.has(i)) {
            const next = slice(i, step % 10 === 5 ? 6 : Math.floor(rnd() * 4), rnd);
            endpoints.update(slices.get(i), next);
            slices.set(i, next);
          }
        }
        if (step % 10 === 8) {
          // ... and back below it.
          for (const [i, svc] of [...svcs].filter(([k]) => k >= 60)) {
            services.update(svc, undefined);
            endpoints.update(slices.get(i), undefined);
            svcs.delete(i);
            slices.delete(i);
          }
        }
        const changed = new Set([...services.checkoutChanges().updatedServices, ...endpoints.checkoutChanges().updatedServices]);
        const full = step % 13 === 0;
        const input: RenderInput = {
          services: services.serviceMap,
          endpoints: endpoints.endpointsMap,
          // The node too: another name makes other endpoints local, another address other FW rules.
          node: step % 9 === 2 ? { name: 'node2', addresses: NODE1.addresses } : step % 9 === 6 ? { name: 'node1', addresses: ['10.1.2.3'] } : NODE1,
          // Options change now and then too (an agent restarted with other flags keeps nothing, but the cache must not care).
          opts: { clusterCIDR: step % 11 === 4 ? undefined : '10.244.0.0/16', masqueradeAll: step % 7 === 3, largeClusterEndpointsThreshold: 1000 },
          changedServices: full ? undefined : changed,
          existingNatChains: natChains,
        };
        const cached = renderIptables({ ...input, cache });
        const fresh = renderIptables(input);
        const view = (r: typeof fresh) => ({ restore: r.restore, counts: r.ruleCounts, chains: [...r.natChains].sort(), deleted: r.deletedChains, noLocal: r.noLocalEndpoints, large: r.largeClusterMode, top: [...r.topLevelRules()] });
        expect(view(cached), `seed ${seed}, step ${step}`).toEqual(view(fresh));
        natChains = cached.natChains;
        large.push(cached.largeClusterMode);
      }
      expect(large.join('').match(/falsetrue|truefalse/g)?.length, `seed ${seed}: the threshold crossed`).toBeGreaterThanOrEqual(4);
    }
  });

  it('renders only the Services a partial sync writes; a full sync renders all', () => {
    const services = new ServiceChangeTracker();
    const endpoints = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    const rnd = random(7);
    for (let i = 0; i < 50; i++) {
      services.update(undefined, service(i, rnd));
      endpoints.update(undefined, slice(i, 2, rnd));
    }
    services.checkoutChanges();
    endpoints.checkoutChanges();
    const cache = new IptablesRenderCache();
    const set = vi.spyOn(cache, 'set');
    const render = (changedServices?: ReadonlySet<string>) => renderIptables({ services: services.serviceMap, endpoints: endpoints.endpointsMap, node: NODE1, cache, changedServices });
    render();
    expect(set).toHaveBeenCalledTimes(50);
    set.mockClear();
    endpoints.update(undefined, slice(7, 3, rnd));
    render(endpoints.checkoutChanges().updatedServices);
    expect(set).toHaveBeenCalledTimes(1);
    expect(set.mock.calls[0]![0].nameString).toBe('cache/svc-7:http');
    set.mockClear();
    // A Service's endpoints changed without the caller naming it: its entry (made for the old
    // endpoints array) is not used, so its top-level rules are the new ones.
    const before = renderIptables({ services: services.serviceMap, endpoints: endpoints.endpointsMap, node: NODE1 });
    endpoints.update(undefined, slice(3, 0, rnd));
    endpoints.checkoutChanges();
    set.mockClear();
    const after = { services: services.serviceMap, endpoints: endpoints.endpointsMap, node: NODE1, changedServices: new Set<string>() };
    expect(renderIptables({ ...after, cache }).restore).toBe(renderIptables(after).restore);
    expect(renderIptables(after).restore).not.toBe(before.restore);
    expect(set).toHaveBeenCalledTimes(1);
    set.mockClear();
    // Other render options: nothing kept is used.
    renderIptables({ services: services.serviceMap, endpoints: endpoints.endpointsMap, node: NODE1, cache, changedServices: new Set(), opts: { masqueradeAll: true } });
    expect(set).toHaveBeenCalledTimes(50);
  });
});
