import { describe, expect, it } from 'vitest';
import type { Pod, ServicePort } from '@minimesh/api';
import { isPodReady } from '@minimesh/api';
import { findPort, podIPForService, selectPodsForService, shouldPodBeInEndpoints, shouldSetHostname } from './pod-endpoint-rules.js';
import { makePod, makeService, serviceClusterIP, serviceHeadless, walkthroughPods } from './testing/fixtures.js';

describe('shouldPodBeInEndpoints', () => {
  const onlyPodIP = makePod('p');
  delete onlyPodIP.status!.podIPs;
  it.each<[string, Pod, boolean, boolean]>([
    ['running and ready', makePod('p'), false, true],
    ['running, not ready', makePod('p', { ready: false }), false, true],
    ['pending with an IP', makePod('p', { phase: 'Pending' }), false, true],
    ['succeeded', makePod('p', { phase: 'Succeeded' }), true, false],
    ['failed', makePod('p', { phase: 'Failed' }), true, false],
    ['no IP yet', makePod('p', { ip: null }), true, false],
    ['only status.podIP', onlyPodIP, false, true],
    ['terminating, not included', makePod('p', { deleting: true }), false, false],
    ['terminating, included', makePod('p', { deleting: true }), true, true],
  ])('%s', (_name, pod, includeTerminating, want) => {
    expect(shouldPodBeInEndpoints(pod, includeTerminating)).toBe(want);
  });
});

describe('isPodReady', () => {
  const noCondition = makePod('p');
  noCondition.status!.conditions = [{ type: 'ContainersReady', status: 'True' }];
  const unknown = makePod('p');
  unknown.status!.conditions = [{ type: 'Ready', status: 'Unknown' }];
  it.each<[string, Pod, boolean]>([
    ['Ready=True', makePod('p'), true],
    ['Ready=False', makePod('p', { ready: false }), false],
    ['Ready=Unknown', unknown, false],
    ['no Ready condition', noCondition, false],
  ])('%s', (_name, pod, want) => expect(isPodReady(pod)).toBe(want));
});

describe('podIPForService', () => {
  it.each<[string, Pod, ReturnType<typeof makeService>, string | undefined]>([
    ['single-stack IPv4', makePod('p', { ip: '10.244.1.39' }), serviceClusterIP(), '10.244.1.39'],
    ['dual-stack pod, IPv4 Service', makePod('p', { ips: ['fd00::5', '10.244.1.5'] }), serviceClusterIP(), '10.244.1.5'],
    ['IPv6 Service', makePod('p', { ips: ['10.244.1.5', 'fd00::5'] }), makeService('s', { ipFamilies: ['IPv6'], clusterIP: 'fd00:96::1' }), 'fd00::5'],
    ['IPv4 Service, pod without IPv4', makePod('p', { ips: ['fd00::5'] }), serviceClusterIP(), undefined],
    ['family from the cluster IP', makePod('p', { ips: ['fd00::5', '10.1.1.1'] }), makeService('s', { ipFamilies: [], clusterIP: 'fd00:96::1' }), 'fd00::5'],
    ['headless without families: the pod family', makePod('p', { ips: ['fd00::7'] }), makeService('s', { ipFamilies: [], clusterIP: 'None' }), 'fd00::7'],
  ])('%s', (_name, pod, svc, want) => expect(podIPForService(pod, svc)).toBe(want));
});

describe('findPort', () => {
  const named = (targetPort: string | number | undefined, protocol = 'TCP'): ServicePort => ({ port: 8080, targetPort, protocol });
  const pod = makePod('p', {
    ports: [
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
      { name: 'http', containerPort: 80, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090 },
    ],
    initContainers: [
      { name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15001, protocol: 'TCP' }] },
      { name: 'setup', ports: [{ name: 'setup', containerPort: 7000, protocol: 'TCP' }] },
    ],
  });
  it.each<[string, ServicePort, number | undefined]>([
    ['numeric targetPort is used as is', named(8443), 8443],
    ['numeric targetPort not exposed by any container', named(1234), 1234],
    ['absent targetPort means the Service port', named(undefined), 8080],
    ['named port with the same protocol', named('http'), 80],
    ['named port, protocol defaults to TCP on both sides', { port: 1, targetPort: 'metrics' }, 9090],
    ['named port with another protocol', named('http', 'UDP'), undefined],
    ['named UDP port', named('dns', 'UDP'), 53],
    ['unknown name', named('https'), undefined],
    ['restartable init container (sidecar)', named('proxy'), 15001],
    ['ordinary init container is not searched', named('setup'), undefined],
  ])('%s', (_name, sp, want) => expect(findPort(pod, sp)).toBe(want));

  it('takes the first container that has the name', () => {
    const p = makePod('p');
    p.spec!.containers = [
      { name: 'a', ports: [{ name: 'web', containerPort: 8001 }] },
      { name: 'b', ports: [{ name: 'web', containerPort: 8002 }] },
    ];
    expect(findPort(p, named('web'))).toBe(8001);
  });
});

describe('shouldSetHostname', () => {
  const headless = serviceHeadless();
  it.each<[string, Pod, boolean]>([
    ['hostname and subdomain naming the Service', makePod('p', { hostname: 'web-0', subdomain: 'service-headliness' }), true],
    ['no hostname', makePod('p', { subdomain: 'service-headliness' }), false],
    ['subdomain of another Service', makePod('p', { hostname: 'web-0', subdomain: 'other' }), false],
    ['no subdomain', makePod('p', { hostname: 'web-0' }), false],
    ['other namespace', makePod('p', { hostname: 'web-0', subdomain: 'service-headliness', namespace: 'default' }), false],
  ])('%s', (_name, pod, want) => expect(shouldSetHostname(pod, headless)).toBe(want));
});

describe('selectPodsForService', () => {
  it('picks pods of the namespace whose labels match', () => {
    const pods = [...walkthroughPods(), makePod('other-ns', { namespace: 'default' }), makePod('other-app', { labels: { app: 'db' } })];
    expect(selectPodsForService(serviceClusterIP(), pods).map((p) => p.metadata.name)).toEqual(walkthroughPods().map((p) => p.metadata.name));
  });

  it.each([
    ['absent', null],
    ['empty', {}],
  ])('selects nothing when the selector is %s', (_name, selector) => {
    expect(selectPodsForService(makeService('s', { selector: selector as Record<string, string> | null }), walkthroughPods())).toEqual([]);
  });
});
