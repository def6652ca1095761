/**
 * Builders for the specs: pods, Services and nodes shaped as the apiserver stores them, plus the
 * walkthrough cluster (namespace `study`, three nginx pods on node1/node2, a ClusterIP and a
 * headless Service in front of them).
 */
import type { ContainerPort, Container, Node, Pod, Service, ServicePort } from '@minimesh/api';
import type { NameGenerator } from '../slice-names.js';

export interface PodOptions {
  namespace?: string;
  ip?: string | null; // null: no IP yet
  ips?: string[];
  node?: string;
  ready?: boolean;
  readyTime?: string;
  labels?: Record<string, string>;
  uid?: string;
  hostname?: string;
  subdomain?: string;
  ports?: ContainerPort[];
  initContainers?: Container[];
  deleting?: boolean;
  phase?: string;
  resourceVersion?: string;
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const ips = o.ips ?? (o.ip === null ? [] : [o.ip ?? '10.244.0.10']);
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'study',
      uid: o.uid ?? `uid-${name}`,
      labels: o.labels ?? { app: 'nginx-pod' },
    },
    spec: {
      nodeName: o.node ?? 'node1',
      containers: [{ name: 'nginx', image: 'nginx', ports: o.ports ?? [{ name: 'http', containerPort: 80, protocol: 'TCP' }] }],
    },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [
        { type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readyTime ?? '2024-05-01T10:00:00Z' },
      ],
    },
  };
  if (ips.length > 0) {
    pod.status!.podIP = ips[0];
    pod.status!.podIPs = ips.map((ip) => ({ ip }));
  }
  if (o.hostname !== undefined) pod.spec!.hostname = o.hostname;
  if (o.subdomain !== undefined) pod.spec!.subdomain = o.subdomain;
  if (o.initContainers) pod.spec!.initContainers = o.initContainers;
  if (o.deleting) pod.metadata.deletionTimestamp = '2024-05-01T11:00:00Z';
  if (o.resourceVersion) pod.metadata.resourceVersion = o.resourceVersion;
  return pod;
}

export interface ServiceOptions {
  namespace?: string;
  selector?: Record<string, string> | null;
  ports?: ServicePort[];
  clusterIP?: string;
  labels?: Record<string, string>;
  publishNotReadyAddresses?: boolean;
  type?: string;
  uid?: string;
  creationTimestamp?: string;
  ipFamilies?: string[];
  deleting?: boolean;
}

export function makeService(name: string, o: ServiceOptions = {}): Service {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: o.namespace ?? 'study',
      uid: o.uid ?? `uid-${name}`,
      creationTimestamp: o.creationTimestamp ?? '2024-05-01T09:00:00Z',
    },
    spec: {
      type: o.type ?? 'ClusterIP',
      clusterIP: o.clusterIP ?? '10.97.97.97',
      ipFamilies: o.ipFamilies ?? ['IPv4'],
      ports: o.ports ?? [{ port: 80, targetPort: 80, protocol: 'TCP' }],
    },
  };
  if (o.selector !== null) svc.spec!.selector = o.selector ?? { app: 'nginx-pod' };
  if (o.labels) svc.metadata.labels = o.labels;
  if (o.publishNotReadyAddresses !== undefined) svc.spec!.publishNotReadyAddresses = o.publishNotReadyAddresses;
  if (o.deleting) svc.metadata.deletionTimestamp = '2024-05-01T12:00:00Z';
  return svc;
}

export function makeNode(name: string, zone?: string): Node {
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name } };
  if (zone) node.metadata.labels = { 'topology.kubernetes.io/zone': zone };
  return node;
}

/** The walkthrough: three nginx pods in `study`. */
export function walkthroughPods(): Pod[] {
  return [
    makePod('nginx-deploy-7c5ddbdf54-2xk9p', { ip: '10.244.1.39', node: 'node1' }),
    makePod('nginx-deploy-7c5ddbdf54-8hzcm', { ip: '10.244.1.40', node: 'node1' }),
    makePod('nginx-deploy-7c5ddbdf54-qw6tv', { ip: '10.244.2.33', node: 'node2' }),
  ];
}

/** service-clusterip: 10.97.97.97:80 → 80. */
export function serviceClusterIP(): Service {
  return makeService('service-clusterip', { clusterIP: '10.97.97.97' });
}

/** service-headliness: the headless twin (clusterIP None). */
export function serviceHeadless(): Service {
  return makeService('service-headliness', { clusterIP: 'None' });
}

/** A deterministic NameGenerator: prefix + a, b, c, ... then aa, ab, ... padded to 5 characters. */
export function sequentialNames(): NameGenerator {
  let n = 0;
  return (prefix) => `${prefix}${(n++).toString(36).padStart(5, '0')}`;
}

/** n ready pods with distinct IPs 10.244.x.y, named pod-0000... */
export function manyPods(n: number, o: PodOptions = {}): Pod[] {
  return Array.from({ length: n }, (_, i) =>
    makePod(`pod-${String(i).padStart(4, '0')}`, { ...o, ip: `10.244.${Math.floor(i / 250) + 10}.${(i % 250) + 1}` }),
  );
}
