import { afterEach, describe, expect, it } from 'vitest';
import type { IPAddressPool, Service } from '@minimesh/api';
import { FakeApiClient } from '@minimesh/client/testing';
import { createLogger } from '@minimesh/runtime';
import { eventually } from '@minimesh/runtime/testing';
import { lbMetrics } from '../metrics.js';
import { LbController, type LbControllerOptions } from './lb-controller.js';
import { CONDITION_ALLOCATED } from './status.js';

const log = createLogger('test', { level: 'error' });
const running: LbController[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

const pool = (name: string, addresses: string[], spec: Partial<NonNullable<IPAddressPool['spec']>> = {}): IPAddressPool => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: { name, namespace: 'metallb-system' },
  spec: { addresses, ...spec },
});

const lbService = (name: string, spec: Partial<NonNullable<Service['spec']>> = {}, annotations?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'web', ...(annotations ? { annotations } : {}) },
  spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80 }], ...spec },
});

async function start(client: FakeApiClient, o: Partial<LbControllerOptions> = {}): Promise<LbController> {
  const c = new LbController({ client, transport: 'grpc', nats: {}, log, metrics: lbMetrics(), ...o });
  running.push(c);
  await c.start();
  return c;
}

const ingress = async (client: FakeApiClient, name: string) => (await client.get('Service', 'web', name)).status?.loadBalancer?.ingress?.map((i) => i.ip) ?? [];
const events = async (client: FakeApiClient) =>
  (await client.list('Event', { namespace: 'web' })).items.map((e) => `${e.type} ${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name} ${e.source?.component}: ${e.message}`);
const allocated = async (client: FakeApiClient, name: string) => (await client.get('Service', 'web', name)).status?.conditions?.find((c) => c.type === CONDITION_ALLOCATED);

