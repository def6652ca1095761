/** minimesh-endpoints-controller: Endpoints and EndpointSlices for Services; slices mirrored from hand-written Endpoints. */
import { connectApiClient } from '@minimesh/client';
import { runApp, startHttpEndpoint } from '@minimesh/runtime';
import { EndpointsController } from './controller.js';
import { controllerMetrics } from './metrics.js';
import { CONTROLLER_FLAGS } from './options.js';

runApp({
  name: 'minimesh-endpoints-controller',
  description:
    'The minimesh endpoints controller: keeps an Endpoints object and EndpointSlices (kubernetes.io/service-name)\n' +
    'for every Service with a selector, mirrors hand-written Endpoints of selector-less Services into EndpointSlices,\n' +
    'and cleans up orphans. Several replicas may run: a Lease in kube-system elects the one that writes.',
  flags: CONTROLLER_FLAGS,
  async start(o, log) {
    const metrics = controllerMetrics();
    const client = connectApiClient(o.server);
    const controller = new EndpointsController({
      client,
      transport: o.transport,
      natsUrl: o['nats-url'],
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
  },
});
