import dgram from 'node:dgram';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@minimesh/runtime';
import { eventually } from '@minimesh/runtime/testing';
import { LoadBalancer, type Backend } from './load-balancer.js';
import { UdpProxy } from './udp-proxy.js';
import { userspaceMetrics } from './userspace-metrics.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A UDP backend on loopback that answers `<name>:<datagram>`. */
async function backend(name: string): Promise<Backend & { socket: dgram.Socket }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (m, r) => socket.send(`${name}:${m}`, r.port, r.address));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanups.push(() => socket.close());
  const port = socket.address().port;
  return { endpoint: `127.0.0.1:${port}`, ip: '127.0.0.1', port, socket };
}

async function proxyFor(backends: Backend[], idleTimeoutMs = 250) {
  const lb = new LoadBalancer({ scheduler: 'rr', affinitySeconds: 0, destinationIP: '10.96.0.10' });
  lb.setEndpoints(backends);
  const metrics = userspaceMetrics(new Registry());
  const proxy = await UdpProxy.listen({ service: 'kube-system/dns:dns', lb, metrics, log: createLogger('test', { level: 'error' }), host: '127.0.0.1', idleTimeoutMs });
  cleanups.push(() => proxy.close());
  return { lb, metrics, proxy };
}

/** A client socket; `ask` sends and waits for one reply. */
async function client() {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  cleanups.push(() => s.close());
  return {
    ask: (port: number, text: string) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply')), 2000);
        s.once('message', (m) => {
          clearTimeout(timer);
          resolve(m.toString());
        });
        s.send(text, port, '127.0.0.1');
      }),
  };
}

describe('UdpProxy', () => {
  it('keeps one client on one endpoint for the flow; another client gets the next endpoint', async () => {
    const { proxy } = await proxyFor([await backend('a'), await backend('b')]);
    const c1 = await client();
    const c2 = await client();
    const first = await c1.ask(proxy.port, 'q1');
    expect(await c1.ask(proxy.port, 'q2')).toBe(`${first.split(':')[0]}:q2`);
    const other = await c2.ask(proxy.port, 'q1');
    expect(other.split(':')[0]).not.toBe(first.split(':')[0]);
  });

  it('ends an idle flow: the same client then starts a new one', async () => {
    const { proxy, lb } = await proxyFor([await backend('a'), await backend('b')], 100);
    const c = await client();
    const first = (await c.ask(proxy.port, 'x')).split(':')[0];
    await eventually(async () => lb.endpoints.every((b) => proxy.connections(b.endpoint) === 0), 2000, 20);
    expect((await c.ask(proxy.port, 'x')).split(':')[0]).not.toBe(first);
  });

  it('an endpoint that answers with port unreachable: the datagram goes to the next one', async () => {
    const dead = await backend('dead');
    dead.socket.close();
    cleanups.pop();
    const alive = await backend('alive');
    const { proxy, lb, metrics } = await proxyFor([dead, alive]);
    // Round robin sends one of two new clients to the dead endpoint first.
    for (const c of [await client(), await client()]) expect(await c.ask(proxy.port, 'hello')).toBe('alive:hello');
    expect(lb.isFailing(dead.endpoint)).toBe(true);
    expect((await metrics.dialFailures.get()).values[0]?.value).toBe(1);
  });

  it('drops datagrams without endpoints; removed endpoints lose their flows at once', async () => {
    const a = await backend('a');
    const { proxy, lb, metrics } = await proxyFor([a], 10_000);
    const c = await client();
    expect(await c.ask(proxy.port, 'x')).toBe('a:x');
    expect(proxy.connections(a.endpoint)).toBe(1);
    proxy.drain(lb.setEndpoints([]).map((b) => b.endpoint));
    expect(proxy.connections(a.endpoint)).toBe(0);
    await expect(c.ask(proxy.port, 'y')).rejects.toThrow('no reply');
    expect((await metrics.rejected.get()).values.find((v) => v.labels.reason === 'no_endpoints')?.value).toBe(1);
  });
});
