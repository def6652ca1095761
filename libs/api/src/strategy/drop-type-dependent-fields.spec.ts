import { describe, expect, it } from 'vitest';
import type { Service } from '../types/core.js';
import { dropTypeDependentFields } from './drop-type-dependent-fields.js';

const svc = (spec: Record<string, unknown>, status?: unknown) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec, ...(status ? { status } : {}) }) as Service;

const clusterIPSpec = {
  type: 'ClusterIP',
  clusterIP: '10.96.0.5',
  clusterIPs: ['10.96.0.5'],
  ipFamilies: ['IPv4'],
  ipFamilyPolicy: 'SingleStack',
  ports: [{ name: 'http', port: 80, targetPort: 80 }],
};
const nodePortSpec = { ...clusterIPSpec, type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ name: 'http', port: 80, targetPort: 80, nodePort: 30080 }] };
const lbSpec = {
  ...nodePortSpec,
  type: 'LoadBalancer',
  externalTrafficPolicy: 'Local',
  healthCheckNodePort: 30100,
  allocateLoadBalancerNodePorts: true,
  loadBalancerClass: 'example.com/lb',
};
const lbStatus = { loadBalancer: { ingress: [{ ip: '172.18.255.200', ipMode: 'VIP' }] } };

describe('dropTypeDependentFields', () => {
  it('ClusterIP -> ExternalName clears clusterIP(s), ipFamilies and ipFamilyPolicy', () => {
    const next = svc({ ...clusterIPSpec, type: 'ExternalName', externalName: 'db.example.com' });
    expect(dropTypeDependentFields(next, svc(clusterIPSpec)).spec).toEqual({
      type: 'ExternalName',
      externalName: 'db.example.com',
      ports: [{ name: 'http', port: 80, targetPort: 80 }],
    });
  });

  it('keeps a clusterIP the user changed in the same update (for validation to reject)', () => {
    const next = svc({ ...clusterIPSpec, type: 'ExternalName', externalName: 'a.b', clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.6'] });
    expect(dropTypeDependentFields(next, svc(clusterIPSpec)).spec).toMatchObject({ clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.6'] });
  });

  it('NodePort -> ClusterIP clears nodePorts and externalTrafficPolicy', () => {
    const next = svc({ ...nodePortSpec, type: 'ClusterIP' });
    expect(dropTypeDependentFields(next, svc(nodePortSpec)).spec).toEqual({ ...clusterIPSpec });
  });

  it('NodePort -> ClusterIP keeps nodePorts when the user added a net-new one', () => {
    const next = svc({ ...nodePortSpec, type: 'ClusterIP', ports: [{ name: 'http', port: 80, nodePort: 30081 }] });
    expect(dropTypeDependentFields(next, svc(nodePortSpec)).spec?.ports).toEqual([{ name: 'http', port: 80, nodePort: 30081 }]);
  });

  it('NodePort -> ClusterIP with externalIPs keeps externalTrafficPolicy (still externally accessible)', () => {
    const next = svc({ ...nodePortSpec, type: 'ClusterIP', externalIPs: ['80.11.12.10'] });
    expect(dropTypeDependentFields(next, svc(nodePortSpec)).spec?.externalTrafficPolicy).toBe('Cluster');
  });

  it('LoadBalancer -> NodePort drops healthCheckNodePort, allocateLoadBalancerNodePorts, loadBalancerClass and the LB status', () => {
    const out = dropTypeDependentFields(svc({ ...lbSpec, type: 'NodePort' }, lbStatus), svc(lbSpec, lbStatus));
    expect(out.spec).toEqual({ ...nodePortSpec, externalTrafficPolicy: 'Local' });
    expect(out.status).toEqual({ loadBalancer: {} });
  });

  it('LoadBalancer -> ClusterIP drops everything type-dependent', () => {
    const out = dropTypeDependentFields(svc({ ...lbSpec, type: 'ClusterIP' }, lbStatus), svc(lbSpec, lbStatus));
    expect(out.spec).toEqual(clusterIPSpec);
  });

  it('keeps fields the user changed while leaving LoadBalancer', () => {
    const out = dropTypeDependentFields(svc({ ...lbSpec, type: 'NodePort', allocateLoadBalancerNodePorts: false, loadBalancerClass: 'example.com/other' }), svc(lbSpec));
    expect(out.spec).toMatchObject({ allocateLoadBalancerNodePorts: false, loadBalancerClass: 'example.com/other' });
  });

  it('LoadBalancer -> LoadBalancer keeps the status and the health check port', () => {
    const out = dropTypeDependentFields(svc(lbSpec, lbStatus), svc(lbSpec, lbStatus));
    expect(out.status).toEqual(lbStatus);
    expect(out.spec).toEqual(lbSpec);
  });

  it('Local -> Cluster on a LoadBalancer drops the unchanged health check port', () => {
    const out = dropTypeDependentFields(svc({ ...lbSpec, externalTrafficPolicy: 'Cluster' }), svc(lbSpec));
    expect(out.spec?.healthCheckNodePort).toBeUndefined();
  });

  it('a non-LoadBalancer gets an empty loadBalancer status', () => {
    expect(dropTypeDependentFields(svc(clusterIPSpec), svc(clusterIPSpec)).status).toEqual({ loadBalancer: {} });
  });
});
