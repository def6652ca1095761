/**
 * The assembled agent (informers → change trackers → proxier → kernel, and the health-check
 * servers after each sync) against an in-memory apiserver and a fake kernel: kube-proxy's label
 * filters keep Services for another proxy and headless Services' slices out of the rules, and a
 * LoadBalancer Service with externalTrafficPolicy Local gets its health-check node port on loopback.
 */
import type { EndpointSlice, Service } from '@minimesh/api';
import { FakeApiClient } from '@minimesh/client/testing';
import { createLogger, freePort, type Exec, type ExecResult } from '@minimesh/runtime';
import { eventually } from '@minimesh/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LABEL_HEADLESS, LABEL_SERVICE_PROXY_NAME, PROXY_LABEL_SELECTOR, healthCheckHosts, startNodeAgent, type NodeAgent } from './app.js';
import { defaultNodeAgentOptions } from './options.js';

/** iptables, iptables-save, iptables-restore and conntrack, answering as an empty kernel does; restores are kept. */
class FakeKernel {
  restores: string[] = [];
  private chains = new Set<string>();
  exec: Exec = async (file, args, input): Promise<ExecResult> => {
    const ok = { code: 0, stdout: '', stderr: '' };
    if (file === 'iptables-restore') this.restores.push(input ?? '');
    if (file === 'iptables') {
      const table = args[args.indexOf('-t') + 1]!;
      if (args.includes('-S')) return this.chains.has(`${table}/${args[args.indexOf('-S') + 1]}`) ? ok : { code: 1, stdout: '', stderr: 'No chain' };
      if (args.includes('-N')) this.chains.add(`${table}/${args[args.indexOf('-N') + 1]}`);
      if (args.includes('-C')) return { code: 1, stdout: '', stderr: 'Bad rule' };
    }
    if (file === 'conntrack') return { code: 1, stdout: '', stderr: '0 flow entries have been deleted.' };
    return ok;
  };
  /** Every restore so far, in order (full and partial syncs). */
  get written(): string {
    return this.restores.join('');
  }
}

const svc = (name: string, spec: Service['spec'], labels?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'study', ...(labels ? { labels } : {}) },
  spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }], ...spec },
});

