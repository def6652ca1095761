/**
 * Informer options, the nats.js way: `defaultInformerOptions()` gives a fresh defaults object,
 * `parseInformerOptions(opts)` merges, checks and derives, throwing an InvalidArgumentError
 * that names the field. What it returns is complete: nothing downstream re-checks or defaults.
 */
import { KINDS, isKind, parseSelector, type Kind, type Selector } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { createLogger } from '@minimesh/runtime';
import type { NatsConnection } from '@nats-io/transport-node';
import { InvalidArgumentError } from './errors.js';
import { DEFAULT_EVENT_STREAM } from '@minimesh/wire';

/** How the informer follows changes after its list: the apiserver's gRPC Watch, or the JetStream event stream. */
export type Transport = 'grpc' | 'nats';
export const TRANSPORTS: readonly Transport[] = ['grpc', 'nats'];

/** The structured logger shape of @minimesh/runtime (any object with these four methods will do). */
export interface InformerLogger {
  debug(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}

export interface NatsTransportOptions {
  /** nats://host:port, or several; the informer opens (and closes) its own connection. */
  servers?: string | string[];
  /** A connection to share (several informers, one connection); the informer never closes it. */
  connection?: NatsConnection;
  /** The JetStream stream the apiserver publishes to. */
  stream?: string;
  /** User and password (or a file holding the password) for a server with authorization. */
  user?: string;
  password?: string;
  passwordFile?: string;
  /** CA that verifies the server's certificate: the connection speaks TLS. */
  caFile?: string;
}

export type { NatsAuth } from '@minimesh/wire';
import type { NatsAuth } from '@minimesh/wire';

export interface BackoffSettings {
  initialMs?: number;
  maxMs?: number;
}

export interface InformerOptions<K extends Kind = Kind> {
  kind: K;
  /** Lists (always) and watches (transport 'grpc'). */
  client: ApiClient;
  /** Only this namespace; '' or absent: all. */
  namespace?: string;
  /** Kubernetes label selector syntax; '' or absent: everything. */
  labelSelector?: string;
  transport?: Transport;
  /** Required when transport is 'nats'. */
  nats?: NatsTransportOptions;
  /** Every this many ms, onUpdate(obj, obj) for every cached object; 0: never. */
  resyncPeriodMs?: number;
  /** Waits between reconnects and relists. */
  backoff?: BackoffSettings;
  logger?: InformerLogger;
}

/** What the informer runs with: every field present and checked. */
export interface ParsedInformerOptions<K extends Kind = Kind> {
  kind: K;
  client: ApiClient;
  namespace: string;
  labelSelector: string;
  /** `labelSelector`, parsed. */
  selector: Selector;
  transport: Transport;
  nats: { servers: string[]; connection?: NatsConnection; stream: string; auth: NatsAuth };
  resyncPeriodMs: number;
  backoff: { initialMs: number; maxMs: number };
  logger: InformerLogger;
}

export const DEFAULT_TRANSPORT: Transport = 'grpc';
export const DEFAULT_RESYNC_PERIOD_MS = 0; // ms; no periodic resync
export const DEFAULT_BACKOFF_INITIAL_MS = 100; // ms before the first retry
export const DEFAULT_BACKOFF_MAX_MS = 5_000; // ms; retries are never further apart

export type InformerDefaults = Omit<ParsedInformerOptions, 'kind' | 'client' | 'selector'>;

export function defaultInformerOptions(): InformerDefaults {
  return {
    namespace: '',
    labelSelector: '',
    transport: DEFAULT_TRANSPORT,
    nats: { servers: [], stream: DEFAULT_EVENT_STREAM, auth: {} },
    resyncPeriodMs: DEFAULT_RESYNC_PERIOD_MS,
    backoff: { initialMs: DEFAULT_BACKOFF_INITIAL_MS, maxMs: DEFAULT_BACKOFF_MAX_MS },
    logger: createLogger('informer'),
  };
}

export function parseInformerOptions<K extends Kind>(opts: InformerOptions<K>): ParsedInformerOptions<K> {
  if (!opts || typeof opts !== 'object') throw InvalidArgumentError.format('options', 'must be an object');
  const d = defaultInformerOptions();
  const { kind, client } = opts;

  if (typeof kind !== 'string' || !isKind(kind)) throw InvalidArgumentError.format('kind', `must be one of ${Object.keys(KINDS).join(', ')}`);
  if (!client || typeof client.list !== 'function' || typeof client.watch !== 'function') {
    throw InvalidArgumentError.format('client', 'must be an ApiClient');
  }

  const namespace = opts.namespace ?? d.namespace;
  if (typeof namespace !== 'string') throw InvalidArgumentError.format('namespace', 'must be a string');
  if (namespace && !KINDS[kind].namespaced) throw InvalidArgumentError.format('namespace', `must be empty: ${kind} is cluster-scoped`);

  const labelSelector = opts.labelSelector ?? d.labelSelector;
  if (typeof labelSelector !== 'string') throw InvalidArgumentError.format('labelSelector', 'must be a string');
  let selector: Selector;
  try {
    selector = parseSelector(labelSelector);
  } catch (e) {
    throw InvalidArgumentError.format('labelSelector', `is invalid: ${(e as Error).message}`, { cause: e });
  }

  const transport = opts.transport ?? d.transport;
  if (!TRANSPORTS.includes(transport)) throw InvalidArgumentError.format('transport', `must be one of ${TRANSPORTS.join(', ')}`);

  const nats = parseNats(opts.nats, d.nats.stream, transport);

  const resyncPeriodMs = opts.resyncPeriodMs ?? d.resyncPeriodMs;
  if (typeof resyncPeriodMs !== 'number' || !Number.isFinite(resyncPeriodMs) || resyncPeriodMs < 0) {
    throw InvalidArgumentError.format('resyncPeriodMs', 'must be a number >= 0');
  }

  const initialMs = opts.backoff?.initialMs ?? d.backoff.initialMs;
  const maxMs = opts.backoff?.maxMs ?? d.backoff.maxMs;
  for (const [field, v] of [['backoff.initialMs', initialMs], ['backoff.maxMs', maxMs]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw InvalidArgumentError.format(field, 'must be a number > 0');
  }
  if (initialMs > maxMs) throw InvalidArgumentError.format(['backoff.initialMs', 'backoff.maxMs'], 'initialMs must not exceed maxMs');

  const logger = opts.logger ?? d.logger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger?.[level] !== 'function') throw InvalidArgumentError.format(`logger.${level}`, 'must be a function');
  }

