import { validateObject } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { isPodReady } from '@minimesh/api';
import { kubeTime, nodeObject, parsePortSpec, podObject, withReadiness } from './objects.js';
import { nodePlan } from './topology.js';

const T0 = '2026-01-02T03:04:05Z';
const T1 = '2026-01-02T03:04:09Z';

describe('kubeTime', () => {
  it('is RFC 3339 at seconds precision', () => {
    expect(kubeTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05Z');
  });
});

describe('parsePortSpec', () => {
  it.each([
    ['80', { containerPort: 80, protocol: 'TCP' }],
    ['53/udp', { containerPort: 53, protocol: 'UDP' }],
    ['53/UDP:dns', { containerPort: 53, protocol: 'UDP', name: 'dns' }],
    ['8080:http', { containerPort: 8080, protocol: 'TCP', name: 'http' }],
    ['8080/tcp:web-alt', { containerPort: 8080, protocol: 'TCP', name: 'web-alt' }],
    ['7777/sctp:assoc', { containerPort: 7777, protocol: 'SCTP', name: 'assoc' }],
  ])('%s', (spec, want) => {
    expect(parsePortSpec(spec)).toEqual(want);
  });

  it.each([
    ['http', /expected PORT\[\/PROTOCOL\]\[:NAME\]/],
    ['0', /between 1 and 65535/],
    ['70000', /between 1 and 65535/],
    ['80/quic', /protocol must be tcp, udp or sctp, not quic/],
    ['80:Web', /port name "Web"/],
  ])('refuses %s', (spec, err) => {
    expect(() => parsePortSpec(spec)).toThrow(err);
  });
});

describe('nodeObject', () => {
  it('has the pod CIDR, InternalIP and Hostname addresses and a Ready condition', () => {
    const node = nodeObject(nodePlan('c', 1), 'c', T0);
    expect(node.spec).toEqual({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
    expect(node.status?.addresses).toEqual([
      { type: 'InternalIP', address: '192.168.100.11' },
      { type: 'Hostname', address: 'node1' },
    ]);
    expect(node.status?.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True', lastTransitionTime: T0 })]);
    expect(validateObject(node)).toEqual([]);
  });
});

describe('podObject', () => {
  const input = {
    name: 'web-1',
    namespace: 'study',
    node: nodePlan('c', 2),
    ip: '10.244.2.10',
    labels: { app: 'nginx-pod' },
    ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP', name: 'dns' }],
    hostname: 'web',
    subdomain: 'sub',
    ready: true,
    now: T0,
  };

  it('is a running pod with its IPs, node, ports and conditions, and passes validation', () => {
    const pod = podObject(input);
    expect(pod.metadata).toEqual({ name: 'web-1', namespace: 'study', labels: { app: 'nginx-pod' } });
    expect(pod.spec).toEqual({
      nodeName: 'node2',
      hostname: 'web',
      subdomain: 'sub',
      containers: [{ name: 'echo', image: 'minimesh/echo-server', ports: input.ports }],
    });
    expect(pod.status).toMatchObject({ phase: 'Running', podIP: '10.244.2.10', podIPs: [{ ip: '10.244.2.10' }], hostIP: '192.168.100.12' });
    expect(pod.status?.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['PodScheduled', 'True'],
      ['Initialized', 'True'],
      ['ContainersReady', 'True'],
      ['Ready', 'True'],
    ]);
    expect(isPodReady(pod)).toBe(true);
    expect(validateObject(pod)).toEqual([]);
  });

  it('a hostNetwork pod has its node\'s IP and its ports on the node (hostPort), and passes validation', () => {
    const pod = podObject({ ...input, ip: '192.168.100.12', hostNetwork: true });
    expect(pod.spec?.hostNetwork).toBe(true);
    expect(pod.spec?.containers?.[0]?.ports).toEqual([
      { containerPort: 80, protocol: 'TCP', hostPort: 80 },
      { containerPort: 53, protocol: 'UDP', name: 'dns', hostPort: 53 },
    ]);
    expect(pod.status).toMatchObject({ podIP: '192.168.100.12', podIPs: [{ ip: '192.168.100.12' }], hostIP: '192.168.100.12' });
    expect(validateObject(pod)).toEqual([]);
    expect(podObject(input).spec).not.toHaveProperty('hostNetwork');
  });

  it('can start not ready', () => {
    const pod = podObject({ ...input, ready: false });
    expect(isPodReady(pod)).toBe(false);
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')).toEqual({ type: 'Ready', status: 'False', lastTransitionTime: T0, reason: 'ContainersNotReady' });
  });

  it('withReadiness flips Ready and ContainersReady with a new transition time, or returns undefined', () => {
    const pod = podObject(input);
    expect(withReadiness(pod, true, T1)).toBeUndefined();
    const unready = withReadiness(pod, false, T1)!;
    expect(isPodReady(unready)).toBe(false);
    const byType = Object.fromEntries(unready.status!.conditions!.map((c) => [c.type, c]));
    expect(byType.Ready).toMatchObject({ status: 'False', lastTransitionTime: T1 });
    expect(byType.ContainersReady).toMatchObject({ status: 'False', lastTransitionTime: T1 });
    expect(byType.PodScheduled).toMatchObject({ status: 'True', lastTransitionTime: T0 });
    const ready = withReadiness(unready, true, T1)!;
    expect(ready.status?.conditions?.find((c) => c.type === 'Ready')).toEqual({ type: 'Ready', status: 'True', lastTransitionTime: T1 });
  });
});