const slice = (service: string, ip: string, node: string, labels: Record<string, string> = {}): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-${ip.replace(/\./g, '-')}`, namespace: 'study', labels: { 'kubernetes.io/service-name': service, ...labels } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: node }],
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
});

describe('node agent, assembled', () => {
  let agent: NodeAgent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  async function start(api: FakeApiClient, kernel: FakeKernel): Promise<NodeAgent> {
    const o = {
      ...defaultNodeAgentOptions(),
      'node-name': 'node1',
      'min-sync-period': 0,
      'metrics-bind-address': '127.0.0.1:0',
      'healthz-bind-address': '127.0.0.1:0',
      'nodeport-addresses': '127.0.0.0/8',
    };
    agent = await startNodeAgent(o, createLogger('test', { level: 'error' }), { exec: kernel.exec, client: api });
    return agent;
  }

  it("uses kube-proxy's label selector for Services and EndpointSlices", () => {
    expect(PROXY_LABEL_SELECTOR).toBe('!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless');
  });

  it('ignores Services labelled service.kubernetes.io/service-proxy-name (any value) and slices labelled service.kubernetes.io/headless', async () => {
    const api = new FakeApiClient();
    const kernel = new FakeKernel();
    await api.create(svc('plain', { clusterIP: '10.96.0.10' }));
    await api.create(slice('plain', '10.244.1.10', 'node1'));
    // The endpoints controller copies a Service's labels to its slices: both are filtered out.
    await api.create(svc('other', { clusterIP: '10.96.0.11' }, { [LABEL_SERVICE_PROXY_NAME]: 'foo-bar' }));
    await api.create(slice('other', '10.244.1.11', 'node1', { [LABEL_SERVICE_PROXY_NAME]: 'foo-bar' }));
    await api.create(svc('empty-value', { clusterIP: '10.96.0.12' }, { [LABEL_SERVICE_PROXY_NAME]: '' }));
    await api.create(svc('headless-slices', { clusterIP: '10.96.0.13' }));
    await api.create(slice('headless-slices', '10.244.1.13', 'node1', { [LABEL_HEADLESS]: '' }));
    const a = await start(api, kernel);
    await eventually(async () => kernel.written.includes('study/plain:http'));

    const written = kernel.written;
    expect(written).toContain('-d 10.96.0.10 --dport 80 -j KUBE-SVC-');
    expect(written).toContain('10.244.1.10:80');
    // Never written, in any sync.
    for (const absent of ['study/other', '10.96.0.11', '10.244.1.11', 'study/empty-value', '10.96.0.12', '10.244.1.13']) expect(written, absent).not.toContain(absent);
    // The Service whose only slice is labelled headless is known (its ClusterIP rejects), without endpoints.
    expect([...a.proxier.services.serviceMap.values()].map((p) => p.name.name).sort()).toEqual(['headless-slices', 'plain']);
    expect([...a.proxier.endpoints.endpointsMap.keys()]).toEqual([...a.proxier.services.serviceMap.keys()].filter((k) => k.includes('plain')));

    // Without the label it is this proxy's Service again, endpoints and all.
    const other = await api.get('Service', 'study', 'other');
    await api.update({ ...other, metadata: { ...other.metadata, labels: {} } });
    const otherSlice = await api.get('EndpointSlice', 'study', 'other-10-244-1-11');
    await api.update({ ...otherSlice, metadata: { ...otherSlice.metadata, labels: { 'kubernetes.io/service-name': 'other' } } });
    await eventually(async () => kernel.written.includes('"study/other:http -> 10.244.1.11:80"'));
  });

  it('an object the apiserver never validated, named to inject rules, adds nothing to the kernel', async () => {
    const api = new FakeApiClient();
    const kernel = new FakeKernel();
    await api.create(svc('plain', { clusterIP: '10.96.0.10' }));
    await api.create(slice('plain', '10.244.1.10', 'node1'));
    // seed() stores as is: what a forged NATS event or a buggy writer could hand the agent.
    const evil = svc('plain', { clusterIP: '10.96.0.66' });
    evil.metadata.name = 'x"\n-A KUBE-SERVICES -j ACCEPT\n#';
    const evilPort = svc('port', { clusterIP: '10.96.0.67', ports: [{ name: 'h; flush ruleset', port: 80, protocol: 'TCP', targetPort: 80 }] });
    api.seed(evil, evilPort, { ...slice('x', '10.244.1.66', 'node1'), metadata: { name: 'evil-slice', namespace: 'study', labels: { 'kubernetes.io/service-name': evil.metadata.name } } });
    await start(api, kernel);
    await eventually(async () => kernel.written.includes('study/plain:http'));
    for (const absent of ['10.96.0.66', '10.96.0.67', '10.244.1.66', '-j ACCEPT\n#', 'flush ruleset']) expect(kernel.written, absent).not.toContain(absent);
    expect(kernel.written.split('\n').filter((l) => l === '-A KUBE-SERVICES -j ACCEPT')).toEqual([]);
  });

  it('serves the health-check node port of a LoadBalancer Service with externalTrafficPolicy Local, following its local endpoints', async () => {
    const api = new FakeApiClient();
    const kernel = new FakeKernel();
    const hcnp = await freePort();
    await api.create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: hcnp }));
    await api.create(slice('lb', '10.244.2.10', 'node2'));
    const a = await start(api, kernel);
    const check = async () => {
      const r = await fetch(`http://127.0.0.1:${hcnp}/`);
      return { status: r.status, ...(JSON.parse(await r.text()) as { localEndpoints: number; serviceProxyHealthy: boolean }) };
    };
    await eventually(async () => a.serviceHealth.ports.includes(hcnp));
    expect(await check()).toEqual({ status: 503, service: { namespace: 'study', name: 'lb' }, localEndpoints: 0, serviceProxyHealthy: true });

    await api.create(slice('lb', '10.244.1.20', 'node1'));
    await eventually(async () => (await check()).status === 200);
    expect((await check()).localEndpoints).toBe(1);

    await api.delete('Service', 'study', 'lb');
    await eventually(async () => a.serviceHealth.ports.length === 0);
    await expect(fetch(`http://127.0.0.1:${hcnp}/`)).rejects.toThrow();
  });

  it('opens health-check ports on 0.0.0.0, or on the addresses inside --nodeport-addresses', () => {
    const ifaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      eth0: [
        { address: '192.168.100.11', family: 'IPv4', internal: false },
        { address: 'fe80::1', family: 'IPv6', internal: false },
      ],
    } as unknown as ReturnType<typeof import('node:os').networkInterfaces>;
    expect(healthCheckHosts('', ifaces)).toEqual(['0.0.0.0']);
    expect(healthCheckHosts('0.0.0.0/0', ifaces)).toEqual(['0.0.0.0']);
    expect(healthCheckHosts('192.168.100.0/24', ifaces)).toEqual(['192.168.100.11']);
    expect(healthCheckHosts('127.0.0.0/8, 192.168.100.0/24', ifaces)).toEqual(['127.0.0.1', '192.168.100.11']);
    expect(healthCheckHosts('10.0.0.0/8', ifaces)).toEqual([]);
  });
});
