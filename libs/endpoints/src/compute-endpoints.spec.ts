import { describe, expect, it } from 'vitest';
import type { Endpoints, Pod } from '@minimesh/api';
import { computeEndpoints, endpointsEqual } from './compute-endpoints.js';
import { makePod, makeService, manyPods, serviceClusterIP, serviceHeadless, walkthroughPods } from './testing/fixtures.js';

const ref = (name: string) => ({ kind: 'Pod', namespace: 'study', name, uid: `uid-${name}` });
const [P1, P2, P3] = ['nginx-deploy-7c5ddbdf54-2xk9p', 'nginx-deploy-7c5ddbdf54-8hzcm', 'nginx-deploy-7c5ddbdf54-qw6tv'];

describe('computeEndpoints: the walkthrough', () => {
  it('service-clusterip gets the three nginx pods on port 80', () => {
    expect(computeEndpoints(serviceClusterIP(), walkthroughPods())).toEqual({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'service-clusterip',
        namespace: 'study',
        labels: { 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' },
      },
      subsets: [
        {
          addresses: [
            { ip: '10.244.1.39', nodeName: 'node1', targetRef: ref(P1) },
            { ip: '10.244.1.40', nodeName: 'node1', targetRef: ref(P2) },
            { ip: '10.244.2.33', nodeName: 'node2', targetRef: ref(P3) },
          ],
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      ],
    } satisfies Endpoints);
  });

  it('service-headliness is labelled headless', () => {
    const ep = computeEndpoints(serviceHeadless(), walkthroughPods())!;
    expect(ep.metadata.labels).toEqual({ 'service.kubernetes.io/headless': '', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' });
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['10.244.1.39', '10.244.1.40', '10.244.2.33']);
  });

  it('two Services sharing the pods each get all three', () => {
    for (const svc of [serviceClusterIP(), serviceHeadless()]) {
      expect(computeEndpoints(svc, walkthroughPods())!.subsets![0]!.addresses).toHaveLength(3);
    }
  });

  it('the pod order does not matter', () => {
    expect(computeEndpoints(serviceClusterIP(), walkthroughPods().reverse())).toEqual(computeEndpoints(serviceClusterIP(), walkthroughPods()));
  });
});

describe('computeEndpoints: which pods and where', () => {
  const ips = (ep: Endpoints | null) => ({
    ready: ep!.subsets?.flatMap((s) => s.addresses?.map((a) => a.ip) ?? []) ?? [],
    notReady: ep!.subsets?.flatMap((s) => s.notReadyAddresses?.map((a) => a.ip) ?? []) ?? [],
  });
  const cases: [string, Pod[], boolean, { ready: string[]; notReady: string[] }][] = [
    ['ready pod', [makePod('a', { ip: '10.0.0.1' })], false, { ready: ['10.0.0.1'], notReady: [] }],
    ['not-ready pod', [makePod('a', { ip: '10.0.0.1', ready: false })], false, { ready: [], notReady: ['10.0.0.1'] }],
    ['terminating pod is left out', [makePod('a', { ip: '10.0.0.1', deleting: true })], false, { ready: [], notReady: [] }],
    ['succeeded pod is left out', [makePod('a', { ip: '10.0.0.1', phase: 'Succeeded' })], false, { ready: [], notReady: [] }],
    ['failed pod is left out', [makePod('a', { ip: '10.0.0.1', phase: 'Failed', ready: false })], false, { ready: [], notReady: [] }],
    ['pod without IP is left out', [makePod('a', { ip: null })], false, { ready: [], notReady: [] }],
    ['pod without an IP of the family is left out', [makePod('a', { ips: ['fd00::1'] })], false, { ready: [], notReady: [] }],
    ['publishNotReadyAddresses: not-ready is ready', [makePod('a', { ip: '10.0.0.1', ready: false })], true, { ready: ['10.0.0.1'], notReady: [] }],
    ['publishNotReadyAddresses: terminating is kept', [makePod('a', { ip: '10.0.0.1', deleting: true, ready: false })], true, { ready: ['10.0.0.1'], notReady: [] }],
    ['publishNotReadyAddresses: finished still out', [makePod('a', { ip: '10.0.0.1', phase: 'Succeeded' })], true, { ready: [], notReady: [] }],
    [
      'mixed pods share one subset',
      [makePod('a', { ip: '10.0.0.2' }), makePod('b', { ip: '10.0.0.1', ready: false }), makePod('c', { ip: '10.0.0.3' })],
      false,
      { ready: ['10.0.0.2', '10.0.0.3'], notReady: ['10.0.0.1'] },
    ],
    [
      'pods of other namespaces or labels are ignored',
      [makePod('a', { ip: '10.0.0.1', namespace: 'default' }), makePod('b', { ip: '10.0.0.2', labels: { app: 'db' } })],
      false,
      { ready: [], notReady: [] },
    ],
  ];
  it.each(cases)('%s', (_name, pods, pnra, want) => {
    expect(ips(computeEndpoints(makeService('s', { publishNotReadyAddresses: pnra }), pods))).toEqual(want);
  });

  it('an Endpoints without subsets when nothing matches', () => {
    const ep = computeEndpoints(serviceClusterIP(), [])!;
    expect(ep.subsets).toBeUndefined();
    expect(ep.metadata.name).toBe('service-clusterip');
  });
});

describe('computeEndpoints: no Endpoints at all', () => {
  it.each([
    ['selector absent', makeService('s', { selector: null })],
    ['selector empty', makeService('s', { selector: {} })],
    ['ExternalName', makeService('s', { type: 'ExternalName', clusterIP: '' })],
  ])('%s → null', (_name, svc) => expect(computeEndpoints(svc, walkthroughPods())).toBeNull());
});

describe('computeEndpoints: ports', () => {
  it('resolves a named targetPort per pod, grouping pods by the port they expose', () => {
    const svc = makeService('web', { ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }] });
    const pods = [
      makePod('a', { ip: '10.0.0.1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }),
      makePod('b', { ip: '10.0.0.2', ports: [{ name: 'http', containerPort: 9080, protocol: 'TCP' }] }),
      makePod('c', { ip: '10.0.0.3', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }),
    ];
    expect(computeEndpoints(svc, pods)!.subsets!.map((s) => [s.addresses!.map((a) => a.ip), s.ports])).toEqual([
      [['10.0.0.1', '10.0.0.3'], [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }]],
      [['10.0.0.2'], [{ name: 'http', port: 9080, protocol: 'TCP', appProtocol: 'http' }]],
    ]);
  });

  it('a pod without the named port is skipped for that port only', () => {
    const svc = makeService('web', {
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    });
    const pods = [makePod('a', { ip: '10.0.0.1' }), makePod('b', { ip: '10.0.0.2', ports: [] })];
    // RepackSubsets groups by the addresses serving each port: http has only a, metrics both.
    const a = { ip: '10.0.0.1', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'study', name: 'a', uid: 'uid-a' } };
    const b = { ip: '10.0.0.2', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'study', name: 'b', uid: 'uid-b' } };
    expect(computeEndpoints(svc, pods)!.subsets).toEqual([
      { addresses: [a], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      { addresses: [a, b], ports: [{ name: 'metrics', port: 9090, protocol: 'TCP' }] },
    ]);
  });

  it('a headless Service without ports gets the addresses and no ports', () => {
    const svc = makeService('service-headliness', { clusterIP: 'None', ports: [] });
    expect(computeEndpoints(svc, walkthroughPods())!.subsets).toEqual([
      {
        addresses: [
          { ip: '10.244.1.39', nodeName: 'node1', targetRef: ref(P1) },
          { ip: '10.244.1.40', nodeName: 'node1', targetRef: ref(P2) },
          { ip: '10.244.2.33', nodeName: 'node2', targetRef: ref(P3) },
        ],
      },
    ]);
  });

  it('a non-headless Service without ports gets no subsets', () => {
    expect(computeEndpoints(makeService('s', { ports: [] }), walkthroughPods())!.subsets).toBeUndefined();
  });
});

