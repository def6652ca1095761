import { describe, expect, it } from 'vitest';
import type { EndpointInfo, EndpointsMap, EndpointsMapUpdate, ServiceMapUpdate, ServicePortInfo } from '@minimesh/proxy-core';
import { StaleUdpSockets } from './stale-udp-sockets.js';

const port = (key: string, p: number, protocol: 'UDP' | 'TCP' = 'UDP', externalIPs: string[] = []): ServicePortInfo =>
  ({ key, port: p, protocol, clusterIP: '10.96.0.10', externalIPs, loadBalancerVIPs: [] }) as unknown as ServicePortInfo;
const svcUpdate = (...nn: string[]): ServiceMapUpdate => ({ updatedServices: new Set(nn), deletedUdpClusterIPs: new Set() });
const epUpdate = (...stale: [key: string, endpoint: string][]): EndpointsMapUpdate =>
  ({ updatedServices: new Set(), deletedUdpEndpoints: stale.map(([servicePortKey, endpoint]) => ({ servicePortKey, endpoint, ip: endpoint.split(':')[0]! })), newlyActiveUdpServices: [], lastChangeTriggerTimes: new Map() }) as unknown as EndpointsMapUpdate;
const none: EndpointsMap = new Map();

describe('StaleUdpSockets', () => {
  it('an endpoint gone: each address of its UDP port, to that endpoint only; TCP ports are not its business', () => {
    const s = new StaleUdpSockets();
    const ports = [port('kube-system/dns:dns/UDP', 53, 'UDP', ['192.0.2.10']), port('kube-system/dns:dns-tcp/TCP', 53, 'TCP')];
    s.note(svcUpdate('kube-system/dns'), epUpdate(), () => ports);
    s.note(svcUpdate(), epUpdate(['kube-system/dns:dns/UDP', '10.244.1.5:53'], ['kube-system/dns:dns-tcp/TCP', '10.244.1.5:53']), () => ports);
    expect(s.take(none)).toEqual([
      { vip: '10.96.0.10', port: 53, backend: '10.244.1.5:53' },
      { vip: '192.0.2.10', port: 53, backend: '10.244.1.5:53' },
    ]);
  });

  it('a Service deleted: its UDP ports, every backend, from the addresses they had', () => {
    const s = new StaleUdpSockets();
    s.note(svcUpdate('study/echo'), epUpdate(), () => [port('study/echo:e/UDP', 9000)]);
    // Its endpoints and the Service go in one checkout: the endpoint's entry uses the addresses still known.
    s.note(svcUpdate('study/echo'), epUpdate(['study/echo:e/UDP', '10.244.2.7:9000']), () => []);
    expect(s.take(none)).toEqual([
      { vip: '10.96.0.10', port: 9000, backend: '10.244.2.7:9000' },
      { vip: '10.96.0.10', port: 9000, backend: '*' },
    ]);
  });

  it('a port number changed: the old port, every backend', () => {
    const s = new StaleUdpSockets();
    s.note(svcUpdate('study/echo'), epUpdate(), () => [port('study/echo:e/UDP', 9000)]);
    s.note(svcUpdate('study/echo'), epUpdate(), () => [port('study/echo:e/UDP', 9001)]);
    expect(s.take(none)).toEqual([{ vip: '10.96.0.10', port: 9000, backend: '*' }]);
  });

  it('kept until a sweep succeeds, once each; an endpoint that is back is left alone', () => {
    const s = new StaleUdpSockets();
    s.note(svcUpdate('study/echo'), epUpdate(), () => [port('study/echo:e/UDP', 9000)]);
    s.note(svcUpdate(), epUpdate(['study/echo:e/UDP', '10.244.2.7:9000'], ['study/echo:e/UDP', '10.244.2.8:9000']), () => []);
    s.note(svcUpdate(), epUpdate(['study/echo:e/UDP', '10.244.2.7:9000']), () => []);
    expect(s.size).toBe(2);
    const back = new Map([['study/echo:e/UDP', [{ endpoint: '10.244.2.8:9000', ready: true, serving: true } as EndpointInfo]]]);
    const first = s.take(back);
    expect(first).toEqual([{ vip: '10.96.0.10', port: 9000, backend: '10.244.2.7:9000' }]);
    expect(s.take(back)).toEqual(first);
    s.done(first);
    expect(s.take(back)).toEqual([]);
  });
});
