import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Endpoints, EndpointSubset, Service } from '@minimesh/api';
import { mirrorEndpoints, shouldMirror, type MirrorOptions, type MirrorResult } from './mirror-slices.js';
import { makeService, sequentialNames } from './testing/fixtures.js';

/** The Kubernetes docs' "Services without selectors" example. */
function myService(): Service {
  return makeService('my-service', { namespace: 'default', selector: null, ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] });
}

function myEndpoints(subsets: EndpointSubset[] = [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }] }], meta: Partial<Endpoints['metadata']> = {}): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'my-service', namespace: 'default', uid: 'ep-uid', ...meta }, subsets };
}

function mirror(ep: Endpoints, svc: Service | undefined, existing: EndpointSlice[] = [], opts: MirrorOptions = {}): MirrorResult {
  return mirrorEndpoints(ep, svc, existing, { generateName: sequentialNames(), ...opts });
}

const noChanges = { create: [], update: [], delete: [], events: [] };

describe('mirrorEndpoints: the docs example', () => {
  it('mirrors my-service 1.2.3.4:9376 into one slice owned by the Endpoints', () => {
    expect(mirror(myEndpoints(), myService())).toEqual({
      create: [
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: 'my-service-00000',
            generateName: 'my-service-',
            namespace: 'default',
            labels: {
              'kubernetes.io/service-name': 'my-service',
              'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io',
            },
            ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: 'my-service', uid: 'ep-uid', controller: true, blockOwnerDeletion: true }],
          },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['1.2.3.4'], conditions: { ready: true } }],
          ports: [{ name: '', port: 9376, protocol: 'TCP' }],
        },
      ],
      update: [],
      delete: [],
      events: [],
    } satisfies MirrorResult);
  });

  it('a second pass over the result changes nothing', () => {
    const first = mirror(myEndpoints(), myService());
    expect(mirror(myEndpoints(), myService(), first.create)).toEqual(noChanges);
  });

  it('an address change updates the slice in place', () => {
    const first = mirror(myEndpoints(), myService());
    const r = mirror(myEndpoints([{ addresses: [{ ip: '1.2.3.5' }], ports: [{ port: 9376 }] }]), myService(), first.create);
    expect([r.create, r.delete]).toEqual([[], []]);
    expect(r.update.map((s) => [s.metadata.name, s.endpoints])).toEqual([['my-service-00000', [{ addresses: ['1.2.3.5'], conditions: { ready: true } }]]]);
  });
});

describe('mirrorEndpoints: when not to mirror', () => {
  const existing = () => mirror(myEndpoints(), myService()).create;
  it.each<[string, Endpoints, Service | undefined]>([
    ['skip-mirror label', myEndpoints(undefined, { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }), myService()],
    ['leader-election annotation', myEndpoints(undefined, { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } }), myService()],
    ['no Service', myEndpoints(), undefined],
    ['the Service has a selector', myEndpoints(), makeService('my-service', { namespace: 'default' })],
  ])('%s: mirrored slices are deleted, nothing created', (_name, ep, svc) => {
    const r = mirror(ep, svc, existing());
    expect(r.create).toEqual([]);
    expect(r.update).toEqual([]);
    expect(r.delete.map((s) => s.metadata.name)).toEqual(['my-service-00000']);
  });

  it.each([
    ['true', false],
    ['false', true],
    [undefined, true],
  ])('shouldMirror with skip-mirror=%s → %s', (value, want) => {
    expect(shouldMirror(myEndpoints(undefined, value === undefined ? {} : { labels: { 'endpointslice.kubernetes.io/skip-mirror': value } }))).toBe(want);
  });

  it('the apiserver-managed default/kubernetes Endpoints is not mirrored', () => {
    const kubernetes: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: '172.18.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
    };
    expect(mirror(kubernetes, makeService('kubernetes', { namespace: 'default', selector: null }))).toEqual(noChanges);
  });

  it('slices of other managers and other Endpoints are never touched', () => {
    const mine = mirror(myEndpoints(), myService()).create;
    const foreign = structuredClone(mine[0]!);
    foreign.metadata.name = 'my-service-manual';
    foreign.metadata.labels!['endpointslice.kubernetes.io/managed-by'] = 'someone-else';
    const sliceController = structuredClone(mine[0]!);
    sliceController.metadata.name = 'my-service-ctrl';
    sliceController.metadata.labels!['endpointslice.kubernetes.io/managed-by'] = 'endpointslice-controller.k8s.io';
    const other = structuredClone(mine[0]!);
    other.metadata.name = 'other-00000';
    other.metadata.labels!['kubernetes.io/service-name'] = 'other';
    expect(mirror(myEndpoints(), myService(), [...mine, foreign, sliceController, other])).toEqual(noChanges);
    expect(mirror(myEndpoints(), undefined, [...mine, foreign, sliceController, other]).delete.map((s) => s.metadata.name)).toEqual(['my-service-00000']);
  });
});

