/** The apiserver's flags: defaults() + parse(), every flag also settable by its environment variable. */
import { ClusterIPAllocator, parseCidr, parsePortRange } from '@minimesh/allocators';
import { parseIPv4 } from '@minimesh/api';
import { parseAuthorizationModes } from './auth/authorizer.js';
import { durationFlag, integer, nonEmpty, parseFlags, parseListenAddress, parseListenAddresses, type FlagSpecs, type FlagValues } from '@minimesh/runtime';

export const APISERVER_FLAGS = {
  listen: {
    description: 'gRPC listen addresses, comma-separated: host:port (TLS; port 0 picks a free one) or unix:///path.sock (plain, mode 0660).',
    default: '127.0.0.1:6443',
    parse: (raw: string) => parseListenAddresses(raw, true),
  },
  'rest-listen': {
    description:
      'Kubernetes REST API (kubectl, client libraries) addresses, comma-separated: host:port (HTTPS) or unix:///path.sock (plain HTTP, mode 0660); empty: not served.',
    default: '127.0.0.1:6445',
    parse: (raw: string) => (raw === '' ? raw : parseListenAddresses(raw, true)),
  },
  'http-listen': { description: 'HTTP address for /healthz, /livez, /readyz and /metrics.', default: '127.0.0.1:6444', parse: (raw: string) => parseListenAddress(raw) },
  'data-dir': { description: 'Directory of the SQLite store (created if missing).', default: '.minimesh/apiserver', parse: nonEmpty },
  'nats-url': {
    description: 'NATS server(s) to publish events to, comma-separated; empty disables publishing.',
    default: 'nats://127.0.0.1:4222',
  },
  'nats-stream': {
    description: 'JetStream stream that keeps the events.',
    default: 'MINIMESH_EVENTS',
    parse: (raw: string) => {
      // JetStream's rule for stream names.
      if (raw === '' || /[\s.*>/\\]/.test(raw)) throw new Error(`"${raw}" is not a stream name (no spaces, ".", "*", ">", "/" or "\\")`);
      return raw;
    },
  },
  'nats-max-age': durationFlag('How long the stream keeps events (0: for ever).', 86400, { min: 'non-negative' }),
  'nats-user': { description: 'NATS user the apiserver publishes as (a server with authorization).', default: '' },
  'nats-password-file': { description: 'File holding the NATS user\'s password.', default: '' },
  'nats-ca': { description: 'CA that verifies the NATS server\'s certificate (the connection then speaks TLS).', default: '' },
  'service-cluster-ip-range': {
    description: 'CIDR from which ClusterIPs are allocated (the first address goes to the `kubernetes` Service).',
    default: '10.96.0.0/12',
    parse: (raw: string) => {
      new ClusterIPAllocator(parseCidr(raw)); // the range checks kube-apiserver makes (size, at most /12)
      return raw;
    },
  },
  'service-node-port-range': {
    description: 'Port range reserved for NodePort services, e.g. 30000-32767.',
    default: '30000-32767',
    parse: (raw: string) => {
      parsePortRange(raw);
      return raw;
    },
  },
  'advertise-address': {
    description:
      'The address of this apiserver advertised in the `kubernetes` Service\'s endpoints; empty: the first non-loopback IPv4 address of this host (none: endpoints without addresses).',
    default: '',
    parse: (raw: string) => {
      if (raw !== '' && parseIPv4(raw) === undefined) throw new Error(`"${raw}" is not an IPv4 address`);
      return raw;
    },
  },
  'watch-history': { description: 'How many events the store keeps for watches to resume from.', default: 10000, parse: integer(0) },
  'event-ttl': durationFlag('How long an Event is kept after it was last seen (kube-apiserver --event-ttl; 0: for ever).', 3600, { min: 'non-negative' }),
  'bookmark-interval': durationFlag('Time between BOOKMARK events on idle watches that allow them.', 10, { min: 'positive' }),
  'max-unpublished-events': {
    description: 'Events kept for NATS at most while it is away or behind; older ones are compacted (followers of the stream then relist) and /readyz fails.',
    default: 100_000,
    parse: integer(1),
  },
  'compaction-interval': durationFlag('Time between compactions of the event history.', 5, { min: 'positive' }),
  'max-requests-inflight': { description: 'Calls served at once (kube-apiserver\'s flag); more get RESOURCE_EXHAUSTED "Too many requests, please try again later."', default: 400, parse: integer(1) },
  'max-watches-per-user': { description: 'Watches one user may hold open at once; more get RESOURCE_EXHAUSTED.', default: 200, parse: integer(1) },
  'max-watch-backlog': {
    description: 'Events one watch may fall behind by; beyond, it is closed and its client watches again from its last resourceVersion (or relists).',
    default: 10_000,
    parse: integer(1),
  },
  'watch-stall-timeout': durationFlag('A watch whose client stops reading for this long is closed (the client relists).', 30, { min: 'positive' }),
  'authorization-mode': {
    description: 'Comma-separated authorizers: Node,RBAC (roles and bindings, with the node restriction) or AlwaysAllow (no checks: for tests only).',
    default: 'Node,RBAC',
    parse: (raw: string) => (parseAuthorizationModes(raw), raw),
  },
  'anonymous-auth': { description: 'Serve requests that carry no credentials, as user system:anonymous (RBAC still decides what it may do).', default: false },
  'token-auth-file': { description: 'Bearer tokens, one per line: token,user,uid,"group1,group2" (kube-apiserver\'s format). Empty: none.', default: '' },
  'tls-cert-file': { description: 'Serving certificate for the TCP listeners; empty: made in <data-dir>/pki, signed by the CA there.', default: '' },
  'tls-private-key-file': { description: 'Key of --tls-cert-file.', default: '' },
  'client-ca-file': { description: 'CA that signs client certificates (CN = user, O = groups); empty: <data-dir>/pki/ca.crt.', default: '' },
} satisfies FlagSpecs;

export type ApiServerOptions = FlagValues<typeof APISERVER_FLAGS>;

export function defaultApiServerOptions(): ApiServerOptions {
  return parseFlags(APISERVER_FLAGS, [], {}).values;
}
