import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '@minimesh/api';
import { reconcileEndpointSlices, type ReconcileSlicesOptions, type SliceReconcileResult } from './compute-slices.js';
import { makeNode, makePod, makeService, manyPods, sequentialNames, serviceClusterIP, serviceHeadless, walkthroughPods } from './testing/fixtures.js';

const [P1, P2, P3] = ['nginx-deploy-7c5ddbdf54-2xk9p', 'nginx-deploy-7c5ddbdf54-8hzcm', 'nginx-deploy-7c5ddbdf54-qw6tv'];
const ref = (name: string) => ({ kind: 'Pod', namespace: 'study', name, uid: `uid-${name}` });
const ready = { ready: true, serving: true, terminating: false };

function reconcile(svc: Service, pods: Pod[], existing: EndpointSlice[] = [], opts: ReconcileSlicesOptions = {}): SliceReconcileResult {
  return reconcileEndpointSlices(svc, pods, existing, { generateName: sequentialNames(), ...opts });
}

/** The slices as they stand after applying a result (what the next reconcile sees). */
function apply(existing: EndpointSlice[], r: SliceReconcileResult): EndpointSlice[] {
  const gone = new Set([...r.update, ...r.delete].map((s) => s.metadata.name));
  return [...existing.filter((s) => !gone.has(s.metadata.name)), ...r.update, ...r.create];
}

const sizes = (slices: EndpointSlice[]) => slices.map((s) => s.endpoints?.length ?? 0);
const noChanges = { create: [], update: [], delete: [], errors: [] };

describe('reconcileEndpointSlices: the walkthrough', () => {
  it('service-clusterip gets one slice with the three pods', () => {
    const r = reconcile(serviceClusterIP(), walkthroughPods(), [], { triggerTime: new Date('2024-05-01T10:00:00Z') });
    expect(r).toEqual({
      create: [
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: 'service-clusterip-00000',
            generateName: 'service-clusterip-',
            namespace: 'study',
            labels: {
              'kubernetes.io/service-name': 'service-clusterip',
              'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
            },
            annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2024-05-01T10:00:00Z' },
            ownerReferences: [
              { apiVersion: 'v1', kind: 'Service', name: 'service-clusterip', uid: 'uid-service-clusterip', controller: true, blockOwnerDeletion: true },
            ],
          },
          addressType: 'IPv4',
          endpoints: [
            { addresses: ['10.244.1.39'], conditions: ready, targetRef: ref(P1), nodeName: 'node1' },
            { addresses: ['10.244.1.40'], conditions: ready, targetRef: ref(P2), nodeName: 'node1' },
            { addresses: ['10.244.2.33'], conditions: ready, targetRef: ref(P3), nodeName: 'node2' },
          ],
          ports: [{ name: '', port: 80, protocol: 'TCP' }],
        },
      ],
      update: [],
      delete: [],
      errors: [],
    } satisfies SliceReconcileResult);
  });

  it('service-headliness slices carry the headless label and the Service labels', () => {
    const svc = serviceHeadless();
    svc.metadata.labels = { app: 'nginx', 'kubernetes.io/service-name': 'spoof' };
    const [slice] = reconcile(svc, walkthroughPods()).create;
    expect(slice!.metadata.labels).toEqual({
      app: 'nginx',
      'service.kubernetes.io/headless': '',
      'kubernetes.io/service-name': 'service-headliness',
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
  });

  it('no churn: a second reconcile over the first result changes nothing', () => {
    const first = reconcile(serviceClusterIP(), walkthroughPods());
    expect(reconcile(serviceClusterIP(), walkthroughPods(), first.create)).toEqual(noChanges);
  });

  it('hostname + subdomain on the headless Service', () => {
    const pod = makePod('web-0', { ip: '10.244.1.39', hostname: 'web-0', subdomain: 'service-headliness' });
    expect(reconcile(serviceHeadless(), [pod]).create[0]!.endpoints![0]!.hostname).toBe('web-0');
    expect(reconcile(serviceClusterIP(), [pod]).create[0]!.endpoints![0]!.hostname).toBeUndefined();
  });
});

