/**
 * The sockets themselves: a datagram whose reply cannot be sent (source port 0, a send that
 * throws) costs that reply only, and a TCP connection that turns bad still gets the answers to
 * the queries it sent before.
 */
import dgram from 'node:dgram';
import net, { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Logger } from '@minimesh/runtime';
import { startListeners, udpReceiver, type DnsListeners, type ServeFn } from './dns-listeners.js';

const answer = Uint8Array.from([0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const fakeLog = () => ({ error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() }) as unknown as Logger & { error: ReturnType<typeof vi.fn> };
const rinfo = (port: number): dgram.RemoteInfo => ({ address: '127.0.0.1', port, family: 'IPv4', size: 12 });
const tick = () => new Promise((r) => setTimeout(r, 20));

describe('UDP: replies that cannot be sent', () => {
  let sock: dgram.Socket;
  beforeAll(async () => {
    sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  });
  afterAll(() => new Promise<void>((r) => sock.close(() => r())));

  it('a datagram from source port 0 is ignored, whether its answer is known at once or made later', async () => {
    const serve = vi.fn<ServeFn>(() => answer);
    const log = fakeLog();
    const receive = udpReceiver(sock, serve, log);
    expect(() => receive(Buffer.from(answer), rinfo(0))).not.toThrow();
    const later = udpReceiver(sock, () => Promise.resolve(answer), log);
    expect(() => later(Buffer.from(answer), rinfo(0))).not.toThrow();
    await tick();
    expect(serve).not.toHaveBeenCalled();
  });

  it('a send that throws is logged, not thrown: for an answer at once and for one made later', async () => {
    const throwing = { send: () => { throw new RangeError('bad port'); } } as unknown as dgram.Socket;
    const log = fakeLog();
    expect(() => udpReceiver(throwing, () => answer, log)(Buffer.from(answer), rinfo(5353))).not.toThrow();
    udpReceiver(throwing, () => Promise.resolve(answer), log)(Buffer.from(answer), rinfo(5353));
    await tick();
    expect(log.error).toHaveBeenCalledTimes(2);
  });
});

describe('UDP: replies the socket queues', () => {
  const fakeSocket = (queued: number) => ({ sent: [] as Uint8Array[], send(b: Uint8Array) { this.sent.push(b); }, getSendQueueCount: () => queued });

  it('are told to onQueued right after the send, whether the answer came at once or later; replies sent at once are not', async () => {
    for (const queued of [0, 1]) {
      const sock = fakeSocket(queued);
      const onQueued = vi.fn();
      udpReceiver(sock as unknown as dgram.Socket, () => answer, fakeLog(), onQueued)(Buffer.from(answer), rinfo(5353));
      const later = Uint8Array.from(answer);
      udpReceiver(sock as unknown as dgram.Socket, () => Promise.resolve(later), fakeLog(), onQueued)(Buffer.from(answer), rinfo(5353));
      await tick();
      expect(sock.sent).toEqual([answer, later]);
      expect(onQueued.mock.calls).toEqual(queued ? [[answer], [later]] : []);
    }
  });

  it('a real socket: a reply the kernel takes at once is not reported as queued', async () => {
    const sock = dgram.createSocket('udp4');
    const peer = dgram.createSocket('udp4');
    try {
      await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
      const onQueued = vi.fn();
      const receive = udpReceiver(sock, () => answer, fakeLog(), onQueued);
      receive(Buffer.from(answer), rinfo(peer.address().port));
      expect(onQueued).not.toHaveBeenCalled(); // the kernel took it at once
      const got = new Promise<Buffer>((r) => peer.once('message', r));
      expect([...(await got)]).toEqual([...answer]);
    } finally {
      sock.close();
      peer.close();
    }
  });
});

describe('a name to listen on', () => {
  it('is looked up once: UDP and TCP bind the address it names, and UDP replies leave within send()', async () => {
    const onQueued = vi.fn();
    const srv = await startListeners('localhost:0', (wire) => Uint8Array.from(wire), fakeLog(), undefined, onQueued);
    try {
      const ip = (await lookup('localhost')).address;
      const client = dgram.createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
      try {
        const reply = new Promise<Buffer>((r) => client.once('message', r));
        client.send(Buffer.from(answer), srv.port, ip);
        expect([...(await reply)]).toEqual([...answer]);
      } finally {
        client.close();
      }
      const tcp = net.connect(srv.port, ip);
      await new Promise<void>((resolve, reject) => tcp.once('connect', resolve).once('error', reject));
      tcp.destroy();
      expect(onQueued).not.toHaveBeenCalled();
    } finally {
      await srv.close();
    }
  });
});

describe('TCP: a bad length prefix after good queries', () => {
  let srv: DnsListeners;
  // Answers each query (its id echoed) a little later, as the plugin chain does.
  const serve: ServeFn = async (wire) => {
    await new Promise((r) => setTimeout(r, 30));
    const q = dnsPacket.decode(Buffer.from(wire));
    return dnsPacket.encode({ type: 'response', id: q.id, questions: q.questions });
  };
  beforeAll(async () => {
    srv = await startListeners('127.0.0.1:0', serve, fakeLog(), { maxConnections: 10, maxPipelined: 10, idleTimeoutMs: 5000 });
  });
  afterAll(() => srv?.close());

  /** Writes `bytes` at once; the ids of the answers read until the server closed the connection. */
  const exchange = (bytes: Buffer) =>
    new Promise<number[]>((resolve) => {
      const ids: number[] = [];
      let buf = Buffer.alloc(0);
      const c = net.connect(srv.port, '127.0.0.1', () => c.write(bytes));
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          ids.push(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))).id!);
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
      });
      c.on('error', () => {});
      c.on('close', () => resolve(ids));
    });
  const framed = (id: number) => dnsPacket.streamEncode({ type: 'query', id, questions: [{ name: 'a.example', type: 'A' }] });

  it('a zero length after two queries: both answered, then the connection closes', async () => {
    expect((await exchange(Buffer.concat([framed(1), framed(2), Buffer.from([0, 0])]))).sort()).toEqual([1, 2]);
  });

  it('a length over the limit after a query: answered, then closed; the rest is never read', async () => {
    expect(await exchange(Buffer.concat([framed(3), Buffer.from([0x13, 0x88]), framed(4)]))).toEqual([3]);
  });

  it('a bad length alone still closes the connection at once', async () => {
    const started = Date.now();
    expect(await exchange(Buffer.from([0, 0]))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
