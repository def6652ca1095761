import type { Service } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli/errors.js';
import { kubeOrder, parseOutputFormat, renderObjects } from './output.js';

const svc: Service = {
  spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 9376 }], selector: { app: 'MyApp' }, clusterIP: '10.96.0.7' },
  status: { loadBalancer: {} },
  metadata: { uid: 'u1', name: 'my-service', namespace: 'default', resourceVersion: '42', creationTimestamp: '2024-05-01T12:00:00Z', labels: { on: 'yes' } },
  kind: 'Service',
  apiVersion: 'v1',
};

describe('-o json', () => {
  it('prints one object with four-space indentation and apiVersion, kind, metadata first, status last', () => {
    const out = renderObjects('json', () => 'Service', [svc], true);
    expect(out.startsWith('{\n    "apiVersion": "v1",\n    "kind": "Service",\n    "metadata": {\n        "name": "my-service",\n        "namespace": "default",\n        "uid": "u1",\n        "resourceVersion": "42",')).toBe(true);
    expect(Object.keys(JSON.parse(out) as object)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(out.endsWith('}\n')).toBe(true);
  });

  it('wraps several objects, or a listing, in a List', () => {
    const list = JSON.parse(renderObjects('json', () => 'Service', [svc, svc], false)) as Record<string, unknown>;
    expect(Object.keys(list)).toEqual(['apiVersion', 'items', 'kind', 'metadata']);
    expect(list.kind).toBe('List');
    expect(list.metadata).toEqual({ resourceVersion: '' });
    expect((list.items as unknown[]).length).toBe(2);
    expect(JSON.parse(renderObjects('json', () => 'Service', [], false))).toEqual({ apiVersion: 'v1', items: [], kind: 'List', metadata: { resourceVersion: '' } });
  });
});

describe('-o yaml', () => {
  it('sorts keys, does not indent lists, and quotes what YAML would read as another type', () => {
    expect(renderObjects('yaml', () => 'Service', [svc], true)).toBe(
      [
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        '  creationTimestamp: "2024-05-01T12:00:00Z"',
        '  labels:',
        '    "on": "yes"',
        '  name: my-service',
        '  namespace: default',
        '  resourceVersion: "42"',
        '  uid: u1',
        'spec:',
        '  clusterIP: 10.96.0.7',
        '  ports:',
        '  - port: 80',
        '    protocol: TCP',
        '    targetPort: 9376',
        '  selector:',
        '    app: MyApp',
        '  type: ClusterIP',
        'status:',
        '  loadBalancer: {}',
        '',
      ].join('\n'),
    );
  });

  it('prints a List for several objects', () => {
    const out = renderObjects('yaml', () => 'Service', [svc, svc], false);
    expect(out.startsWith('apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n')).toBe(true);
    expect(out.endsWith('kind: List\nmetadata:\n  resourceVersion: ""\n')).toBe(true);
  });
});

describe('-o name and format parsing', () => {
  it('prints kind/name, with the group for EndpointSlices', () => {
    expect(renderObjects('name', () => 'Service', [svc], false)).toBe('service/my-service\n');
    const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-x' }, addressType: 'IPv4' } as const;
    expect(renderObjects('name', () => 'EndpointSlice', [slice], false)).toBe('endpointslice.discovery.k8s.io/web-x\n');
  });

  it('accepts the known formats and rejects others like kubectl', () => {
    expect(parseOutputFormat('')).toBe('table');
    expect(parseOutputFormat('wide')).toBe('wide');
    expect(() => parseOutputFormat('jsonpath')).toThrow(CliError);
    expect(() => parseOutputFormat('wide', ['table', 'json', 'yaml', 'name'])).toThrow(
      'unable to match a printer suitable for the output format "wide", allowed formats are: json,yaml,name',
    );
  });

  it('orders metadata like ObjectMeta', () => {
    expect(Object.keys(kubeOrder(svc).metadata as object)).toEqual(['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'labels']);
  });
});