describe('reconcileEndpointSlices: endpoint conditions', () => {
  it.each<[string, Partial<Parameters<typeof makePod>[1]>, boolean, object | undefined]>([
    ['ready', {}, false, { ready: true, serving: true, terminating: false }],
    ['not ready', { ready: false }, false, { ready: false, serving: false, terminating: false }],
    ['terminating, still serving: kept, not ready', { deleting: true }, false, { ready: false, serving: true, terminating: true }],
    ['terminating, not serving', { deleting: true, ready: false }, false, { ready: false, serving: false, terminating: true }],
    ['publishNotReadyAddresses makes not-ready ready', { ready: false }, true, { ready: true, serving: false, terminating: false }],
    ['publishNotReadyAddresses makes terminating ready', { deleting: true }, true, { ready: true, serving: true, terminating: true }],
    ['finished pods are left out', { phase: 'Succeeded' }, false, undefined],
    ['pods without IP are left out', { ip: null }, false, undefined],
  ])('%s', (_name, podOpts, pnra, want) => {
    const r = reconcile(makeService('s', { publishNotReadyAddresses: pnra }), [makePod('p', podOpts)]);
    expect(r.create).toHaveLength(1);
    expect(r.create[0]!.endpoints![0]?.conditions).toEqual(want);
  });
});

describe('reconcileEndpointSlices: splitting and placeholders', () => {
  it.each([
    [0, [0]],
    [1, [1]],
    [100, [100]],
    [101, [100, 1]],
    [250, [100, 100, 50]],
  ])('%d pods → slices of %j', (n, want) => {
    const r = reconcile(serviceClusterIP(), manyPods(n));
    expect(sizes(r.create)).toEqual(want);
    expect(r.create.map((s) => s.metadata.name)).toEqual(want.map((_, i) => `service-clusterip-${String(i).padStart(5, '0')}`));
  });

  it('honours maxEndpointsPerSlice', () => {
    expect(sizes(reconcile(serviceClusterIP(), walkthroughPods(), [], { maxEndpointsPerSlice: 2 }).create)).toEqual([2, 1]);
  });

  it.each([0, 3, 250])('no churn with %d pods', (n) => {
    const first = reconcile(serviceClusterIP(), manyPods(n));
    expect(reconcile(serviceClusterIP(), manyPods(n), first.create)).toEqual(noChanges);
  });

  it('exactly one empty placeholder, without ports, when nothing matches', () => {
    const r = reconcile(serviceClusterIP(), [makePod('gone', { phase: 'Failed' })]);
    expect(r.create).toHaveLength(1);
    expect(r.create[0]).toMatchObject({ endpoints: [], ports: [], addressType: 'IPv4' });
  });

  it('pods arriving reuse the placeholder (an update, no create or delete)', () => {
    const placeholder = reconcile(serviceClusterIP(), []).create;
    const r = reconcile(serviceClusterIP(), walkthroughPods(), placeholder);
    expect(r.create).toEqual([]);
    expect(r.delete).toEqual([]);
    expect(r.update.map((s) => [s.metadata.name, s.endpoints!.length, s.ports])).toEqual([
      ['service-clusterip-00000', 3, [{ name: '', port: 80, protocol: 'TCP' }]],
    ]);
  });

  it('the last pod leaving turns the slice back into the placeholder', () => {
    const existing = reconcile(serviceClusterIP(), walkthroughPods()).create;
    const r = reconcile(serviceClusterIP(), [], existing);
    expect(r.create).toEqual([]);
    expect(r.delete).toEqual([]);
    expect(r.update).toHaveLength(1);
    expect(r.update[0]).toMatchObject({ metadata: { name: 'service-clusterip-00000' }, endpoints: [], ports: [] });
  });

  it('surplus placeholders are deleted', () => {
    const a = reconcile(serviceClusterIP(), []).create[0]!;
    const b = { ...structuredClone(a), metadata: { ...structuredClone(a.metadata), name: 'service-clusterip-zzzzz' } };
    const r = reconcile(serviceClusterIP(), [], [a, b]);
    expect(r.create).toEqual([]);
    expect(r.update.map((s) => s.metadata.name)).toEqual(['service-clusterip-00000']);
    expect(r.delete.map((s) => s.metadata.name)).toEqual(['service-clusterip-zzzzz']);
  });
});

