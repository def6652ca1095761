import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidError, NotFoundError, type Service } from '@minimesh/api';
import { FakeApiClient } from './fake-api-client.js';

const svc = (name: string, spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });

describe('FakeApiClient', () => {
  it('defaults and allocates a Service as the apiserver does', async () => {
    const c = new FakeApiClient();
    const s = await c.create(svc('web', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] }));
    expect(s.spec).toMatchObject({
      clusterIP: '10.96.0.1',
      clusterIPs: ['10.96.0.1'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80, nodePort: 30000 }],
    });
    expect(s.metadata).toMatchObject({ resourceVersion: '101', uid: 'uid-1' });
  });

  it('refuses what the apiserver refuses, in its words', async () => {
    const c = new FakeApiClient();
    const err = await c.create(svc('bad', { ports: [{ port: 0 }] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as Error).message).toContain('spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
  });

  it('keeps allocations on update when the client leaves them out; stale versions conflict', async () => {
    const c = new FakeApiClient();
    const created = await c.create(svc('web', { type: 'NodePort', ports: [{ port: 80 }] }));
    const updated = await c.update(svc('web', { type: 'NodePort', ports: [{ port: 80 }], selector: { app: 'web' } }));
    expect(updated.spec?.clusterIP).toBe(created.spec?.clusterIP);
    expect(updated.spec?.ports?.[0]?.nodePort).toBe(created.spec?.ports?.[0]?.nodePort);
    await expect(c.update({ ...updated, metadata: { ...updated.metadata, resourceVersion: created.metadata.resourceVersion } })).rejects.toBeInstanceOf(ConflictError);
    await expect(c.get('Service', 'default', 'nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('watches from a revision', async () => {
    const c = new FakeApiClient();
    const first = await c.create(svc('a', { ports: [{ port: 80 }] }));
    await c.create(svc('b', { ports: [{ port: 80 }] }));
    c.endWatches();
    const seen: string[] = [];
    for await (const ev of c.watch('Service', { resourceVersion: first.metadata.resourceVersion })) seen.push(`${ev.type} ${ev.object?.metadata.name}`);
    expect(seen).toEqual(['ADDED b']);
  });
});
