/**
 * The endpoints-controller with a real apiserver (and NATS for the nats transport): Endpoints
 * and EndpointSlices converge to the right answer whatever the order of changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_SERVICE_NAME, NotFoundError, type Endpoints, type EndpointSlice, type Namespace } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { eventually, startNats, type NatsServer } from '@minimesh/runtime/testing';
import { pod, service, startController } from '@minimesh/endpoints-controller/testing';

/** `10.244.1.39:80,10.244.1.40:80` as kubectl prints ready addresses × ports. */
function endpointsText(ep: Endpoints | undefined): string {
  if (!ep) return '<missing>';
  const out: string[] = [];
  for (const s of ep.subsets ?? []) for (const a of s.addresses ?? []) for (const p of s.ports ?? [{ port: 0 }]) out.push(`${a.ip}:${p.port}`);
  return out.sort().join(',');
}

function notReadyText(ep: Endpoints | undefined): string {
  const out: string[] = [];
  for (const s of ep?.subsets ?? []) for (const a of s.notReadyAddresses ?? []) out.push(a.ip);
  return out.sort().join(',');
}

async function getOrUndefined(client: ApiClient, name: string, ns = 'study'): Promise<Endpoints | undefined> {
  try {
    return await client.get('Endpoints', ns, name);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

async function slicesOf(client: ApiClient, svc: string, ns = 'study'): Promise<EndpointSlice[]> {
  return (await client.list('EndpointSlice', { namespace: ns, labelSelector: `${LABEL_SERVICE_NAME}=${svc}` })).items;
}

function sliceText(slices: EndpointSlice[]): string {
  const out: string[] = [];
  for (const s of slices) for (const e of s.endpoints ?? []) if (e.conditions?.ready) for (const p of s.ports ?? []) out.push(`${e.addresses[0]}:${p.port}`);
  return out.sort().join(',');
}

describe.each(['grpc', 'nats'] as const)('endpoints-controller (%s transport)', (transport) => {
  let nats: NatsServer;
  let t: TestApiServer;
  let ctl: ReturnType<typeof startController>;
  beforeAll(async () => {
    nats = await startNats();
    t = await startTestApiServer({ 'nats-url': nats.url });
    await t.client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
    ctl = startController(t.server.address, { transport, natsUrl: nats.url });
    await ctl.started;
  });
  afterAll(async () => {
    await ctl?.stop();
    await t?.stop();
    await nats?.cleanup();
  });

  it('pods first, then the walkthrough Service: Endpoints and one slice with the 3 pods', async () => {
    await t.client.create(pod('pod-1', '10.244.1.39', 'node1', { app: 'nginx-pod' }));
    await t.client.create(pod('pod-2', '10.244.1.40', 'node1', { app: 'nginx-pod' }));
    await t.client.create(pod('pod-3', '10.244.2.33', 'node2', { app: 'nginx-pod' }));
    await t.client.create(service('service-clusterip', { selector: { app: 'nginx-pod' }, clusterIP: '10.97.97.97', ports: [{ port: 80, targetPort: 80 }] }));
    await eventually(async () => endpointsText(await getOrUndefined(t.client, 'service-clusterip')) === '10.244.1.39:80,10.244.1.40:80,10.244.2.33:80');
    const ep = await t.client.get('Endpoints', 'study', 'service-clusterip');
    expect(ep.subsets?.[0]?.addresses?.[0]).toMatchObject({ nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'study', name: 'pod-1' } });
    expect(ep.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/^\d{4}-/);
    await eventually(async () => sliceText(await slicesOf(t.client, 'service-clusterip')) === '10.244.1.39:80,10.244.1.40:80,10.244.2.33:80');
    const [slice] = await slicesOf(t.client, 'service-clusterip');
    expect(slice?.metadata.labels?.['endpointslice.kubernetes.io/managed-by']).toBe('endpointslice-controller.k8s.io');
    expect(slice?.addressType).toBe('IPv4');
  });

  it('a Service first, then pods: an empty Endpoints and exactly one empty slice, then they fill', async () => {
    await t.client.create(service('later', { selector: { app: 'later' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] }));
    await eventually(async () => (await getOrUndefined(t.client, 'later')) !== undefined);
    expect((await t.client.get('Endpoints', 'study', 'later')).subsets ?? []).toEqual([]);
    await eventually(async () => (await slicesOf(t.client, 'later')).length === 1);
    expect((await slicesOf(t.client, 'later'))[0]?.endpoints ?? []).toEqual([]);
    // Named targetPort: resolved per pod; a pod without the port is left out.
    await t.client.create(pod('l1', '10.244.1.50', 'node1', { app: 'later' }, { ports: [{ name: 'web', containerPort: 8080 }] }));
    await t.client.create(pod('l2', '10.244.2.50', 'node2', { app: 'later' }, { ports: [{ name: 'other', containerPort: 9090 }] }));
    await eventually(async () => endpointsText(await getOrUndefined(t.client, 'later')) === '10.244.1.50:8080');
    await eventually(async () => sliceText(await slicesOf(t.client, 'later')) === '10.244.1.50:8080');
  });

  it('readiness flips move an address between addresses and notReadyAddresses; deletion removes it', async () => {
    const p = await t.client.get('Pod', 'study', 'pod-2');
    await t.client.updateStatus({
      ...p,
      status: { ...p.status, conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z/, 'Z') }] },
    });
    await eventually(async () => {
      const ep = await getOrUndefined(t.client, 'service-clusterip');
      return endpointsText(ep) === '10.244.1.39:80,10.244.2.33:80' && notReadyText(ep) === '10.244.1.40';
    });
    await eventually(async () => sliceText(await slicesOf(t.client, 'service-clusterip')) === '10.244.1.39:80,10.244.2.33:80');
    await t.client.delete('Pod', 'study', 'pod-3');
    await eventually(async () => endpointsText(await getOrUndefined(t.client, 'service-clusterip')) === '10.244.1.39:80');
  });

  it('relabelling a pod moves it between Services', async () => {
    await t.client.create(service('blue', { selector: { color: 'blue' }, ports: [{ port: 80 }] }));
    const p = await t.client.create(pod('chameleon', '10.244.1.60', 'node1', { color: 'red' }));
    await eventually(async () => (await getOrUndefined(t.client, 'blue')) !== undefined);
    await t.client.update({ ...p, metadata: { ...p.metadata, labels: { color: 'blue' } } });
    await eventually(async () => endpointsText(await getOrUndefined(t.client, 'blue')) === '10.244.1.60:80');
    const p2 = await t.client.get('Pod', 'study', 'chameleon');
    await t.client.update({ ...p2, metadata: { ...p2.metadata, labels: { color: 'green' } } });
    await eventually(async () => endpointsText(await getOrUndefined(t.client, 'blue')) === '');
  });

  it('headless Service: hostname set for pods whose subdomain matches', async () => {
    await t.client.create(service('service-headliness', { selector: { app: 'dns' }, clusterIP: 'None', ports: [{ port: 80 }] }));
    await t.client.create(pod('web-0', '10.244.1.70', 'node1', { app: 'dns' }, { hostname: 'web-0', subdomain: 'service-headliness' }));
    await eventually(async () => (await getOrUndefined(t.client, 'service-headliness'))?.subsets?.[0]?.addresses?.[0]?.hostname === 'web-0');
    const ep = await t.client.get('Endpoints', 'study', 'service-headliness');
    expect(ep.metadata.labels?.['service.kubernetes.io/headless']).toBe('');
  });

  it('selector-less Service: hand-written Endpoints are left alone and mirrored into a slice', async () => {
    await t.client.create(service('my-service', { ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] }));
    const written = await t.client.create<Endpoints>({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'my-service', namespace: 'study' },
      subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }] }],
    });
    await eventually(async () => sliceText(await slicesOf(t.client, 'my-service')) === '1.2.3.4:9376');
    const [mirrored] = await slicesOf(t.client, 'my-service');
    expect(mirrored?.metadata.labels?.['endpointslice.kubernetes.io/managed-by']).toBe('endpointslicemirroring-controller.k8s.io');
    // The controller never rewrote the hand-written object.
    expect((await t.client.get('Endpoints', 'study', 'my-service')).metadata.resourceVersion).toBe(written.metadata.resourceVersion);
    // Change and delete: the slice follows.
    const cur = await t.client.get('Endpoints', 'study', 'my-service');
    await t.client.update({ ...cur, subsets: [{ addresses: [{ ip: '1.2.3.4' }, { ip: '1.2.3.5' }], ports: [{ port: 9376 }] }] });
    await eventually(async () => sliceText(await slicesOf(t.client, 'my-service')) === '1.2.3.4:9376,1.2.3.5:9376');
    await t.client.delete('Endpoints', 'study', 'my-service');
    await eventually(async () => (await slicesOf(t.client, 'my-service')).length === 0);
  });

  it('ExternalName Services get nothing; deleting a Service deletes its Endpoints and slices', async () => {
    await t.client.create(service('ext', { type: 'ExternalName', externalName: 'www.example.com' }));
    await t.client.create(service('short-lived', { selector: { app: 'nginx-pod' }, ports: [{ port: 81 }] }));
    await eventually(async () => (await slicesOf(t.client, 'short-lived')).length === 1);
    await t.client.delete('Service', 'study', 'short-lived');
    await eventually(async () => (await getOrUndefined(t.client, 'short-lived')) === undefined && (await slicesOf(t.client, 'short-lived')).length === 0);
    expect(await getOrUndefined(t.client, 'ext')).toBeUndefined();
    expect(await slicesOf(t.client, 'ext')).toEqual([]);
  });
});

