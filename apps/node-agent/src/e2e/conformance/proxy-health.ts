/**
 * What kube-proxy serves and ignores (e2e "should implement service.kubernetes.io/service-proxy-name",
 * "should work for type=LoadBalancer ... externalTrafficPolicy: Local" health checks): a Service
 * labelled with another proxy's name gets no rules and comes back when the label goes; the
 * health-check node port answers 200 on nodes with a ready local endpoint and 503 elsewhere,
 * following the endpoints as they move; the node-level /livez on 10256.
 */
import { expect, it } from 'vitest';
import { eventually } from '@minimesh/runtime/testing';
import { NODE_IPS, NS, type Conformance } from './harness.js';

/** Status code and body of a GET from outside the cluster. */
async function httpGet(c: Conformance, url: string): Promise<{ status: number; body: string }> {
  const r = await c.cluster.exec('outside', undefined, 'curl', '-s', '-m', '2', '-w', '\n%{http_code}', url);
  const lines = r.stdout.split('\n');
  return { status: Number(lines.pop()), body: lines.join('\n') };
}

export function proxyHealthTheme(c: Conformance): void {
  it('service.kubernetes.io/service-proxy-name: a Service for another proxy gets no rules; removing the label brings it back', async () => {
    const svc = await c.api.create(
      c.svc('other-proxy', { selector: { app: 'web' }, ports: [{ port: 80 }] }, { 'service.kubernetes.io/service-proxy-name': 'foo-bar' }),
    );
    const plain = await c.api.create(c.svc('this-proxy', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
    const url = `http://${svc.spec!.clusterIP}/`;
    await c.reachable('client', `http://${plain.spec!.clusterIP}/`);
    // The plain Service, created after, is served: the labelled one has had every chance to be.
    expect((await c.cluster.curl('client', NS, url, 1)).stdout).not.toMatch(/^IP: /);
    await c.api.patch('Service', NS, 'other-proxy', 'json', [{ op: 'remove', path: '/metadata/labels/service.kubernetes.io~1service-proxy-name' }]);
    await c.reachable('client', url);
    await c.api.patch('Service', NS, 'other-proxy', 'merge', { metadata: { labels: { 'service.kubernetes.io/service-proxy-name': 'foo-bar' } } });
    await c.unreachable('client', url);
    for (const s of ['other-proxy', 'this-proxy']) await c.api.delete('Service', NS, s);
  }, 60_000);

  it('the health-check node port answers 200 where a ready endpoint is local and 503 elsewhere, following the endpoints', async () => {
    await c.addPod('hc-a', 'node1', '--labels', 'app=hc');
    const svc = await c.api.create(c.svc('hc', { selector: { app: 'hc' }, type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }));
    const hcnp = svc.spec!.healthCheckNodePort!;
    expect(hcnp).toBeGreaterThanOrEqual(30000);
    const at = (node: 'node1' | 'node2') => `http://${NODE_IPS[node]}:${hcnp}/`;
    const statuses = async () => [(await httpGet(c, at('node1'))).status, (await httpGet(c, at('node2'))).status];
    await eventually(async () => (await statuses()).join() === '200,503');
    const body = JSON.parse((await httpGet(c, at('node1'))).body);
    expect(body).toEqual({ service: { namespace: NS, name: 'hc' }, localEndpoints: 1, serviceProxyHealthy: true });
    expect(JSON.parse((await httpGet(c, at('node2'))).body).localEndpoints).toBe(0);
    // The endpoint moves to node2.
    await c.addPod('hc-b', 'node2', '--labels', 'app=hc');
    await eventually(async () => (await statuses()).join() === '200,200');
    await c.cluster.must('pod', 'delete', 'hc-a', '-n', NS, '--wait');
    await eventually(async () => (await statuses()).join() === '503,200');
    // No longer Local: the port closes.
    await c.api.patch('Service', NS, 'hc', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } });
    await eventually(async () => (await httpGet(c, at('node2'))).status === 0);
    await c.api.delete('Service', NS, 'hc');
    await c.cluster.must('pod', 'delete', 'hc-b', '-n', NS);
  }, 120_000);

  it('the node agent answers /livez and /healthz on port 10256 of every node', async () => {
    for (const ip of Object.values(NODE_IPS)) {
      for (const path of ['/livez', '/healthz']) {
        const r = await httpGet(c, `http://${ip}:10256${path}`);
        expect(r.status, `${ip}${path}`).toBe(200);
        expect(JSON.parse(r.body)).toHaveProperty('lastUpdated');
      }
    }
  }, 30_000);
}
