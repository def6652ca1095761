import { describe, expect, it } from 'vitest';
import { buildSnapshot, toServiceRecord, toSubset } from './cluster-snapshot.js';
import { ep, pod, service, slice } from './testing/fixtures.js';

describe('cluster snapshot', () => {
  it('services: kind, canonical ClusterIPs without None, ports with protocol defaulted', () => {
    expect(toServiceRecord(service('a', 'ns', { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1', '2001:DB8::1'], ports: [{ port: 80 }] }))).toEqual({
      name: 'a',
      namespace: 'ns',
      kind: 'ClusterIP',
      clusterIPs: ['10.0.0.1', '2001:db8::1'],
      externalName: '',
      ports: [{ name: '', protocol: 'TCP', port: 80 }],
    });
    expect(toServiceRecord(service('h', 'ns', { clusterIP: 'None', clusterIPs: ['None'] }))).toMatchObject({ kind: 'Headless', clusterIPs: [] });
    expect(toServiceRecord(service('e', 'ns', { type: 'ExternalName', externalName: 'x.example' }))).toMatchObject({ kind: 'ExternalName', externalName: 'x.example' });
  });

  it('slices: ready unset counts as ready, not-ready is left out, FQDN slices are ignored, no ports is the -1 sentinel', () => {
    const s = slice('svc', 'ns', [{ addresses: ['10.0.0.1'] }, ep('10.0.0.2', { ready: false }), ep('10.0.0.3', { hostname: 'h', pod: 'p' })], []);
    expect(toSubset(s)).toEqual({
      addresses: [
        { ip: '10.0.0.1', hostname: '', targetRefName: '' },
        { ip: '10.0.0.3', hostname: 'h', targetRefName: 'p' },
      ],
      ports: [{ name: '', protocol: '', port: -1 }],
    });
    expect(toSubset({ ...s, addressType: 'FQDN' })).toBeUndefined();
    expect(toSubset(slice('svc', 'ns', [ep('10.0.0.1', { pod: 'x'.repeat(64) })]))?.addresses[0]?.targetRefName).toBe('');
  });

  it('indexes: slices by their service label, reverse maps, pod IPs without terminating pods', () => {
    const snap = buildSnapshot({
      services: [service('a', 'ns', { clusterIP: '10.0.0.1', ports: [{ port: 80 }] })],
      slices: [slice('a', 'ns', [ep('10.1.0.1')]), slice('a', 'ns', [ep('10.1.0.2')]), { ...slice('x', 'ns', []), metadata: { name: 'unlabelled', namespace: 'ns' } }],
      namespaces: [],
      pods: [pod('p', 'ns', '10.1.0.1'), pod('q', 'ns', '10.1.0.9', { terminating: true })],
      synced: true,
      serial: 7,
    });
    expect(snap.endpoints.get('a.ns')).toHaveLength(2);
    expect(snap.serviceByIP.get('10.0.0.1')?.name).toBe('a');
    expect(snap.endpointsByIP.get('10.1.0.2')?.[0]).toMatchObject({ service: 'a', namespace: 'ns' });
    expect([...snap.podNamespacesByIP.keys()]).toEqual(['10.1.0.1']);
    expect(snap.endpoints.size).toBe(1);
  });
});
