/** A controller started in-process on a FakeApiClient (one worker); stopControllers() ends every one started so. */
import type { FakeApiClient } from '@minimesh/client/testing';
import { createLogger } from '@minimesh/runtime';
import { EndpointsController } from '../controller.js';
import { controllerMetrics } from '../metrics.js';

const running: EndpointsController[] = [];

export async function startOnFakeClient(client: FakeApiClient, metrics = controllerMetrics()): Promise<EndpointsController> {
  const c = new EndpointsController({ client, transport: 'grpc', nats: {}, workers: 1, maxEndpointsPerSlice: 100, log: createLogger('test', { level: 'error' }), metrics });
  running.push(c);
  await c.start();
  return c;
}

export async function stopControllers(): Promise<void> {
  while (running.length) await running.pop()!.stop();
}
