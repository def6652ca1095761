import { describe, expect, it } from 'vitest';
import type { Service } from '../types/core.js';
import { patchAllocatedValues } from './patch-allocated-values.js';

const svc = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec }) as Service;

const storedNodePort = svc({
  type: 'NodePort',
  clusterIP: '10.96.0.20',
  clusterIPs: ['10.96.0.20'],
  ports: [
    { name: 'http', port: 80, nodePort: 30080 },
    { name: 'https', port: 443, nodePort: 30443 },
  ],
});

describe('patchAllocatedValues', () => {
  it('re-applying the original YAML keeps the allocated clusterIP and nodePorts', () => {
    const yaml = svc({ type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] });
    expect(patchAllocatedValues(yaml, storedNodePort).spec).toEqual({
      type: 'NodePort',
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20'],
      ports: [
        { name: 'http', port: 80, nodePort: 30080 },
        { name: 'https', port: 443, nodePort: 30443 },
      ],
    });
  });

  it('matches nodePorts by port name, not position', () => {
    const yaml = svc({ type: 'NodePort', ports: [{ name: 'https', port: 443 }, { name: 'http', port: 8080 }] });
    expect(patchAllocatedValues(yaml, storedNodePort).spec?.ports?.map((p) => p.nodePort)).toEqual([30443, 30080]);
  });

  it('does not reuse a nodePort another port of the new object already holds', () => {
    const yaml = svc({ type: 'NodePort', ports: [{ name: 'web', port: 80, nodePort: 30080 }, { name: 'http', port: 81 }] });
    expect(patchAllocatedValues(yaml, storedNodePort).spec?.ports?.map((p) => p.nodePort)).toEqual([30080, undefined]);
  });

  it('leaves new ports without a name match to the allocator', () => {
    const yaml = svc({ type: 'NodePort', ports: [{ name: 'metrics', port: 9090 }] });
    expect(patchAllocatedValues(yaml, storedNodePort).spec?.ports?.[0]?.nodePort).toBeUndefined();
  });

  it('keeps what the client did set', () => {
    const yaml = svc({ type: 'NodePort', clusterIP: '10.96.0.21', clusterIPs: ['10.96.0.21'], ports: [{ name: 'http', port: 80, nodePort: 30099 }] });
    expect(patchAllocatedValues(yaml, storedNodePort).spec).toEqual(yaml.spec);
  });

  it('nothing to patch into ExternalName, nor nodePorts into ClusterIP', () => {
    expect(patchAllocatedValues(svc({ type: 'ExternalName', externalName: 'a.b' }), storedNodePort).spec).toEqual({ type: 'ExternalName', externalName: 'a.b' });
    expect(patchAllocatedValues(svc({ type: 'ClusterIP', ports: [{ name: 'http', port: 80 }] }), storedNodePort).spec).toEqual({
      type: 'ClusterIP',
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20'],
      ports: [{ name: 'http', port: 80 }],
    });
  });

  it('an omitted type reads as ClusterIP', () => {
    expect(patchAllocatedValues(svc({ ports: [{ port: 80 }] }), svc({ type: 'ClusterIP', clusterIP: '10.96.0.2', clusterIPs: ['10.96.0.2'] })).spec).toMatchObject({
      clusterIP: '10.96.0.2',
      clusterIPs: ['10.96.0.2'],
    });
  });

  it('keeps the healthCheckNodePort of a LoadBalancer with externalTrafficPolicy Local', () => {
    const old = svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30100, ports: [] });
    expect(patchAllocatedValues(svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [] }), old).spec?.healthCheckNodePort).toBe(30100);
    expect(patchAllocatedValues(svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', ports: [] }), old).spec?.healthCheckNodePort).toBeUndefined();
  });

  it('does not touch its input', () => {
    const yaml = svc({ type: 'NodePort', ports: [{ name: 'http', port: 80 }] });
    patchAllocatedValues(yaml, storedNodePort);
    expect(yaml.spec).toEqual({ type: 'NodePort', ports: [{ name: 'http', port: 80 }] });
  });
});
