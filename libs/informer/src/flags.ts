/**
 * The flags every app with informers takes, so they read the same everywhere:
 * `--server` ($MINIMESH_SERVER), `--transport grpc|nats`, `--nats-url`.
 */
import type { FlagSpec } from '@minimesh/runtime';
import type { Transport } from './options.js';

export const INFORMER_FLAGS = {
  server: {
    description: 'apiserver gRPC address (host:port or unix:///path.sock).',
    default: '127.0.0.1:6443',
    env: 'MINIMESH_SERVER',
  } satisfies FlagSpec<string>,
  transport: {
    description: 'How informers follow changes: grpc (the apiserver Watch) or nats (the JetStream event stream).',
    default: 'grpc' as Transport,
    parse: (raw: string): Transport => {
      if (raw !== 'grpc' && raw !== 'nats') throw new Error(`"${raw}" is not one of grpc, nats`);
      return raw;
    },
  } satisfies FlagSpec<Transport>,
  'nats-url': { description: 'NATS server(s) for --transport nats.', default: 'nats://127.0.0.1:4222' } satisfies FlagSpec<string>,
};
