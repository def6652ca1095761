/** One Service sync: the Endpoints and the EndpointSlices are written side by side, as two controllers. */
import { afterEach, describe, expect, it } from 'vitest';
import { ForbiddenError, InternalError, type Kind, type KubeObject } from '@minimesh/api';
import { FakeApiClient } from '@minimesh/client/testing';
import { eventually } from '@minimesh/runtime/testing';
import { controllerMetrics } from './metrics.js';
import { startOnFakeClient, stopControllers } from './testing/controller-on-fake-client.js';
import { pod, service } from './testing/objects.js';

/** A client whose Endpoints writes wait until `release()`: a slow write round trip. */
class SlowEndpointsClient extends FakeApiClient {
  private gate: Promise<void> | undefined;
  release: () => void = () => undefined;
  holdEndpoints(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  override async create<T extends KubeObject>(obj: T): Promise<T> {
    if (obj.kind === 'Endpoints') await this.gate;
    return super.create(obj);
  }
  override async update<T extends KubeObject>(obj: T): Promise<T> {
    if (obj.kind === 'Endpoints') await this.gate;
    return super.update(obj);
  }
  override async delete<K extends Kind>(kind: K, namespace: string, name: string, opts?: Parameters<FakeApiClient['delete']>[3]) {
    if (kind === 'Endpoints') await this.gate;
    return super.delete(kind, namespace, name, opts);
  }
}

let held: SlowEndpointsClient | undefined;
afterEach(async () => {
  held?.release(); // a failed assertion must not leave a write hanging: stop() waits for it
  held = undefined;
  await stopControllers();
});

const sliceAddresses = async (client: FakeApiClient) => (await client.list('EndpointSlice', { namespace: 'study' })).items.flatMap((s) => (s.endpoints ?? []).map((e) => e.addresses[0]));
const endpointsAddresses = async (client: FakeApiClient) => (await client.list('Endpoints', { namespace: 'study' })).items.flatMap((e) => e.subsets?.flatMap((s) => s.addresses?.map((a) => a.ip) ?? []) ?? []);

describe('syncService', () => {
  it('sync-service - the slices do not wait for the Endpoints write: create, then an update, each while the Endpoints write hangs', async () => {
    const client = (held = new SlowEndpointsClient());
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
    await client.create(service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    await client.create(pod('web-1', '10.244.1.5', 'node1', { app: 'web' }));
    client.holdEndpoints();
    await startOnFakeClient(client);
    await eventually(async () => (await sliceAddresses(client)).length === 1, 5000);
    expect(await sliceAddresses(client)).toEqual(['10.244.1.5']);
    expect(await endpointsAddresses(client)).toEqual([]);
    client.release();
    await eventually(async () => (await endpointsAddresses(client)).length === 1, 5000);

    client.holdEndpoints();
    await client.create(pod('web-2', '10.244.1.6', 'node1', { app: 'web' }));
    await eventually(async () => (await sliceAddresses(client)).length === 2, 5000);
    expect(await endpointsAddresses(client)).toEqual(['10.244.1.5']);
    client.release();
    await eventually(async () => (await endpointsAddresses(client)).length === 2, 5000);
    expect((await endpointsAddresses(client)).sort()).toEqual(['10.244.1.5', '10.244.1.6']);
  });

  it('sync-service - a Service deleted: its Endpoints and slices go, the slices without waiting for the Endpoints delete', async () => {
    const client = (held = new SlowEndpointsClient());
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
    await client.create(service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    await client.create(pod('web-1', '10.244.1.5', 'node1', { app: 'web' }));
    await startOnFakeClient(client);
    await eventually(async () => (await endpointsAddresses(client)).length === 1 && (await sliceAddresses(client)).length === 1, 5000);
    client.holdEndpoints();
    await client.delete('Service', 'study', 'web');
    await eventually(async () => (await sliceAddresses(client)).length === 0, 5000);
    expect(await endpointsAddresses(client)).toEqual(['10.244.1.5']);
    client.release();
    await eventually(async () => (await client.list('Endpoints', { namespace: 'study' })).items.length === 0, 5000);
  });

  it('sync-service - when the Endpoints write fails the slices are still written and counted; the retry carries the same trigger time', async () => {
    const client = new FakeApiClient();
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
    await client.create(service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    await client.create(pod('web-1', '10.244.1.5', 'node1', { app: 'web' }));
    let endpointsAttempts = 0;
    client.hook = (op, o) => {
      if (op === 'create' && o.kind === 'Endpoints' && ++endpointsAttempts <= 2) throw new InternalError('etcdserver: request timed out');
    };
    const metrics = controllerMetrics();
    await startOnFakeClient(client, metrics);
    await eventually(async () => (await endpointsAddresses(client)).length === 1, 10_000);
    expect(await sliceAddresses(client)).toEqual(['10.244.1.5']);
    // The retries carry the trigger time the failed sync computed (the slice has it too).
    const trigger = 'endpoints.kubernetes.io/last-change-trigger-time';
    const [endpoints] = (await client.list('Endpoints', { namespace: 'study' })).items;
    const [slice] = (await client.list('EndpointSlice', { namespace: 'study' })).items;
    expect(endpoints?.metadata.annotations?.[trigger]).toMatch(/^\d{4}-/);
    expect(endpoints?.metadata.annotations?.[trigger]).toBe(slice?.metadata.annotations?.[trigger]);
    const writes = (await metrics.writes.get()).values.map((v) => `${v.labels.kind} ${v.labels.op} ${v.value}`).sort();
    expect(writes).toEqual(['EndpointSlice created 1', 'Endpoints created 1']);
    expect((await metrics.syncs.get()).values.find((v) => v.labels.result === 'error')?.value).toBe(2);
  });

  it('sync-service - in a namespace being deleted, refused creates are dropped as Kubernetes does: no Warning, no retries', async () => {
    const client = new FakeApiClient();
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
    await client.create(service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    await client.create(pod('web-1', '10.244.1.5', 'node1', { app: 'web' }));
    const attempts: string[] = [];
    client.hook = (op, o) => {
      if (op === 'create' && (o.kind === 'Endpoints' || o.kind === 'EndpointSlice')) {
        attempts.push(o.kind);
        throw new ForbiddenError(o.kind, o.name, 'unable to create new content in namespace study because it is being terminated');
      }
    };
    const metrics = controllerMetrics();
    await startOnFakeClient(client, metrics);
    await eventually(async () => attempts.length >= 2, 5000);
    await new Promise((r) => setTimeout(r, 300)); // the informers' first events are all in
    const settled = attempts.length;
    await new Promise((r) => setTimeout(r, 500)); // a retry would come within 5-40 ms, and again
    expect(attempts.length).toBe(settled);
    expect(new Set(attempts)).toEqual(new Set(['EndpointSlice', 'Endpoints']));
    expect((await client.list('Event', { namespace: 'study' })).items).toEqual([]);
    expect((await metrics.syncs.get()).values.find((v) => v.labels.result === 'error')).toBeUndefined();
  });
});
