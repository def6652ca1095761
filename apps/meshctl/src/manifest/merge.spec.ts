import { describe, expect, it } from 'vitest';
import { deepEqual, threeWayMerge } from './merge.js';

/** A live Service as the apiserver returns it: defaulted and allocated. */
const live = () => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', resourceVersion: '7', uid: 'u', labels: { app: 'web', team: 'a' } },
  spec: {
    type: 'NodePort',
    selector: { app: 'web' },
    clusterIP: '10.96.0.9',
    clusterIPs: ['10.96.0.9'],
    sessionAffinity: 'None',
    ports: [{ port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }],
  },
});

const manifest = () => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web', team: 'a' } },
  spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
});

describe('threeWayMerge', () => {
  it('changes nothing when the manifest is unchanged, keeping server defaults and allocations', () => {
    const current = live();
    const merged = threeWayMerge(manifest(), manifest(), current);
    expect(merged).toEqual(current);
    expect(deepEqual(merged, current)).toBe(true);
  });

  it('lets manifest values win and keeps fields only the server set', () => {
    const m = manifest();
    m.spec.selector = { app: 'web2' };
    const merged = threeWayMerge(manifest(), m, live());
    expect(merged.spec).toMatchObject({ selector: { app: 'web2' }, clusterIP: '10.96.0.9', sessionAffinity: 'None' });
    expect(merged.metadata).toMatchObject({ resourceVersion: '7', uid: 'u' });
  });

  it('removes fields deleted from the manifest since the last apply, and only those', () => {
    const m = manifest();
    delete (m.metadata.labels as Record<string, string>).team;
    const current = live();
    (current.metadata.labels as Record<string, string>).owner = 'someone-else';
    const merged = threeWayMerge(manifest(), m, current);
    expect(merged.metadata.labels).toEqual({ app: 'web', owner: 'someone-else' });
  });

  it('without a last-applied configuration removes nothing', () => {
    const m = manifest();
    delete (m.metadata.labels as Record<string, string>).team;
    expect(threeWayMerge(undefined, m, live()).metadata.labels).toEqual({ app: 'web', team: 'a' });
  });

  it('replaces a changed list as a whole (the apiserver restores omitted allocations)', () => {
    const m = manifest();
    m.spec.ports = [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }];
    expect(threeWayMerge(manifest(), m, live()).spec.ports).toEqual([{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }]);
    const changed = manifest();
    changed.spec.ports = [{ port: 80, targetPort: 9090 }];
    expect(threeWayMerge(manifest(), changed, live()).spec.ports).toEqual([{ port: 80, targetPort: 9090 }]);
  });

  it('treats a list item field dropped from the manifest as a change when it is still live', () => {
    const original = manifest();
    (original.spec.ports[0] as Record<string, unknown>).name = 'http';
    const current = live();
    (current.spec.ports[0] as Record<string, unknown>).name = 'http';
    const merged = threeWayMerge(original, manifest(), current);
    expect(merged.spec.ports).toEqual([{ port: 80, targetPort: 8080 }]);
  });

  it('replaces scalars and adds new maps', () => {
    const m = manifest() as ReturnType<typeof manifest> & { spec: Record<string, unknown> };
    m.spec.type = 'ClusterIP';
    m.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 60 } };
    const merged = threeWayMerge(manifest(), m, live());
    expect(merged.spec).toMatchObject({ type: 'ClusterIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
  });

  it('removes a whole field that left the manifest', () => {
    const original = manifest() as ReturnType<typeof manifest> & { spec: Record<string, unknown> };
    original.spec.externalIPs = ['80.11.12.10'];
    const current = live() as ReturnType<typeof live> & { spec: Record<string, unknown> };
    current.spec.externalIPs = ['80.11.12.10'];
    expect(threeWayMerge(original, manifest(), current).spec).not.toHaveProperty('externalIPs');
  });
});

describe('deepEqual', () => {
  it('ignores key order and undefined values', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
