/**
 * The lb app, assembled per role: API client → the role's loop → HTTP health and metrics.
 * `startLbApp` is what main() runs.
 */
import type { ApiClient } from '@minimesh/client';
import { exec, startHttpEndpoint, type Logger } from '@minimesh/runtime';
import { LbController } from './controller/lb-controller.js';
import { lbMetrics, type LbMetrics } from './metrics.js';
import type { LbOptions } from './options.js';
import { connectFromFlags, natsTransportOptions } from '@minimesh/informer';
import { networkInterfaces } from 'node:os';
import { ProxyLb } from './proxy/proxy-lb.js';
import { Speaker } from './speaker/speaker.js';

interface RoleLoop {
  hasSynced(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** 200 from the node agent's /healthz within half a second. */
function nodeAgentHealthy(url: string): () => Promise<boolean> {
  if (!url) return async () => true;
  return async () => {
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(500) })).status === 200;
    } catch {
      return false;
    }
  };
}

/** This host's own IPv4 address: the first one that is not loopback and not a /32 it owns for a Service. */
function ownIP(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal && a.netmask !== '255.255.255.255') return a.address;
  }
  return undefined;
}

function roleLoop(o: LbOptions, client: ApiClient, log: Logger, metrics: LbMetrics): RoleLoop {
  const common = { client, transport: o.transport, nats: natsTransportOptions(o), lbClass: o['lb-class'] || undefined, log };
  if (o.role === 'speaker') return new Speaker({ ...common, node: o['node-name'], exec, healthy: nodeAgentHealthy(o['node-agent-healthz']) });
  if (o.role === 'proxy') return new ProxyLb({ ...common, exec, ownIP, healthyNodes: metrics.healthyNodes });
  return new LbController({
    ...common,
    metrics,
    leaderElection: o['leader-elect']
      ? {
          identity: o.identity,
          leaseName: o['lease-name'],
          leaseDurationMs: o['leader-elect-lease-duration'] * 1000,
          renewDeadlineMs: o['leader-elect-renew-deadline'] * 1000,
          retryPeriodMs: o['leader-elect-retry-period'] * 1000,
        }
      : undefined,
  });
}

export async function startLbApp(o: LbOptions, log: Logger): Promise<() => Promise<void>> {
  const metrics = lbMetrics();
  const client = await connectFromFlags(o);
  const loop = roleLoop(o, client, log, metrics);
  const http = await startHttpEndpoint({ listen: o['http-listen'], registry: metrics.registry, ready: () => loop.hasSynced() });
  await loop.start();
  log.info(`lb ${o.role} running`, { server: o.server, http: http.address, lbClass: o['lb-class'] || '(none)', ...(o.role === 'speaker' ? { node: o['node-name'] } : {}) });
  return async () => {
    await loop.stop();
    await http.close();
    client.close();
  };
}