describe('endpoints-controller replicas and restarts', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
    await t.client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
  });
  afterAll(async () => t?.stop());

  it('orphans found at start-up are cleaned up; writes happen only when something changed', async () => {
    // A controller-managed Endpoints whose Service is gone (written while no controller ran).
    await t.client.create<Endpoints>({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'orphan', namespace: 'study', labels: { 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' } },
      subsets: [],
    });
    // A mirrored slice whose Endpoints is gone, and a user's own slice that must stay.
    const sliceOf = (name: string, manager: string): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: 'study', labels: { 'kubernetes.io/service-name': 'gone', 'endpointslice.kubernetes.io/managed-by': manager } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.1.1.1'] }],
      ports: [{ port: 80 }],
    });
    await t.client.create(sliceOf('gone-mirrored', 'endpointslicemirroring-controller.k8s.io'));
    await t.client.create(sliceOf('gone-by-hand', 'my-own-tool'));
    await t.client.create(service('steady', { selector: { app: 'steady' }, ports: [{ port: 80 }] }));
    await t.client.create(pod('s1', '10.244.1.80', 'node1', { app: 'steady' }));
    const c = startController(t.server.address);
    await c.started;
    await eventually(async () => (await getOrUndefined(t.client, 'orphan')) === undefined);
    await eventually(async () => (await slicesOf(t.client, 'gone')).map((s) => s.metadata.name).join() === 'gone-by-hand');
    await eventually(async () => endpointsText(await getOrUndefined(t.client, 'steady')) === '10.244.1.80:80');
    const rv = await t.server.store.revision();
    await c.stop();
    // A restart with nothing changed writes nothing.
    const again = startController(t.server.address);
    await again.started;
    await new Promise((r) => setTimeout(r, 500));
    expect(await t.server.store.revision()).toBe(rv);
    await again.stop();
  });

  it('two replicas: only the leader writes; the other takes over within seconds when it dies', async () => {
    const a = startController(t.server.address, { leaderElection: true, identity: 'replica-a' });
    await a.started;
    await eventually(() => a.controller.isLeader(), 5000);
    const b = startController(t.server.address, { leaderElection: true, identity: 'replica-b' });
    await b.started;
    await new Promise((r) => setTimeout(r, 500));
    expect(b.controller.isLeader()).toBe(false);
    await t.client.create(service('failover', { selector: { app: 'steady' }, ports: [{ port: 82 }] }));
    await eventually(async () => endpointsText(await getOrUndefined(t.client, 'failover')) === '10.244.1.80:82');
    await a.stop();
    const t0 = Date.now();
    await eventually(() => b.controller.isLeader(), 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    await t.client.create(pod('s2', '10.244.2.80', 'node2', { app: 'steady' }));
    await eventually(async () => endpointsText(await getOrUndefined(t.client, 'failover')) === '10.244.1.80:82,10.244.2.80:82');
    await b.stop();
  });
});
