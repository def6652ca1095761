import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { KubeObject } from '../types/object.js';
import { defaultObject } from '../defaults/default-object.js';
import { validateStatusUpdate } from '../validation/validate-object.js';
import { prepareForStatusUpdate } from './prepare-for-status-update.js';

const meta = { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7', creationTimestamp: '2024-01-02T03:04:05Z', labels: { app: 'web' }, annotations: { a: 'b' } };

const storedLB = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: meta,
  spec: {
    type: 'LoadBalancer',
    ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080 }],
    clusterIP: '10.96.0.20',
    clusterIPs: ['10.96.0.20'],
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    allocateLoadBalancerNodePorts: true,
  },
  status: { loadBalancer: {} },
} as KubeObject;

describe('prepareForStatusUpdate', () => {
  it('Service: only the status is taken', () => {
    const input = {
      ...structuredClone(storedLB),
      metadata: { name: 'web', namespace: 'default', labels: { hacked: 'yes' } },
      spec: { type: 'ClusterIP' },
      status: { loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } },
    } as KubeObject;
    const out = defaultObject(prepareForStatusUpdate(input, storedLB));
    expect(out).toEqual({ ...storedLB, status: { loadBalancer: { ingress: [{ ip: '172.18.255.200', ipMode: 'VIP' }] } } });
    expect(validateStatusUpdate(out, storedLB)).toEqual([]);
  });

  it('Service: status rules still apply to what is taken', () => {
    const input = { ...structuredClone(storedLB), status: { loadBalancer: { ingress: [{ ip: 'not-an-ip' }] } } } as KubeObject;
    const out = defaultObject(prepareForStatusUpdate(input, storedLB));
    expect(validateStatusUpdate(out, storedLB).map(formatFieldError)).toEqual([
      'status.loadBalancer.ingress[0].ip: Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
  });

  it('Pod: spec kept, status taken', () => {
    const old = { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending' } } as KubeObject;
    const input = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [] }, status: { phase: 'Running', podIP: '10.244.1.5' } } as KubeObject;
    expect(prepareForStatusUpdate(input, old)).toEqual({ ...old, status: { phase: 'Running', podIP: '10.244.1.5' } });
  });

  it('Endpoints (no status): everything kept', () => {
    const old = { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets: [{ addresses: [{ ip: '1.2.3.4' }] }] } as KubeObject;
    const input = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets: [] } as KubeObject;
    expect(prepareForStatusUpdate(input, old)).toEqual(old);
  });

  it('EndpointSlice (no status): everything kept', () => {
    const old = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta, addressType: 'IPv4', endpoints: [], ports: [] } as KubeObject;
    const input = { ...old, metadata: { ...meta }, addressType: 'IPv6', endpoints: [{ addresses: ['fd00::1'] }] } as KubeObject;
    expect(prepareForStatusUpdate(input, old)).toEqual(old);
  });

  it('a changed uid is not hidden: validation rejects it', () => {
    const input = { ...structuredClone(storedLB), metadata: { ...meta, uid: 'u2' } } as KubeObject;
    const out = prepareForStatusUpdate(input, storedLB);
    expect(validateStatusUpdate(out, storedLB).map(formatFieldError)).toEqual(['metadata.uid: Invalid value: "u2": field is immutable']);
  });
});
