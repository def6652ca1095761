/**
 * The lb app's flags. One binary, three roles, as MetalLB has a controller and a speaker: `controller`
 * (addresses from IPAddressPools into Service status, one leader among replicas), `speaker` (one per
 * node: layer 2 announcement of the addresses this node wins) and `proxy` (outside the nodes: owns
 * the addresses and forwards their traffic to healthy nodes, a cloud load balancer's role).
 */
import { hostname } from 'node:os';
import { INFORMER_FLAGS } from '@minimesh/informer';
import { durationFlag, formatDuration, nonEmpty, oneOf, parseListenAddress, type FlagSpecs, type FlagValues } from '@minimesh/runtime';

export const ROLES = ['controller', 'speaker', 'proxy'] as const;
export type Role = (typeof ROLES)[number];

export const LB_FLAGS = {
  ...INFORMER_FLAGS,
  role: { description: 'controller, speaker (one per node: layer 2 announcement) or proxy (outside the nodes: owns the addresses, forwards to healthy nodes).', default: 'controller' as Role, parse: oneOf(ROLES) },
  'lb-class': { description: 'The spec.loadBalancerClass served; empty: Services without one (MetalLB\'s --lb-class).', default: '' },
  'http-listen': { description: 'HTTP address of /healthz, /readyz and /metrics.', default: '127.0.0.1:7472', parse: (raw: string) => parseListenAddress(raw) },
  'leader-elect': { description: 'controller: run leader election so that only one replica writes.', default: true },
  'leader-elect-lease-duration': durationFlag('controller: how long a silent leader keeps the lease.', 6, { min: 'positive' }),
  'leader-elect-renew-deadline': durationFlag('controller: how long a leader may fail to renew before it steps down.', 4, { min: 'positive' }),
  'leader-elect-retry-period': durationFlag('controller: time between lease attempts.', 1, { min: 'positive' }),
  'lease-name': { description: 'controller: Lease (in kube-system) the replicas compete for.', default: 'minimesh-lb-controller', parse: nonEmpty },
  'node-name': { description: 'speaker: the Node this speaker announces from.', default: hostname(), env: 'MINIMESH_NODE_NAME', parse: nonEmpty },
  'node-agent-healthz': {
    description: 'speaker: the node agent\'s /healthz; while it does not answer 200 this node is no candidate to announce (empty: always a candidate).',
    default: 'http://127.0.0.1:10256/healthz',
  },
  identity: { description: 'This replica\'s identity in the leases.', default: `${hostname()}_${process.pid}`, parse: nonEmpty },
} satisfies FlagSpecs;

export type LbOptions = FlagValues<typeof LB_FLAGS>;

/** The flags that must fit together (component-base's leader election check, naming the flags). */
export function validateLbOptions(o: LbOptions): void {
  if (o.role === 'controller' && o['leader-elect'] && o['leader-elect-lease-duration'] <= o['leader-elect-renew-deadline']) {
    throw new Error(
      `--leader-elect-lease-duration (${formatDuration(o['leader-elect-lease-duration'])}) must be greater than --leader-elect-renew-deadline (${formatDuration(o['leader-elect-renew-deadline'])})`,
    );
  }
}
