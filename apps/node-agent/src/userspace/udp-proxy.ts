/**
 * The UDP side of the userspace proxy: one socket per Service port (and traffic class). Each
 * client address is a flow with its own socket connected to the endpoint the load balancer chose;
 * replies go back through the listening socket, so the client sees them come from the address it
 * sent to (conntrack undoes the portal's redirect). A flow ends after `idleTimeoutMs` without
 * traffic (--udp-timeout: kube-proxy's userspace mode used 250 ms; the agent's default is
 * conntrack's 30 s). When the endpoint answers with an ICMP port unreachable before it ever
 * replied, the flow moves to the next endpoint and sends the unanswered datagrams again.
 */
import dgram from 'node:dgram';
import type { Backend } from './load-balancer.js';
import type { ProxyListenerOptions } from './tcp-proxy.js';

export interface UdpProxyOptions extends ProxyListenerOptions {
  idleTimeoutMs: number;
}

/** Datagrams kept for a resend until the endpoint first replies. */
const MAX_UNANSWERED = 16;

interface Flow {
  readonly clientIP: string;
  readonly clientPort: number;
  backend: Backend;
  socket: dgram.Socket;
  connected: boolean;
  /** Sent (or queued) since the endpoint last replied. */
  unanswered: Buffer[];
  answered: boolean;
  lastActive: number;
  tried: Set<string>;
}

export class UdpProxy {
  private readonly flows = new Map<string, Flow>();
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    private readonly o: UdpProxyOptions,
    private readonly server: dgram.Socket,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(1000, o.idleTimeoutMs / 2)));
    this.sweeper.unref();
  }

  static async listen(o: UdpProxyOptions): Promise<UdpProxy> {
    const server = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.bind(o.port ?? 0, o.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const proxy = new UdpProxy(o, server);
    server.on('message', (msg, rinfo) => proxy.receive(msg, rinfo.address, rinfo.port));
    server.on('error', (e) => o.log.error('proxy listener failed', { service: o.service, err: e.message }));
    return proxy;
  }

  get port(): number {
    return this.server.address().port;
  }

  /** Open flows to `endpoint`. */
  connections(endpoint: string): number {
    let n = 0;
    for (const f of this.flows.values()) if (f.backend.endpoint === endpoint) n++;
    return n;
  }

  private receive(msg: Buffer, clientIP: string, clientPort: number): void {
    const key = `${clientIP}:${clientPort}`;
    let flow = this.flows.get(key);
    if (!flow) {
      const b = this.o.lb.next(clientIP);
      if (!b) {
        this.o.metrics.rejected.inc({ service: this.o.service, reason: 'no_endpoints' });
        return;
      }
      this.o.metrics.connections.inc({ service: this.o.service, protocol: 'UDP' });
      flow = this.openFlow(key, clientIP, clientPort, b, new Set([b.endpoint]));
    }
    flow.lastActive = Date.now();
    this.o.metrics.bytes.inc({ service: this.o.service, direction: 'in' }, msg.length);
    if (!flow.answered) {
      flow.unanswered.push(msg);
      if (flow.unanswered.length > MAX_UNANSWERED) flow.unanswered.shift();
    }
    if (flow.connected) flow.socket.send(msg);
  }

  private openFlow(key: string, clientIP: string, clientPort: number, b: Backend, tried: Set<string>): Flow {
    const socket = dgram.createSocket('udp4');
    const flow: Flow = { clientIP, clientPort, backend: b, socket, connected: false, unanswered: [], answered: false, lastActive: Date.now(), tried };
    this.flows.set(key, flow);
    this.o.lb.opened(b.endpoint);
    this.o.metrics.active.inc({ service: this.o.service, endpoint: b.endpoint });
    socket.on('message', (reply) => {
      flow.answered = true;
      flow.unanswered = [];
      flow.lastActive = Date.now();
      this.o.lb.succeeded(b.endpoint);
      this.o.metrics.bytes.inc({ service: this.o.service, direction: 'out' }, reply.length);
      this.server.send(reply, clientPort, clientIP);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => this.flowFailed(key, flow, e));
    socket.connect(b.port, b.ip, () => {
      flow.connected = true;
      for (const m of flow.unanswered) socket.send(m);
    });
    return flow;
  }

  /** ICMP unreachable (ECONNREFUSED) before any reply: the next endpoint gets the flow. */
  private flowFailed(key: string, flow: Flow, e: NodeJS.ErrnoException): void {
    this.o.lb.failed(flow.backend.endpoint);
    this.o.metrics.dialFailures.inc({ service: this.o.service, endpoint: flow.backend.endpoint });
    const pending = flow.unanswered;
    this.closeFlow(key, flow);
    if (flow.answered || e.code !== 'ECONNREFUSED') return;
    const next = this.o.lb.next(flow.clientIP, true, flow.tried);
    if (!next) return;
    flow.tried.add(next.endpoint);
    const moved = this.openFlow(key, flow.clientIP, flow.clientPort, next, flow.tried);
    moved.unanswered = pending;
  }

  private closeFlow(key: string, flow: Flow): void {
    if (this.flows.get(key) !== flow) return;
    this.flows.delete(key);
    flow.socket.close();
    this.o.lb.closed(flow.backend.endpoint);
    this.o.metrics.active.dec({ service: this.o.service, endpoint: flow.backend.endpoint });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, f] of this.flows) if (now - f.lastActive > this.o.idleTimeoutMs) this.closeFlow(key, f);
  }

  /** The endpoints went away: their flows end now (UDP has nothing to drain). */
  drain(endpoints: readonly string[]): void {
    const gone = new Set(endpoints);
    for (const [key, f] of this.flows) if (gone.has(f.backend.endpoint)) this.closeFlow(key, f);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const [key, f] of this.flows) this.closeFlow(key, f);
    this.server.close();
  }
}
