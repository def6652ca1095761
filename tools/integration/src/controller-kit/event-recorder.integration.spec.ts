/** The event recorder against a real apiserver: what kubectl describe and kubectl get events then read. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { EventRecorder } from '@minimesh/controller-kit';

const quiet = { debug: () => undefined, warn: (msg: string, meta?: Record<string, unknown>) => console.warn(msg, meta) };

describe('EventRecorder', () => {
  let t: TestApiServer;
  let svc: Service;
  beforeAll(async () => {
    t = await startTestApiServer();
    svc = await t.client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
  });
  afterAll(async () => t?.stop());

  const eventsOf = async (name: string) =>
    (await t.client.list('Event', { namespace: 'default', fieldSelector: `involvedObject.name=${name},involvedObject.kind=Service,involvedObject.uid=${svc.metadata.uid}` })).items;

  it('writes an Event about the object, named as client-go names them, with its source and times', async () => {
    let now = Date.parse('2026-12-05T12:00:00.123Z');
    const recorder = new EventRecorder({ client: t.client, component: 'metallb-controller', log: quiet, now: () => now });
    recorder.event(svc, 'Normal', 'IPAllocated', 'Assigned IP "192.168.1.240"');
    await recorder.flush();
    const [ev] = await eventsOf('web');
    expect(ev).toMatchObject({
      metadata: { namespace: 'default' },
      involvedObject: { kind: 'Service', namespace: 'default', name: 'web', uid: svc.metadata.uid, apiVersion: 'v1', resourceVersion: svc.metadata.resourceVersion },
      reason: 'IPAllocated',
      message: 'Assigned IP "192.168.1.240"',
      source: { component: 'metallb-controller' },
      firstTimestamp: '2026-12-05T12:00:00Z',
      lastTimestamp: '2026-12-05T12:00:00Z',
      count: 1,
      type: 'Normal',
    });
    // <name>.<unix nanoseconds in hex>, as client-go names them.
    const [, hex] = /^web\.([0-9a-f]+)$/.exec(ev!.metadata.name!)!;
    expect(BigInt(`0x${hex}`) / 1_000_000n).toBe(BigInt(Date.parse('2026-12-05T12:00:00.123Z')));

    // The same again counts up on the same Event.
    now += 30_000;
    recorder.event(svc, 'Normal', 'IPAllocated', 'Assigned IP "192.168.1.240"');
    now += 30_000;
    recorder.event(svc, 'Normal', 'IPAllocated', 'Assigned IP "192.168.1.240"');
    await recorder.flush();
    const after = await eventsOf('web');
    expect(after.map((e) => [e.metadata.name, e.count, e.firstTimestamp, e.lastTimestamp])).toEqual([[ev!.metadata.name, 3, '2026-12-05T12:00:00Z', '2026-12-05T12:01:00Z']]);

    // Another reason is another Event; a deleted Event is written again.
    recorder.event(svc, 'Warning', 'AllocationFailed', 'Failed to allocate IP for "default/web": no available IPs');
    await recorder.flush();
    expect((await eventsOf('web')).map((e) => `${e.type} ${e.reason} ${e.count}`).sort()).toEqual(['Normal IPAllocated 3', 'Warning AllocationFailed 1']);
    await t.client.delete('Event', 'default', ev!.metadata.name!);
    recorder.event(svc, 'Normal', 'IPAllocated', 'Assigned IP "192.168.1.240"');
    await recorder.flush();
    expect((await eventsOf('web')).map((e) => `${e.reason} ${e.count}`).sort()).toEqual(['AllocationFailed 1', 'IPAllocated 4']);
  });

  it('puts a cluster-scoped object\'s events in "default", with the host as the source\'s', async () => {
    const node = await t.client.create<Node>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } });
    const recorder = new EventRecorder({ client: t.client, component: 'kube-proxy', host: 'node1', log: quiet });
    recorder.event(node, 'Normal', 'Starting', 'Starting kube-proxy.');
    await recorder.flush();
    const [ev] = (await t.client.list('Event', { namespace: 'default', fieldSelector: 'involvedObject.kind=Node,involvedObject.name=node1' })).items;
    expect(ev).toMatchObject({ involvedObject: { kind: 'Node', name: 'node1' }, source: { component: 'kube-proxy', host: 'node1' }, reason: 'Starting' });
  });

  it('drops what is over the spam filter (25 at once per object, one more every five minutes)', async () => {
    let now = Date.parse('2026-12-05T13:00:00Z');
    const recorder = new EventRecorder({ client: t.client, component: 'spammer', log: quiet, now: () => now });
    for (let i = 0; i < 30; i++) recorder.event(svc, 'Normal', 'Tick', `tick ${i}`);
    await recorder.flush();
    expect(recorder.dropped).toBe(5);
    now += 5 * 60_000;
    recorder.event(svc, 'Normal', 'Tick', 'tick 30');
    recorder.event(svc, 'Normal', 'Tick', 'tick 31');
    await recorder.flush();
    expect(recorder.dropped).toBe(6);
    const ticks = (await t.client.list('Event', { namespace: 'default', fieldSelector: 'reason=Tick' })).items;
    expect(ticks.length).toBe(26);
  });

  it('never throws at the caller: a refused write is logged', async () => {
    const warnings: string[] = [];
    const recorder = new EventRecorder({ client: t.client, component: 'x', log: { debug: () => undefined, warn: (m, meta) => warnings.push(`${m} ${String(meta?.err)}`) } });
    // An object in a namespace that does not exist: the apiserver refuses the Event.
    recorder.event({ ...svc, metadata: { ...svc.metadata, namespace: 'nowhere' } }, 'Normal', 'R', 'm');
    await recorder.flush();
    expect(warnings).toEqual([expect.stringMatching(/^cannot write an event .*namespaces "nowhere" not found/)]);
  });
});
