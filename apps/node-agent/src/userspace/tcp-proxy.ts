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

const ignore = () => undefined;

/** Copies `src` to `dst` with backpressure and passes the end (FIN) on: stream.pipe, lighter. */
function relay(src: net.Socket, dst: net.Socket): void {
  const resume = () => src.resume();
  src.on('data', (chunk: Buffer) => {
    if (!dst.write(chunk)) {
      src.pause();
      dst.once('drain', resume);
    }
  });
  src.on('end', () => dst.end());
}

function dial(b: Backend, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: b.ip, port: b.port, allowHalfOpen: true, noDelay: true });
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
  // Metric children bound once (a labelled inc hashes its labels every time).
  private readonly accepted;
  private readonly bytesIn;
  private readonly bytesOut;
  private readonly activeByEndpoint = new Map<string, ReturnType<UserspaceMetrics['active']['labels']>>();

  private constructor(
    private readonly o: TcpProxyOptions,
    private readonly server: net.Server,
  ) {
    this.accepted = o.metrics.connections.labels({ service: o.service, protocol: 'TCP' });
    this.bytesIn = o.metrics.bytes.labels({ service: o.service, direction: 'in' });
    this.bytesOut = o.metrics.bytes.labels({ service: o.service, direction: 'out' });
  }

  private activeGauge(endpoint: string) {
    let g = this.activeByEndpoint.get(endpoint);
    if (!g) this.activeByEndpoint.set(endpoint, (g = this.o.metrics.active.labels({ service: this.o.service, endpoint })));
    return g;
  }

  static async listen(o: TcpProxyOptions): Promise<TcpProxy> {
    // No Nagle: small writes (a request, an answer) go out at once, as HAProxy sends them.
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
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
    client.on('error', ignore); // a reset client is dealt with on 'close'
    this.accepted.inc();
    // getpeername is a system call: only when affinity or source hashing needs the address.
    const clientIP = lb.needsClientIP ? (client.remoteAddress ?? '').replace(/^::ffff:/, '') : '';
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
    const active = this.activeGauge(b.endpoint);
    active.inc();
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    relay(client, upstream);
    relay(upstream, client);
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
      active.dec();
      this.bytesIn.inc(client.bytesRead);
      this.bytesOut.inc(client.bytesWritten);
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
