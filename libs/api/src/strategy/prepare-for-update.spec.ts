import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { Service } from '../types/core.js';
import type { KubeObject } from '../types/object.js';
import { defaultObject } from '../defaults/default-object.js';
import { defaultServiceIPFamilyFields } from '../defaults/ip-families.js';
import { validateObjectUpdate } from '../validation/validate-object.js';
import { validateServiceIPFamilies } from '../validation/service-ip-families.js';
import { prepareForUpdate } from './prepare-for-update.js';

const META = { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '12', creationTimestamp: '2024-01-02T03:04:05Z' };

/** The stored form of a Service: defaulted, prepared, allocated. */
function stored(spec: Record<string, unknown>, status: unknown = { loadBalancer: {} }): Service {
  const s = defaultObject({ apiVersion: 'v1', kind: 'Service', metadata: META, spec, status } as Service);
  return defaultServiceIPFamilyFields(s);
}

/** An update as the apiserver runs it: prepare, default, validate. */
function update(input: Service, old: Service): { svc: Service; errors: string[] } {
  const svc = defaultObject(prepareForUpdate(input, old));
  const errors = [...validateObjectUpdate(svc, old), ...validateServiceIPFamilies(svc, old)].map(formatFieldError);
  return { svc, errors };
}

const yaml = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec }) as Service;

describe('prepareForUpdate(Service) through validation', () => {
  const nodePortYAML = { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] };
  const storedNodePort = () =>
    stored({ ...nodePortYAML, clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 31000 }] });

  it('re-applying the original YAML changes nothing', () => {
    const { svc, errors } = update(yaml(nodePortYAML), storedNodePort());
    expect(errors).toEqual([]);
    expect(defaultServiceIPFamilyFields(svc, storedNodePort())).toEqual(storedNodePort());
  });

  it('keeps the stored status; status is written through /status only', () => {
    const old = stored({ ...nodePortYAML, type: 'LoadBalancer', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'] }, { loadBalancer: { ingress: [{ ip: '172.18.255.200', ipMode: 'VIP' }] } });
    const input = { ...yaml({ ...nodePortYAML, type: 'LoadBalancer' }), status: { loadBalancer: { ingress: [{ ip: '6.6.6.6' }] } } } as Service;
    expect(update(input, old).svc.status).toEqual(old.status);
  });

  it('ClusterIP -> ExternalName with only type and externalName changed (the e2e test)', () => {
    const old = stored({ selector: { app: 'web' }, ports: [{ port: 80 }], clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'] });
    const input = structuredClone(old);
    input.spec!.type = 'ExternalName';
    input.spec!.externalName = 'db.example.com';
    const { svc, errors } = update(input, old);
    expect(errors).toEqual([]);
    expect(svc.spec).toMatchObject({ type: 'ExternalName', externalName: 'db.example.com' });
    expect([svc.spec?.clusterIP, svc.spec?.clusterIPs, svc.spec?.ipFamilies, svc.spec?.ipFamilyPolicy, svc.spec?.internalTrafficPolicy]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'Cluster',
    ]);
  });

  it('NodePort -> ClusterIP with only type changed', () => {
    const input = structuredClone(storedNodePort());
    input.spec!.type = 'ClusterIP';
    const { svc, errors } = update(input, storedNodePort());
    expect(errors).toEqual([]);
    expect(svc.spec?.ports).toEqual([{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }]);
    expect(svc.spec?.externalTrafficPolicy).toBeUndefined();
  });

  it('changing the clusterIP is rejected', () => {
    const input = yaml({ ...nodePortYAML, clusterIP: '10.96.0.21' });
    expect(update(input, storedNodePort()).errors).toEqual(['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.21"}: may not change once set']);
  });

  it('keeps uid and creationTimestamp, and the resourceVersion of an unconditional update', () => {
    const { svc } = update(yaml(nodePortYAML), storedNodePort());
    expect(svc.metadata).toEqual(META);
  });

  it('does not touch its inputs', () => {
    const input = yaml(nodePortYAML);
    const old = storedNodePort();
    prepareForUpdate(input, old);
    expect(input).toEqual(yaml(nodePortYAML));
    expect(old).toEqual(storedNodePort());
  });
});

describe('prepareForUpdate(other kinds)', () => {
  const meta = { name: 'x', namespace: 'default', uid: 'u', resourceVersion: '3', creationTimestamp: '2024-01-02T03:04:05Z' };
  it.each([
    [
      'Pod keeps the stored status',
      { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running', podIP: '10.244.1.5' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'default' }, spec: { containers: [{ name: 'c' }], nodeName: 'n1' }, status: { phase: 'Failed' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: { containers: [{ name: 'c' }], nodeName: 'n1' }, status: { phase: 'Running', podIP: '10.244.1.5' } },
    ],
    [
      'Node keeps the stored status',
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', resourceVersion: '3' }, spec: {}, status: { addresses: [{ type: 'InternalIP', address: '1.1.1.1' }] } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { unschedulable: true } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', resourceVersion: '3' }, spec: { unschedulable: true }, status: { addresses: [{ type: 'InternalIP', address: '1.1.1.1' }] } },
    ],
    [
      'Namespace keeps status and spec.finalizers',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', resourceVersion: '3' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: { a: 'b' } }, spec: { finalizers: [] }, status: { phase: 'Terminating' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: { a: 'b' }, resourceVersion: '3' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
    ],
    [
      'Endpoints take the new subsets',
      { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets: [] },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { ...meta, resourceVersion: '2' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }] }] },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { ...meta, resourceVersion: '2' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }] }] },
    ],
  ])('%s', (_name, old, input, want) => {
    expect(prepareForUpdate(input as KubeObject, old as KubeObject)).toEqual(want);
  });
});
