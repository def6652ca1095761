/** The `kubernetes` Service and its endpoints, kept as kube-apiserver keeps them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@minimesh/runtime/testing';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

describe('the kubernetes Service', () => {
  let t: TestApiServer;
  let port: number;
  beforeAll(async () => {
    t = await startTestApiServer({ 'advertise-address': '192.0.2.10', listen: '127.0.0.1:0' });
    port = Number(t.server.address.split(':').pop());
  });
  afterAll(async () => t?.stop());

  it('has Endpoints and an EndpointSlice naming the apiserver’s address and port', async () => {
    const ep = await t.client.get('Endpoints', 'default', 'kubernetes');
    expect(ep.metadata.labels).toEqual({ 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
    const slice = await t.client.get('EndpointSlice', 'default', 'kubernetes');
    expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'kubernetes' });
    expect(slice.endpoints).toEqual([{ addresses: ['192.0.2.10'], conditions: { ready: true } }]);
    expect(slice.ports).toEqual([{ name: 'https', port, protocol: 'TCP' }]);
  });

  it('is recreated when deleted, on the same ClusterIP, and so are its endpoints', async () => {
    await t.client.delete('Service', 'default', 'kubernetes');
    await t.client.delete('Endpoints', 'default', 'kubernetes');
    await t.client.delete('EndpointSlice', 'default', 'kubernetes');
    const svc = await eventually(() => t.client.get('Service', 'default', 'kubernetes').catch(() => undefined), 3000);
    expect(svc!.spec?.clusterIP).toBe('10.96.0.1');
    await eventually(() => t.client.get('Endpoints', 'default', 'kubernetes').catch(() => undefined), 3000);
    await eventually(() => t.client.get('EndpointSlice', 'default', 'kubernetes').catch(() => undefined), 3000);
  });

  it('puts back what a user changed, on its next pass', async () => {
    await t.client.patch('Endpoints', 'default', 'kubernetes', 'merge', { subsets: [{ addresses: [{ ip: '192.0.2.99' }], ports: [{ name: 'https', port: 1 }] }] });
    await t.client.patch('Service', 'default', 'kubernetes', 'merge', { spec: { ports: [{ name: 'https', port: 443, targetPort: 1 }] } });
    await t.server.kubernetesService.reconcile();
    expect((await t.client.get('Endpoints', 'default', 'kubernetes')).subsets?.[0]?.addresses?.[0]?.ip).toBe('192.0.2.10');
    expect((await t.client.get('Service', 'default', 'kubernetes')).spec?.ports?.[0]?.targetPort).toBe(port);
  });
});
