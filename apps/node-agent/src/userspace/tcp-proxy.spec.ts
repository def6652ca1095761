import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@minimesh/runtime';
import { eventually } from '@minimesh/runtime/testing';
import { LoadBalancer, type Backend } from './load-balancer.js';
import { TcpProxy } from './tcp-proxy.js';
import { userspaceMetrics } from './userspace-metrics.js';

type Handler = (s: net.Socket, name: string) => void;
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A backend on loopback that runs `handler` (default: writes its name and closes). */
async function backend(name: string, handler: Handler = (s, n) => s.end(`${n}\n`)): Promise<Backend & { server: net.Server }> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => handler(s, name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  return { endpoint: `127.0.0.1:${port}`, ip: '127.0.0.1', port, server };
}

async function proxyFor(backends: Backend[], o: { scheduler?: 'rr' | 'lc'; maxConnections?: number } = {}) {
  const lb = new LoadBalancer({ scheduler: o.scheduler ?? 'rr', affinitySeconds: 0, destinationIP: '10.96.0.1' });
  lb.setEndpoints(backends);
  const metrics = userspaceMetrics(new Registry());
  const proxy = await TcpProxy.listen({ service: 'ns/web', lb, metrics, log: createLogger('test', { level: 'error' }), host: '127.0.0.1', maxConnections: o.maxConnections ?? 0 });
  cleanups.push(() => proxy.close(0));
  return { lb, metrics, proxy };
}

/** Connects, optionally writes and half-closes, and collects everything until the server closes. */
function request(port: number, body?: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => resolve(Buffer.concat(chunks).toString()));
    s.on('error', reject);
    s.on('connect', () => (body === undefined ? undefined : s.end(body)));
  });
}

const metricValue = async (m: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> }, labels: Record<string, string>) =>
  (await m.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);

describe('TcpProxy', () => {
  it('forwards each connection to the next endpoint', async () => {
    const { proxy } = await proxyFor([await backend('a'), await backend('b')]);
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await request(proxy.port)).trim());
    expect(got.sort()).toEqual(['a', 'a', 'b', 'b']);
  });

  it('retries the next endpoint when one refuses: the client never sees the failure', async () => {
    const dead = await backend('dead');
    dead.server.close();
    const alive = await backend('alive');
    const { proxy, metrics, lb } = await proxyFor([dead, alive]);
    for (let i = 0; i < 3; i++) expect((await request(proxy.port)).trim()).toBe('alive');
    expect(await metricValue(metrics.dialFailures, { endpoint: dead.endpoint })).toBe(1); // then it is skipped
    expect(lb.isFailing(dead.endpoint)).toBe(true);
  });

  it('resets the client when there are no endpoints or every one fails', async () => {
    const dead = await backend('dead');
    dead.server.close();
    const { proxy, metrics, lb } = await proxyFor([]);
    await expect(request(proxy.port)).rejects.toThrow(/ECONNRESET/);
    lb.setEndpoints([dead]);
    await expect(request(proxy.port)).rejects.toThrow(/ECONNRESET/);
    expect(await metricValue(metrics.rejected, { reason: 'no_endpoints' })).toBe(1);
    expect(await metricValue(metrics.rejected, { reason: 'endpoints_failed' })).toBe(1);
  });

  it('passes a half-close on: the backend answers after the client has finished sending', async () => {
    const upper = await backend('upper', (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (d) => chunks.push(d));
      s.on('end', () => s.end(Buffer.concat(chunks).toString().toUpperCase()));
    });
    const { proxy } = await proxyFor([upper]);
    expect(await request(proxy.port, 'hello, half-closed world')).toBe('HELLO, HALF-CLOSED WORLD');
  });

  it('moves 32 MiB each way intact (backpressure on both pipes)', async () => {
    const payload = randomBytes(32 * 1024 * 1024);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const echo = await backend('echo', (s) => s.pipe(s));
    const { proxy, metrics } = await proxyFor([echo]);
    const got = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect({ port: proxy.port, host: '127.0.0.1', allowHalfOpen: true });
      const chunks: Buffer[] = [];
      s.on('data', (d) => chunks.push(d));
      s.on('end', () => resolve(Buffer.concat(chunks)));
      s.on('error', reject);
      s.end(payload);
    });
    expect(sha(got)).toBe(sha(payload));
    await eventually(async () => (await metricValue(metrics.bytes, { direction: 'out' })) === payload.length);
    expect(await metricValue(metrics.bytes, { direction: 'in' })).toBe(payload.length);
  }, 30_000);

  it('lc sends a new connection to the idle endpoint while others are held open', async () => {
    // Answers, then keeps the connection open until the client closes it.
    const hold: Handler = (s, n) => {
      s.write(`${n}\n`);
      s.on('end', () => s.end());
    };
    const a = await backend('a', hold);
    const b = await backend('b', hold);
    const { proxy, lb } = await proxyFor([a, b], { scheduler: 'lc' });
    const held: net.Socket[] = [];
    const open = () =>
      new Promise<string>((resolve) => {
        const s = net.connect({ port: proxy.port, host: '127.0.0.1' });
        held.push(s);
        s.once('data', (d) => resolve(d.toString().trim()));
      });
    cleanups.push(() => held.forEach((s) => s.destroy()));
    const first = await open();
    const second = await open();
    expect([first, second].sort()).toEqual(['a', 'b']);
    expect(await open()).toBe(first); // a tie: the first endpoint
    // Now the first holds 2, the second 1: the second is the least loaded.
    expect(await open()).toBe(second);
    held[0]!.destroy();
    held[2]!.destroy();
    await eventually(async () => lb.activeConnections(first === 'a' ? a.endpoint : b.endpoint) === 0);
    expect(await open()).toBe(first);
  });

  it('refuses connections over the limit', async () => {
    const a = await backend('a', (s, n) => s.write(`${n}\n`));
    const { proxy, metrics } = await proxyFor([a], { maxConnections: 1 });
    const one = net.connect({ port: proxy.port, host: '127.0.0.1' });
    cleanups.push(() => one.destroy());
    await new Promise((r) => one.once('data', r));
    await expect(request(proxy.port)).resolves.toBe('');
    expect(await metricValue(metrics.rejected, { reason: 'limit' })).toBe(1);
  });

  it('connections to a removed endpoint finish, or close after the grace period', async () => {
    const a = await backend('a', (s, n) => s.write(`${n}\n`));
    const { proxy, lb } = await proxyFor([a]);
    const s = net.connect({ port: proxy.port, host: '127.0.0.1' });
    await new Promise((r) => s.once('data', r));
    const closed = new Promise((r) => s.once('close', r));
    proxy.drain(lb.setEndpoints([]).map((b) => b.endpoint), 200);
    expect(proxy.connections(a.endpoint)).toBe(1);
    await closed;
    await eventually(async () => proxy.connections(a.endpoint) === 0);
  });
});
