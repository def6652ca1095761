import { describe, expect, it } from 'vitest';
import type { Service } from '../types/core.js';
import {
  isExternallyAccessible,
  isHeadlessService,
  needsHealthCheck,
  requestsOnlyLocalTraffic,
  serviceNeedsClusterIP,
  serviceNeedsNodePorts,
} from './service.js';

const svc = (spec: Record<string, unknown> | undefined) => ({ apiVersion: 'v1', kind: 'Service', metadata: {}, spec }) as Service;

describe('service helpers', () => {
  it.each<[string, Record<string, unknown> | undefined, boolean]>([
    ['clusterIPs [None]', { clusterIP: 'None', clusterIPs: ['None'] }, true],
    ['clusterIP None before normalization', { clusterIP: 'None' }, true],
    ['an IP', { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'] }, false],
    ['None with a second value', { clusterIP: 'None', clusterIPs: ['None', '10.96.0.1'] }, false],
    ['nothing', {}, false],
    ['no spec', undefined, false],
  ])('isHeadlessService: %s', (_n, spec, want) => expect(isHeadlessService(svc(spec))).toBe(want));

  it.each<[string, boolean, boolean, boolean, boolean, boolean]>([
    // type, needsClusterIP, needsNodePorts, externallyAccessible, onlyLocal(ETP Local), needsHealthCheck(ETP Local)
    ['ClusterIP', true, false, false, false, false],
    ['NodePort', true, true, true, true, false],
    ['LoadBalancer', true, true, true, true, true],
    ['ExternalName', false, false, false, false, false],
  ])('%s', (type, clusterIP, nodePorts, external, onlyLocal, hc) => {
    expect(serviceNeedsClusterIP(svc({ type }))).toBe(clusterIP);
    expect(serviceNeedsNodePorts(svc({ type }))).toBe(nodePorts);
    expect(isExternallyAccessible(svc({ type }))).toBe(external);
    expect(requestsOnlyLocalTraffic(svc({ type, externalTrafficPolicy: 'Local' }))).toBe(onlyLocal);
    expect(needsHealthCheck(svc({ type, externalTrafficPolicy: 'Local' }))).toBe(hc);
    expect(needsHealthCheck(svc({ type, externalTrafficPolicy: 'Cluster' }))).toBe(false);
  });

  it('LoadBalancer without node ports', () => {
    expect(serviceNeedsNodePorts(svc({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false }))).toBe(false);
    expect(serviceNeedsNodePorts(svc({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: true }))).toBe(true);
  });

  it('ClusterIP with externalIPs is externally accessible', () => {
    expect(isExternallyAccessible(svc({ type: 'ClusterIP', externalIPs: ['80.11.12.10'] }))).toBe(true);
    expect(isExternallyAccessible(svc({ type: 'ClusterIP', externalIPs: [] }))).toBe(false);
  });
});
