import type { Endpoints, EndpointSlice, Namespace, Node, Pod, Service } from '@minimesh/api';
import { describe, expect, it } from 'vitest';
import { renderTable, tableRow } from './table.js';

const now = Date.parse('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:59:53Z'; // 7s before now

function svc(name: string, spec: Service['spec'], status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', creationTimestamp: created }, spec, status };
}

describe('services', () => {
  it('prints kubectl columns, ClusterIP placeholders and port strings', () => {
    const out = renderTable(
      'Service',
      [
        svc('kubernetes', { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] }),
        svc('my-nodeport-service', {
          type: 'NodePort',
          clusterIP: '10.233.44.13',
          clusterIPs: ['10.233.44.13'],
          ports: [{ port: 80, protocol: 'TCP', targetPort: 9376, nodePort: 30036 }],
        }),
      ],
      { now },
    );
    expect(out).toBe(
      'NAME                  TYPE        CLUSTER-IP     EXTERNAL-IP   PORT(S)        AGE\n' +
        'kubernetes            ClusterIP   10.96.0.1      <none>        443/TCP        7s\n' +
        'my-nodeport-service   NodePort    10.233.44.13   <none>        80:30036/TCP   7s\n',
    );
  });

  it('joins several ports, shows headless and ExternalName services like kubectl', () => {
    const row = (s: Service, wide = false) => tableRow('Service', s, { now, wide });
    expect(
      row(svc('web', { type: 'ClusterIP', clusterIPs: ['10.96.0.20'], ports: [{ port: 80, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] })),
    ).toEqual(['web', 'ClusterIP', '10.96.0.20', '<none>', '80/TCP,443/TCP', '7s']);
    expect(row(svc('service-headliness', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, protocol: 'TCP' }] }))).toEqual([
      'service-headliness',
      'ClusterIP',
      'None',
      '<none>',
      '80/TCP',
      '7s',
    ]);
    expect(row(svc('service-externalname', { type: 'ExternalName', externalName: 'www.baidu.com' }))).toEqual([
      'service-externalname',
      'ExternalName',
      '<none>',
      'www.baidu.com',
      '<none>',
      '7s',
    ]);
  });

  it('shows external IPs, <pending> load balancers and their ingress', () => {
    const row = (s: Service, wide = false) => tableRow('Service', s, { now, wide })[3];
    expect(row(svc('a', { type: 'ClusterIP', externalIPs: ['80.11.12.10'] }))).toBe('80.11.12.10');
    expect(row(svc('b', { type: 'LoadBalancer' }))).toBe('<pending>');
    expect(row(svc('c', { type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '192.168.1.241' }] } }))).toBe('192.168.1.241');
    expect(row(svc('d', { type: 'LoadBalancer', externalIPs: ['1.1.1.1'] }, { loadBalancer: { ingress: [{ ip: '2.2.2.2' }] } }))).toBe('2.2.2.2,1.1.1.1');
    const many = { loadBalancer: { ingress: [{ ip: '192.168.100.201' }, { hostname: 'lb.example.com' }] } };
    expect(row(svc('e', { type: 'LoadBalancer' }, many))).toBe('192.168.100.2...');
    expect(row(svc('e', { type: 'LoadBalancer' }, many), true)).toBe('192.168.100.201,lb.example.com');
  });

  it('adds SELECTOR with -o wide and NAMESPACE first with -A', () => {
    const s = svc('my-service', { type: 'ClusterIP', clusterIPs: ['10.96.0.5'], selector: { tier: 'web', app: 'MyApp' }, ports: [{ port: 80, protocol: 'TCP' }] });
    expect(renderTable('Service', [s], { now, wide: true, withNamespace: true })).toBe(
      'NAMESPACE   NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE   SELECTOR\n' +
        'default     my-service   ClusterIP   10.96.0.5    <none>        80/TCP    7s    app=MyApp,tier=web\n',
    );
    expect(tableRow('Service', svc('x', { type: 'ClusterIP' }), { now, wide: true })).toEqual(['x', 'ClusterIP', '<none>', '<none>', '<none>', '7s', '<none>']);
  });
});

describe('endpoints', () => {
  const ep = (name: string, ips: string[], ports: number[]): Endpoints => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, creationTimestamp: '2024-05-01T11:54:13Z' },
    subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: ports.map((port) => ({ port, protocol: 'TCP' })) }],
  });

  it('prints NAME ENDPOINTS AGE with host:port pairs (seed 002)', () => {
    expect(renderTable('Endpoints', [ep('service-clusterip', ['10.244.1.39', '10.244.1.40'], [80])], { now })).toBe(
      'NAME                ENDPOINTS                       AGE\n' + 'service-clusterip   10.244.1.39:80,10.244.1.40:80   5m47s\n',
    );
  });

  it('truncates after three with "+ N more..." and prints <none> without subsets', () => {
    expect(tableRow('Endpoints', ep('web', ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'], [80]), { now })[1]).toBe(
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...',
    );
    expect(tableRow('Endpoints', ep('two-ports', ['10.0.0.1', '10.0.0.2'], [80, 443]), { now })[1]).toBe(
      '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
    );
    expect(tableRow('Endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'empty' } }, { now })).toEqual(['empty', '<none>', '<unknown>']);
  });
});

describe('endpointslices', () => {
  const slice = (endpoints: string[][], ports: number[]): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc12', creationTimestamp: created },
    addressType: 'IPv4',
    endpoints: endpoints.map((addresses) => ({ addresses })),
    ports: ports.map((port) => ({ port, protocol: 'TCP', name: '' })),
  });

  it('prints NAME ADDRESSTYPE PORTS ENDPOINTS AGE', () => {
    expect(renderTable('EndpointSlice', [slice([['10.244.1.39'], ['10.244.1.40']], [80])], { now })).toBe(
      'NAME        ADDRESSTYPE   PORTS   ENDPOINTS                 AGE\n' + 'web-abc12   IPv4          80      10.244.1.39,10.244.1.40   7s\n',
    );
  });

  it('prints <unset> for an empty slice and truncates long lists', () => {
    expect(tableRow('EndpointSlice', slice([], []), { now })).toEqual(['web-abc12', 'IPv4', '<unset>', '<unset>', '7s']);
    expect(tableRow('EndpointSlice', slice([['a'], ['b'], ['c'], ['d']], [1, 2, 3, 4, 5]), { now }).slice(2, 4)).toEqual([
      '1,2,3 + 2 more...',
      'a,b,c + 1 more...',
    ]);
  });
});

