/** The endpoints-controller's flags: defaults() + parse(), each also settable by its environment variable. */
import { hostname } from 'node:os';
import { INFORMER_FLAGS } from '@minimesh/informer';
import type { FlagSpecs, FlagValues } from '@minimesh/runtime';
import { durationFlag, formatDuration, integer, nonEmpty, parseListenAddress } from '@minimesh/runtime';

export const CONTROLLER_FLAGS = {
  ...INFORMER_FLAGS,
  'http-listen': { description: 'HTTP address for /healthz, /readyz and /metrics.', default: '127.0.0.1:10252', parse: (raw: string) => parseListenAddress(raw) },
  workers: { description: 'Services synced concurrently.', default: 5, parse: integer(1) },
  'max-endpoints-per-slice': { description: 'Most endpoints in one EndpointSlice (1..1000).', default: 100, parse: integer(1, 1000) },
  'leader-elect': { description: 'Run leader election so that only one replica writes.', default: true },
  'leader-elect-lease-duration': durationFlag('How long a silent leader keeps the lease.', 6, { min: 'positive' }),
  'leader-elect-renew-deadline': durationFlag('How long a leader may fail to renew before it steps down.', 4, { min: 'positive' }),
  'leader-elect-retry-period': durationFlag('Time between lease attempts.', 1, { min: 'positive' }),
  'lease-name': { description: 'Lease (in kube-system) the replicas compete for.', default: 'minimesh-endpoints-controller', parse: nonEmpty },
  identity: { description: 'This replica\'s identity in the lease.', default: `${hostname()}_${process.pid}`, parse: nonEmpty },
} satisfies FlagSpecs;

export type ControllerOptions = FlagValues<typeof CONTROLLER_FLAGS>;

/** The flags that must fit together (component-base's leader election check, naming the flags). */
export function validateControllerOptions(o: ControllerOptions): void {
  if (o['leader-elect'] && o['leader-elect-lease-duration'] <= o['leader-elect-renew-deadline']) {
    throw new Error(
      `--leader-elect-lease-duration (${formatDuration(o['leader-elect-lease-duration'])}) must be greater than --leader-elect-renew-deadline (${formatDuration(o['leader-elect-renew-deadline'])})`,
    );
  }
}
