/**
 * Endpoints follow the pods (Kubernetes' e2e "should serve a basic endpoint from pods", "should
 * serve multiport endpoints from pods"): pods added and removed one by one, Endpoints and
 * EndpointSlices agreeing by targetRef uid, two named ports served by different pods, ports added
 * to and removed from a live Service.
 */
import { expect, it } from 'vitest';
import { eventually } from '@minimesh/runtime/testing';
import { NS, type Conformance } from './harness.js';

/** The pod uids behind a Service: from its Endpoints and from its EndpointSlices, sorted. */
async function backends(c: Conformance, name: string): Promise<{ endpoints: string[]; slices: string[] }> {
  const ep = await c.api.get('Endpoints', NS, name).catch(() => undefined);
  const endpoints = (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.targetRef?.uid ?? '')).sort();
  const slices = (await c.api.list('EndpointSlice', { namespace: NS, labelSelector: `kubernetes.io/service-name=${name}` })).items
    .flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).map((e) => e.targetRef?.uid ?? ''))
    .sort();
  return { endpoints, slices };
}

export function endpointsTheme(c: Conformance): void {
  it('endpoints follow pods added and removed one by one; Endpoints and EndpointSlices agree by targetRef uid', async () => {
    const svc = await c.api.create(c.svc('one-by-one', { selector: { app: 'obo' }, ports: [{ port: 80, targetPort: 80 }] }));
    const url = `http://${svc.spec!.clusterIP}/`;
    const uids: string[] = [];
    for (const [name, node] of [['obo-1', 'node1'], ['obo-2', 'node2']] as const) {
      await c.addPod(name, node, '--labels', 'app=obo');
      uids.push((await c.api.get('Pod', NS, name)).metadata.uid!);
      await eventually(async () => {
        const b = await backends(c, 'one-by-one');
        return b.endpoints.join() === [...uids].sort().join() && b.slices.join() === b.endpoints.join();
      });
      await eventually(async () => (await c.spread('client', url, 12)).join() === uids.map((_, i) => `obo-${i + 1}`).join());
    }
    for (const name of ['obo-1', 'obo-2']) {
      await c.cluster.must('pod', 'delete', name, '-n', NS, '--wait');
      uids.shift();
      await eventually(async () => {
        const b = await backends(c, 'one-by-one');
        return b.endpoints.join() === uids.join() && b.slices.join() === uids.join();
      });
    }
    await c.unreachable('client', url);
    // A Service with no ready pods: an Endpoints without subsets and exactly one (empty) slice.
    const empty = await backends(c, 'one-by-one');
    expect(empty).toEqual({ endpoints: [], slices: [] });
    expect((await c.api.list('EndpointSlice', { namespace: NS, labelSelector: 'kubernetes.io/service-name=one-by-one' })).items).toHaveLength(1);
    await c.api.delete('Service', NS, 'one-by-one');
  }, 120_000);

  it('a Service with two named ports served by different pods', async () => {
    await c.addPod('mp-a', 'node1', '--labels', 'app=multiport', '--port', '9001:first');
    await c.addPod('mp-b', 'node2', '--labels', 'app=multiport', '--port', '9002:second');
    const svc = await c.api.create(
      c.svc('multiport', {
        selector: { app: 'multiport' },
        ports: [
          { name: 'portname1', port: 80, targetPort: 'first' },
          { name: 'portname2', port: 81, targetPort: 'second' },
        ],
      }),
    );
    const ip = svc.spec!.clusterIP!;
    expect(await c.reachable('client', `http://${ip}:80/`)).toMatch(/^IP: \S+ mp-a /);
    expect(await c.reachable('client', `http://${ip}:81/`)).toMatch(/^IP: \S+ mp-b /);
    expect(await c.spread('client', `http://${ip}:80/`, 6)).toEqual(['mp-a']);
    expect(await c.spread('client', `http://${ip}:81/`, 6)).toEqual(['mp-b']);
    await c.api.delete('Service', NS, 'multiport');
    for (const p of ['mp-a', 'mp-b']) await c.cluster.must('pod', 'delete', p, '-n', NS);
  }, 90_000);

  it('ports added to and removed from a live Service; traffic follows', async () => {
    const svc = await c.api.create(c.svc('growing', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 80 }] }));
    const ip = svc.spec!.clusterIP!;
    await c.reachable('client', `http://${ip}/`);
    await c.api.patch('Service', NS, 'growing', 'strategic', { spec: { ports: [{ name: 'alt', port: 8080, targetPort: 'alt' }] } });
    await c.reachable('client', `http://${ip}:8080/`);
    // The endpoint is picked at random: 18 requests miss one of three with p ≈ 0.2 % (it happened
    // in a CI run), so another round of 18 may follow; a pod never reached still fails.
    let seen: string[] = [];
    await eventually(async () => (seen = await c.spread('client', `http://${ip}:8080/`, 18)).length === 3);
    expect(seen).toEqual(['web-1', 'web-2', 'web-3']);
    await c.api.patch('Service', NS, 'growing', 'strategic', { spec: { ports: [{ port: 80, protocol: 'TCP', $patch: 'delete' }] } });
    await c.unreachable('client', `http://${ip}/`);
    await c.reachable('client', `http://${ip}:8080/`);
    await c.api.delete('Service', NS, 'growing');
  }, 90_000);
}
