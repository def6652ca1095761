/**
 * The rule benchmarks' synthetic cluster: N ClusterIP services, each with one slice of 2 ready
 * endpoints on two nodes (one local to this node), named ports, as the endpoints-controller
 * writes them, fed through the agent's change trackers.
 */
import type { EndpointSlice, Service } from '@minimesh/api';
import { EndpointsChangeTracker, ServiceChangeTracker } from '@minimesh/proxy-core';

export const NODE = { name: 'node1', addresses: ['192.168.100.11'] };


export function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
const SERVICE_BASE = (10 << 24) | (96 << 16) | (1 << 8); // 10.96.1.0, inside 10.96.0.0/12
const POD_BASE = (10 << 24) | (244 << 16) | (1 << 8); // 10.244.1.0, inside the cluster CIDR
export const MOVED_BASE = (10 << 24) | (245 << 16); // endpoints moved by the partial syncs

export function service(i: number): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'bench', name: `svc-${i}` },
    spec: { type: 'ClusterIP', clusterIP: ipv4(SERVICE_BASE + i), selector: { app: `svc-${i}` }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
  };
}

export function slice(i: number, second = ipv4(POD_BASE + 2 * i + 1)): EndpointSlice {
  const cond = { ready: true, serving: true, terminating: false };
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: 'bench', name: `svc-${i}-x7k2p`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    endpoints: [
      { addresses: [ipv4(POD_BASE + 2 * i)], nodeName: 'node1', conditions: cond },
      { addresses: [second], nodeName: 'node2', conditions: cond },
    ],
  };
}


export interface State {
  services: ServiceChangeTracker;
  endpoints: EndpointsChangeTracker;
  ingestMs: number;
}

export function ingest(n: number): State {
  const services = new ServiceChangeTracker();
  const endpoints = new EndpointsChangeTracker({ nodeName: NODE.name, startTime: 0 });
  const svcs = Array.from({ length: n }, (_, i) => service(i));
  const slices = Array.from({ length: n }, (_, i) => slice(i));
  const t0 = process.hrtime.bigint();
  for (const s of svcs) services.update(undefined, s);
  for (const s of slices) endpoints.update(undefined, s);
  services.checkoutChanges();
  endpoints.checkoutChanges();
  return { services, endpoints, ingestMs: Number(process.hrtime.bigint() - t0) / 1e6 };
}

