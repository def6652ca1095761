import type { EndpointSlice } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { harness } from '../testing/harness.js';

describe('meshctl describe', () => {
  it('describes a service with the endpoints of its EndpointSlices', async () => {
    const h = harness();
    await h.meshctl('apply', '-f', '002-namespace.yaml', '-f', '002-service-clusterip.yaml');
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'service-clusterip-abc', namespace: 'study', labels: { 'kubernetes.io/service-name': 'service-clusterip' } },
      addressType: 'IPv4',
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
      endpoints: ['10.244.104.10', '10.244.166.129', '10.244.166.191'].map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    };
    h.client.seed(slice);
    const r = await h.meshctl('describe', 'service', '-n', 'study', 'service-clusterip');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Endpoints:                10.244.104.10:80,10.244.166.129:80,10.244.166.191:80\n');
    expect(r.stdout).toContain('Session Affinity:         None\n');
    expect(r.stdout).not.toContain('last-applied');
  });

  it('describes every match of a name prefix, separated by blank lines', async () => {
    const h = harness();
    await h.meshctl('apply', '-f', '002-namespace.yaml', '-f', '002-service-clusterip.yaml', '-f', '002-service-nodeport.yaml', '-f', '002-service-headless.yaml');
    const r = await h.meshctl('describe', 'svc', 'service-', '-n', 'study');
    const names = r.stdout.split('\n\n\n').map((s) => s.split('\n')[0]);
    expect(names).toEqual(['Name:                     service-clusterip', 'Name:                     service-headliness', 'Name:                     service-nodeport']);
    expect((await h.meshctl('describe', 'svc', 'zzz', '-n', 'study')).stderr).toBe('Error from server (NotFound): services "zzz" not found\n');
  });

  it('describes namespaces, endpoints and nodes', async () => {
    const h = harness();
    await h.meshctl('apply', '-f', '001-my-service-without-selector.yaml', '-f', '002-namespace.yaml');
    expect((await h.meshctl('describe', 'ns', 'study')).stdout).toContain('No resource quota.\n');
    expect((await h.meshctl('describe', 'ep', 'my-service')).stdout).toContain('  Addresses:          1.2.3.4\n');
    expect((await h.meshctl('describe', 'svc', 'my-service')).stdout).toContain('Endpoints:                1.2.3.4:9376\n');
    h.client.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } });
    expect((await h.meshctl('describe', 'no', 'node1')).stdout).toMatch(/\n  InternalIP: +10\.0\.0\.1\n/);
    expect(await h.meshctl('describe', 'pods')).toEqual({ code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
  });
});
