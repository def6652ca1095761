/** Pods and Services for the controller's tests, shaped as the walkthrough's (namespace `study`). */
import type { Pod, Service } from '@minimesh/api';

export function pod(name: string, ip: string, node: string, labels: Record<string, string>, opts: { ready?: boolean; ports?: { name?: string; containerPort: number; protocol?: string }[]; namespace?: string; hostname?: string; subdomain?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: opts.namespace ?? 'study', labels },
    spec: {
      nodeName: node,
      hostname: opts.hostname,
      subdomain: opts.subdomain,
      containers: [{ name: 'nginx', image: 'nginx:1.17.1', ports: opts.ports ?? [{ containerPort: 80 }] }],
    },
    status: {
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z/, 'Z') }],
    },
  };
}

export function service(name: string, spec: Service['spec'], namespace = 'study'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec };
}
