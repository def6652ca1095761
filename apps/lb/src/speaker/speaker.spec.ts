/**
 * Two speakers on one fake apiserver, each with a recording `ip`/`arping` of its own: exactly one
 * announces an assigned address; it withdraws and the other takes over when it stops, or when its
 * node agent turns unhealthy (its lease runs out).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EndpointSlice, IPAddressPool, L2Advertisement, Node, Service } from '@minimesh/api';
import { FakeApiClient } from '@minimesh/client/testing';
import { createLogger, type Exec } from '@minimesh/runtime';
import { eventually } from '@minimesh/runtime/testing';
import { CONDITION_ANNOUNCED, Speaker } from './speaker.js';

const log = createLogger('test', { level: 'error' });
const running: Speaker[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

/** A node's `ip` and `arping`: eth0 holds the node IP; added /32s are kept with their labels. */
function fakeHost(nodeIP: string) {
  const extra = new Map<string, string>(); // ip → label
  const garps: string[] = [];
  const exec: Exec = async (file, args) => {
    const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
    if (file === 'arping') {
      garps.push(args.at(-1)!);
      return ok();
    }
    const a = args.join(' ');
    if (a === '-o -4 addr show') return ok([`2: eth0    inet ${nodeIP}/24 brd 192.168.100.255 scope global eth0`, ...[...extra].map(([ip, l]) => `2: eth0    inet ${ip}/32 scope global ${l}`)].join('\n'));
    if (a.startsWith('-o -4 addr show dev eth0 label')) return ok([...extra].map(([ip, l]) => `2: eth0    inet ${ip}/32 scope global ${l}`).join('\n'));
    let m = /^addr replace ([\d.]+)\/32 dev eth0 label (\S+) valid_lft 3 preferred_lft 3$/.exec(a);
    if (m) return extra.set(m[1]!, m[2]!), ok();
    m = /^addr del ([\d.]+)\/32 dev eth0$/.exec(a);
    if (m) return extra.delete(m[1]!), ok();
    return { code: 1, stdout: '', stderr: `unexpected: ip ${a}` };
  };
  return { exec, addresses: () => [...extra.keys()].sort(), garps };
}

const node = (i: number): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: `node${i}` },
  status: { addresses: [{ type: 'InternalIP', address: `192.168.100.1${i}` }], conditions: [{ type: 'Ready', status: 'True' }] },
});

async function cluster() {
  const client = new FakeApiClient();
  await client.create(node(1));
  await client.create(node(2));
  await client.create<IPAddressPool>({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'default', namespace: 'metallb-system' }, spec: { addresses: ['192.168.100.200-192.168.100.250'] } });
  await client.create<L2Advertisement>({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'l2', namespace: 'metallb-system' } });
  const svc = await client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] } });
  await client.updateStatus({ ...svc, status: { loadBalancer: { ingress: [{ ip: '192.168.100.200' }] } } });
  await client.create<EndpointSlice>({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.5'], nodeName: 'node1', conditions: { ready: true } }],
    ports: [{ port: 80, protocol: 'TCP' }],
  });
  return client;
}

async function speaker(client: FakeApiClient, i: number, healthy: { value: boolean } = { value: true }, heartbeatMs = 100) {
  const host = fakeHost(`192.168.100.1${i}`);
  const s = new Speaker({ client, transport: 'grpc', nats: {}, node: `node${i}`, exec: host.exec, log, healthy: async () => healthy.value, heartbeatMs });
  running.push(s);
  await s.start();
  return { s, host, healthy };
}