  return { kind, client, namespace, labelSelector, selector, transport, nats, resyncPeriodMs, backoff: { initialMs, maxMs }, logger };
}

function parseNats(raw: NatsTransportOptions | undefined, defaultStream: string, transport: Transport): ParsedInformerOptions['nats'] {
  const servers = typeof raw?.servers === 'string' ? raw.servers.split(',').map((s) => s.trim()).filter(Boolean) : (raw?.servers ?? []);
  if (!Array.isArray(servers) || servers.some((s) => typeof s !== 'string' || !s)) {
    throw InvalidArgumentError.format('nats.servers', 'must be a URL or a list of URLs');
  }
  const connection = raw?.connection;
  if (connection && servers.length) throw InvalidArgumentError.format(['nats.servers', 'nats.connection'], 'are mutually exclusive');
  if (connection && typeof connection.subscribe !== 'function') throw InvalidArgumentError.format('nats.connection', 'must be a NatsConnection');
  if (transport === 'nats' && !connection && !servers.length) {
    throw InvalidArgumentError.format(['nats.servers', 'nats.connection'], "one is required when transport is 'nats'");
  }
  const stream = raw?.stream ?? defaultStream;
  if (typeof stream !== 'string' || !/^[^.*>\s]+$/.test(stream)) throw InvalidArgumentError.format('nats.stream', 'must be a stream name');
  const auth: NatsAuth = {};
  for (const field of ['user', 'password', 'passwordFile', 'caFile'] as const) {
    const v = raw?.[field];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string') throw InvalidArgumentError.format(`nats.${field}`, 'must be a string');
    auth[field] = v;
  }
  if (auth.password !== undefined && auth.passwordFile !== undefined) throw InvalidArgumentError.format(['nats.password', 'nats.passwordFile'], 'are mutually exclusive');
  return connection ? { servers, connection, stream, auth } : { servers, stream, auth };
}
