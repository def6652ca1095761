/**
 * Session affinity (e2e "should have session affinity work for service with type clusterIP",
 * "... NodePort", "should be able to switch session affinity", "... timeout"): ClientIP pins a
 * client to one pod; None spreads again; a short timeout lapses.
 */
import { expect, it } from 'vitest';
import { eventually } from '@minimesh/runtime/testing';
import { NODE_IPS, NS, type Conformance } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function affinityTheme(c: Conformance): void {
  it('ClientIP on a ClusterIP and on a NodePort; None → ClientIP → None changes the spread each time', async () => {
    const svc = await c.api.create(c.svc('sticky', { selector: { app: 'web' }, type: 'NodePort', ports: [{ port: 80 }] }));
    const cluster = `http://${svc.spec!.clusterIP}/`;
    const node = `http://${NODE_IPS.node1}:${svc.spec!.ports![0]!.nodePort}/`;
    await c.reachable('client', cluster);
    await eventually(async () => (await c.spread('client', cluster, 24)).length === 3);
    await c.api.patch('Service', NS, 'sticky', 'merge', { spec: { sessionAffinity: 'ClientIP' } });
    await eventually(async () => (await c.spread('client', cluster, 15)).length === 1);
    expect(await c.spread('outside', node, 15)).toHaveLength(1);
    await c.api.patch('Service', NS, 'sticky', 'merge', { spec: { sessionAffinity: 'None', sessionAffinityConfig: null } });
    await eventually(async () => (await c.spread('client', cluster, 24)).length === 3);
    await c.api.delete('Service', NS, 'sticky');
  }, 120_000);

  it('a short affinity timeout (3 s) lapses', async () => {
    // Kubernetes' e2e uses 10 s; any timeout in 1..86400 is valid, and a short one keeps the rounds short.
    const svc = await c.api.create(
      c.svc('sticky-short', { selector: { app: 'web' }, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 3 } }, ports: [{ port: 80 }] }),
    );
    const url = `http://${svc.spec!.clusterIP}/`;
    await c.reachable('client', url);
    const pinned = await c.spread('client', url, 10);
    expect(pinned).toHaveLength(1);
    // After the timeout with no traffic, a new choice is made: over a few rounds more than one pod shows.
    const seen = new Set(pinned);
    for (let round = 0; round < 8 && seen.size < 2; round++) {
      await sleep(4_000);
      for (const p of await c.spread('client', url, 3)) seen.add(p);
    }
    expect(seen.size).toBeGreaterThan(1);
    await c.api.delete('Service', NS, 'sticky-short');
  }, 120_000);
}
