/** minimesh-endpoints-controller: Endpoints and EndpointSlices for Services; slices mirrored from hand-written Endpoints. */
import { connectApiClient } from '@minimesh/client';
import { FlagError, createLogger, helpText, onShutdown, parseFlags, startHttpEndpoint } from '@minimesh/runtime';
import { EndpointsController } from './controller.js';
import { controllerMetrics } from './metrics.js';
import { CONTROLLER_FLAGS } from './options.js';

const USAGE = 'minimesh-endpoints-controller [flags]';
const DESCRIPTION =
  'The minimesh endpoints controller: keeps an Endpoints object and EndpointSlices (kubernetes.io/service-name)\n' +
  'for every Service with a selector, mirrors hand-written Endpoints of selector-less Services into EndpointSlices,\n' +
  'and cleans up orphans. Several replicas may run: a Lease in kube-system elects the one that writes.';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseFlags(CONTROLLER_FLAGS, process.argv.slice(2));
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`error: ${e.message}\n\n${helpText(USAGE, DESCRIPTION, CONTROLLER_FLAGS)}`);
      process.exit(2);
    }
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(helpText(USAGE, DESCRIPTION, CONTROLLER_FLAGS));
    return;
  }
  const o = parsed.values;
  const log = createLogger('endpoints-controller');
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
  onShutdown(log, async () => {
    await controller.stop();
    await http.close();
    client.close();
  });
  await controller.start();
  log.info('endpoints-controller running', { server: o.server, transport: o.transport, http: http.address });
}

main().catch((e: Error) => {
  process.stderr.write(`minimesh-endpoints-controller: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
