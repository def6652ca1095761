/** PATCH over gRPC: merge, strategic and JSON patches of objects and of Service status. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, ConflictError, InvalidError, type Namespace, type Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'patch' } };
const dns: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'dns', namespace: 'patch', labels: { app: 'dns' } },
  spec: {
    selector: { app: 'dns' },
    ports: [
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  },
};

describe('patch', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
    await t.client.create(ns);
    await t.client.create(dns);
  });
  afterAll(async () => t?.stop());

  it('strategic - merges ports by port and protocol and keeps the server’s allocations', async () => {
    const before = await t.client.get('Service', 'patch', 'dns');
    const after = await t.client.patch('Service', 'patch', 'dns', 'strategic', { spec: { ports: [{ port: 53, protocol: 'UDP', targetPort: 5353 }, { name: 'metrics', port: 9153 }] } });
    expect(after.spec?.ports?.map((p) => `${p.name} ${p.port}/${p.protocol} -> ${p.targetPort}`)).toEqual(['dns-tcp 53/TCP -> 53', 'dns 53/UDP -> 5353', 'metrics 9153/TCP -> 9153']);
    expect(after.spec?.clusterIP).toBe(before.spec?.clusterIP);
    expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
  });

  it('merge - labels and annotations as kubectl label/annotate send them; null removes', async () => {
    const labelled = await t.client.patch('Service', 'patch', 'dns', 'merge', { metadata: { labels: { tier: 'infra' }, annotations: { note: 'x' } } });
    expect(labelled.metadata.labels).toEqual({ app: 'dns', tier: 'infra' });
    const unlabelled = await t.client.patch('Service', 'patch', 'dns', 'merge', { metadata: { labels: { tier: null } } });
    expect(unlabelled.metadata.labels).toEqual({ app: 'dns' });
  });

  it('json - operations in order; a failed test is refused and nothing changes', async () => {
    const out = await t.client.patch('Service', 'patch', 'dns', 'json', [
      { op: 'test', path: '/spec/ports/0/name', value: 'dns-tcp' },
      { op: 'replace', path: '/spec/sessionAffinity', value: 'ClientIP' },
    ]);
    expect(out.spec?.sessionAffinity).toBe('ClientIP');
    expect(out.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds).toBe(10800);
    const err = await t.client.patch('Service', 'patch', 'dns', 'json', [{ op: 'test', path: '/spec/type', value: 'NodePort' }, { op: 'remove', path: '/spec/ports' }]).catch((e: unknown) => e);
    expect((err as InvalidError).status).toMatchObject({ code: 422, message: 'testing value /spec/type failed' });
    expect((await t.client.get('Service', 'patch', 'dns')).spec?.ports).toHaveLength(3);
    await expect(t.client.patch('Service', 'patch', 'dns', 'json', [{ op: 'add', path: '/nope/x', value: 1 }])).rejects.toThrow('jsonpatch add operation does not apply: doc is missing path: "/nope/x"');
  });

  it('refusals - validation, a stale resourceVersion, malformed bodies, renames', async () => {
    const invalid = await t.client.patch('Service', 'patch', 'dns', 'merge', { spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] } }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidError);
    expect((invalid as Error).message).toContain('spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767');
    await expect(t.client.patch('Service', 'patch', 'dns', 'merge', { metadata: { resourceVersion: '2', labels: { a: 'b' } } })).rejects.toBeInstanceOf(ConflictError);
    await expect(t.client.patch('Service', 'patch', 'dns', 'merge', '{not json')).rejects.toBeInstanceOf(BadRequestError);
    await expect(t.client.patch('Service', 'patch', 'dns', 'merge', { metadata: { name: 'other' } })).rejects.toThrow('metadata.name: Invalid value: "other": field is immutable');
    await expect(t.client.patch('Service', 'patch', 'dns', 'strategic', { spec: { ports: [{ targetPort: 441 }] } })).rejects.toThrow(
      'map: map[targetPort:441] does not contain declared merge key: port',
    );
  });

  it('status - conditions through the status subresource; spec changes there are ignored', async () => {
    const cond = { type: 'example.com/Reachable', status: 'True', lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'Probed', message: 'answered' };
    const out = await t.client.patch('Service', 'patch', 'dns', 'merge', { spec: { sessionAffinity: 'None' }, status: { conditions: [cond] } }, { subresource: 'status' });
    expect(out.status?.conditions).toEqual([cond]);
    expect(out.spec?.sessionAffinity).toBe('ClientIP');
    const again = await t.client.patch('Service', 'patch', 'dns', 'strategic', { status: { conditions: [{ ...cond, status: 'False', reason: 'Timeout' }] } }, { subresource: 'status' });
    expect(again.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(['example.com/Reachable=False']);
    const bad = await t.client.updateStatus({ ...again, status: { conditions: [{ ...cond, status: 'Maybe', reason: '' }] } }).catch((e: unknown) => e);
    expect((bad as Error).message).toBe(
      'Service "dns" is invalid: [status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown", status.conditions[0].reason: Required value: must be set]',
    );
  });
});
