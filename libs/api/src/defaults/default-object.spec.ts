import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types/object.js';
import { defaultObject } from './default-object.js';

const meta = { name: 'web', namespace: 'default' };
const service = (spec: unknown, status?: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: meta, spec, ...(status ? { status } : {}) }) as KubeObject;
const specOf = (o: KubeObject) => (o as { spec?: Record<string, unknown> }).spec;

describe('defaultObject(Service) - SetDefaults_Service', () => {
  it.each<[string, Record<string, unknown> | undefined, Record<string, unknown>]>([
    ['no spec', undefined, { sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster' }],
    ['empty spec', {}, { sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster' }],
    [
      'sessionAffinity None drops the config',
      { sessionAffinity: 'None', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
      { sessionAffinity: 'None', type: 'ClusterIP', internalTrafficPolicy: 'Cluster' },
    ],
    [
      'ClientIP gets 10800 s',
      { sessionAffinity: 'ClientIP' },
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }, type: 'ClusterIP', internalTrafficPolicy: 'Cluster' },
    ],
    [
      'ClientIP with an empty clientIP',
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: {} } },
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }, type: 'ClusterIP', internalTrafficPolicy: 'Cluster' },
    ],
    [
      'ClientIP keeps its timeout',
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } },
      { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, type: 'ClusterIP', internalTrafficPolicy: 'Cluster' },
    ],
    [
      'NodePort gets externalTrafficPolicy Cluster',
      { type: 'NodePort' },
      { sessionAffinity: 'None', type: 'NodePort', externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster' },
    ],
    [
      'LoadBalancer also allocates node ports',
      { type: 'LoadBalancer' },
      { sessionAffinity: 'None', type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true },
    ],
    [
      'LoadBalancer keeps allocateLoadBalancerNodePorts false and Local',
      { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' },
      { sessionAffinity: 'None', type: 'LoadBalancer', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', allocateLoadBalancerNodePorts: false },
    ],
    [
      'ClusterIP with externalIPs is externally accessible',
      { externalIPs: ['80.11.12.10'] },
      { sessionAffinity: 'None', type: 'ClusterIP', externalIPs: ['80.11.12.10'], externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster' },
    ],
    ['ExternalName gets no traffic policies', { type: 'ExternalName', externalName: 'a.example.com' }, { sessionAffinity: 'None', type: 'ExternalName', externalName: 'a.example.com' }],
    [
      'clusterIP, clusterIPs, ipFamilies and ipFamilyPolicy are left alone',
      { clusterIP: 'None' },
      { sessionAffinity: 'None', type: 'ClusterIP', clusterIP: 'None', internalTrafficPolicy: 'Cluster' },
    ],
  ])('%s', (_name, spec, want) => {
    expect(specOf(defaultObject(service(spec)))).toEqual(want);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['protocol and targetPort', { port: 80 }, { port: 80, protocol: 'TCP', targetPort: 80 }],
    ['targetPort 0', { port: 80, targetPort: 0 }, { port: 80, protocol: 'TCP', targetPort: 80 }],
    ["targetPort ''", { port: 80, targetPort: '' }, { port: 80, protocol: 'TCP', targetPort: 80 }],
    ['targetPort by number', { port: 80, targetPort: 9376 }, { port: 80, protocol: 'TCP', targetPort: 9376 }],
    ['targetPort by name', { port: 80, targetPort: 'http' }, { port: 80, protocol: 'TCP', targetPort: 'http' }],
    ['UDP', { port: 53, protocol: 'UDP' }, { port: 53, protocol: 'UDP', targetPort: 53 }],
    ['no port', {}, { protocol: 'TCP', targetPort: 0 }],
  ])('port: %s', (_name, port, want) => {
    expect((specOf(defaultObject(service({ ports: [port] })))!.ports as unknown[])[0]).toEqual(want);
  });

  it('gives LoadBalancer ingress IPs ipMode VIP', () => {
    const out = defaultObject(service({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '172.18.255.200' }, { hostname: 'lb.example.com' }, { ip: '172.18.255.201', ipMode: 'Proxy' }] } }));
    expect((out as { status?: unknown }).status).toEqual({
      loadBalancer: { ingress: [{ ip: '172.18.255.200', ipMode: 'VIP' }, { hostname: 'lb.example.com' }, { ip: '172.18.255.201', ipMode: 'Proxy' }] },
    });
  });

  it('leaves the ingress of other types alone', () => {
    const out = defaultObject(service({ type: 'NodePort' }, { loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } }));
    expect((out as { status?: unknown }).status).toEqual({ loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } });
  });

  it('returns a copy and leaves its input alone', () => {
    const input = service({ ports: [{ port: 80 }] });
    const before = structuredClone(input);
    const out = defaultObject(input);
    expect(input).toEqual(before);
    expect(out).not.toBe(input);
  });

  it('is idempotent', () => {
    const once = defaultObject(service({ type: 'LoadBalancer', ports: [{ port: 80 }], sessionAffinity: 'ClientIP' }));
    expect(defaultObject(once)).toEqual(once);
  });
});

describe('defaultObject(other kinds)', () => {
  it('Endpoints: port protocol TCP; null entries become zero values', () => {
    const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }, { port: 53, protocol: 'UDP' }, null] }, null] } as unknown as KubeObject;
    expect(defaultObject(ep)).toMatchObject({
      subsets: [{ ports: [{ port: 9376, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }, { protocol: 'TCP' }] }, {}],
    });
  });

  it('EndpointSlice: port name "" and protocol TCP', () => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: meta,
      addressType: 'IPv4',
      endpoints: [],
      ports: [{ port: 8080 }, { name: 'dns', protocol: 'UDP', port: 53 }],
    } as unknown as KubeObject;
    expect(defaultObject(slice)).toMatchObject({ ports: [{ name: '', protocol: 'TCP', port: 8080 }, { name: 'dns', protocol: 'UDP', port: 53 }] });
  });

  it('Pod: container port protocol TCP and phase Pending', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta,
      spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }], initContainers: [{ name: 'i', ports: [{ containerPort: 81, protocol: 'UDP' }] }] },
    } as unknown as KubeObject;
    expect(defaultObject(pod)).toMatchObject({
      spec: { containers: [{ ports: [{ containerPort: 80, protocol: 'TCP' }] }], initContainers: [{ ports: [{ containerPort: 81, protocol: 'UDP' }] }] },
      status: { phase: 'Pending' },
    });
  });

  it('Pod: a reported phase stays', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers: [] }, status: { phase: 'Running', podIP: '10.244.1.5' } } as unknown as KubeObject;
    expect((defaultObject(pod) as { status?: unknown }).status).toEqual({ phase: 'Running', podIP: '10.244.1.5' });
  });

  it('Namespace: the metadata.name label (overwritten) and phase Active', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study', labels: { team: 'a', 'kubernetes.io/metadata.name': 'other' } } } as KubeObject;
    expect(defaultObject(ns)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'study', labels: { team: 'a', 'kubernetes.io/metadata.name': 'study' } },
      status: { phase: 'Active' },
    });
  });

  it('Namespace without a name gets no label', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { generateName: 'tmp-' } } as KubeObject;
    expect(defaultObject(ns).metadata).toEqual({ generateName: 'tmp-' });
  });

  it('Node: nothing to default', () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.1.0/24' } } as KubeObject;
    expect(defaultObject(node)).toEqual(node);
  });
});
