import type { Endpoints, EndpointSlice, Namespace, Node, Pod, Service } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { describeEndpoints, describeEndpointSlice } from './endpoints.js';
import { describeNamespace } from './namespace.js';
import { describeNode } from './node.js';
import { describePod } from './pod.js';
import { describeService } from './service.js';
import { rfc1123z } from './writer.js';

const clusterip: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'service-clusterip', namespace: 'study' },
  spec: {
    selector: { app: 'nginx-pod' },
    type: 'ClusterIP',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
    clusterIP: '10.97.97.97',
    clusterIPs: ['10.97.97.97'],
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    sessionAffinity: 'None',
  },
};

const slice = (ips: string[], ready = true): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'service-clusterip-x1', namespace: 'study', labels: { 'kubernetes.io/service-name': 'service-clusterip' } },
  addressType: 'IPv4',
  ports: [{ name: '', port: 80, protocol: 'TCP' }],
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready } })),
});

describe('describe service', () => {
  it('reads like the kubectl transcript of seed 002', () => {
    expect(describeService(clusterip, [slice(['10.244.1.39', '10.244.1.40'])])).toBe(
      [
        'Name:              service-clusterip',
        'Namespace:         study',
        'Labels:            <none>',
        'Annotations:       <none>',
        'Selector:          app=nginx-pod',
        'Type:              ClusterIP',
        'IP Family Policy:  SingleStack',
        'IP Families:       IPv4',
        'IP:                10.97.97.97',
        'IPs:               10.97.97.97',
        'Port:              <unset>  80/TCP',
        'TargetPort:        80/TCP',
        'Endpoints:         10.244.1.39:80,10.244.1.40:80',
        'Session Affinity:  None',
        'Events:            <none>',
        '',
      ].join('\n'),
    );
  });

  it('shows headless, ClientIP affinity, truncated endpoints and not-ready ones left out', () => {
    const headless: Service = { ...clusterip, spec: { ...clusterip.spec, clusterIP: 'None', clusterIPs: ['None'], sessionAffinity: 'ClientIP' } };
    const out = describeService(headless, [slice(['10.244.104.10', '10.244.166.129', '10.244.166.191', '10.244.1.2']), slice(['10.9.9.9'], false)]);
    expect(out).toContain('IP:                None\n');
    expect(out).toContain('IPs:               None\n');
    expect(out).toContain('Endpoints:         10.244.104.10:80,10.244.166.129:80,10.244.166.191:80 + 1 more...\n');
    expect(out).toContain('Session Affinity:  ClientIP\n');
  });

  it('shows NodePort, labels, annotations (without last-applied) and the traffic policies', () => {
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'my-nodeport-service',
        namespace: 'default',
        labels: { b: '2', a: '1' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n', note: 'hello' },
      },
      spec: {
        type: 'NodePort',
        selector: { app: 'MyApp' },
        clusterIP: '10.233.44.13',
        clusterIPs: ['10.233.44.13'],
        externalIPs: ['80.11.12.10'],
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'web', nodePort: 30036 }],
        sessionAffinity: 'None',
        externalTrafficPolicy: 'Cluster',
        internalTrafficPolicy: 'Cluster',
      },
    };
    expect(describeService(svc, [])).toBe(
      [
        'Name:                     my-nodeport-service',
        'Namespace:                default',
        'Labels:                   a=1',
        '                          b=2',
        'Annotations:              note: hello',
        'Selector:                 app=MyApp',
        'Type:                     NodePort',
        'IP Families:              <none>',
        'IP:                       10.233.44.13',
        'IPs:                      10.233.44.13',
        'External IPs:             80.11.12.10',
        'Port:                     http  80/TCP',
        'TargetPort:               web/TCP',
        'NodePort:                 http  30036/TCP',
        'Endpoints:                <none>',
        'Session Affinity:         None',
        'External Traffic Policy:  Cluster',
        'Internal Traffic Policy:  Cluster',
        'Events:                   <none>',
        '',
      ].join('\n'),
    );
  });

  it('falls back to the Endpoints object when there are no EndpointSlices (seed 001)', () => {
    const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'my-service' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }] }] };
    expect(describeService({ ...clusterip, spec: { ...clusterip.spec, selector: undefined } }, [], ep)).toContain('Endpoints:         1.2.3.4:9376\n');
  });

  it('shows the LoadBalancer ingress', () => {
    const lb: Service = { ...clusterip, spec: { ...clusterip.spec, type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '192.168.1.240', ipMode: 'VIP' }] } } };
    expect(describeService(lb, [])).toContain('LoadBalancer Ingress:  192.168.1.240 (VIP)\n');
  });
});