describe('mirrorEndpoints: content', () => {
  it('carries readiness, hostname, nodeName and targetRef', () => {
    const targetRef = { kind: 'Pod', namespace: 'default', name: 'db-0', uid: 'u1', resourceVersion: '5' };
    const ep = myEndpoints([
      {
        addresses: [{ ip: '10.1.0.1', hostname: 'db-0', nodeName: 'node1', targetRef }],
        notReadyAddresses: [{ ip: '10.1.0.2' }],
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP', appProtocol: 'postgresql' }],
      },
    ]);
    const [slice] = mirror(ep, myService()).create;
    expect(slice!.endpoints).toEqual([
      { addresses: ['10.1.0.1'], conditions: { ready: true }, hostname: 'db-0', targetRef, nodeName: 'node1' },
      { addresses: ['10.1.0.2'], conditions: { ready: false } },
    ]);
    expect(slice!.ports).toEqual([{ name: 'pg', port: 5432, protocol: 'TCP', appProtocol: 'postgresql' }]);
  });

  it('copies labels and annotations, except the trigger time and last-applied-configuration', () => {
    const ep = myEndpoints(undefined, {
      labels: { team: 'db', 'kubernetes.io/service-name': 'spoof' },
      annotations: {
        note: 'hello',
        'endpoints.kubernetes.io/last-change-trigger-time': '2024-05-01T10:00:00Z',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
      },
    });
    const first = mirror(ep, myService());
    expect(first.create[0]!.metadata.labels).toEqual({
      team: 'db',
      'kubernetes.io/service-name': 'my-service',
      'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io',
    });
    expect(first.create[0]!.metadata.annotations).toEqual({ note: 'hello' });
  });

  it('a label or annotation change on the Endpoints updates the slice', () => {
    const first = mirror(myEndpoints(), myService()).create;
    expect(mirror(myEndpoints(undefined, { labels: { team: 'x' } }), myService(), first).update).toHaveLength(1);
    expect(mirror(myEndpoints(undefined, { annotations: { note: 'x' } }), myService(), first).update).toHaveLength(1);
  });

  it('one slice per subset (after RepackSubsets)', () => {
    const ep = myEndpoints([
      { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 1000 }] },
      { addresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'b', port: 2000 }] },
      { addresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'a', port: 1000 }] },
    ]);
    const r = mirror(ep, myService());
    expect(r.create.map((s) => [s.ports![0]!.name, s.endpoints!.map((e) => e.addresses[0])])).toEqual([
      ['a', ['10.0.0.1', '10.0.0.3']],
      ['b', ['10.0.0.2']],
    ]);
    expect(mirror(ep, myService(), r.create)).toEqual(noChanges);
  });

  it('a subset going away deletes its slice; a new port set recycles it', () => {
    const two = myEndpoints([
      { addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 1000 }] },
      { addresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'b', port: 2000 }] },
    ]);
    const existing = mirror(two, myService()).create;
    const gone = mirror(myEndpoints([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 1000 }] }]), myService(), existing);
    expect(gone).toEqual({ ...noChanges, delete: [existing[1]] });
    const moved = mirror(myEndpoints([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ name: 'a', port: 1001 }] }]), myService(), existing.slice(0, 1));
    expect([moved.create, moved.delete]).toEqual([[], []]);
    expect(moved.update.map((s) => [s.metadata.name, s.ports![0]!.port])).toEqual([['my-service-00000', 1001]]);
  });

  it('an Endpoints without subsets has no slices', () => {
    const existing = mirror(myEndpoints(), myService()).create;
    expect(mirror(myEndpoints([]), myService())).toEqual(noChanges);
    expect(mirror(myEndpoints([]), myService(), existing).delete).toEqual(existing);
  });

  it('extra slices for the same subset are deleted', () => {
    const [a] = mirror(myEndpoints(), myService()).create;
    const b = structuredClone(a!);
    b.metadata.name = 'my-service-zzzzz';
    expect(mirror(myEndpoints(), myService(), [b, a!])).toEqual({ ...noChanges, delete: [b] });
  });
});