describe('LbController', () => {
  it('gives a LoadBalancer Service the first free address: status, pool annotation, condition', async () => {
    const client = new FakeApiClient();
    await client.create(pool('default', ['192.168.100.200-192.168.100.250']));
    await client.create(lbService('a'));
    await start(client);
    await eventually(async () => (await ingress(client, 'a')).join() === '192.168.100.200');
    const svc = await client.get('Service', 'web', 'a');
    expect(svc.metadata.annotations?.['metallb.io/ip-allocated-from-pool']).toBe('default');
    expect(await allocated(client, 'a')).toMatchObject({ status: 'True', reason: 'IPAllocated', message: 'Assigned IP "192.168.100.200"' });
    // MetalLB's event, for kubectl describe.
    await eventually(async () => (await events(client)).length > 0);
    expect(await events(client)).toEqual(['Normal IPAllocated Service/a metallb-controller: Assigned IP "192.168.100.200"']);
  });

  it('a Service waits while the pool is full, says why, and gets the address freed by a deleted one', async () => {
    const client = new FakeApiClient();
    await client.create(pool('tiny', ['10.0.0.1/32']));
    await client.create(lbService('first'));
    await start(client);
    await eventually(async () => (await ingress(client, 'first')).length === 1);
    await client.create(lbService('second'));
    await eventually(async () => (await allocated(client, 'second'))?.status === 'False');
    expect(await allocated(client, 'second')).toMatchObject({ reason: 'AllocationFailed', message: 'Failed to allocate IP for "web/second": no available IPs' });
    await eventually(async () => (await events(client)).some((e) => e.startsWith('Warning')));
    expect((await events(client)).filter((e) => e.includes('Service/second'))).toEqual(['Warning AllocationFailed Service/second metallb-controller: Failed to allocate IP for "web/second": no available IPs']);
    expect(await ingress(client, 'second')).toEqual([]);
    await client.delete('Service', 'web', 'first');
    await eventually(async () => (await ingress(client, 'second')).join() === '10.0.0.1');
    expect((await allocated(client, 'second'))?.status).toBe('True');
  });

  it('requested addresses: spec.loadBalancerIP, the annotation, a named pool; conflicts and strays are refused in MetalLB\'s words', async () => {
    const client = new FakeApiClient();
    await client.create(pool('a', ['10.0.0.0/29']));
    await client.create(pool('b', ['10.0.1.0/29'], { autoAssign: false }));
    await client.create(lbService('by-spec', { loadBalancerIP: '10.0.0.5' }));
    await client.create(lbService('by-annotation', {}, { 'metallb.io/loadBalancerIPs': '10.0.1.3' }));
    await client.create(lbService('by-pool', {}, { 'metallb.io/address-pool': 'b' }));
    await client.create(lbService('taken', { loadBalancerIP: '10.0.0.5' }));
    await client.create(lbService('stray', { loadBalancerIP: '172.16.0.1' }));
    await client.create(lbService('both', { loadBalancerIP: '10.0.0.6' }, { 'metallb.io/loadBalancerIPs': '10.0.0.7' }));
    await start(client);
    await eventually(async () => (await allocated(client, 'both')) !== undefined && (await allocated(client, 'stray')) !== undefined && (await ingress(client, 'by-pool')).length === 1);
    expect(await ingress(client, 'by-spec')).toEqual(['10.0.0.5']);
    expect(await ingress(client, 'by-annotation')).toEqual(['10.0.1.3']);
    expect(await ingress(client, 'by-pool')).toEqual(['10.0.1.0']);
    expect((await allocated(client, 'taken'))?.message).toBe('Failed to allocate IP for "web/taken": can\'t change sharing key for "web/taken", address also in use by web/by-spec');
    expect((await allocated(client, 'stray'))?.message).toBe('Failed to allocate IP for "web/stray": "172.16.0.1" is not allowed in config');
    expect(await allocated(client, 'both')).toMatchObject({ reason: 'InvalidRequest', message: 'Failed to allocate IP for "web/both": service can not have both metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP' });
  });

  it('metallb.io/allow-shared-ip: two Services share one address on different ports', async () => {
    const client = new FakeApiClient();
    await client.create(pool('p', ['10.0.0.1-10.0.0.3']));
    const shared = { 'metallb.io/allow-shared-ip': 'dns' };
    await client.create(lbService('dns-tcp', { selector: { app: 'dns' }, ports: [{ name: 'tcp', port: 53, protocol: 'TCP' }] }, shared));
    await client.create(lbService('dns-udp', { selector: { app: 'dns' }, ports: [{ name: 'udp', port: 53, protocol: 'UDP' }] }, shared));
    await start(client);
    await eventually(async () => (await ingress(client, 'dns-tcp')).length === 1 && (await ingress(client, 'dns-udp')).length === 1);
    expect(await ingress(client, 'dns-udp')).toEqual(await ingress(client, 'dns-tcp'));
  });

  it('a type change away from LoadBalancer clears the status and the annotation and frees the address', async () => {
    const client = new FakeApiClient();
    await client.create(pool('one', ['10.0.0.9/32']));
    await client.create(lbService('a'));
    await client.create(lbService('b'));
    const c = await start(client);
    await eventually(async () => (await allocated(client, 'b'))?.status === 'False');
    const holder = (await ingress(client, 'a')).length ? 'a' : 'b';
    const waiter = holder === 'a' ? 'b' : 'a';
    await client.patch('Service', 'web', holder, 'merge', { spec: { type: 'ClusterIP' } });
    await eventually(async () => (await ingress(client, waiter)).join() === '10.0.0.9');
    const cleared = await client.get('Service', 'web', holder);
    expect([cleared.status?.loadBalancer?.ingress ?? [], cleared.metadata.annotations?.['metallb.io/ip-allocated-from-pool'], cleared.status?.conditions]).toEqual([[], undefined, undefined]);
    expect(c.addressOf(`web/${holder}`)).toBeUndefined();
  });

  it('allocateLoadBalancerNodePorts: false gets an address too (no NodePort is needed to serve it)', async () => {
    const client = new FakeApiClient();
    await client.create(pool('p', ['10.0.0.1/32']));
    await client.create(lbService('no-np', { allocateLoadBalancerNodePorts: false }));
    await start(client);
    await eventually(async () => (await ingress(client, 'no-np')).join() === '10.0.0.1');
    expect((await client.get('Service', 'web', 'no-np')).spec?.ports?.[0]?.nodePort).toBeUndefined();
  });

  it('serves only its load balancer class', async () => {
    const client = new FakeApiClient();
    await client.create(pool('p', ['10.0.0.1/30']));
    await client.create(lbService('plain'));
    await client.create(lbService('classy', { loadBalancerClass: 'example.com/lb' }));
    await start(client, { lbClass: 'example.com/lb' });
    await eventually(async () => (await ingress(client, 'classy')).length === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(await client.get('Service', 'web', 'plain')).not.toHaveProperty('status.loadBalancer.ingress');
  });

  it('a restart reads every address back from status before handing out any', async () => {
    const client = new FakeApiClient({ noDefaults: false });
    await client.create(pool('p', ['10.0.0.1-10.0.0.3']));
    // "zzz" holds 10.0.0.1 from an earlier run; "aaa" is new and sorts (and syncs) first.
    const old = await client.create(lbService('zzz'));
    await client.updateStatus({ ...old, status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } });
    await client.create(lbService('aaa'));
    const c = await start(client);
    await eventually(async () => (await ingress(client, 'aaa')).length === 1);
    expect(await ingress(client, 'aaa')).toEqual(['10.0.0.2']);
    expect(await ingress(client, 'zzz')).toEqual(['10.0.0.1']);
    expect(c.addressOf('web/zzz')).toBe('10.0.0.1');
  });

  it('two controllers: only the leader writes; when it stops, the other takes over', async () => {
    const client = new FakeApiClient();
    await client.create(pool('p', ['10.0.0.1-10.0.0.9']));
    const le = (identity: string) => ({ leaderElection: { identity, leaseName: 'minimesh-lb-controller', leaseDurationMs: 600, renewDeadlineMs: 400, retryPeriodMs: 100 } });
    const one = await start(client, le('one'));
    const two = await start(client, le('two'));
    await eventually(async () => one.isLeader() !== two.isLeader());
    const [leader, follower] = one.isLeader() ? [one, two] : [two, one];
    await client.create(lbService('a'));
    await eventually(async () => (await ingress(client, 'a')).length === 1);
    await leader.stop();
    running.splice(running.indexOf(leader), 1);
    await eventually(async () => follower.isLeader(), 5000);
    await client.create(lbService('b'));
    await eventually(async () => (await ingress(client, 'b')).length === 1);
    expect(await ingress(client, 'b')).not.toEqual(await ingress(client, 'a'));
    expect(follower.addressOf('web/a')).toBe((await ingress(client, 'a'))[0]);
  });
});