describe('describe endpoints and endpointslices', () => {
  it('lists subsets with their ports', () => {
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'my-service', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '1.2.3.4' }], notReadyAddresses: [], ports: [{ port: 9376, protocol: 'TCP' }] }],
    };
    expect(describeEndpoints(ep)).toBe(
      [
        'Name:         my-service',
        'Namespace:    default',
        'Labels:       <none>',
        'Annotations:  <none>',
        'Subsets:',
        '  Addresses:          1.2.3.4',
        '  NotReadyAddresses:  <none>',
        '  Ports:',
        '    Name     Port  Protocol',
        '    ----     ----  --------',
        '    <unset>  9376  TCP',
        '',
        'Events:  <none>',
        '',
      ].join('\n'),
    );
  });

  it('lists slice endpoints with their conditions', () => {
    const s = slice(['10.244.1.39']);
    s.endpoints![0]!.nodeName = 'node1';
    s.endpoints![0]!.targetRef = { kind: 'Pod', name: 'web-0', namespace: 'study' };
    expect(describeEndpointSlice(s)).toBe(
      [
        'Name:         service-clusterip-x1',
        'Namespace:    study',
        'Labels:       kubernetes.io/service-name=service-clusterip',
        'Annotations:  <none>',
        'AddressType:  IPv4',
        'Ports:',
        '  Name     Port  Protocol',
        '  ----     ----  --------',
        '  <unset>  80    TCP',
        'Endpoints:',
        '  - Addresses:  10.244.1.39',
        '    Conditions:',
        '      Ready:    true',
        '    Hostname:   <unset>',
        '    TargetRef:  Pod/web-0',
        '    NodeName:   node1',
        '    Zone:       <unset>',
        'Events:         <none>',
        '',
      ].join('\n'),
    );
    expect(describeEndpointSlice({ ...s, ports: [], endpoints: [] })).toContain('Ports: <unset>\nEndpoints: <none>\n');
  });
});

describe('describe namespace, pod and node', () => {
  it('describes a namespace with kubectl\'s quota and limit lines', () => {
    const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study', labels: { 'kubernetes.io/metadata.name': 'study' } }, status: { phase: 'Active' } };
    expect(describeNamespace(ns)).toBe(
      'Name:         study\nLabels:       kubernetes.io/metadata.name=study\nAnnotations:  <none>\nStatus:       Active\n\nNo resource quota.\n\nNo LimitRange resource.\n',
    );
  });

  it('describes a pod', () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: 'study', labels: { app: 'nginx-pod' } },
      spec: { nodeName: 'node1', containers: [{ name: 'nginx', image: 'nginx:1.17.1', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
      status: {
        phase: 'Running',
        hostIP: '192.168.100.51',
        podIP: '10.244.166.191',
        podIPs: [{ ip: '10.244.166.191' }],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    };
    expect(describePod(pod)).toBe(
      [
        'Name:         web-0',
        'Namespace:    study',
        'Node:         node1/192.168.100.51',
        'Labels:       app=nginx-pod',
        'Annotations:  <none>',
        'Status:       Running',
        'IP:           10.244.166.191',
        'IPs:',
        '  IP:  10.244.166.191',
        'Containers:',
        '  nginx:',
        '    Image:      nginx:1.17.1',
        '    Port:       80/TCP',
        '    Host Port:  0/TCP',
        'Conditions:',
        '  Type    Status',
        '  Ready   True ',
        'Events:   <none>',
        '',
      ].join('\n'),
    );
  });

  it('describes a node with its addresses and pods', () => {
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node1', creationTimestamp: '2024-04-18T12:00:00Z' },
      spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
      status: { addresses: [{ type: 'InternalIP', address: '192.168.100.51' }], conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }] },
    };
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'study', creationTimestamp: '2024-05-01T11:00:00Z' } };
    const out = describeNode(node, [pod], Date.parse('2024-05-01T12:00:00Z'));
    expect(out).toContain('Roles:              <none>\n');
    expect(out).toContain('Addresses:\n  InternalIP:         192.168.100.51\n');
    expect(out).toContain('PodCIDRs:             10.244.1.0/24\n');
    expect(out).toContain('Non-terminated Pods:  (1 in total)\n');
    expect(out).toContain('  study               web-0  60m\n');
    expect(out).toContain('  Ready   True    ');
  });
});

describe('rfc1123z', () => {
  it('formats like Go time.RFC1123Z', () => {
    expect(rfc1123z('2023-02-15T09:43:58Z', 0)).toBe('Wed, 15 Feb 2023 09:43:58 +0000');
    expect(rfc1123z('2023-02-15T09:43:58Z', -300)).toBe('Wed, 15 Feb 2023 04:43:58 -0500');
  });
});

describe('describe lease (the generic describer)', () => {
  it('prints every field with kubectl\'s smart labels', async () => {
    const { describeGeneric, smartLabelFor } = await import('./generic.js');
    expect(['apiVersion', 'holderIdentity', 'uid', 'leaseDurationSeconds', 'podCIDR'].map(smartLabelFor)).toEqual([
      'API Version',
      'Holder Identity',
      'UID',
      'Lease Duration Seconds',
      'Pod CIDR',
    ]);
    const lease = {
      apiVersion: 'coordination.k8s.io/v1' as const,
      kind: 'Lease' as const,
      metadata: { name: 'endpoints-controller', namespace: 'kube-system', uid: 'u1', resourceVersion: '9', creationTimestamp: '2024-05-01T11:00:00Z' },
      spec: { holderIdentity: 'ec-0', leaseDurationSeconds: 15, renewTime: '2024-05-01T11:59:59.000000Z' },
    };
    expect(describeGeneric(lease)).toBe(
      [
        'Name:         endpoints-controller',
        'Namespace:    kube-system',
        'Labels:       <none>',
        'Annotations:  <none>',
        'API Version:  coordination.k8s.io/v1',
        'Kind:         Lease',
        'Metadata:',
        '  Creation Timestamp:  2024-05-01T11:00:00Z',
        '  Resource Version:    9',
        '  UID:                 u1',
        'Spec:',
        '  Holder Identity:         ec-0',
        '  Lease Duration Seconds:  15',
        '  Renew Time:              2024-05-01T11:59:59.000000Z',
        'Events:                    <none>',
        '',
      ].join('\n'),
    );
  });
});
