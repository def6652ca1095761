import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types/object.js';
import { prepareForCreate } from './prepare-for-create.js';

describe('prepareForCreate', () => {
  it('Service: clears the status and fills clusterIPs', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { clusterIP: '10.97.97.97', ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
    } as KubeObject;
    expect(prepareForCreate(svc)).toEqual({ ...svc, spec: { clusterIP: '10.97.97.97', clusterIPs: ['10.97.97.97'], ports: [{ port: 80 }] }, status: { loadBalancer: {} } });
  });

  it('Namespace: created Active', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' }, status: { phase: 'Terminating' } } as KubeObject;
    expect(prepareForCreate(ns)).toEqual({ ...ns, status: { phase: 'Active' } });
  });

  it.each([
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, spec: { containers: [] }, status: { phase: 'Running', podIP: '10.244.1.5' } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] } },
    { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', namespace: 'd' }, subsets: [] },
  ])('$kind: unchanged (Pods are registered with their status)', (obj) => {
    expect(prepareForCreate(obj as KubeObject)).toEqual(obj);
  });

  it('does not set uid, creationTimestamp or resourceVersion and does not touch its input', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: {} } as KubeObject;
    const out = prepareForCreate(svc);
    expect(out.metadata).toEqual({ name: 'web', namespace: 'default' });
    expect(svc).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: {} });
  });
});
