import { describe, expect, it } from 'vitest';
import { createMergePatch, createStrategicMergePatch } from './create-patch.js';
import { applyMergePatch } from './json-merge-patch.js';
import { PATCH_SCHEMAS } from './patch-schema.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

const S = PATCH_SCHEMAS.Service;
const from = {
  metadata: { name: 'web', labels: { app: 'web', old: 'x' }, finalizers: ['a.io/1', 'b.io/2'] },
  spec: {
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
    ],
    externalIPs: ['1.1.1.1'],
  },
};
const to = {
  metadata: { name: 'web', labels: { app: 'web', tier: 'fe' }, finalizers: ['b.io/2', 'c.io/3'] },
  spec: {
    ports: [
      { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8081 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    ],
    externalIPs: ['2.2.2.2'],
  },
};

describe('creating patches', () => {
  it('a merge patch takes one object to the other', () => {
    const p = createMergePatch(from, to);
    expect(p).toMatchObject({ metadata: { labels: { old: null, tier: 'fe' } } });
    expect(applyMergePatch(from, p)).toEqual(to);
    expect(createMergePatch(to, to)).toEqual({});
  });

  it('a strategic merge patch sends only what changed in merged lists, and round-trips', () => {
    const p = createStrategicMergePatch(from, to, S) as Record<string, any>;
    expect(p.spec.ports).toEqual([
      { port: 443, protocol: 'TCP', name: 'https', targetPort: 8443 },
      { port: 80, protocol: 'TCP', targetPort: 8081 },
      { port: 53, protocol: 'TCP', $patch: 'delete' },
    ]);
    expect(p.spec.externalIPs).toEqual(['2.2.2.2']);
    expect(p.metadata['$deleteFromPrimitiveList/finalizers']).toEqual(['a.io/1']);
    expect(applyStrategicMergePatch(from, p, S)).toEqual(to);
    expect(createStrategicMergePatch(to, to, S)).toEqual({});
  });
});
