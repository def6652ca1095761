/**
 * Not-ready and terminating endpoints (e2e "should create endpoints for unready pods",
 * "should serve endpoints on same port and different protocols" aside; KEP-1669 terminating
 * fallback): publishNotReadyAddresses publishes unready and terminating pods; without it an
 * unready pod gets no traffic, and a terminating pod still serves only when it is the last one,
 * for the Cluster and the Local traffic policies alike.
 */
import { expect, it } from 'vitest';
import { eventually } from '@minimesh/runtime/testing';
import { NODE_IPS, NS, type Conformance } from './harness.js';

export function terminatingTheme(c: Conformance): void {
  it('publishNotReadyAddresses: an unready pod still gets traffic; without it, it does not', async () => {
    await c.addPod('unready', 'node1', '--labels', 'app=unready', '--not-ready');
    const pub = await c.api.create(c.svc('pub-unready', { selector: { app: 'unready' }, publishNotReadyAddresses: true, ports: [{ port: 80 }] }));
    expect(await c.reachable('client', `http://${pub.spec!.clusterIP}/`)).toMatch(/ unready /);
    const ep = await c.api.get('Endpoints', NS, 'pub-unready');
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.targetRef?.name)).toEqual(['unready']);
    const hidden = await c.api.create(c.svc('no-unready', { selector: { app: 'unready' }, ports: [{ port: 80 }] }));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await c.cluster.curl('client', NS, `http://${hidden.spec!.clusterIP}/`, 1)).stdout).not.toMatch(/^IP: /);
    for (const s of ['pub-unready', 'no-unready']) await c.api.delete('Service', NS, s);
    await c.cluster.must('pod', 'delete', 'unready', '-n', NS);
  }, 90_000);

  it('a terminating pod keeps serving while it is the only one (Cluster and Local policies); not once a ready pod exists', async () => {
    await c.addPod('draining', 'node1', '--labels', 'app=draining', '--shutdown-delay', '20');
    const cluster = await c.api.create(c.svc('term-cluster', { selector: { app: 'draining' }, ports: [{ port: 80 }] }));
    const local = await c.api.create(c.svc('term-local', { selector: { app: 'draining' }, type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }));
    const localURL = `http://${NODE_IPS.node1}:${local.spec!.ports![0]!.nodePort}/`;
    await c.reachable('client', `http://${cluster.spec!.clusterIP}/`);
    await c.reachable('outside', localURL);
    // meshctl-style delete: marks the pod; the cluster's kubelet sends SIGTERM and the echo server drains for 20 s.
    await c.api.delete('Pod', NS, 'draining', { gracePeriodSeconds: 30 });
    await eventually(async () => {
      const slices = await c.api.list('EndpointSlice', { namespace: NS, labelSelector: 'kubernetes.io/service-name=term-cluster' });
      const e = slices.items.flatMap((s) => s.endpoints ?? [])[0];
      return e?.conditions?.terminating === true && e.conditions.serving === true && e.conditions.ready === false;
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await c.reachable('client', `http://${cluster.spec!.clusterIP}/`)).toMatch(/ draining /);
    expect(await c.reachable('outside', localURL)).toMatch(/ draining /);
    // A ready pod appears: the terminating one is no longer used.
    await c.addPod('fresh', 'node1', '--labels', 'app=draining');
    await eventually(async () => (await c.spread('client', `http://${cluster.spec!.clusterIP}/`, 10)).join() === 'fresh');
    for (const s of ['term-cluster', 'term-local']) await c.api.delete('Service', NS, s);
    await c.cluster.must('pod', 'delete', 'fresh', '-n', NS);
  }, 120_000);

  it('publishNotReadyAddresses keeps a terminating pod among the endpoints and in the spread; without it, it leaves', async () => {
    await c.addPod('leaving', 'node1', '--labels', 'app=leaving', '--shutdown-delay', '20');
    await c.addPod('staying', 'node2', '--labels', 'app=leaving');
    const pub = await c.api.create(c.svc('pub-leaving', { selector: { app: 'leaving' }, publishNotReadyAddresses: true, ports: [{ port: 80 }] }));
    const plain = await c.api.create(c.svc('plain-leaving', { selector: { app: 'leaving' }, ports: [{ port: 80 }] }));
    for (const s of [pub, plain]) await eventually(async () => (await c.spread('client', `http://${s.spec!.clusterIP}/`, 12)).join() === 'leaving,staying');
    await c.api.delete('Pod', NS, 'leaving', { gracePeriodSeconds: 30 });
    await eventually(async () => (await c.spread('client', `http://${plain.spec!.clusterIP}/`, 12)).join() === 'staying');
    const ep = await c.api.get('Endpoints', NS, 'pub-leaving');
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.targetRef?.name).sort()).toEqual(['leaving', 'staying']);
    expect(await c.spread('client', `http://${pub.spec!.clusterIP}/`, 16)).toEqual(['leaving', 'staying']);
    for (const s of ['pub-leaving', 'plain-leaving']) await c.api.delete('Service', NS, s);
    await c.cluster.must('pod', 'delete', 'staying', '-n', NS);
    await c.cluster.run('pod', 'delete', 'leaving', '-n', NS, '--grace-period', '0'); // the kubelet may have ended it already
  }, 120_000);
}
