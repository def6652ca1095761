import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Node, Service } from '@minimesh/api';
import { harness } from '../testing/harness.js';

const node: Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'node1' },
  status: { addresses: [{ type: 'InternalIP', address: '192.168.100.53' }], conditions: [{ type: 'Ready', status: 'True' }] },
};
const svc = (spec: Partial<NonNullable<Service['spec']>>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'service-clusterip', namespace: 'study' },
  spec: { type: 'ClusterIP', clusterIP: '10.97.97.97', selector: { app: 'nginx-pod' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], ...spec },
});
const slice: EndpointSlice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'service-clusterip-abc', namespace: 'study', labels: { 'kubernetes.io/service-name': 'service-clusterip' } },
  addressType: 'IPv4',
  endpoints: ['10.244.1.39', '10.244.1.40', '10.244.2.33'].map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  ports: [{ name: '', port: 80, protocol: 'TCP' }],
};
const HEADER = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
const REALS = ['10.244.1.39', '10.244.1.40', '10.244.2.33'].map((ip) => `  -> ${`${ip}:80`.padEnd(28)} Masq    1      0          0         \n`).join('');

describe('meshctl get ipvs', () => {
  it('prints the node\'s IPVS table as ipvsadm -Ln does (the documents\' Service)', async () => {
    const h = harness();
    await h.client.create(node);
    await h.client.create(svc({}));
    await h.client.create(slice);
    const r = await h.meshctl('get', 'ipvs', '--node', 'node1');
    expect(r).toEqual({ code: 0, stdout: `${HEADER}TCP  10.97.97.97:80 rr\n${REALS}`, stderr: '' });
  });

  it('ClientIP affinity is persistent 10800; a NodePort gets a virtual server on the node IP; --scheduler', async () => {
    const h = harness();
    await h.client.create(node);
    await h.client.create(svc({ type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30002 }] }));
    await h.client.create(slice);
    const r = await h.meshctl('get', 'ipvs', '--node', 'node1', '--scheduler', 'lc');
    expect(r.stdout).toBe(`${HEADER}TCP  192.168.100.53:30002 lc persistent 10800\n${REALS}TCP  10.97.97.97:80 lc persistent 10800\n${REALS}`);
  });

  it('refuses without a node, with an unknown scheduler, and --node for other types', async () => {
    const h = harness();
    expect(await h.meshctl('get', 'ipvs')).toMatchObject({ code: 1, stderr: expect.stringContaining('get ipvs needs --node NODE') });
    expect(await h.meshctl('get', 'ipvs', '--node', 'node1', '--scheduler', 'fast')).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown IPVS scheduler "fast"') });
    expect(await h.meshctl('get', 'ipvs', '--node', 'nodeX')).toMatchObject({ code: 1, stderr: expect.stringContaining('nodes "nodeX" not found') });
    expect(await h.meshctl('get', 'svc', '--node', 'node1')).toMatchObject({ code: 1, stderr: expect.stringContaining('apply to "meshctl get ipvs" only') });
  });
});
