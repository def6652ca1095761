/** The endpoints-controller's flags: defaults() + parse(), each also settable by its environment variable. */
import { hostname } from 'node:os';
import { INFORMER_FLAGS } from '@minimesh/informer';
import type { FlagSpecs, FlagValues } from '@minimesh/runtime';
import { parseListenAddress } from '@minimesh/runtime';

export const CONTROLLER_FLAGS = {
  ...INFORMER_FLAGS,
  'http-listen': { description: 'HTTP address for /healthz, /readyz and /metrics.', default: '127.0.0.1:10252', parse: (raw: string) => parseListenAddress(raw) },
  workers: { description: 'Services synced concurrently.', default: 5 },
  'max-endpoints-per-slice': {
    description: 'Most endpoints in one EndpointSlice (1..1000).',
    default: 100,
    parse: (raw: string) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`${raw} is not between 1 and 1000`);
      return n;
    },
  },
  'leader-elect': { description: 'Run leader election so that only one replica writes.', default: true },
  'leader-elect-lease-duration': { description: 'Seconds a silent leader keeps the lease.', default: 6 },
  'leader-elect-renew-deadline': { description: 'Seconds a leader may fail to renew before it steps down.', default: 4 },
  'leader-elect-retry-period': { description: 'Seconds between lease attempts.', default: 1 },
  'lease-name': { description: 'Lease (in kube-system) the replicas compete for.', default: 'minimesh-endpoints-controller' },
  identity: { description: 'This replica\'s identity in the lease.', default: `${hostname()}_${process.pid}` },
} satisfies FlagSpecs;

export type ControllerOptions = FlagValues<typeof CONTROLLER_FLAGS>;
