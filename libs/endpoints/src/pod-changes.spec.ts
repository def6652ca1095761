import { describe, expect, it } from 'vitest';
import type { Pod } from '@minimesh/api';
import { podEndpointsChanged, servicesSelectingPod, servicesToSyncForPodChange } from './pod-changes.js';
import { makePod, makeService, serviceClusterIP, serviceHeadless } from './testing/fixtures.js';

const base = () => makePod('web-0', { ip: '10.244.1.39', resourceVersion: '1' });
const edit = (f: (p: Pod) => void): Pod => {
  const p = base();
  p.metadata.resourceVersion = '2';
  f(p);
  return p;
};

describe('podEndpointsChanged', () => {
  it.each<[string, Pod, { podChanged: boolean; labelsChanged: boolean }]>([
    ['nothing that matters (annotation)', edit((p) => (p.metadata.annotations = { a: 'b' })), { podChanged: false, labelsChanged: false }],
    ['deletionTimestamp set', edit((p) => (p.metadata.deletionTimestamp = '2024-05-01T11:00:00Z')), { podChanged: true, labelsChanged: false }],
    ['Ready flips', edit((p) => (p.status!.conditions![0]!.status = 'False')), { podChanged: true, labelsChanged: false }],
    ['Ready transition time only', edit((p) => (p.status!.conditions![0]!.lastTransitionTime = '2030-01-01T00:00:00Z')), { podChanged: false, labelsChanged: false }],
    ['pod IP changes', edit((p) => (p.status!.podIPs = [{ ip: '10.244.1.99' }])), { podChanged: true, labelsChanged: false }],
    ['a second pod IP', edit((p) => p.status!.podIPs!.push({ ip: 'fd00::1' })), { podChanged: true, labelsChanged: false }],
    ['node name', edit((p) => (p.spec!.nodeName = 'node2')), { podChanged: true, labelsChanged: false }],
    ['container ports', edit((p) => (p.spec!.containers![0]!.ports = [{ name: 'http', containerPort: 8080 }])), { podChanged: true, labelsChanged: false }],
    ['phase', edit((p) => (p.status!.phase = 'Succeeded')), { podChanged: true, labelsChanged: false }],
    ['labels', edit((p) => (p.metadata.labels = { app: 'other' })), { podChanged: false, labelsChanged: true }],
    ['hostname', edit((p) => (p.spec!.hostname = 'web-0')), { podChanged: true, labelsChanged: true }],
    ['subdomain', edit((p) => (p.spec!.subdomain = 'service-headliness')), { podChanged: true, labelsChanged: true }],
    ['labels and readiness', edit((p) => ((p.metadata.labels = {}), (p.status!.conditions![0]!.status = 'False'))), { podChanged: true, labelsChanged: true }],
  ])('%s', (_name, updated, want) => {
    expect(podEndpointsChanged(base(), updated)).toEqual(want);
  });
});

describe('servicesToSyncForPodChange', () => {
  const web = makeService('web', { selector: { tier: 'web' } });
  const services = [
    serviceClusterIP(),
    serviceHeadless(),
    web,
    makeService('manual', { selector: null }),
    makeService('elsewhere', { namespace: 'default' }),
  ];
  const pod = (labels: Record<string, string>, o: Parameters<typeof makePod>[1] = {}) => makePod('p', { labels, resourceVersion: '1', ...o });
  const next = (p: Pod, f: (p: Pod) => void = () => {}) => {
    const q = structuredClone(p);
    q.metadata.resourceVersion = '2';
    f(q);
    return q;
  };
  const nginx = { app: 'nginx-pod' };
  const both = { app: 'nginx-pod', tier: 'web' };

  it.each<[string, Pod, Pod, string[]]>([
    ['a resync (same resourceVersion) syncs nothing', pod(nginx), pod(nginx, { ready: false }), []],
    ['an irrelevant change syncs nothing', pod(nginx), next(pod(nginx), (q) => (q.metadata.annotations = { x: 'y' })), []],
    ['readiness: the Services selecting the pod', pod(nginx), next(pod(nginx, { ready: false })), ['study/service-clusterip', 'study/service-headliness']],
    ['labels only: the symmetric difference', pod(nginx), next(pod(both)), ['study/web']],
    ['labels dropped: the Services it left', pod(both), next(pod({ tier: 'web' })), ['study/service-clusterip', 'study/service-headliness']],
    ['labels and readiness: the union', pod(nginx), next(pod({ tier: 'web' }, { ready: false })), ['study/service-clusterip', 'study/service-headliness', 'study/web']],
    ['hostname: the Services selecting the pod', pod(nginx), next(pod(nginx), (q) => (q.spec!.hostname = 'h')), ['study/service-clusterip', 'study/service-headliness']],
    ['a pod in another namespace: its Services only', pod(nginx, { namespace: 'default' }), next(pod(nginx, { namespace: 'default', ready: false })), ['default/elsewhere']],
  ])('%s', (_name, oldPod, newPod, want) => {
    expect(servicesToSyncForPodChange(oldPod, newPod, services)).toEqual(want);
  });

  it('servicesSelectingPod ignores selector-less Services and other namespaces', () => {
    expect(servicesSelectingPod(pod(both), services).map((s) => s.metadata.name)).toEqual(['service-clusterip', 'service-headliness', 'web']);
  });
});
