import { afterEach, describe, expect, it } from 'vitest';
import { EndpointsChangeTracker, ServiceChangeTracker } from '@minimesh/proxy-core';
import { ep, makeService, makeSlice } from '@minimesh/proxy-core/testing';
import { freePort } from '@minimesh/runtime';
import { ServiceHealthServer, healthBody, healthChecks } from './service-health-server.js';

function state(hcnp: number, endpoints: ReturnType<typeof ep>[]) {
  const st = new ServiceChangeTracker();
  st.update(
    undefined,
    makeService('web', 'lb', { type: 'LoadBalancer', clusterIP: '10.96.0.50', externalTrafficPolicy: 'Local', healthCheckNodePort: hcnp, ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] }),
  );
  st.checkoutChanges();
  const et = new EndpointsChangeTracker({ nodeName: 'node1', startTime: 0 });
  et.update(undefined, makeSlice('web', 'lb', { ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints }));
  et.checkoutChanges();
  return healthChecks(st.serviceMap, et.endpointsMap);
}

describe('per-Service health checks', () => {
  let server: ServiceHealthServer | undefined;
  afterEach(async () => server?.stop());

  it('counts ready endpoints on this node only', () => {
    const port = 31001;
    expect(state(port, [ep('10.244.1.5', 'node1'), ep('10.244.1.6', 'node1', { ready: false, serving: true, terminating: true }), ep('10.244.2.5', 'node2')]).get(port)).toEqual({
      namespace: 'web',
      name: 'lb',
      localEndpoints: 1,
    });
  });

  it('answers 200 with kube-proxy’s JSON while there are local endpoints, 503 when there are none; closes with the Service', async () => {
    const port = await freePort();
    let healthy = true;
    server = new ServiceHealthServer({ host: '127.0.0.1', proxyHealthy: () => healthy });
    await server.sync(state(port, [ep('10.244.1.5', 'node1'), ep('10.244.1.7', 'node1')]));
    let r = await fetch(`http://127.0.0.1:${port}/anything`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-load-balancing-endpoint-weight')).toBe('2');
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.text()).toBe('{\n\t"service": {\n\t\t"namespace": "web",\n\t\t"name": "lb"\n\t},\n\t"localEndpoints": 2,\n\t"serviceProxyHealthy": true\n}');
    healthy = false;
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(503);
    healthy = true;
    await server.sync(state(port, [ep('10.244.2.5', 'node2')]));
    r = await fetch(`http://127.0.0.1:${port}/`);
    expect([r.status, JSON.parse(await r.text()).localEndpoints]).toEqual([503, 0]);
    await server.sync(new Map());
    expect(server.ports).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    expect(healthBody('a', 'b', 0, false)).toContain('"serviceProxyHealthy": false');
  });
});