describe('computeEndpoints: hostnames', () => {
  it.each([
    ['hostname + subdomain naming the headless Service', 'service-headliness', 'web-0'],
    ['subdomain of another Service', 'other', undefined],
  ])('%s', (_name, subdomain, want) => {
    const pod = makePod('web-0', { ip: '10.244.1.39', hostname: 'web-0', subdomain });
    expect(computeEndpoints(serviceHeadless(), [pod])!.subsets![0]!.addresses![0]!.hostname).toBe(want);
  });
});

describe('computeEndpoints: labels and annotations', () => {
  it('carries the Service labels, drops a stray headless label on a ClusterIP Service', () => {
    const svc = makeService('s', { labels: { team: 'a', 'service.kubernetes.io/headless': '' } });
    expect(computeEndpoints(svc, [])!.metadata.labels).toEqual({ team: 'a', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' });
  });

  it('sets the trigger time in RFC3339Nano', () => {
    const ep = computeEndpoints(serviceClusterIP(), [], { triggerTime: new Date('2024-05-01T10:00:00.250Z') })!;
    expect(ep.metadata.annotations).toEqual({ 'endpoints.kubernetes.io/last-change-trigger-time': '2024-05-01T10:00:00.25Z' });
  });

  it('keeps the existing object identity and foreign annotations, drops stale controller annotations', () => {
    const existing: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'service-clusterip',
        namespace: 'study',
        uid: 'ep-uid',
        resourceVersion: '42',
        annotations: {
          note: 'kept',
          'endpoints.kubernetes.io/last-change-trigger-time': '2020-01-01T00:00:00Z',
          'endpoints.kubernetes.io/over-capacity': 'truncated',
        },
      },
    };
    const ep = computeEndpoints(serviceClusterIP(), walkthroughPods(), { existing })!;
    expect(ep.metadata).toMatchObject({ uid: 'ep-uid', resourceVersion: '42', annotations: { note: 'kept' } });
    expect(Object.keys(ep.metadata.annotations!)).toEqual(['note']);
  });
});

