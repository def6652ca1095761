import { describe, expect, it } from 'vitest';
import { buildSnapshot, toServiceRecord, toSubset } from './cluster-snapshot.js';
import { deepFreeze } from './testing/deep-freeze.js';
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

  it('rebuilds: a frozen object (as the informer cache holds them) keeps its record, its replacement gets a new one, unfrozen input is read every time', () => {
    const a = deepFreeze(service('a', 'ns', { clusterIP: '10.0.0.1', ports: [{ port: 80 }] }));
    const sa = deepFreeze(slice('a', 'ns', [ep('10.1.0.1')]));
    const p = deepFreeze(pod('p', 'ns', '10.1.0.1'));
    const build = (services = [a], slices = [sa], pods = [p]) => buildSnapshot({ services, slices, namespaces: [], pods, synced: true, serial: 1 });
    const first = build();
    const second = build();
    expect(second.services.get('a.ns')).toBe(first.services.get('a.ns'));
    expect(second.endpoints.get('a.ns')?.[0]).toBe(first.endpoints.get('a.ns')?.[0]);
    expect([...second.podNamespacesByIP]).toEqual([['10.1.0.1', ['ns']]]);

    // An update is a new object: its records are made from it.
    const a2 = deepFreeze(service('a', 'ns', { clusterIP: '10.0.0.2', ports: [{ port: 81 }] }));
    const sa2 = deepFreeze(slice('a', 'ns', [ep('10.1.0.1', { ready: false }), ep('10.1.0.3')]));
    const p2 = deepFreeze(pod('p', 'ns', '10.1.0.4'));
    const third = build([a2], [sa2], [p2]);
    expect(third.services.get('a.ns')).toMatchObject({ clusterIPs: ['10.0.0.2'], ports: [{ name: '', protocol: 'TCP', port: 81 }] });
    expect([...third.serviceByIP.keys()]).toEqual(['10.0.0.2']);
    expect(third.endpoints.get('a.ns')?.[0]?.addresses.map((x) => x.ip)).toEqual(['10.1.0.3']);
    expect([...third.endpointsByIP.keys()]).toEqual(['10.1.0.3']);
    expect([...third.podNamespacesByIP.keys()]).toEqual(['10.1.0.4']);

    // Unfrozen objects may change in place between builds: read again.
    const open = service('o', 'ns', { clusterIP: '10.0.0.9', ports: [{ port: 80 }] });
    const openSlice = slice('o', 'ns', [ep('10.1.0.8')]);
    expect(build([open], [openSlice], []).services.get('o.ns')?.clusterIPs).toEqual(['10.0.0.9']);
    open.spec!.clusterIP = '10.0.0.10';
    openSlice.endpoints![0]!.addresses = ['10.1.0.9'];
    const after = build([open], [openSlice], []);
    expect(after.services.get('o.ns')?.clusterIPs).toEqual(['10.0.0.10']);
    expect([...after.endpointsByIP.keys()]).toEqual(['10.1.0.9']);
  });
});
