/**
 * The endpoints controller, assembled: API client → controller (informers, work queue, leader
 * election) → HTTP health and metrics. `startEndpointsControllerApp` is what main() runs.
 */
import { connectFromFlags, natsTransportOptions } from '@minimesh/informer';
import { startHttpEndpoint, type Logger } from '@minimesh/runtime';
import { EndpointsController } from './controller.js';
import { controllerMetrics } from './metrics.js';
import type { ControllerOptions } from './options.js';

export async function startEndpointsControllerApp(o: ControllerOptions, log: Logger): Promise<() => Promise<void>> {
  const metrics = controllerMetrics();
  const client = await connectFromFlags(o);
  const controller = new EndpointsController({
    client,
    transport: o.transport,
    nats: natsTransportOptions(o),
    workers: o.workers,
    maxEndpointsPerSlice: o['max-endpoints-per-slice'],
    leaderElection: o['leader-elect']
      ? {
          identity: o.identity,
          leaseName: o['lease-name'],
          leaseDurationMs: o['leader-elect-lease-duration'] * 1000,
          renewDeadlineMs: o['leader-elect-renew-deadline'] * 1000,
          retryPeriodMs: o['leader-elect-retry-period'] * 1000,
        }
      : undefined,
    log,
    metrics,
  });
  const http = await startHttpEndpoint({ listen: o['http-listen'], registry: metrics.registry, ready: () => controller.hasSynced() });
  await controller.start();
  log.info('endpoints-controller running', { server: o.server, transport: o.transport, http: http.address });
  return async () => {
    await controller.stop();
    await http.close();
    client.close();
  };
}
