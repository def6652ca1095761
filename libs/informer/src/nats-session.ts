/**
 * The informer's NATS connection: either one it was given (shared, never closed here) or one it
 * opens itself, which reconnects forever with the informer's backoff. Tracks whether the
 * connection is up, so a follower waits for a reconnect instead of timing out requests.
 */
import { connect, type NatsConnection, type Status } from '@nats-io/transport-node';
import { Backoff } from './backoff.js';
import { natsAuthOptions, type NatsAuth } from '@minimesh/wire';

export interface NatsSessionOptions {
  servers: string[];
  /** A shared connection: used as is, never closed by the session. */
  connection?: NatsConnection;
  /** Client name the server shows for an owned connection. */
  name: string;
  backoff: { initialMs: number; maxMs: number };
  auth?: NatsAuth;
}

export type StatusListener = (status: Status) => void;

export class NatsSession {
  private nc?: NatsConnection;
  private connected = false;
  private closed = false;
  private readonly listeners = new Set<StatusListener>();
  private stopWatching?: () => void;
  private readonly reconnectBackoff: Backoff;

  constructor(private readonly opts: NatsSessionOptions) {
    this.reconnectBackoff = new Backoff(opts.backoff);
  }

  /** The connection, opened if need be; throws when the server cannot be reached now. */
  async connection(): Promise<NatsConnection> {
    if (this.closed) throw new Error('the NATS session is closed');
    if (this.nc && !this.nc.isClosed()) return this.nc;
    this.stopWatching?.();
    const nc =
      this.opts.connection ??
      (await connect({
        servers: this.opts.servers,
        name: this.opts.name,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectDelayHandler: () => this.reconnectBackoff.next(),
        pingInterval: 10_000,
        maxPingOut: 3,
        ...natsAuthOptions(this.opts.auth),
      }));
    if (this.closed && nc !== this.opts.connection) await nc.close().catch(() => undefined); // closed while connecting
    if (this.closed || nc.isClosed()) throw new Error('the NATS connection is closed');
    this.nc = nc;
    this.connected = true;
    this.stopWatching = watchStatus(nc, (s) => {
      if (s.type === 'disconnect' || s.type === 'staleConnection') this.connected = false;
      if (s.type === 'reconnect') {
        this.connected = true;
        this.reconnectBackoff.reset();
      }
      for (const l of this.listeners) l(s);
    });
    return nc;
  }

  get isConnected(): boolean {
    return !!this.nc && !this.nc.isClosed() && this.connected;
  }

  /** Calls `listener` with every status of the connection until the returned function is called. */
  onStatus(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Resolves once the connection is up (at once if it is), or when `signal` aborts. */
  async whenConnected(signal: AbortSignal): Promise<void> {
    if (this.isConnected || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        off();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const off = this.onStatus((s) => {
        if (s.type === 'reconnect' || s.type === 'close') done();
      });
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching?.();
    this.listeners.clear();
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !this.opts.connection) await nc.close().catch(() => undefined);
  }
}

/** Feeds `nc.status()` to `onStatus` until the returned function is called (or the connection closes). */
function watchStatus(nc: NatsConnection, onStatus: StatusListener): () => void {
  const statuses = nc.status();
  void (async () => {
    for await (const s of statuses) onStatus(s);
  })().catch(() => undefined);
  return () => {
    if (isStoppable(statuses)) statuses.stop();
  };
}

/** nats.js hands out a QueuedIterator typed as a plain AsyncIterable; it can be stopped. */
function isStoppable(v: object): v is { stop(): void } {
  return 'stop' in v && typeof v.stop === 'function';
}
