import { PATCH_SCHEMAS } from '@minimesh/api';
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

type Case = { name: string; original: unknown; modified: unknown; current: unknown; want: unknown };

/** Strategic three-way merge of merged lists (patchStrategy merge), as kubectl's client-side apply does it. */
describe('threeWayMerge with the kind\'s patch schema', () => {
  const svc = (spec: object, metadata: object = {}) => ({ metadata: { name: 'web', ...metadata }, spec });
  const pod = (containers: object[]) => ({ metadata: { name: 'p' }, spec: { containers } });
  const cases: (Case & { kind: 'Service' | 'Pod' })[] = [
    {
      name: 'keeps a Service port another writer added (merge key port)',
      kind: 'Service',
      original: svc({ ports: [{ port: 80 }] }),
      modified: svc({ ports: [{ port: 80 }] }),
      current: svc({ ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }, { name: 'metrics', port: 9100, protocol: 'TCP', targetPort: 9100 }] }),
      want: svc({ ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }, { name: 'metrics', port: 9100, protocol: 'TCP', targetPort: 9100 }] }),
    },
    {
      name: 'removes a port that was last applied and left the manifest, keeps the other writer\'s',
      kind: 'Service',
      original: svc({ ports: [{ port: 80 }, { port: 443 }] }),
      modified: svc({ ports: [{ port: 80 }] }),
      current: svc({ ports: [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }, { port: 9100, protocol: 'TCP' }] }),
      want: svc({ ports: [{ port: 80, protocol: 'TCP' }, { port: 9100, protocol: 'TCP' }] }),
    },
    {
      name: 'merges a changed item three-way: manifest fields win, server fields stay, dropped fields go',
      kind: 'Service',
      original: svc({ ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
      modified: svc({ ports: [{ port: 80, targetPort: 9090 }] }),
      current: svc({ ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30080 }] }),
      want: svc({ ports: [{ port: 80, protocol: 'TCP', targetPort: 9090, nodePort: 30080 }] }),
    },
    {
      name: 'adds new items after the manifest order, then the live-only ones',
      kind: 'Service',
      original: svc({ ports: [{ port: 80 }] }),
      modified: svc({ ports: [{ port: 443 }, { port: 80 }] }),
      current: svc({ ports: [{ port: 9100, protocol: 'TCP' }, { port: 80, protocol: 'TCP' }] }),
      want: svc({ ports: [{ port: 443 }, { port: 80, protocol: 'TCP' }, { port: 9100, protocol: 'TCP' }] }),
    },
    {
      name: 'tells 53/UDP from 53/TCP (merge key port and protocol, protocol defaulting to TCP)',
      kind: 'Service',
      original: svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
      modified: svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
      current: svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
      want: svc({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
    },
    {
      name: 'without a last-applied configuration removes no item',
      kind: 'Service',
      original: undefined,
      modified: svc({ ports: [{ port: 80 }] }),
      current: svc({ ports: [{ port: 443, protocol: 'TCP' }, { port: 80, protocol: 'TCP' }] }),
      want: svc({ ports: [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] }),
    },
    {
      name: 'finalizers merge as a set: another writer\'s entry stays',
      kind: 'Service',
      original: svc({}, { finalizers: ['example.com/a'] }),
      modified: svc({}, { finalizers: ['example.com/a'] }),
      current: svc({}, { finalizers: ['example.com/ctrl', 'example.com/a'] }),
      want: svc({}, { finalizers: ['example.com/a', 'example.com/ctrl'] }),
    },
    {
      name: 'finalizers: an entry removed from the manifest since the last apply goes, new ones are added',
      kind: 'Service',
      original: svc({}, { finalizers: ['example.com/a', 'example.com/b'] }),
      modified: svc({}, { finalizers: ['example.com/a', 'example.com/c'] }),
      current: svc({}, { finalizers: ['example.com/a', 'example.com/b', 'example.com/ctrl'] }),
      want: svc({}, { finalizers: ['example.com/a', 'example.com/c', 'example.com/ctrl'] }),
    },
    {
      name: 'ownerReferences merge by uid',
      kind: 'Service',
      original: svc({}, { ownerReferences: [{ uid: 'u1', name: 'a', kind: 'X', apiVersion: 'v1' }] }),
      modified: svc({}, { ownerReferences: [{ uid: 'u1', name: 'a', kind: 'X', apiVersion: 'v1' }] }),
      current: svc({}, { ownerReferences: [{ uid: 'u1', name: 'a', kind: 'X', apiVersion: 'v1' }, { uid: 'u2', name: 'b', kind: 'X', apiVersion: 'v1' }] }),
      want: svc({}, { ownerReferences: [{ uid: 'u1', name: 'a', kind: 'X', apiVersion: 'v1' }, { uid: 'u2', name: 'b', kind: 'X', apiVersion: 'v1' }] }),
    },
    {
      name: 'atomic lists (no merge strategy) are still replaced: externalIPs',
      kind: 'Service',
      original: svc({ externalIPs: ['1.1.1.1'] }),
      modified: svc({ externalIPs: ['2.2.2.2'] }),
      current: svc({ externalIPs: ['1.1.1.1', '3.3.3.3'] }),
      want: svc({ externalIPs: ['2.2.2.2'] }),
    },
    {
      name: 'containers merge by name, and their ports by containerPort and protocol',
      kind: 'Pod',
      original: pod([{ name: 'app', image: 'a:1', ports: [{ containerPort: 80 }] }]),
      modified: pod([{ name: 'app', image: 'a:2', ports: [{ containerPort: 80 }] }]),
      current: pod([
        { name: 'app', image: 'a:1', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 9100, protocol: 'TCP' }] },
        { name: 'sidecar', image: 's:1' },
      ]),
      want: pod([
        { name: 'app', image: 'a:2', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 9100, protocol: 'TCP' }] },
        { name: 'sidecar', image: 's:1' },
      ]),
    },
    {
      name: 'a container removed from the manifest since the last apply goes',
      kind: 'Pod',
      original: pod([{ name: 'app', image: 'a:1' }, { name: 'old', image: 'o:1' }]),
      modified: pod([{ name: 'app', image: 'a:1' }]),
      current: pod([{ name: 'app', image: 'a:1' }, { name: 'old', image: 'o:1' }]),
      want: pod([{ name: 'app', image: 'a:1' }]),
    },
    {
      name: 'items without their merge key are sent as the manifest has them (the apiserver rejects them)',
      kind: 'Pod',
      original: pod([{ name: 'app', image: 'a:1' }]),
      modified: pod([{ image: 'a:1' }]),
      current: pod([{ name: 'app', image: 'a:1' }]),
      want: pod([{ image: 'a:1' }]),
    },
  ];
  it.each(cases)('$name', ({ kind, original, modified, current, want }) => {
    expect(threeWayMerge(original as object | undefined, modified as object, current as object, PATCH_SCHEMAS[kind])).toEqual(want);
  });

  it('keeps every list atomic without a schema (custom resources, merged like a JSON merge patch)', () => {
    const current = { metadata: { finalizers: ['a', 'ctrl'] } };
    expect(threeWayMerge({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: ['a'] } }, current)).toEqual({ metadata: { finalizers: ['a'] } });
  });
});

describe('deepEqual', () => {
  it('ignores key order and undefined values', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
