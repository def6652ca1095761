/**
 * The sockets: UDP (node:dgram) and TCP (node:net, length-prefixed, several queries per
 * connection, answers in whatever order they are ready) on one port.
 *
 * TCP is bounded so that no client can hold the server (RFC 7766 §6.2.1.1; CoreDNS's server and
 * its `timeouts` plugin: read 3 s, write 5 s, idle 10 s):
 * - at most `maxConnections` connections; more are closed at once;
 * - at most `maxPipelined` queries of one connection in flight, counting an answer until it has
 *   been handed to the kernel: past that the connection is not read (nor its buffered queries
 *   served) until answers went out, so a client that never reads its answers holds little;
 * - a message must arrive whole within `readTimeoutMs` of its first byte (the first one also of
 *   the connection's start); answers must drain within `writeTimeoutMs`; a connection with
 *   nothing to do is closed after `idleTimeoutMs`;
 * - a length prefix of 0 or over `maxMessageSize` (no DNS query is that short or that long) ends
 *   the connection: nothing after it is read, the answers to the queries before it still go out.
 */
import dgram from 'node:dgram';
import net, { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { splitHostPort, type Logger } from '@minimesh/runtime';
import type { Remote } from '@minimesh/dns-core';
import { MAX_QUERY_SIZE } from './serve-message.js';

/** The reply at once (a pre-encoded answer), or later. */
export type ServeFn = (wire: Uint8Array, proto: 'udp' | 'tcp', remote: Remote) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/**
 * Told, right after the send, of a UDP reply the socket could not hand to the kernel at once and
 * keeps queued: its bytes must not change until it leaves (AnswerMemo.held).
 */
export type ReplyQueued = (reply: Uint8Array) => void;

/** Replies go back to the address a query came from, always an IP: no resolver call (dns.lookup) per reply. */
const literalAddress = (address: string, family: number, cb: (err: Error | null, address: string, family: number) => void) => cb(null, address, family);

export interface DnsListeners {
  host: string;
  port: number;
  /** `host:port` as bound (port resolved when 0 was asked for). */
  address: string;
  close(): Promise<void>;
}

export const TCP_IDLE_TIMEOUT_MS = 10_000;
export const TCP_READ_TIMEOUT_MS = 3_000;
export const TCP_WRITE_TIMEOUT_MS = 5_000;

export interface TcpLimits {
  maxConnections: number;
  maxPipelined: number;
  idleTimeoutMs: number;
  readTimeoutMs?: number;
  writeTimeoutMs?: number;
  maxMessageSize?: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = { maxConnections: 1000, maxPipelined: 100, idleTimeoutMs: TCP_IDLE_TIMEOUT_MS };

const familyOf = (f: string | number): 4 | 6 => (f === 'IPv6' || f === 6 ? 6 : 4);

/**
 * What the UDP socket does with a datagram: serve it and send the reply back. Nothing a client
 * sends throws out of here: a datagram from port 0 cannot be answered (a reply to it fails with
 * ERR_SOCKET_BAD_PORT) and is ignored; any other send that throws is logged.
 */
export function udpReceiver(
  sock: Pick<dgram.Socket, 'send' | 'getSendQueueCount'>,
  serve: ServeFn,
  log: Logger,
  onQueued?: ReplyQueued,
): (msg: Buffer, rinfo: dgram.RemoteInfo) => void {
  const failed = (e: unknown) => log.error('udp query failed', { err: e instanceof Error ? e.message : String(e) });
  const send = (out: Uint8Array | undefined, rinfo: dgram.RemoteInfo) => {
    if (!out) return;
    try {
      sock.send(out, rinfo.port, rinfo.address);
    } catch (e) {
      return failed(e);
    }
    // Counted until the send's completion runs: a reply the kernel took at once is never counted.
    if (onQueued && sock.getSendQueueCount() > 0) onQueued(out);
  };
  return (msg, rinfo) => {
    if (rinfo.port === 0) return;
    const remote: Remote = { address: rinfo.address, port: rinfo.port, family: familyOf(rinfo.family) };
    let out;
    try {
      out = serve(msg, 'udp', remote);
    } catch (e) {
      return failed(e);
    }
    if (out instanceof Promise) out.then((o) => send(o, rinfo)).catch(failed);
    else send(out, rinfo);
  };
}

function bindUdp(host: string, port: number, serve: ServeFn, log: Logger, onQueued: ReplyQueued | undefined): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    // `host` is an IP (startListeners resolved a name): no lookup at all, so a reply is handed to
    // the socket within send() itself, and getSendQueueCount() right after it tells the truth.
    const sock = dgram.createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, lookup: literalAddress as never });
    sock.once('error', reject);
    sock.on('message', udpReceiver(sock, serve, log, onQueued));
    sock.bind(port, host, () => {
      sock.removeListener('error', reject);
      sock.on('error', (e) => log.warn('udp socket error', { err: e.message }));
      resolve(sock);
    });
  });
}