describe('Speaker', () => {
  it('exactly one node announces the address, with a gratuitous ARP, and says so in the status', async () => {
    const client = await cluster();
    const a = await speaker(client, 1);
    const b = await speaker(client, 2);
    await eventually(async () => a.host.addresses().length + b.host.addresses().length === 1);
    await new Promise((r) => setTimeout(r, 300));
    const [winner] = a.host.addresses().length ? [a, b] : [b, a];
    expect(winner.host.addresses()).toEqual(['192.168.100.200']);
    expect(winner.host.garps).toEqual(['192.168.100.200']);
    expect(a.host.addresses().length + b.host.addresses().length).toBe(1);
    await eventually(async () => (await client.get('Service', 'ns', 'web')).status?.conditions?.some((c) => c.type === CONDITION_ANNOUNCED) ?? false);
    const cond = (await client.get('Service', 'ns', 'web')).status!.conditions!.find((c) => c.type === CONDITION_ANNOUNCED)!;
    const node = winner === a ? 'node1' : 'node2';
    expect(cond.message).toBe(`announcing from node "${node}" with protocol "layer2"`);
    // MetalLB's event, for kubectl describe (the first speaker up may have announced before the election settled).
    const fromWinner = async () => (await client.list('Event', { namespace: 'ns' })).items.find((e) => e.source?.host === node);
    await eventually(async () => (await fromWinner()) !== undefined);
    expect(await fromWinner()).toMatchObject({ type: 'Normal', reason: 'nodeAssigned', message: cond.message, involvedObject: { kind: 'Service', name: 'web' }, source: { component: 'metallb-speaker' } });
  });

  it('a stopped speaker withdraws and the other takes over at once', async () => {
    const client = await cluster();
    const a = await speaker(client, 1);
    const b = await speaker(client, 2);
    await eventually(async () => a.host.addresses().length + b.host.addresses().length === 1);
    const [winner, other] = a.host.addresses().length ? [a, b] : [b, a];
    await winner.s.stop();
    running.splice(running.indexOf(winner.s), 1);
    expect(winner.host.addresses()).toEqual([]);
    await eventually(async () => other.host.addresses().join() === '192.168.100.200', 2000);
  });

  it('a node whose agent turns unhealthy loses the address within a few seconds (its lease runs out)', async () => {
    const client = await cluster();
    const a = await speaker(client, 1);
    const b = await speaker(client, 2);
    await eventually(async () => a.host.addresses().length + b.host.addresses().length === 1);
    const [winner, other] = a.host.addresses().length ? [a, b] : [b, a];
    const t0 = Date.now();
    winner.healthy.value = false;
    await eventually(async () => other.host.addresses().join() === '192.168.100.200' && winner.host.addresses().length === 0, 6000, 50);
    expect(Date.now() - t0).toBeLessThan(6000);
  }, 10_000);

  it('events of other Services and their slices start no election; a LoadBalancer Service\'s change does, at once', async () => {
    const client = await cluster();
    // A tick a second: at most one within the burst below.
    const a = await speaker(client, 1, { value: true }, 1000);
    await eventually(async () => a.host.addresses().join() === '192.168.100.200');
    // The speaker's own status patch is an update of the LoadBalancer Service: let it pass.
    await eventually(async () => (await client.get('Service', 'ns', 'web')).status?.conditions?.some((c) => c.type === CONDITION_ANNOUNCED) ?? false);
    await new Promise((r) => setTimeout(r, 100));
    const elections = vi.spyOn(a.s, 'wins');
    for (let i = 0; i < 10; i++) {
      const svc = await client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: `other-${i}`, namespace: 'ns' }, spec: { type: i % 2 ? 'ClusterIP' : 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] } });
      await client.update({ ...svc, metadata: { ...svc.metadata, labels: { touched: 'yes' } } });
      await client.create<EndpointSlice>({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `other-${i}-abc`, namespace: 'ns', labels: { 'kubernetes.io/service-name': `other-${i}` } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.1.5'], nodeName: 'node1', conditions: { ready: true } }],
        ports: [{ port: 80, protocol: 'TCP' }],
      });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(elections.mock.calls.length).toBeLessThanOrEqual(1);

    const web = await client.get('Service', 'ns', 'web');
    await client.updateStatus({ ...web, status: { ...web.status, loadBalancer: { ingress: [{ ip: '192.168.100.201' }] } } });
    await eventually(async () => a.host.addresses().join() === '192.168.100.201', 2000);
    expect(elections).toHaveBeenCalled();
  });

  it('no serving endpoint, no announcement', async () => {
    const client = await cluster();
    await client.delete('EndpointSlice', 'ns', 'web-abc');
    const a = await speaker(client, 1);
    const b = await speaker(client, 2);
    await new Promise((r) => setTimeout(r, 500));
    expect([...a.host.addresses(), ...b.host.addresses()]).toEqual([]);
  });
});