describe('reconcileEndpointSlices: changes reuse existing slices', () => {
  const svc = serviceClusterIP();

  it('a pod going away updates only its slice', () => {
    const existing = reconcile(svc, manyPods(250)).create;
    const holder = existing.find((s) => s.endpoints!.some((e) => e.targetRef!.name === 'pod-0150'))!;
    const pods = manyPods(250).filter((p) => p.metadata.name !== 'pod-0150');
    const r = reconcile(svc, pods, existing);
    expect([r.create, r.delete]).toEqual([[], []]);
    expect(r.update.map((s) => [s.metadata.name, s.endpoints!.length])).toEqual([[holder.metadata.name, holder.endpoints!.length - 1]]);
  });

  it('a pod turning not ready is an in-place update', () => {
    const existing = reconcile(svc, walkthroughPods()).create;
    const pods = walkthroughPods();
    pods[1] = makePod(P2, { ip: '10.244.1.40', ready: false });
    const r = reconcile(svc, pods, existing);
    expect(r.update).toHaveLength(1);
    expect(r.update[0]!.endpoints!.map((e) => e.conditions!.ready)).toEqual([true, false, true]);
  });

  it('a new pod fills the existing slice that has room', () => {
    const existing = reconcile(svc, manyPods(250)).create;
    const r = reconcile(svc, manyPods(251), existing);
    expect(r.create).toEqual([]);
    expect(r.update.map((s) => [s.metadata.name, s.endpoints!.length])).toEqual([['service-clusterip-00002', 51]]);
  });

  it('new pods that do not fit make a new slice', () => {
    const existing = reconcile(svc, manyPods(100)).create;
    const r = reconcile(svc, manyPods(150), existing);
    expect(r.update).toEqual([]);
    expect(sizes(r.create)).toEqual([50]);
  });

  it('a pod leaving a slice while another arrives: the arrival fills that slice', () => {
    const existing = reconcile(svc, manyPods(200)).create;
    const pods = [...manyPods(200).filter((p) => p.metadata.name !== 'pod-0000'), makePod('newcomer', { ip: '10.99.0.1' })];
    const r = reconcile(svc, pods, existing);
    expect(r.create).toEqual([]);
    expect(r.update.map((s) => [s.metadata.name, s.endpoints!.length])).toEqual([['service-clusterip-00000', 100]]);
  });

  it('a Service label change updates every slice', () => {
    const existing = reconcile(svc, manyPods(150)).create;
    const labelled = serviceClusterIP();
    labelled.metadata.labels = { tier: 'web' };
    const r = reconcile(labelled, manyPods(150), existing);
    expect(r.update.map((s) => s.metadata.labels!.tier)).toEqual(['web', 'web']);
  });

  it('targetRef.resourceVersion alone is not a change', () => {
    const existing = reconcile(svc, walkthroughPods()).create;
    existing[0]!.endpoints![0]!.targetRef!.resourceVersion = '123';
    expect(reconcile(svc, walkthroughPods(), existing)).toEqual(noChanges);
  });

  it('pods with different named-port numbers are grouped into one slice per port set', () => {
    const named = makeService('web', { ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const pods = [
      makePod('a', { ip: '10.0.0.1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }),
      makePod('b', { ip: '10.0.0.2', ports: [{ name: 'http', containerPort: 9080, protocol: 'TCP' }] }),
      makePod('c', { ip: '10.0.0.3', ports: [] }),
    ];
    const r = reconcile(named, pods);
    expect(r.create.map((s) => [s.ports, s.endpoints!.map((e) => e.addresses[0])])).toEqual([
      [[{ name: 'http', port: 8080, protocol: 'TCP' }], ['10.0.0.1']],
      [[{ name: 'http', port: 9080, protocol: 'TCP' }], ['10.0.0.2']],
      [[], ['10.0.0.3']], // the pod without the port still has an endpoint, with no ports
    ]);
    expect(reconcile(named, pods, r.create)).toEqual(noChanges);
  });

  it('a port change recycles the old slice (update under the old name)', () => {
    const existing = reconcile(svc, walkthroughPods()).create;
    existing[0]!.metadata.resourceVersion = '7';
    const moved = makeService('service-clusterip', { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] });
    const r = reconcile(moved, walkthroughPods(), existing);
    expect([r.create, r.delete]).toEqual([[], []]);
    expect(r.update[0]).toMatchObject({ metadata: { name: 'service-clusterip-00000', resourceVersion: '7' }, ports: [{ port: 8080 }] });
  });
});

describe('reconcileEndpointSlices: what is touched', () => {
  const svc = serviceClusterIP();

  it('slices of other managers and other Services are ignored', () => {
    const mine = reconcile(svc, walkthroughPods()).create;
    const foreign = structuredClone(mine[0]!);
    foreign.metadata.name = 'service-clusterip-custom';
    foreign.metadata.labels!['endpointslice.kubernetes.io/managed-by'] = 'my-controller';
    foreign.endpoints = [];
    const otherService = structuredClone(mine[0]!);
    otherService.metadata.name = 'other-abcde';
    otherService.metadata.labels!['kubernetes.io/service-name'] = 'other';
    expect(reconcile(svc, walkthroughPods(), [...mine, foreign, otherService])).toEqual(noChanges);
    expect(reconcile(svc, [], [foreign, otherService]).create).toHaveLength(1);
  });

  it('a slice left by an earlier Service of the same name (other uid) is replaced', () => {
    const old = reconcile(makeService('service-clusterip', { uid: 'old-uid' }), walkthroughPods()).create;
    const r = reconcile(svc, walkthroughPods(), old);
    expect(r.delete.map((s) => s.metadata.name)).toEqual(['service-clusterip-00000']);
    expect(r.create[0]!.metadata.ownerReferences![0]!.uid).toBe('uid-service-clusterip');
    expect(r.update).toEqual([]);
  });

  it.each([
    ['without a selector', makeService('s', { selector: null })],
    ['with an empty selector', makeService('s', { selector: {} })],
    ['of type ExternalName', makeService('s', { type: 'ExternalName', clusterIP: '' })],
  ])('a Service %s gets no changes', (_name, s) => {
    expect(reconcile(s, walkthroughPods())).toEqual(noChanges);
  });

  it('nothing is created for a Service being deleted', () => {
    expect(reconcile(makeService('s', { deleting: true }), walkthroughPods()).create).toEqual([]);
  });

  it('slices of another address type are deleted', () => {
    const v6 = reconcile(svc, walkthroughPods()).create.map((s) => ({ ...s, addressType: 'IPv6' }));
    const r = reconcile(svc, walkthroughPods(), v6);
    expect(r.delete.map((s) => s.addressType)).toEqual(['IPv6']);
    expect(r.create).toHaveLength(1);
  });
});

describe('reconcileEndpointSlices: zones and nodes', () => {
  const nodes = new Map([
    ['node1', makeNode('node1', 'zone-a')],
    ['node2', makeNode('node2')],
  ]);

  it('sets the zone from the node label', () => {
    const r = reconcile(serviceClusterIP(), walkthroughPods(), [], { nodes });
    expect(r.create[0]!.endpoints!.map((e) => e.zone)).toEqual(['zone-a', 'zone-a', undefined]);
    expect(r.errors).toEqual([]);
  });

  it('skips a pod whose node is unknown and reports it', () => {
    const pods = [...walkthroughPods(), makePod('stray', { ip: '10.244.3.3', node: 'node3' })];
    const r = reconcile(serviceClusterIP(), pods, [], { nodes });
    expect(r.create[0]!.endpoints).toHaveLength(3);
    expect(r.errors).toEqual(['skipping Pod stray for Service study/service-clusterip: Node node3 Not Found']);
  });

  it('keeps it with publishNotReadyAddresses', () => {
    const pods = [makePod('stray', { ip: '10.244.3.3', node: 'node3' })];
    const r = reconcile(makeService('s', { publishNotReadyAddresses: true }), pods, [], { nodes });
    expect(r.create[0]!.endpoints).toHaveLength(1);
    expect(r.errors).toEqual([]);
  });
});

describe('reconcileEndpointSlices: trigger time', () => {
  it('is set on created and updated slices and removed when absent', () => {
    const t = new Date('2024-05-01T10:00:00.5Z');
    const first = reconcile(serviceClusterIP(), walkthroughPods(), [], { triggerTime: t });
    expect(first.create[0]!.metadata.annotations).toEqual({ 'endpoints.kubernetes.io/last-change-trigger-time': '2024-05-01T10:00:00.5Z' });
    const r = reconcile(serviceClusterIP(), walkthroughPods().slice(1), first.create);
    expect(r.update[0]!.metadata.annotations).toBeUndefined();
  });

  it('an unchanged slice keeps its annotation and is not written', () => {
    const first = reconcile(serviceClusterIP(), walkthroughPods(), [], { triggerTime: new Date('2024-05-01T10:00:00Z') });
    expect(reconcile(serviceClusterIP(), walkthroughPods(), first.create, { triggerTime: new Date('2024-05-02T00:00:00Z') })).toEqual(noChanges);
  });
});

describe('reconcileEndpointSlices: convergence', () => {
  it('a sequence of pod changes settles with no churn after each step', () => {
    const svc = serviceClusterIP();
    let slices: EndpointSlice[] = [];
    const gen = sequentialNames();
    const steps: Pod[][] = [[], manyPods(130), manyPods(260), manyPods(260).slice(0, 90), manyPods(5), []];
    for (const pods of steps) {
      const r = reconcileEndpointSlices(svc, pods, slices, { generateName: gen });
      slices = apply(slices, r);
      const total = slices.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0);
      expect(total).toBe(pods.length);
      expect(slices.every((s) => (s.endpoints?.length ?? 0) <= 100)).toBe(true);
      expect(reconcileEndpointSlices(svc, pods, slices, { generateName: gen })).toEqual(noChanges);
    }
    expect(slices).toHaveLength(1); // the placeholder
  });
});