/** One client's TCP connection: frames in, answers out, within the limits. */
function serveTcpConnection(conn: net.Socket, serve: ServeFn, log: Logger, limits: Required<TcpLimits>): void {
  conn.setNoDelay(true);
  const remote: Remote = { address: conn.remoteAddress ?? '', port: conn.remotePort ?? 0, family: familyOf(conn.remoteFamily ?? 'IPv4') };
  let buf: Buffer = Buffer.alloc(0);
  let inFlight = 0;
  let served = 0;
  let timer: NodeJS.Timeout | undefined;
  let armed: 'read' | 'write' | 'idle' | undefined;

  const close = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    conn.destroy();
  };
  const partial = () => buf.length > 0 && (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0));
  /** The one deadline that applies now; a read deadline runs from the first byte of its message. */
  const arm = (restartRead = false) => {
    if (conn.destroyed) return;
    // A message cut short while reading is paused (pipelining limit) is this server's doing.
    const reading = inFlight < limits.maxPipelined;
    const want = reading && partial() ? 'read' : conn.writableLength > 0 ? 'write' : inFlight === 0 ? 'idle' : undefined;
    if (want === armed && !(restartRead && want === 'read')) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    armed = want;
    if (!want) return;
    const ms = want === 'read' ? limits.readTimeoutMs : want === 'write' ? limits.writeTimeoutMs : served === 0 ? Math.min(limits.readTimeoutMs, limits.idleTimeoutMs) : limits.idleTimeoutMs;
    timer = setTimeout(close, ms);
    timer.unref();
  };

  const answered = () => {
    inFlight--;
    pump();
    if (!refused && inFlight < limits.maxPipelined && conn.isPaused() && !conn.destroyed) conn.resume();
    finishIfDone();
    arm();
  };
  // The client half-closed (sent FIN after its queries): answer what it sent, then close.
  let ended = false;
  // A bad length prefix came: no query after it is read; the answers already being made go out
  // (miekg writes each answer before it reads the next length), then the connection closes: at
  // once when there are none, else with a FIN after the last one, what arrives meanwhile dropped
  // (a reset would throw away answers the kernel has not sent yet).
  let refused = false;
  const finishIfDone = () => {
    if (conn.destroyed || inFlight > 0 || !(ended || refused)) return;
    conn.end();
    if (refused) conn.resume();
  };
  const refuse = () => {
    refused = true;
    buf = Buffer.alloc(0);
    if (inFlight === 0) return close();
    conn.pause();
  };

  /** Serves the whole frames in the buffer, as many as the pipelining limit lets through. */
  const pump = () => {
    let consumed = false;
    while (!conn.destroyed && inFlight < limits.maxPipelined && buf.length >= 2) {
      const n = buf.readUInt16BE(0);
      if (n === 0 || n > limits.maxMessageSize) {
        refuse();
        break;
      }
      if (buf.length < 2 + n) break;
      const msg = Uint8Array.from(buf.subarray(2, 2 + n));
      buf = buf.subarray(2 + n);
      consumed = true;
      inFlight++;
      served++;
      let done = false;
      const finished = () => {
        if (done) return;
        done = true;
        answered();
      };
      Promise.resolve()
        .then(() => serve(msg, 'tcp', remote))
        .then((out) => {
          if (!out || conn.destroyed) return finished();
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          // Counted in flight until the kernel took it: a client that does not read holds no more.
          conn.write(Buffer.concat([len, out]), finished);
          arm();
        })
        .catch((e: Error) => {
          log.error('tcp query failed', { err: e.message });
          finished();
        });
    }
    if (inFlight >= limits.maxPipelined) conn.pause();
    arm(consumed);
  };

  arm();
  conn.on('data', (d: Buffer) => {
    if (refused) return;
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    pump();
  });
  conn.on('end', () => {
    ended = true;
    finishIfDone();
  });
  conn.on('error', () => close());
  conn.on('close', () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  });
}

function bindTcp(host: string, port: number, serve: ServeFn, log: Logger, limits: TcpLimits): Promise<net.Server> {
  const full: Required<TcpLimits> = {
    ...limits,
    readTimeoutMs: limits.readTimeoutMs ?? TCP_READ_TIMEOUT_MS,
    writeTimeoutMs: limits.writeTimeoutMs ?? TCP_WRITE_TIMEOUT_MS,
    maxMessageSize: limits.maxMessageSize ?? MAX_QUERY_SIZE,
  };
  const server = net.createServer({ pauseOnConnect: false, allowHalfOpen: true }, (conn) => serveTcpConnection(conn, serve, log, full));
  server.maxConnections = limits.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}

/**
 * Binds UDP and TCP on `listen` (`host:port`; port 0 picks one free for both). `onQueued` hears of
 * UDP replies the socket keeps queued (see ReplyQueued).
 */
export async function startListeners(
  listen: string,
  serve: ServeFn,
  log: Logger,
  limits: TcpLimits = DEFAULT_TCP_LIMITS,
  onQueued?: ReplyQueued,
): Promise<DnsListeners> {
  const { host, port } = splitHostPort(listen);
  // A name (localhost) is looked up once, here: UDP and TCP bind the same address.
  const ip = isIP(host) ? host : (await lookup(host)).address;
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(ip, port, serve, log, onQueued);
    const bound = udp.address().port;
    try {
      const tcp = await bindTcp(ip, bound, serve, log, limits);
      const connections = new Set<net.Socket>();
      tcp.on('connection', (c) => {
        connections.add(c);
        c.on('close', () => connections.delete(c));
      });
      return {
        host,
        port: bound,
        address: host.includes(':') ? `[${host}]:${bound}` : `${host}:${bound}`,
        close: async () => {
          await new Promise<void>((r) => udp.close(() => r()));
          for (const c of connections) c.destroy();
          await new Promise<void>((r) => tcp.close(() => r()));
        },
      };
    } catch (e) {
      await new Promise<void>((r) => udp.close(() => r()));
      // Port 0: another process took the TCP side of the UDP port we got; try another.
      if (port !== 0 || attempt >= 5) throw e;
    }
  }
}
