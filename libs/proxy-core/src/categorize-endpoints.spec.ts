import { describe, expect, it } from 'vitest';
import { categorizeEndpoints } from './categorize-endpoints.js';
import { makeEndpointInfo, type EndpointInit } from './endpoint-info.js';
import { servicePortsFromService, type ServicePortInfo } from './service-port.js';
import { walkthroughService } from './testing/fixtures.js';

const base = servicePortsFromService(walkthroughService())[0]!;
const svc = (o: Partial<ServicePortInfo> = {}): ServicePortInfo => ({ ...base, ...o });
const e = (ip: string, o: Partial<EndpointInit> = {}) => makeEndpointInfo({ ip, port: 80, ...o });
const names = (eps: readonly { endpoint: string }[]) => eps.map((x) => x.endpoint.replace(':80', ''));
const NODE = { nodeName: 'node1', zone: 'zone-a' };

describe('categorizeEndpoints', () => {
  it.each([
    {
      name: 'Cluster policy: every ready endpoint',
      svc: svc(),
      eps: [e('10.0.0.1'), e('10.0.0.2', { ready: false, serving: false }), e('10.0.0.3', { isLocal: true })],
      cluster: ['10.0.0.1', '10.0.0.3'],
      local: [],
      all: ['10.0.0.1', '10.0.0.3'],
      any: true,
    },
    {
      name: 'Cluster policy, no ready endpoint: serving-terminating ones (not the non-serving ones)',
      svc: svc(),
      eps: [e('10.0.0.1', { ready: false, terminating: true }), e('10.0.0.2', { ready: false, serving: false, terminating: true })],
      cluster: ['10.0.0.1'],
      local: [],
      all: ['10.0.0.1'],
      any: true,
    },
    {
      name: 'Cluster policy, nothing usable',
      svc: svc(),
      eps: [e('10.0.0.1', { ready: false, serving: false })],
      cluster: [],
      local: [],
      all: [],
      any: false,
    },
    {
      name: 'iTP Local: local ready endpoints only',
      svc: svc({ internalPolicyLocal: true }),
      eps: [e('10.0.0.1', { isLocal: true }), e('10.0.0.2'), e('10.0.0.3', { isLocal: true, ready: false, terminating: true })],
      cluster: [],
      local: ['10.0.0.1'],
      all: ['10.0.0.1'],
      any: true,
    },
    {
      name: 'iTP Local, all endpoints remote: none reachable, but the service has endpoints',
      svc: svc({ internalPolicyLocal: true }),
      eps: [e('10.0.0.1'), e('10.0.0.2')],
      cluster: [],
      local: [],
      all: [],
      any: true,
    },
    {
      name: 'iTP Local, only a local terminating endpoint: fall back to it',
      svc: svc({ internalPolicyLocal: true }),
      eps: [e('10.0.0.1', { isLocal: true, ready: false, terminating: true }), e('10.0.0.2')],
      cluster: [],
      local: ['10.0.0.1'],
      all: ['10.0.0.1'],
      any: true,
    },
    {
      name: 'eTP Local: Cluster endpoints for short-circuiting plus local ones; cluster ⊇ local',
      svc: svc({ nodePort: 30080, externalPolicyLocal: true }),
      eps: [e('10.0.0.1', { isLocal: true }), e('10.0.0.2')],
      cluster: ['10.0.0.1', '10.0.0.2'],
      local: ['10.0.0.1'],
      all: ['10.0.0.1', '10.0.0.2'],
      any: true,
    },
    {
      name: 'eTP Local, local endpoint terminating, remote ready: the union is reachable',
      svc: svc({ nodePort: 30080, externalPolicyLocal: true }),
      eps: [e('10.0.0.1', { isLocal: true, ready: false, terminating: true }), e('10.0.0.2')],
      cluster: ['10.0.0.2'],
      local: ['10.0.0.1'],
      all: ['10.0.0.1', '10.0.0.2'],
      any: true,
    },
    {
      name: 'zone hints for this zone: Cluster endpoints filtered to the zone',
      svc: svc(),
      eps: [e('10.1.2.3', { zoneHints: ['zone-a'] }), e('10.1.2.4', { zoneHints: ['zone-b'] }), e('10.1.2.5', { zoneHints: ['zone-c'] }), e('10.1.2.6', { zoneHints: ['zone-a'] })],
      cluster: ['10.1.2.3', '10.1.2.6'],
      local: [],
      all: ['10.1.2.3', '10.1.2.6'],
      any: true,
    },
    {
      name: 'a ready endpoint without hints: hints ignored',
      svc: svc(),
      eps: [e('10.1.2.3', { zoneHints: ['zone-a'] }), e('10.1.2.4')],
      cluster: ['10.1.2.3', '10.1.2.4'],
      local: [],
      all: ['10.1.2.3', '10.1.2.4'],
      any: true,
    },
    {
      name: 'no hint for this zone: no filtering',
      svc: svc(),
      eps: [e('10.1.2.3', { zoneHints: ['zone-b'] }), e('10.1.2.4', { zoneHints: ['zone-c'] })],
      cluster: ['10.1.2.3', '10.1.2.4'],
      local: [],
      all: ['10.1.2.3', '10.1.2.4'],
      any: true,
    },
    {
      name: 'node hints for this node win over zone hints (PreferSameNode)',
      svc: svc(),
      eps: [e('10.1.2.3', { zoneHints: ['zone-a'], nodeHints: ['node1'] }), e('10.1.2.4', { zoneHints: ['zone-a'], nodeHints: ['node2'] })],
      cluster: ['10.1.2.3'],
      local: [],
      all: ['10.1.2.3'],
      any: true,
    },
    {
      name: 'conflicting topology and localness: allReachable merges both lists',
      svc: svc({ nodePort: 8080, externalPolicyLocal: true }),
      eps: [
        e('10.0.0.0', { zoneHints: ['zone-a'], isLocal: true }),
        e('10.0.0.1', { zoneHints: ['zone-b'], isLocal: true }),
        e('10.0.0.2', { zoneHints: ['zone-a'] }),
        e('10.0.0.3', { zoneHints: ['zone-b'] }),
      ],
      cluster: ['10.0.0.0', '10.0.0.2'],
      local: ['10.0.0.0', '10.0.0.1'],
      all: ['10.0.0.0', '10.0.0.1', '10.0.0.2'],
      any: true,
    },
    { name: 'no endpoints at all', svc: svc({ internalPolicyLocal: true }), eps: [], cluster: [], local: [], all: [], any: false },
  ])('$name', ({ svc: s, eps, cluster, local, all, any }) => {
    const r = categorizeEndpoints(eps, s, NODE);
    expect({ cluster: names(r.clusterEndpoints), local: names(r.localEndpoints), all: names(r.allReachableEndpoints), any: r.hasAnyEndpoints }).toEqual({ cluster, local, all, any });
  });
});
