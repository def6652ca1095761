import { describe, expect, it } from 'vitest';
import type { ApiClient } from '@minimesh/client';
import { InvalidArgumentError } from './errors.js';
import { defaultInformerOptions, parseInformerOptions, type InformerOptions } from './options.js';

const client = { list: async () => ({ items: [], resourceVersion: '1' }), watch: () => ({}) } as unknown as ApiClient;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const base: InformerOptions = { kind: 'Pod', client, logger: quiet };

describe('informer options', () => {
  it('defaults - grpc, no resync, backoff 100 ms to 5 s, the apiserver stream', () => {
    const d = defaultInformerOptions();
    expect(d).toMatchObject({
      namespace: '',
      labelSelector: '',
      transport: 'grpc',
      resyncPeriodMs: 0,
      backoff: { initialMs: 100, maxMs: 5000 },
      nats: { servers: [], stream: 'MINIMESH_EVENTS' },
    });
    expect(defaultInformerOptions()).not.toBe(d);
  });

  it('parse - merges defaults, parses the selector, splits servers', () => {
    const p = parseInformerOptions({ ...base, namespace: 'a', labelSelector: 'app in (web),!legacy', transport: 'nats', nats: { servers: 'nats://x:1, nats://y:2' } });
    expect(p.selector.matches({ app: 'web' })).toBe(true);
    expect(p.selector.matches({ app: 'web', legacy: '1' })).toBe(false);
    expect(p.nats).toEqual({ servers: ['nats://x:1', 'nats://y:2'], stream: 'MINIMESH_EVENTS', auth: {} });
    const auth = parseInformerOptions({ ...base, transport: 'nats', nats: { servers: 'nats://x:1', user: 'dns', passwordFile: '/run/p', caFile: '/pki/ca.crt' } });
    expect(auth.nats.auth).toEqual({ user: 'dns', passwordFile: '/run/p', caFile: '/pki/ca.crt' });
    expect(() => parseInformerOptions({ ...base, transport: 'nats', nats: { servers: 'nats://x:1', password: 'a', passwordFile: '/b' } })).toThrow('are mutually exclusive');
    expect(p.backoff).toEqual({ initialMs: 100, maxMs: 5000 });
    expect(p.logger).toBe(quiet);
  });

  it.each([
    ['kind', { kind: 'ConfigMap' }, /'kind' must be one of/],
    ['client', { client: {} }, /'client' must be an ApiClient/],
    ['namespace of a cluster-scoped kind', { kind: 'Node', namespace: 'a' }, /'namespace' must be empty: Node is cluster-scoped/],
    ['labelSelector', { labelSelector: 'a in (' }, /'labelSelector' is invalid/],
    ['transport', { transport: 'http' }, /'transport' must be one of grpc, nats/],
    ['nats without servers', { transport: 'nats' }, /'nats.servers','nats.connection' one is required/],
    ['nats servers and connection', { nats: { servers: 'nats://x:1', connection: { subscribe() {} } } }, /are mutually exclusive/],
    ['nats.stream', { nats: { servers: 'nats://x:1', stream: 'a.b' } }, /'nats.stream' must be a stream name/],
    ['resyncPeriodMs', { resyncPeriodMs: -1 }, /'resyncPeriodMs' must be a number >= 0/],
    ['backoff.initialMs', { backoff: { initialMs: 0 } }, /'backoff.initialMs' must be a number > 0/],
    ['backoff order', { backoff: { initialMs: 6000 } }, /initialMs must not exceed maxMs/],
    ['logger', { logger: { info() {} } }, /'logger.debug' must be a function/],
  ])('parse - rejects a bad %s, naming the field', (_name, patch, message) => {
    const run = () => parseInformerOptions({ ...base, ...patch } as InformerOptions);
    expect(run).toThrow(InvalidArgumentError);
    expect(run).toThrow(message);
  });
});
