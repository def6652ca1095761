/**
 * The sockets: UDP (node:dgram) and TCP (node:net, length-prefixed, several queries per
 * connection, answers in whatever order they are ready, idle connections closed) on one port.
 *
 * TCP is bounded so that no client can hold the server: at most `maxConnections` connections
 * (more are closed at once), at most `maxPipelined` queries of one connection in flight (the
 * connection stops being read until answers went out, RFC 7766 §6.2.1.1), a connection idle for
 * `idleTimeoutMs` is closed, and a frame of length 0 or a buffer that grows past one frame is a
 * protocol error that closes the connection.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { splitHostPort, type Logger } from '@minimesh/runtime';
import type { Remote } from '@minimesh/dns-core';

export type ServeFn = (wire: Uint8Array, proto: 'udp' | 'tcp', remote: Remote) => Promise<Uint8Array | undefined>;

export interface DnsListeners {
  host: string;
  port: number;
  /** `host:port` as bound (port resolved when 0 was asked for). */
  address: string;
  close(): Promise<void>;
}

export const TCP_IDLE_TIMEOUT_MS = 10_000;

export interface TcpLimits {
  maxConnections: number;
  maxPipelined: number;
  idleTimeoutMs: number;
}

export const DEFAULT_TCP_LIMITS: TcpLimits = { maxConnections: 1000, maxPipelined: 100, idleTimeoutMs: TCP_IDLE_TIMEOUT_MS };

const familyOf = (f: string | number): 4 | 6 => (f === 'IPv6' || f === 6 ? 6 : 4);

function bindUdp(host: string, port: number, serve: ServeFn, log: Logger): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 << 20 });
    sock.once('error', reject);
    sock.on('message', (msg, rinfo) => {
      const remote: Remote = { address: rinfo.address, port: rinfo.port, family: familyOf(rinfo.family) };
      serve(msg, 'udp', remote)
        .then((out) => {
          if (out) sock.send(out, rinfo.port, rinfo.address);
        })
        .catch((e: Error) => log.error('udp query failed', { err: e.message }));
    });
    sock.bind(port, host, () => {
      sock.removeListener('error', reject);
      sock.on('error', (e) => log.warn('udp socket error', { err: e.message }));
      resolve(sock);
    });
  });
}

function bindTcp(host: string, port: number, serve: ServeFn, log: Logger, limits: TcpLimits): Promise<net.Server> {
  const server = net.createServer({ pauseOnConnect: false }, (conn) => {
    conn.setTimeout(limits.idleTimeoutMs, () => conn.destroy());
    conn.setNoDelay(true);
    const remote: Remote = { address: conn.remoteAddress ?? '', port: conn.remotePort ?? 0, family: familyOf(conn.remoteFamily ?? 'IPv4') };
    let buf: Buffer = Buffer.alloc(0);
    let inFlight = 0;
    const answered = () => {
      inFlight--;
      if (inFlight < limits.maxPipelined && conn.isPaused() && !conn.destroyed) conn.resume();
    };
    conn.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2) {
        const n = buf.readUInt16BE(0);
        if (n === 0) {
          conn.destroy(); // a zero-length message is no DNS message
          return;
        }
        if (buf.length < 2 + n) break;
        const msg = Uint8Array.from(buf.subarray(2, 2 + n));
        buf = buf.subarray(2 + n);
        inFlight++;
        if (inFlight >= limits.maxPipelined) conn.pause();
        serve(msg, 'tcp', remote)
          .then((out) => {
            if (!out || conn.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            conn.write(Buffer.concat([len, out]));
          })
          .catch((e: Error) => log.error('tcp query failed', { err: e.message }))
          .finally(answered);
      }
    });
    conn.on('error', () => conn.destroy());
  });
  server.maxConnections = limits.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}

/** Binds UDP and TCP on `listen` (`host:port`; port 0 picks one free for both). */
export async function startListeners(listen: string, serve: ServeFn, log: Logger, limits: TcpLimits = DEFAULT_TCP_LIMITS): Promise<DnsListeners> {
  const { host, port } = splitHostPort(listen);
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(host, port, serve, log);
    const bound = udp.address().port;
    try {
      const tcp = await bindTcp(host, bound, serve, log, limits);
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
