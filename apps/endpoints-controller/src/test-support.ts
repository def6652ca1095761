/** A controller started in-process against a test apiserver. */
import type { Pod, Service } from '@minimesh/api';
import { connectApiClient } from '@minimesh/client';
import { createLogger } from '@minimesh/runtime';
import { EndpointsController } from './controller.js';
import { controllerMetrics } from './metrics.js';

export function startController(
  address: string,
  opts: { transport?: 'grpc' | 'nats'; natsUrl?: string; identity?: string; leaderElection?: boolean } = {},
): { controller: EndpointsController; stop: () => Promise<void>; started: Promise<void> } {
  const client = connectApiClient(address);
  const controller = new EndpointsController({
    client,
    transport: opts.transport ?? 'grpc',
    natsUrl: opts.natsUrl ?? '',
    workers: 4,
    maxEndpointsPerSlice: 100,
    leaderElection: opts.leaderElection
      ? { identity: opts.identity ?? 'test', leaseName: 'minimesh-endpoints-controller', leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 }
      : undefined,
    log: createLogger('endpoints-controller', { level: 'error' }),
    metrics: controllerMetrics(),
  });
  const started = controller.start();
  return {
    controller,
    started,
    stop: async () => {
      await controller.stop();
      client.close();
    },
  };
}

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
