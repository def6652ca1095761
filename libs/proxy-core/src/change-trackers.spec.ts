import { describe, expect, it } from 'vitest';
import { EndpointsChangeTracker, ServiceChangeTracker } from './change-trackers.js';
import { ep, makeService, makeSlice, NOT_READY, TERMINATING, walkthroughService, walkthroughSlice } from './testing/fixtures.js';

const dnsSlice = (...endpoints: ReturnType<typeof ep>[]) => makeSlice('kube-system', 'kube-dns', { name: 'kube-dns-1', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }], endpoints });

describe('ServiceChangeTracker', () => {
  it('add, update, delete: changes are pending until checked out, then in serviceMap', () => {
    const t = new ServiceChangeTracker();
    const v1 = walkthroughService();
    expect(t.update(undefined, v1)).toBe(true);
    expect(t.pending).toBe(1);
    expect(t.serviceMap.size).toBe(0);
    expect(t.checkoutChanges()).toEqual({ updatedServices: new Set(['study/service-clusterip']), deletedUdpClusterIPs: new Set() });
    expect([...t.serviceMap.keys()]).toEqual(['study/service-clusterip/TCP']);

    const v2 = walkthroughService({ ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    expect(t.update(v1, v2)).toBe(true);
    expect(t.checkoutChanges().updatedServices).toEqual(new Set(['study/service-clusterip']));
    expect([...t.serviceMap.keys()]).toEqual(['study/service-clusterip:http/TCP']);

    expect(t.update(v2, undefined)).toBe(true);
    t.checkoutChanges();
    expect(t.serviceMap.size).toBe(0);
  });

  it('a change that is undone before the sync collapses to nothing', () => {
    const t = new ServiceChangeTracker();
    const v1 = walkthroughService();
    t.update(undefined, v1);
    t.checkoutChanges();
    const v2 = walkthroughService({ clusterIP: '10.97.97.98' });
    expect(t.update(v1, v2)).toBe(true);
    expect(t.update(v2, v1)).toBe(false);
    expect(t.checkoutChanges().updatedServices.size).toBe(0);
    // A no-op update (labels, status of another field) is no change either.
    expect(t.update(v1, { ...v1, metadata: { ...v1.metadata, labels: { a: 'b' } } })).toBe(false);
  });

  it('the previous state comes from the tracker, not the event: a missed update leaves no stale port', () => {
    const t = new ServiceChangeTracker();
    const v1 = walkthroughService();
    t.update(undefined, v1);
    t.checkoutChanges();
    const v3 = walkthroughService({ ports: [{ name: 'x', port: 81, protocol: 'TCP' }] });
    t.update(undefined, v3); // as after a relist: no previous object
    t.checkoutChanges();
    expect([...t.serviceMap.keys()]).toEqual(['study/service-clusterip:x/TCP']);
  });

  it('services that are not proxied are no change; a service becoming headless removes its ports', () => {
    const t = new ServiceChangeTracker();
    expect(t.update(undefined, makeService('prod', 'db', { type: 'ExternalName', externalName: 'db.example.com' }))).toBe(false);
    const v1 = walkthroughService();
    t.update(undefined, v1);
    t.checkoutChanges();
    t.update(v1, walkthroughService({ clusterIP: 'None' }));
    t.checkoutChanges();
    expect(t.serviceMap.size).toBe(0);
  });

  it('reports the ClusterIPs of deleted UDP ports', () => {
    const t = new ServiceChangeTracker();
    const both = makeService('kube-system', 'kube-dns', {
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    });
    t.update(undefined, both);
    t.checkoutChanges();
    t.update(both, undefined);
    expect(t.checkoutChanges().deletedUdpClusterIPs).toEqual(new Set(['10.96.0.10']));
  });

  it('healthCheckNodePorts', () => {
    const t = new ServiceChangeTracker();
    t.update(undefined, makeService('ns', 'lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, clusterIP: '10.96.0.5', ports: [{ port: 80, nodePort: 30080 }] }));
    t.update(undefined, walkthroughService());
    t.checkoutChanges();
    expect(t.healthCheckNodePorts()).toEqual(new Map([['ns/lb', 32000]]));
  });
});

describe('EndpointsChangeTracker', () => {
  it('add, update, delete a slice', () => {
    const t = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    const s1 = walkthroughSlice();
    expect(t.update(undefined, s1)).toBe(true);
    expect(t.pending).toBe(1);
    expect(t.endpointsMap.size).toBe(0);
    expect(t.checkoutChanges().updatedServices).toEqual(new Set(['study/service-clusterip']));
    expect(t.endpointsMap.get('study/service-clusterip/TCP')!.map((e) => [e.endpoint, e.isLocal])).toEqual([
      ['10.244.1.39:80', true],
      ['10.244.1.40:80', true],
      ['10.244.2.33:80', false],
    ]);
    expect(t.localReadyEndpoints()).toEqual(new Map([['study/service-clusterip', 2]]));

    const s2 = { ...s1, endpoints: s1.endpoints!.slice(1) };
    expect(t.update(s1, s2)).toBe(true);
    t.checkoutChanges();
    expect(t.endpointsMap.get('study/service-clusterip/TCP')!.map((e) => e.endpoint)).toEqual(['10.244.1.40:80', '10.244.2.33:80']);

    expect(t.update(s2, undefined)).toBe(true);
    expect(t.checkoutChanges().updatedServices).toEqual(new Set(['study/service-clusterip']));
    expect(t.endpointsMap.size).toBe(0);
  });

  it('pending counts the slices with uncommitted changes (two changes of one slice count once) and is 0 after a checkout', () => {
    const t = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    const s1 = walkthroughSlice();
    const other = { ...s1, metadata: { ...s1.metadata, name: 'service-clusterip-2nd' } };
    t.update(undefined, s1);
    t.update(s1, { ...s1, endpoints: s1.endpoints!.slice(1) });
    expect(t.pending).toBe(1);
    t.update(undefined, other);
    expect(t.pending).toBe(2);
    expect(t.checkoutChanges().updatedServices).toEqual(new Set(['study/service-clusterip']));
    expect(t.pending).toBe(0);
    expect(t.checkoutChanges().updatedServices).toEqual(new Set());
    t.update(other, undefined);
    expect(t.pending).toBe(1);
    t.checkoutChanges();
    expect(t.endpointsMap.get('study/service-clusterip/TCP')!.map((e) => e.endpoint)).toEqual(['10.244.1.40:80', '10.244.2.33:80']);
  });

  it('an update that changes nothing for the proxy keeps the new object (the one the informer holds), and an unknown removal leaves nothing behind', () => {
    const t = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    const s1 = walkthroughSlice();
    t.update(undefined, s1);
    t.checkoutChanges();
    const s2 = { ...s1, metadata: { ...s1.metadata, resourceVersion: '99', uid: 'other' } };
    expect(t.update(s1, s2)).toBe(false);
    const slices = (t as unknown as { slices: Map<string, { applied: Map<string, unknown> }> }).slices;
    expect(slices.get('study/service-clusterip')!.applied.get(s1.metadata.name!)).toBe(s2);
    expect(t.update(makeSlice('study', 'gone-svc', { ports: [], endpoints: [] }), undefined)).toBe(false);
    expect([...slices.keys()]).toEqual(['study/service-clusterip']);
  });

  it('an unchanged slice, or one that only changed irrelevant fields, is no change', () => {
    const t = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    const s1 = walkthroughSlice();
    t.update(undefined, s1);
    t.checkoutChanges();
    expect(t.update(s1, { ...s1, metadata: { ...s1.metadata, resourceVersion: '9' }, endpoints: [...s1.endpoints!].reverse() })).toBe(false);
    expect(t.update(undefined, makeSlice('ns', 'x', { addressType: 'FQDN', ports: [], endpoints: [] }))).toBe(false);
    expect(t.update(s1, undefined)).toBe(true);
    expect(t.update(undefined, s1)).toBe(true); // compared with the pending removal, as kube-proxy does
    expect(t.checkoutChanges().updatedServices).toEqual(new Set(['study/service-clusterip']));
    expect(t.endpointsMap.get('study/service-clusterip/TCP')).toHaveLength(3);
  });

  it('unchanged endpoints keep their objects across syncs', () => {
    const t = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    const s1 = walkthroughSlice();
    t.update(undefined, s1);
    t.checkoutChanges();
    const before = t.endpointsMap.get('study/service-clusterip/TCP')!;
    t.update(s1, { ...s1, endpoints: [...s1.endpoints!, ep('10.244.2.34', 'node2')] });
    t.checkoutChanges();
    const after = t.endpointsMap.get('study/service-clusterip/TCP')!;
    expect(after[0]).toBe(before[0]);
    expect(after).toHaveLength(4);
  });

  it('a slice moved to another Service (relabelled) leaves the old one', () => {
    const t = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    const s1 = walkthroughSlice();
    t.update(undefined, s1);
    t.checkoutChanges();
    const moved = { ...s1, metadata: { ...s1.metadata, labels: { 'kubernetes.io/service-name': 'other' } } };
    expect(t.update(s1, moved)).toBe(true);
    expect(t.checkoutChanges().updatedServices).toEqual(new Set(['study/service-clusterip', 'study/other']));
    expect([...t.endpointsMap.keys()]).toEqual(['study/other/TCP']);
  });

  it('stale UDP endpoints: a removed serving endpoint, and one that stopped serving; not TCP, not never-serving ones', () => {
    const t = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    const a = dnsSlice(ep('10.244.1.2', 'node1'), ep('10.244.2.2', 'node2'), ep('10.244.3.2', 'node3'), ep('10.244.4.2', 'node3', NOT_READY));
    t.update(undefined, a);
    t.checkoutChanges();
    t.update(a, dnsSlice(ep('10.244.1.2', 'node1'), ep('10.244.3.2', 'node3', NOT_READY)));
    const r = t.checkoutChanges();
    expect(r.deletedUdpEndpoints).toEqual([
      { servicePortKey: 'kube-system/kube-dns:dns/UDP', endpoint: '10.244.2.2:53', ip: '10.244.2.2' },
      { servicePortKey: 'kube-system/kube-dns:dns/UDP', endpoint: '10.244.3.2:53', ip: '10.244.3.2' },
    ]);
    expect(r.newlyActiveUdpServices).toEqual([]);

    const tcp = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    tcp.update(undefined, walkthroughSlice());
    tcp.checkoutChanges();
    tcp.update(walkthroughSlice(), undefined);
    expect(tcp.checkoutChanges().deletedUdpEndpoints).toEqual([]);
  });

  it('newly active UDP services: from 0 to >0 serving endpoints (a terminating serving one counts)', () => {
    const t = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
    const empty = dnsSlice(ep('10.244.1.2', 'node1', NOT_READY));
    t.update(undefined, empty);
    expect(t.checkoutChanges().newlyActiveUdpServices).toEqual([]);
    t.update(empty, dnsSlice(ep('10.244.1.2', 'node1', TERMINATING)));
    expect(t.checkoutChanges().newlyActiveUdpServices).toEqual(['kube-system/kube-dns:dns/UDP']);
  });

  it('last-change-trigger-time: kept when after the tracker started, dropped on delete', () => {
    const start = Date.parse('2025-01-01T00:00:00Z');
    const t = new EndpointsChangeTracker({ nodeName: 'node1', startTime: start });
    const at = (time: string) => makeSlice('study', 'service-clusterip', { ports: [{ name: '', port: 80 }], endpoints: [ep(`10.244.1.${time.length}`)], annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': time } });
    t.update(undefined, at('2024-12-31T23:59:59Z'));
    t.update(undefined, at('2025-01-01T00:00:01.5Z'));
    expect(t.checkoutChanges().lastChangeTriggerTimes).toEqual(new Map([['study/service-clusterip', [start + 1500]]]));
    t.update(undefined, at('2025-01-01T00:00:02.000000001Z'));
    t.update(at('2025-01-01T00:00:02.000000001Z'), undefined);
    expect(t.checkoutChanges().lastChangeTriggerTimes).toEqual(new Map());
  });
});