describe('computeEndpoints: the 1000-address cap', () => {
  const count = (ep: Endpoints) => ({
    ready: ep.subsets!.reduce((n, s) => n + (s.addresses?.length ?? 0), 0),
    notReady: ep.subsets!.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0),
  });

  it('1000 addresses fit without annotation', () => {
    const ep = computeEndpoints(serviceClusterIP(), manyPods(1000))!;
    expect(count(ep)).toEqual({ ready: 1000, notReady: 0 });
    expect(ep.metadata.annotations).toBeUndefined();
  });

  it('1001 ready addresses are truncated to 1000 and annotated', () => {
    const ep = computeEndpoints(serviceClusterIP(), manyPods(1001))!;
    expect(count(ep)).toEqual({ ready: 1000, notReady: 0 });
    expect(ep.metadata.annotations).toEqual({ 'endpoints.kubernetes.io/over-capacity': 'truncated' });
  });

  it('ready addresses are kept first', () => {
    const pods = [...manyPods(999), ...manyPods(1010).slice(999).map((p) => makePod(p.metadata.name!, { ip: p.status!.podIP, ready: false }))];
    expect(count(computeEndpoints(serviceClusterIP(), pods)!)).toEqual({ ready: 999, notReady: 1 });
  });

  it('truncation is spread over subsets in proportion', () => {
    const svc = makeService('s', { ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const pods = manyPods(1200).map((p, i) =>
      makePod(p.metadata.name!, { ip: p.status!.podIP, ports: [{ name: 'http', containerPort: i < 600 ? 8080 : 9090, protocol: 'TCP' }] }),
    );
    const ep = computeEndpoints(svc, pods)!;
    expect(ep.subsets!.map((s) => s.addresses!.length)).toEqual([500, 500]);
  });
});

describe('endpointsEqual', () => {
  const base = () => computeEndpoints(serviceClusterIP(), walkthroughPods(), { triggerTime: new Date('2024-05-01T10:00:00Z') })!;
  const edit = (f: (e: Endpoints) => void) => {
    const e = base();
    f(e);
    return e;
  };
  it.each<[string, Endpoints, boolean]>([
    ['identical', base(), true],
    ['bookkeeping differs', edit((e) => Object.assign(e.metadata, { resourceVersion: '9', uid: 'x', creationTimestamp: '2024-01-01T00:00:00Z' })), true],
    ['targetRef.resourceVersion differs', edit((e) => (e.subsets![0]!.addresses![0]!.targetRef!.resourceVersion = '77')), true],
    ['only the headless label differs', edit((e) => (e.metadata.labels!['service.kubernetes.io/headless'] = '')), true],
    ['only the trigger time differs', edit((e) => delete e.metadata.annotations), true],
    ['an address is gone', edit((e) => e.subsets![0]!.addresses!.pop()), false],
    ['an address became not ready', edit((e) => (e.subsets![0]!.notReadyAddresses = [e.subsets![0]!.addresses!.pop()!])), false],
    ['a node name differs', edit((e) => (e.subsets![0]!.addresses![0]!.nodeName = 'node9')), false],
    ['a port differs', edit((e) => (e.subsets![0]!.ports![0]!.port = 81)), false],
    ['a label differs', edit((e) => (e.metadata.labels!.team = 'b')), false],
    ['managed-by label missing', edit((e) => delete e.metadata.labels!['endpoints.kubernetes.io/managed-by']), false],
    ['over-capacity annotation differs', edit((e) => (e.metadata.annotations!['endpoints.kubernetes.io/over-capacity'] = 'truncated')), false],
  ])('%s', (_name, other, want) => {
    expect(endpointsEqual(other, base())).toBe(want);
  });

  it('absent and empty subsets are equal', () => {
    const a = computeEndpoints(serviceClusterIP(), [])!;
    expect(endpointsEqual({ ...a, subsets: [] }, a)).toBe(true);
  });
});
