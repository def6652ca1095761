/** healthCheckNodePort: allocated for LoadBalancer + externalTrafficPolicy Local, kept, released, repaired. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidError, type Namespace, type Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hc' } };
const lb = (name: string, extra: Partial<Service['spec']> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'hc' },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector: { app: name }, ports: [{ port: 80 }], ...extra },
});
const nodePortSvc = (name: string, nodePort: number): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'hc' },
  spec: { type: 'NodePort', ports: [{ port: 80, nodePort }] },
});

describe('healthCheckNodePort', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
    await t.client.create(ns);
  });
  afterAll(async () => t?.stop());

  it('is allocated from the NodePort range when the user gives none, and kept across updates', async () => {
    const svc = await t.client.create(lb('web'));
    const hc = svc.spec!.healthCheckNodePort!;
    expect(hc).toBeGreaterThanOrEqual(30000);
    expect(hc).toBeLessThanOrEqual(32767);
    expect(hc).not.toBe(svc.spec!.ports![0]!.nodePort);
    const updated = await t.client.patch('Service', 'hc', 'web', 'merge', { metadata: { labels: { a: 'b' } } });
    expect(updated.spec?.healthCheckNodePort).toBe(hc);
    const reapplied = await t.client.update({ ...lb('web'), metadata: { ...updated.metadata } });
    expect(reapplied.spec?.healthCheckNodePort).toBe(hc);
    await expect(t.client.patch('Service', 'hc', 'web', 'merge', { spec: { healthCheckNodePort: hc + 1 } })).rejects.toThrow('spec.healthCheckNodePort: Forbidden: field is immutable');
  });

  it('a requested one is honoured, and one already taken is refused', async () => {
    const svc = await t.client.create(lb('asked', { healthCheckNodePort: 31999 }));
    expect(svc.spec?.healthCheckNodePort).toBe(31999);
    const err = await t.client.create(lb('clash', { healthCheckNodePort: 31999 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as Error).message).toContain('spec.healthCheckNodePort: Invalid value: 31999: provided port is already allocated');
  });

  it('is released when the policy or the type changes, and can be taken at once', async () => {
    const svc = await t.client.create(lb('policy'));
    const hc = svc.spec!.healthCheckNodePort!;
    const cluster = await t.client.patch('Service', 'hc', 'policy', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } });
    expect(cluster.spec?.healthCheckNodePort).toBeUndefined();
    await t.client.create(nodePortSvc('reuse', hc));
    const local = await t.client.patch('Service', 'hc', 'policy', 'merge', { spec: { externalTrafficPolicy: 'Local' } });
    const hc2 = local.spec!.healthCheckNodePort!;
    expect(hc2).not.toBe(hc);
    const clusterIP = await t.client.patch('Service', 'hc', 'policy', 'merge', { spec: { type: 'ClusterIP', externalTrafficPolicy: null } });
    expect(clusterIP.spec?.healthCheckNodePort).toBeUndefined();
    await t.client.create(nodePortSvc('reuse2', hc2));
  });

  it('survives a restart: the allocation is rebuilt from the store', async () => {
    const svc = await t.client.create(lb('kept'));
    const hc = svc.spec!.healthCheckNodePort!;
    await t.restart();
    await expect(t.client.create(nodePortSvc('steal', hc))).rejects.toThrow(`spec.ports[0].nodePort: Invalid value: ${hc}: provided port is already allocated`);
  });
});
