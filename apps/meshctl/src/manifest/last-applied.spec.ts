import type { Service } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION, lastAppliedConfiguration, readLastApplied, withLastApplied } from './last-applied.js';

const svc: Service = {
  kind: 'Service',
  apiVersion: 'v1',
  metadata: { name: 'service-clusterip', namespace: 'study' },
  spec: { selector: { app: 'nginx-pod' }, clusterIP: '10.97.97.97', type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
};

describe('last-applied-configuration', () => {
  it('is compact JSON with sorted keys, an empty annotations map and a trailing newline, as kubectl writes it', () => {
    expect(lastAppliedConfiguration(svc)).toBe(
      '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"service-clusterip","namespace":"study"},' +
        '"spec":{"clusterIP":"10.97.97.97","ports":[{"port":80,"protocol":"TCP","targetPort":80}],"selector":{"app":"nginx-pod"},"type":"ClusterIP"}}\n',
    );
  });

  it('is set as an annotation, never containing itself, and reads back', () => {
    const once = withLastApplied(svc);
    const twice = withLastApplied(once);
    expect(twice.metadata.annotations![LAST_APPLIED_ANNOTATION]).toBe(once.metadata.annotations![LAST_APPLIED_ANNOTATION]);
    expect(readLastApplied(once)).toEqual({ ...svc, metadata: { ...svc.metadata, annotations: {} } });
    expect(readLastApplied(svc)).toBeUndefined();
  });

  it('keeps the manifest\'s own annotations', () => {
    const a: Service = withLastApplied({ ...svc, metadata: { ...svc.metadata, annotations: { note: 'x' } } });
    expect(Object.keys(a.metadata.annotations!)).toEqual(['note', LAST_APPLIED_ANNOTATION]);
    expect(a.metadata.annotations![LAST_APPLIED_ANNOTATION]).toContain('"annotations":{"note":"x"}');
  });
});
