import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '@minimesh/api';
import { decodeObject, encodeObject, objectFromWire, objectToWire, wireKind } from './convert.js';

describe('wire conversion', () => {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'study', labels: { app: 'web' }, resourceVersion: '7' },
    spec: {
      type: 'NodePort',
      selector: { app: 'web' },
      clusterIP: '10.97.97.97',
      clusterIPs: ['10.97.97.97'],
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 },
        { name: 'named', protocol: 'TCP', port: 81, targetPort: 'web' },
      ],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      allocateLoadBalancerNodePorts: false,
    },
  };

  it('wire - a Service survives the round trip, IntOrString both ways, Kubernetes field names kept', () => {
    const back = objectFromWire(objectToWire(svc));
    expect(back).toEqual(svc);
    expect(wireKind(objectToWire(svc))).toBe('Service');
  });

  it('wire - binary encoding round-trips; empty and absent are the same thing', () => {
    const withEmpties: Service = { ...svc, metadata: { ...svc.metadata, annotations: {} }, spec: { ...svc.spec, externalIPs: [] } };
    expect(decodeObject(encodeObject(withEmpties))).toEqual(svc);
  });

  it('wire - optional booleans keep false (EndpointSlice conditions)', () => {
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 's', namespace: 'study' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: false, serving: true, terminating: true } }],
      ports: [{ name: '', port: 80, protocol: 'TCP' }],
    };
    expect(objectFromWire(objectToWire(slice))).toEqual(slice);
  });
});
