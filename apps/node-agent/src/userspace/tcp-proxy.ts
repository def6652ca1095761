/**
 * The TCP side of the userspace proxy: one listening socket per Service port (and traffic class),
 * where the portal rules redirect clients. Each client gets an endpoint from the load balancer;
 * when connecting to it fails, the next one is tried with a longer timeout (kube-proxy's
 * tryConnect: 250 ms, 500 ms, 1 s, 2 s), and only when every try failed is the client reset.
 * Bytes are piped both ways with backpressure; a half-close (FIN) from either side is passed on
 * while the other direction keeps flowing. Connections to removed endpoints finish, or are closed
 * after a grace period.
 */
import net from 'node:net';
import type { Logger } from '@minimesh/runtime';
import type { Backend, LoadBalancer } from './load-balancer.js';
import type { UserspaceMetrics } from './userspace-metrics.js';

/** kube-proxy's EndpointDialTimeouts. */
export const DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000];

export interface ProxyListenerOptions {
  /** The service port ("ns/name:port"), for logs and metrics. */
  service: string;
  lb: LoadBalancer;
  metrics: UserspaceMetrics;
  log: Logger;
  /** Address to listen on (default 0.0.0.0). */
  host?: string;
  /** Port to listen on (default 0: any free one). */
  port?: number;
}

export interface TcpProxyOptions extends ProxyListenerOptions {
  /** Open connections at most; more are refused (0: no limit). */
  maxConnections: number;
  dialTimeoutsMs?: readonly number[];
}

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

function dial(b: Backend, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: b.ip, port: b.port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`dial ${b.endpoint}: timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export class TcpProxy {
  private readonly open = new Map<string, Set<Pair>>();
  private closing = false;

  private constructor(
    private readonly o: TcpProxyOptions,
    private readonly server: net.Server,
  ) {}

  static async listen(o: TcpProxyOptions): Promise<TcpProxy> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const proxy = new TcpProxy(o, server);
    if (o.maxConnections > 0) server.maxConnections = o.maxConnections;
    server.on('connection', (client) => void proxy.accept(client));
    server.on('drop', () => o.metrics.rejected.inc({ service: o.service, reason: 'limit' }));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, o.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => o.log.error('proxy listener failed', { service: o.service, err: e.message }));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Open connections to `endpoint`. */
  connections(endpoint: string): number {
    return this.open.get(endpoint)?.size ?? 0;
  }

  private async accept(client: net.Socket): Promise<void> {
    const { lb, metrics, service } = this.o;
    client.on('error', () => undefined); // a reset client is dealt with on 'close'
    metrics.connections.inc({ service, protocol: 'TCP' });
    const clientIP = (client.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (lb.endpoints.length === 0) {
      metrics.rejected.inc({ service, reason: 'no_endpoints' });
      client.resetAndDestroy();
      return;
    }
    const tried = new Set<string>();
    let reset = false;
    for (const timeoutMs of this.o.dialTimeoutsMs ?? DIAL_TIMEOUTS_MS) {
      const b = lb.next(clientIP, reset, tried);
      if (!b || client.destroyed) break;
      tried.add(b.endpoint);
      try {
        const upstream = await dial(b, timeoutMs);
        lb.succeeded(b.endpoint);
        if (client.destroyed) {
          upstream.destroy();
          return;
        }
        this.splice(client, upstream, b);
        return;
      } catch (e) {
        lb.failed(b.endpoint);
        metrics.dialFailures.inc({ service, endpoint: b.endpoint });
        this.o.log.debug('dial failed; trying the next endpoint', { service, endpoint: b.endpoint, err: (e as Error).message });
        reset = true;
      }
    }
    metrics.rejected.inc({ service, reason: 'endpoints_failed' });
    if (!client.destroyed) client.resetAndDestroy();
  }

  private splice(client: net.Socket, upstream: net.Socket, b: Backend): void {
    const { lb, metrics, service } = this.o;
    const pair: Pair = { client, upstream };
    let set = this.open.get(b.endpoint);
    if (!set) this.open.set(b.endpoint, (set = new Set()));
    set.add(pair);
    lb.opened(b.endpoint);
    metrics.active.inc({ service, endpoint: b.endpoint });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    let closed = 0;
    const onClose = () => {
      if (++closed === 1) {
        // One side is gone for good (not a half-close): end the other once it has flushed.
        if (!client.destroyed && client.writableEnded === false) client.end();
        if (!upstream.destroyed && upstream.writableEnded === false) upstream.end();
        return;
      }
      set!.delete(pair);
      if (set!.size === 0) this.open.delete(b.endpoint);
      lb.closed(b.endpoint);
      metrics.active.dec({ service, endpoint: b.endpoint });
      metrics.bytes.inc({ service, direction: 'in' }, client.bytesRead);
      metrics.bytes.inc({ service, direction: 'out' }, client.bytesWritten);
    };
    client.once('close', onClose);
    upstream.once('close', onClose);
  }

  /** The endpoints went away: their connections may finish, and are closed after `graceMs`. */
  drain(endpoints: readonly string[], graceMs: number): void {
    for (const e of endpoints) {
      const pairs = this.open.get(e);
      if (!pairs?.size) continue;
      setTimeout(() => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
      }, graceMs).unref();
    }
  }

  /** Stops accepting at once; open connections finish, or are closed after `graceMs`. */
  close(graceMs: number): void {
    if (this.closing) return;
    this.closing = true;
    this.drain([...this.open.keys()], graceMs);
    this.server.close();
  }
}
