/** The endpoints controllers' Warning events when a write is refused, as kube-controller-manager reports them. */
import { afterEach, describe, expect, it } from 'vitest';
import { InternalError } from '@minimesh/api';
import { FakeApiClient } from '@minimesh/client/testing';
import { eventually } from '@minimesh/runtime/testing';
import { startOnFakeClient, stopControllers } from './testing/controller-on-fake-client.js';
import { pod, service } from './testing/objects.js';

afterEach(stopControllers);

const events = async (client: FakeApiClient) =>
  (await client.list('Event', { namespace: 'study' })).items.map((e) => `${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name} ${e.source?.component}: ${e.message}`);

describe('endpoints controller events', () => {
  it('reports a refused Endpoints create (FailedToCreateEndpoint) and EndpointSlice write (FailedToUpdateEndpointSlices), counting repeats up', async () => {
    const client = new FakeApiClient();
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
    await client.create(service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    await client.create(pod('web-1', '10.244.1.5', 'node1', { app: 'web' }));
    let failing = 'Endpoints';
    client.hook = (op, o) => {
      if ((op === 'create' || op === 'update') && o.kind === failing) throw new InternalError('etcdserver: request timed out');
    };
    await startOnFakeClient(client);
    const endpoints = 'Warning FailedToCreateEndpoint Endpoints/web endpoint-controller: Failed to create endpoint for service study/web: Internal error occurred: etcdserver: request timed out';
    await eventually(async () => (await events(client)).length > 0, 5000);
    expect(await events(client)).toEqual([endpoints]);
    // Retried: the same event counts up instead of piling up.
    await eventually(async () => ((await client.list('Event', { namespace: 'study' })).items[0]?.count ?? 0) > 1, 5000);
    expect((await client.list('Event', { namespace: 'study' })).items.length).toBe(1);
    // The slice controller does not wait for the Endpoints (two controllers in Kubernetes): the slice is there.
    expect((await client.list('EndpointSlice', { namespace: 'study' })).items.map((s) => (s.endpoints ?? []).map((e) => e.addresses[0]))).toEqual([['10.244.1.5']]);

    // Now the slice writes fail: a new pod makes the slice change.
    failing = 'EndpointSlice';
    await client.create(pod('web-2', '10.244.1.6', 'node1', { app: 'web' }));
    await eventually(async () => (await events(client)).length > 1, 5000);
    expect((await events(client)).sort()).toEqual([
      endpoints,
      'Warning FailedToUpdateEndpointSlices Service/web endpoint-slice-controller: Error updating Endpoint Slices for Service study/web: Internal error occurred: etcdserver: request timed out',
    ]);
  });
});
