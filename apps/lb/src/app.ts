/**
 * The lb app, assembled per role: API client → the role's loop → HTTP health and metrics.
 * `startLbApp` is what main() runs.
 */
import { connectApiClient } from '@minimesh/client';
import { startHttpEndpoint, type Logger } from '@minimesh/runtime';
import { LbController } from './controller/lb-controller.js';
import { lbMetrics } from './metrics.js';
import type { LbOptions } from './options.js';

export async function startLbApp(o: LbOptions, log: Logger): Promise<() => Promise<void>> {
  const metrics = lbMetrics();
  const client = connectApiClient(o.server);
  const controller = new LbController({
    client,
    transport: o.transport,
    natsUrl: o['nats-url'],
    lbClass: o['lb-class'] || undefined,
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
  log.info('lb controller running', { server: o.server, http: http.address, lbClass: o['lb-class'] || '(none)' });
  return async () => {
    await controller.stop();
    await http.close();
    client.close();
  };
}
