/**
 * The manifests of the documents minimesh follows (Chinese articles on Kubernetes Services: 001,
 * Service examples with Endpoints and externalIPs; 002, the "study" namespace walkthrough) go through create exactly as the apiserver runs it and
 * come out defaulted and valid.
 */
import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { KubeObject } from '../types/object.js';
import type { Service } from '../types/core.js';
import { defaultObject } from '../defaults/default-object.js';
import { defaultServiceIPFamilyFields } from '../defaults/ip-families.js';
import { prepareForCreate } from '../strategy/prepare-for-create.js';
import { validateObject } from './validate-object.js';
import { validateServiceIPFamilies } from './service-ip-families.js';

/** Create as the registry does it: prepare, default, validate, fill the IP family fields. */
function create(obj: KubeObject): { obj: KubeObject; errors: string[] } {
  const o = defaultObject(prepareForCreate(obj));
  const errors = validateObject(o);
  if (o.kind === 'Service') errors.push(...validateServiceIPFamilies(o));
  return { obj: o.kind === 'Service' ? defaultServiceIPFamilyFields(o) : o, errors: errors.map(formatFieldError) };
}

const svc = (name: string, namespace: string, spec: Record<string, unknown>): Service =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec }) as Service;

const seeds: { name: string; obj: KubeObject }[] = [
  {
    name: '001 ClusterIP with selector',
    obj: svc('my-service', 'default', { type: 'ClusterIP', selector: { app: 'MyApp' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] }),
  },
  { name: '001 selector-less Service', obj: svc('my-service', 'default', { ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] }) },
  {
    name: '001 Endpoints 1.2.3.4:9376',
    obj: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'my-service', namespace: 'default' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }] }] },
  },
  {
    name: '001 NodePort 30036',
    obj: svc('my-nodeport-service', 'default', {
      type: 'NodePort',
      selector: { app: 'MyApp' },
      ports: [{ protocol: 'TCP', port: 80, targetPort: 9376, nodePort: 30036 }],
    }),
  },
  { name: '001 ExternalName in prod', obj: svc('my-service', 'prod', { type: 'ExternalName', externalName: 'my.database.example.com' }) },
  {
    name: '001 externalIPs 80.11.12.10',
    obj: svc('my-service', 'default', {
      selector: { app: 'MyApp' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9376 }],
      externalIPs: ['80.11.12.10'],
    }),
  },
  { name: '002 namespace study', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } } },
  {
    name: '002 nginx pod of the deployment',
    obj: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'service-environment-deployment-6bb9d9f778-5k2x6', namespace: 'study', labels: { app: 'nginx-pod', 'pod-template-hash': '6bb9d9f778' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.17.1', ports: [{ containerPort: 80 }] }] },
    },
  },
  {
    name: '002 ClusterIP 10.97.97.97',
    obj: svc('service-clusterip', 'study', {
      selector: { app: 'nginx-pod' },
      clusterIP: '10.97.97.97',
      type: 'ClusterIP',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    }),
  },
  {
    name: '002 headless',
    obj: svc('service-headliness', 'study', { selector: { app: 'nginx-pod' }, clusterIP: 'None', type: 'ClusterIP', ports: [{ port: 80, targetPort: 80 }] }),
  },
  {
    name: '002 NodePort 30002',
    obj: svc('service-nodeport', 'study', { selector: { app: 'nginx-pod' }, type: 'NodePort', ports: [{ port: 80, targetPort: 80, nodePort: 30002 }] }),
  },
  { name: '002 ExternalName www.baidu.com', obj: svc('service-externalname', 'study', { type: 'ExternalName', externalName: 'www.baidu.com' }) },
  {
    name: '002 ClientIP affinity',
    obj: svc('service-clusterip', 'study', {
      sessionAffinity: 'ClientIP',
      selector: { app: 'nginx-pod' },
      clusterIP: '10.97.97.97',
      type: 'ClusterIP',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    }),
  },
];

describe('seed manifests', () => {
  it.each(seeds)('$name defaults and validates cleanly', ({ obj }) => {
    expect(create(obj).errors).toEqual([]);
  });

  it.each(seeds)('$name: default-then-prepare equals prepare-then-default', ({ obj }) => {
    expect(prepareForCreate(defaultObject(obj))).toEqual(defaultObject(prepareForCreate(obj)));
  });

  it('ClusterIP 10.97.97.97 comes out as kubectl describe shows it', () => {
    const { obj } = create(seeds.find((s) => s.name === '002 ClusterIP 10.97.97.97')!.obj);
    expect(obj).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'service-clusterip', namespace: 'study' },
      spec: {
        selector: { app: 'nginx-pod' },
        clusterIP: '10.97.97.97',
        clusterIPs: ['10.97.97.97'],
        type: 'ClusterIP',
        ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
        ipFamilyPolicy: 'SingleStack',
        ipFamilies: ['IPv4'],
      },
      status: { loadBalancer: {} },
    });
  });

  it('ClientIP affinity gets the 10800 s timeout ipvsadm shows', () => {
    const { obj } = create(seeds.find((s) => s.name === '002 ClientIP affinity')!.obj);
    expect((obj as Service).spec?.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  it('headless is SingleStack IPv4 with clusterIPs [None]', () => {
    const spec = (create(seeds.find((s) => s.name === '002 headless')!.obj).obj as Service).spec!;
    expect([spec.clusterIPs, spec.ipFamilyPolicy, spec.ipFamilies, spec.ports?.[0]?.protocol]).toEqual([['None'], 'SingleStack', ['IPv4'], 'TCP']);
  });

  it('NodePort and externalIPs services get externalTrafficPolicy Cluster', () => {
    for (const name of ['002 NodePort 30002', '001 externalIPs 80.11.12.10']) {
      expect((create(seeds.find((s) => s.name === name)!.obj).obj as Service).spec?.externalTrafficPolicy).toBe('Cluster');
    }
  });

  it('ExternalName gets no clusterIP, ipFamilies or internalTrafficPolicy', () => {
    const spec = (create(seeds.find((s) => s.name === '002 ExternalName www.baidu.com')!.obj).obj as Service).spec!;
    expect(spec).toEqual({ type: 'ExternalName', externalName: 'www.baidu.com', sessionAffinity: 'None' });
  });

  it('Endpoints port protocol is TCP and the namespace carries its name label', () => {
    const ep = create(seeds.find((s) => s.name === '001 Endpoints 1.2.3.4:9376')!.obj).obj;
    expect(ep).toMatchObject({ subsets: [{ ports: [{ port: 9376, protocol: 'TCP' }] }] });
    const ns = create(seeds.find((s) => s.name === '002 namespace study')!.obj).obj;
    expect(ns).toMatchObject({ metadata: { labels: { 'kubernetes.io/metadata.name': 'study' } }, status: { phase: 'Active' } });
  });
});
