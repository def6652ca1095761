import { describe, expect, it } from 'vitest';
import type { Service } from '../types/core.js';
import { normalizeClusterIPs } from './normalize-cluster-ips.js';

const svc = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec }) as Service;
const ips = (s: Service) => ({ clusterIP: s.spec?.clusterIP, clusterIPs: s.spec?.clusterIPs });

describe('normalizeClusterIPs on create', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    ['clusterIP only', { clusterIP: '10.97.97.97' }, { clusterIP: '10.97.97.97', clusterIPs: ['10.97.97.97'] }],
    ['None only', { clusterIP: 'None' }, { clusterIP: 'None', clusterIPs: ['None'] }],
    ['both', { clusterIP: '10.97.97.97', clusterIPs: ['10.97.97.97'] }, { clusterIP: '10.97.97.97', clusterIPs: ['10.97.97.97'] }],
    ['clusterIPs only (left for validation)', { clusterIPs: ['10.97.97.97'] }, { clusterIP: undefined, clusterIPs: ['10.97.97.97'] }],
    ['neither', {}, { clusterIP: undefined, clusterIPs: undefined }],
  ])('%s', (_n, spec, want) => expect(ips(normalizeClusterIPs(svc(spec)))).toEqual(want));
});

describe('normalizeClusterIPs on update', () => {
  const old = svc({ clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] });
  it.each<[string, Record<string, unknown>, unknown]>([
    ['an old client drops clusterIPs', { clusterIP: '10.96.0.5' }, { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] }],
    ['clearing clusterIP clears unchanged clusterIPs', { clusterIP: '', clusterIPs: ['10.96.0.5'] }, { clusterIP: '', clusterIPs: undefined }],
    ['changing clusterIP with clusterIPs unchanged', { clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.5'] }, { clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.6'] }],
    ['changing both is left for validation', { clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.7'] }, { clusterIP: '10.96.0.6', clusterIPs: ['10.96.0.7'] }],
    ['unchanged', { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] }, { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] }],
  ])('%s', (_n, spec, want) => expect(ips(normalizeClusterIPs(svc(spec), old))).toEqual(want));

  it('from ExternalName, a requested clusterIP fills clusterIPs', () => {
    expect(ips(normalizeClusterIPs(svc({ clusterIP: '10.96.0.9' }), svc({ type: 'ExternalName' })))).toEqual({ clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'] });
  });

  it('does not touch its input', () => {
    const input = svc({ clusterIP: '10.96.0.5' });
    normalizeClusterIPs(input);
    expect(input.spec).toEqual({ clusterIP: '10.96.0.5' });
  });
});
