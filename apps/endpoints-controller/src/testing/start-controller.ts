/** A controller started in-process against a test apiserver. */
import { connectApiClient } from '@minimesh/client';
import { createLogger } from '@minimesh/runtime';
import { EndpointsController } from '../controller.js';
import { controllerMetrics } from '../metrics.js';

export function startController(
  address: string,
  opts: { transport?: 'grpc' | 'nats'; natsUrl?: string; identity?: string; leaderElection?: boolean } = {},
): { controller: EndpointsController; stop: () => Promise<void>; started: Promise<void> } {
  const client = connectApiClient(address);
  const controller = new EndpointsController({
    client,
    transport: opts.transport ?? 'grpc',
    nats: { servers: opts.natsUrl ?? '' },
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