describe('pods', () => {
  const pod = (ready: boolean, extra: Partial<Pod> = {}): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'service-environment-deployment-6bb9d9f778-5k2x6', namespace: 'study', creationTimestamp: '2024-05-01T11:59:03Z' },
    spec: { nodeName: 'node1', containers: [{ name: 'nginx', ports: [{ containerPort: 80 }] }] },
    status: {
      phase: 'Running',
      podIP: '10.244.166.191',
      podIPs: [{ ip: '10.244.166.191' }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
    ...extra,
  });

  it('prints NAME READY STATUS RESTARTS AGE, and IP NODE NOMINATED NODE READINESS GATES when wide', () => {
    expect(renderTable('Pod', [pod(true)], { now, wide: true })).toBe(
      'NAME                                              READY   STATUS    RESTARTS   AGE   IP               NODE    NOMINATED NODE   READINESS GATES\n' +
        'service-environment-deployment-6bb9d9f778-5k2x6   1/1     Running   0          57s   10.244.166.191   node1   <none>           <none>\n',
    );
  });

  it('counts ready containers from the Ready condition and shows <none> for what is not known', () => {
    expect(tableRow('Pod', pod(false), { now }).slice(1, 3)).toEqual(['0/1', 'Running']);
    const pending: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }, { name: 'b' }] }, status: { phase: 'Pending' } };
    expect(tableRow('Pod', pending, { now, wide: true })).toEqual(['p', '0/2', 'Pending', '0', '<unknown>', '<none>', '<none>', '<none>', '<none>']);
    const terminating = pod(true, {});
    terminating.metadata.deletionTimestamp = '2024-05-01T12:00:00Z';
    expect(tableRow('Pod', terminating, { now })[2]).toBe('Terminating');
  });
});

describe('nodes and namespaces', () => {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node1', creationTimestamp: '2024-04-18T12:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' } },
    spec: { podCIDR: '10.244.1.0/24' },
    status: {
      addresses: [
        { type: 'Hostname', address: 'node1' },
        { type: 'InternalIP', address: '192.168.100.51' },
      ],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };

  it('prints NAME STATUS ROLES AGE VERSION and INTERNAL-IP EXTERNAL-IP when wide', () => {
    expect(tableRow('Node', node, { now })).toEqual(['node1', 'Ready', 'control-plane,worker', '13d', '']);
    expect(tableRow('Node', node, { now, wide: true }).slice(5)).toEqual(['192.168.100.51', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });

  it('derives STATUS from the Ready condition and unschedulable', () => {
    const notReady: Node = { ...node, metadata: { name: 'n2' }, spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } };
    expect(tableRow('Node', notReady, { now }).slice(1, 3)).toEqual(['NotReady,SchedulingDisabled', '<none>']);
    expect(tableRow('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n3' } }, { now })[1]).toBe('Unknown');
  });

  it('prints namespaces as NAME STATUS AGE', () => {
    const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study', creationTimestamp: created }, status: { phase: 'Active' } };
    expect(renderTable('Namespace', [ns], { now })).toBe('NAME    STATUS   AGE\nstudy   Active   7s\n');
  });
});

describe('table options', () => {
  it('prefixes names with their kind, adds LABELS and EVENT columns, and drops the header', () => {
    const s = svc('nginx', { type: 'ClusterIP', clusterIPs: ['10.105.198.94'], ports: [{ port: 80, protocol: 'TCP' }] });
    s.metadata.labels = { app: 'nginx' };
    expect(tableRow('Service', s, { now, namePrefix: 'service/', showLabels: true, eventTypes: ['ADDED'] }, 'ADDED')).toEqual([
      'ADDED',
      'service/nginx',
      'ClusterIP',
      '10.105.198.94',
      '<none>',
      '80/TCP',
      '7s',
      'app=nginx',
    ]);
    expect(renderTable('Service', [s], { now, noHeaders: true })).toBe('nginx   ClusterIP   10.105.198.94   <none>   80/TCP   7s\n');
  });
});

describe('leases', () => {
  it('prints NAME HOLDER AGE', () => {
    const lease = { apiVersion: 'coordination.k8s.io/v1' as const, kind: 'Lease' as const, metadata: { name: 'endpoints-controller', creationTimestamp: created }, spec: { holderIdentity: 'ec-0' } };
    expect(renderTable('Lease', [lease], { now })).toBe('NAME                   HOLDER   AGE\nendpoints-controller   ec-0     7s\n');
  });
});
