/** One Service sync: the Endpoints and the EndpointSlices are written side by side, as two controllers. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Kind, KubeObject } from '@minimesh/api';
import { FakeApiClient } from '@minimesh/client/testing';
import { eventually } from '@minimesh/runtime/testing';
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

afterEach(stopControllers);

const sliceAddresses = async (client: FakeApiClient) => (await client.list('EndpointSlice', { namespace: 'study' })).items.flatMap((s) => (s.endpoints ?? []).map((e) => e.addresses[0]));
const endpointsAddresses = async (client: FakeApiClient) => (await client.list('Endpoints', { namespace: 'study' })).items.flatMap((e) => e.subsets?.flatMap((s) => s.addresses?.map((a) => a.ip) ?? []) ?? []);

describe('syncService', () => {
  it('sync-service - the slices do not wait for the Endpoints write: create, then an update, each while the Endpoints write hangs', async () => {
    const client = new SlowEndpointsClient();
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
    const client = new SlowEndpointsClient();
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
});
