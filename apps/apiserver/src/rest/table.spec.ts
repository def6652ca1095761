import { describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import { columnName, parseIncludeObject, toTable, wantsTable } from './table.js';

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default', resourceVersion: '7', creationTimestamp: '2026-12-05T00:00:00Z' },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] },
};

describe('server-side Table', () => {
  it('is what kubectl asks for in its Accept header', () => {
    expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
    expect(wantsTable(undefined)).toBe(false);
  });

  it('names columns as Kubernetes does', () => {
    expect(['NAME', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'NOMINATED NODE', 'OS-IMAGE', 'ADDRESSTYPE'].map(columnName)).toEqual([
      'Name',
      'Cluster-IP',
      'External-IP',
      'Port(s)',
      'Nominated Node',
      'OS-Image',
      'AddressType',
    ]);
  });

  it('has kubectl\'s columns, -o wide ones at priority 1, and the object as PartialObjectMetadata', () => {
    const t = toTable('Service', [svc], { resourceVersion: '9' }, { include: 'Metadata', now: Date.parse('2026-12-05T00:05:00Z') });
    expect(t.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Type', 0],
      ['Cluster-IP', 0],
      ['External-IP', 0],
      ['Port(s)', 0],
      ['Age', 0],
      ['Selector', 1],
    ]);
    expect(t.rows[0]!.cells).toEqual(['web', 'ClusterIP', '10.96.0.20', '<none>', '80/TCP', '5m', 'app=web']);
    expect(t.rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: svc.metadata });
    expect(t.metadata).toEqual({ resourceVersion: '9' });
  });

  it('includes the whole object or none on request, and refuses other values', () => {
    expect(toTable('Service', [svc], {}, { include: 'Object', now: 0 }).rows[0]!.object).toEqual(svc);
    expect(toTable('Service', [svc], {}, { include: 'None', now: 0 }).rows[0]!.object).toBeUndefined();
    expect(() => parseIncludeObject('All')).toThrow('includeObject: Unsupported value: "All": supported values: "None", "Metadata", "Object"');
  });
});
