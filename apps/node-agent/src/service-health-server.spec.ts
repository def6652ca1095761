/**
 * The per-Service health-check servers on loopback, fed as the agent feeds them after a sync: the
 * change trackers' healthCheckNodePorts() and localReadyEndpoints().
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointsChangeTracker, ServiceChangeTracker } from '@minimesh/proxy-core';
import { ep, makeService, makeSlice } from '@minimesh/proxy-core/testing';
import { freePort, freePorts } from '@minimesh/runtime';
import { ServiceHealthServer, healthBody, type ByService } from './service-health-server.js';

/** What the agent hands over after a sync: one LB Service with two ports, its slice's endpoints. */
function trackers(hcnp: number, endpoints: ReturnType<typeof ep>[]): [ByService, ByService] {
  const st = new ServiceChangeTracker();
  st.update(
    undefined,
    makeService('web', 'lb', {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.50',
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: hcnp,
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
        { name: 'https', port: 443, protocol: 'TCP', nodePort: 30443 },
      ],
    }),
  );
  st.update(undefined, makeService('web', 'plain', { clusterIP: '10.96.0.51', ports: [{ port: 80, protocol: 'TCP' }] }));
  st.checkoutChanges();
  const et = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
  et.update(
    undefined,
    makeSlice('web', 'lb', {
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'https', port: 8443, protocol: 'TCP' },
      ],
      endpoints,
    }),
  );
  et.checkoutChanges();
  return [st.healthCheckNodePorts(), et.localReadyEndpoints()];
}

async function get(url: string): Promise<{ status: number; headers: Headers; body: string }> {
  const r = await fetch(url);
  return { status: r.status, headers: r.headers, body: await r.text() };
}

describe('per-Service health checks', () => {
  let server: ServiceHealthServer | undefined;
  afterEach(async () => server?.stop());

  it('what the trackers hand over: the health-check port of each Service that has one, and its distinct ready local endpoint IPs', () => {
    const [ports, local] = trackers(31001, [ep('10.244.1.5', 'node1'), ep('10.244.1.6', 'node1', { ready: false, serving: true, terminating: true }), ep('10.244.2.5', 'node2')]);
    expect([...ports]).toEqual([['web/lb', 31001]]);
    // One pod behind two ports is one endpoint; the terminating and the remote ones do not count.
    expect([...local]).toEqual([['web/lb', 1]]);
  });

  it('answers any path with kube-proxy’s JSON and headers: 200 with local endpoints, 503 without, 503 while the proxy is unhealthy', async () => {
    const port = await freePort();
    let healthy = true;
    server = new ServiceHealthServer({ hosts: ['127.0.0.1'], proxyHealthy: () => healthy });
    await server.sync(...trackers(port, [ep('10.244.1.5', 'node1'), ep('10.244.1.7', 'node1')]));
    let r = await get(`http://127.0.0.1:${port}/anything?at=all`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-load-balancing-endpoint-weight')).toBe('2');
    expect(r.body).toBe('{\n\t"service": {\n\t\t"namespace": "web",\n\t\t"name": "lb"\n\t},\n\t"localEndpoints": 2,\n\t"serviceProxyHealthy": true\n}');
    expect(JSON.parse(r.body)).toEqual({ service: { namespace: 'web', name: 'lb' }, localEndpoints: 2, serviceProxyHealthy: true });

    healthy = false;
    r = await get(`http://127.0.0.1:${port}/`);
    expect([r.status, JSON.parse(r.body).serviceProxyHealthy, r.headers.get('x-load-balancing-endpoint-weight')]).toEqual([503, false, '2']);
    healthy = true;

    // The endpoints move to node2: this node has none.
    await server.sync(...trackers(port, [ep('10.244.2.5', 'node2')]));
    r = await get(`http://127.0.0.1:${port}/healthz`);
    expect([r.status, JSON.parse(r.body).localEndpoints, r.headers.get('x-load-balancing-endpoint-weight')]).toEqual([503, 0, '0']);
    expect(healthBody('a', 'b', 0, false)).toContain('"serviceProxyHealthy": false');
  });

  it('opens and closes servers as Services come, go and change port; keeps live ones in place', async () => {
    const [p1, p2] = (await freePorts(2)) as [number, number];
    server = new ServiceHealthServer({ hosts: ['127.0.0.1', '127.0.0.2'], proxyHealthy: () => true });
    await server.sync(new Map([['web/a', p1]]), new Map([['web/a', 1]]));
    // Every host given is served.
    for (const host of ['127.0.0.1', '127.0.0.2']) expect((await get(`http://${host}:${p1}/`)).status).toBe(200);
    // A kept-alive client stays connected across a sync that keeps the Service.
    const held = net.connect(p1, '127.0.0.1');
    await new Promise((r) => held.once('connect', r));
    await server.sync(new Map([['web/a', p1], ['web/b', p2]]), new Map([['web/b', 3]]));
    expect(server.ports).toEqual([p1, p2].sort((a, b) => a - b));
    expect(held.destroyed).toBe(false);
    expect(JSON.parse((await get(`http://127.0.0.1:${p1}/`)).body).localEndpoints).toBe(0);
    expect(JSON.parse((await get(`http://127.0.0.1:${p2}/`)).body)).toMatchObject({ service: { namespace: 'web', name: 'b' }, localEndpoints: 3 });
    held.destroy();

    // web/b goes and web/a moves to web/b's old port.
    await server.sync(new Map([['web/a', p2]]), new Map([['web/a', 1]]));
    expect(server.ports).toEqual([p2]);
    await expect(fetch(`http://127.0.0.1:${p1}/`)).rejects.toThrow();
    expect(JSON.parse((await get(`http://127.0.0.1:${p2}/`)).body)).toMatchObject({ service: { namespace: 'web', name: 'a' }, localEndpoints: 1 });

    await server.sync(new Map(), new Map());
    expect(server.ports).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${p2}/`)).rejects.toThrow();
  });

  it('a port it cannot open is reported and tried again at the next sync', async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    const errors: string[] = [];
    server = new ServiceHealthServer({ hosts: ['127.0.0.1'], proxyHealthy: () => true, onError: (svc, p, e) => errors.push(`${svc} ${p} ${(e as NodeJS.ErrnoException).code}`) });
    await server.sync(new Map([['web/lb', port]]), new Map([['web/lb', 1]]));
    expect(errors).toEqual([`web/lb ${port} EADDRINUSE`]);
    expect(server.ports).toEqual([]);
    await new Promise<void>((r) => squatter.close(() => r()));
    await server.sync(new Map([['web/lb', port]]), new Map([['web/lb', 1]]));
    expect(server.ports).toEqual([port]);
    expect((await get(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it('syncs run in order, so a quick second one never races the first one’s listens; stop closes everything', async () => {
    const [p1, p2] = (await freePorts(2)) as [number, number];
    server = new ServiceHealthServer({ hosts: ['127.0.0.1'], proxyHealthy: () => true });
    const first = server.sync(new Map([['web/a', p1]]), new Map([['web/a', 1]]));
    const second = server.sync(new Map([['web/b', p2]]), new Map([['web/b', 2]]));
    await Promise.all([first, second]);
    expect(server.ports).toEqual([p2]);
    await server.stop();
    expect(server.ports).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${p2}/`)).rejects.toThrow();
    await server.sync(new Map([['web/a', p1]]), new Map());
    expect(server.ports).toEqual([]);
  });
});
