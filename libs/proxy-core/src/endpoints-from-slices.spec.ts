import { describe, expect, it } from 'vitest';
import { makeEndpointInfo } from './endpoint-info.js';
import { endpointsFromSlices } from './endpoints-from-slices.js';
import { ep, makeSlice, NOT_READY, TERMINATING, walkthroughSlice } from './testing/fixtures.js';

describe('endpointsFromSlices', () => {
  it('the walkthrough slice, seen from node1', () => {
    expect(endpointsFromSlices([walkthroughSlice()], 'node1')).toEqual(
      new Map([
        [
          'study/service-clusterip/TCP',
          [
            makeEndpointInfo({ ip: '10.244.1.39', port: 80, nodeName: 'node1', isLocal: true }),
            makeEndpointInfo({ ip: '10.244.1.40', port: 80, nodeName: 'node1', isLocal: true }),
            makeEndpointInfo({ ip: '10.244.2.33', port: 80, nodeName: 'node2' }),
          ],
        ],
      ]),
    );
  });

  it('matches service ports by port name and protocol, not by number', () => {
    const slice = makeSlice('kube-system', 'kube-dns', {
      ports: [
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'metrics', port: 9153 },
      ],
      endpoints: [ep('10.244.1.2', 'node1')],
    });
    const m = endpointsFromSlices([slice], 'node2');
    expect([...m.keys()].sort()).toEqual(['kube-system/kube-dns:dns-tcp/TCP', 'kube-system/kube-dns:dns/UDP', 'kube-system/kube-dns:metrics/TCP']);
    expect(m.get('kube-system/kube-dns:metrics/TCP')!.map((e) => [e.endpoint, e.isLocal])).toEqual([['10.244.1.2:9153', false]]);
  });

  it('merges slices of a service, de-duplicates (a local copy wins), sorts by "ip:port" as strings', () => {
    const ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
    const a = makeSlice('ns', 'svc', { name: 'svc-a', ports, endpoints: [ep('10.0.0.2'), ep('10.0.0.10', 'other')] });
    const b = makeSlice('ns', 'svc', { name: 'svc-b', ports, endpoints: [ep('10.0.0.10', 'me'), ep('10.0.0.9')] });
    const list = endpointsFromSlices([a, b], 'me').get('ns/svc:http/TCP')!;
    expect(list.map((e) => e.endpoint)).toEqual(['10.0.0.10:8080', '10.0.0.2:8080', '10.0.0.9:8080']);
    expect(list[0]!.isLocal).toBe(true);
  });

  it('conditions: unset ready/serving mean true, unset terminating means false', () => {
    const slice = makeSlice('ns', 'svc', { ports: [{ name: '', port: 80 }], endpoints: [ep('10.0.0.1'), ep('10.0.0.2', undefined, TERMINATING), ep('10.0.0.3', undefined, NOT_READY)] });
    expect(endpointsFromSlices([slice], 'n').get('ns/svc/TCP')!.map((e) => [e.ready, e.serving, e.terminating])).toEqual([
      [true, true, false],
      [false, true, true],
      [false, false, false],
    ]);
  });

  it('ignores IPv6 and FQDN slices, slices without the service-name label, ports without a number, empty endpoints', () => {
    const ports = [{ name: '', port: 80 }];
    const v6 = makeSlice('ns', 'svc', { addressType: 'IPv6', ports, endpoints: [ep('fd00::1')] });
    const fqdn = makeSlice('ns', 'svc', { addressType: 'FQDN', ports, endpoints: [ep('example.com')] });
    const unlabelled = { ...makeSlice('ns', 'svc', { ports, endpoints: [ep('10.0.0.1')] }), metadata: { namespace: 'ns', name: 'x' } };
    const noNumber = makeSlice('ns', 'svc2', { ports: [{ name: '' }], endpoints: [ep('10.0.0.1')] });
    const noAddress = makeSlice('ns', 'svc3', { ports, endpoints: [{ addresses: [] }] });
    expect(endpointsFromSlices([v6, fqdn, unlabelled, noNumber, noAddress], 'n')).toEqual(new Map());
  });

  it('keeps topology hints', () => {
    const slice = makeSlice('ns', 'svc', { ports: [{ name: '', port: 80 }], endpoints: [{ ...ep('10.0.0.1'), zone: 'zone-a', hints: { forZones: [{ name: 'zone-a' }], forNodes: [{ name: 'n1' }] } } as never] });
    expect(endpointsFromSlices([slice], 'n').get('ns/svc/TCP')![0]).toMatchObject({ zone: 'zone-a', zoneHints: ['zone-a'], nodeHints: ['n1'] });
  });
});