describe('mirrorEndpoints: what is skipped', () => {
  it.each<[string, string, string | undefined]>([
    ['plain IPv4', '10.0.0.1', '10.0.0.1'],
    ['leading zeros are read as decimal and normalised', '010.000.000.001', '10.0.0.1'],
    ['IPv6 (minimesh is single-stack IPv4)', 'fd00::1', undefined],
    ['not an IP', 'example.com', undefined],
    ['out of range', '10.0.0.256', undefined],
  ])('%s', (_name, ip, want) => {
    const r = mirror(myEndpoints([{ addresses: [{ ip }], ports: [{ port: 80 }] }]), myService());
    expect(r.create[0]?.endpoints?.[0]?.addresses[0]).toBe(want);
    expect(r.events).toEqual(want ? [] : [{ type: 'Warning', reason: 'InvalidIPAddress', message: 'Skipped 1 invalid IP addresses when mirroring to EndpointSlices' }]);
  });

  it('at most 1000 addresses per subset, ready ones first', () => {
    const addresses = Array.from({ length: 995 }, (_, i) => ({ ip: `10.1.${Math.floor(i / 250)}.${i % 250}` }));
    const notReadyAddresses = Array.from({ length: 10 }, (_, i) => ({ ip: `10.2.0.${i}` }));
    const r = mirror(myEndpoints([{ addresses, notReadyAddresses, ports: [{ port: 80 }] }]), myService());
    expect(r.create).toHaveLength(1);
    const eps = r.create[0]!.endpoints!;
    expect(eps).toHaveLength(1000);
    expect(eps.filter((e) => e.conditions!.ready).length).toBe(995);
    expect(r.events).toEqual([
      {
        type: 'Warning',
        reason: 'TooManyAddressesToMirror',
        message: 'A max of 1000 addresses can be mirrored to EndpointSlices per Endpoints subset, and 1000 per Endpoints object. 5 addresses were skipped',
      },
    ]);
  });

  it('at most 1000 addresses per Endpoints object, across its subsets', () => {
    const subset = (base: number, port: number) => ({
      addresses: Array.from({ length: 600 }, (_, i) => ({ ip: `10.${base}.${Math.floor(i / 250)}.${i % 250}` })),
      ports: [{ port }],
    });
    const r = mirror(myEndpoints([subset(1, 80), subset(2, 81)]), myService());
    const total = r.create.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0);
    expect(total).toBe(1000);
    expect(r.events[0]).toMatchObject({ reason: 'TooManyAddressesToMirror' });
    expect(r.events[0]!.message).toMatch(/200 addresses were skipped$/);
  });

  it('honours maxEndpointsPerSubset', () => {
    const ep = myEndpoints([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }], ports: [{ port: 80 }] }]);
    expect(mirror(ep, myService(), [], { maxEndpointsPerSubset: 2 }).create[0]!.endpoints).toHaveLength(2);
  });

  it('nothing is created for an Endpoints being deleted', () => {
    expect(mirror(myEndpoints(undefined, { deletionTimestamp: '2024-05-01T00:00:00Z' }), myService()).create).toEqual([]);
  });
});
