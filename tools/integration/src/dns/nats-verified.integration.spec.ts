/** The NATS transport, with `pods verified` (the one mode that watches pods): answers follow the JetStream events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Namespace } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { pod, service, startController } from '@minimesh/endpoints-controller/testing';
import { eventually, startNats, type NatsServer } from '@minimesh/runtime/testing';
import { answers, query, startTestDns , type DnsApp } from '@minimesh/dns/testing';

let nats: NatsServer;
let t: TestApiServer;
let ctl: ReturnType<typeof startController>;
let dns: DnsApp;

beforeAll(async () => {
  nats = await startNats();
  t = await startTestApiServer({ 'nats-url': nats.url });
  await t.client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
  ctl = startController(t.server.address, { transport: 'nats', natsUrl: nats.url });
  await ctl.started;
  dns = await startTestDns(t.server.address, { transport: 'nats', 'nats-url': nats.url, pods: 'verified' });
  await dns.source.waitForSync();
});

afterAll(async () => {
  await dns?.stop(0);
  await ctl?.stop();
  await t?.stop();
  await nats?.cleanup();
});

describe('cluster dns over NATS, pods verified', () => {
  it('a pod name answers only while a pod has that IP in that namespace', async () => {
    const name = '10-244-3-7.study.pod.cluster.local';
    expect((await query(dns.address, name, 'A')).rcode).toBe('NXDOMAIN');
    await t.client.create(pod('verified-1', '10.244.3.7', 'node1', { app: 'v' }));
    await eventually(async () => answers(await query(dns.address, name, 'A')).join() === `${name} 30 A 10.244.3.7`, 1000, 10);
    expect((await query(dns.address, '10-244-3-7.default.pod.cluster.local', 'A')).rcode).toBe('NXDOMAIN');
    await t.client.delete('Pod', 'study', 'verified-1');
    await eventually(async () => (await query(dns.address, name, 'A')).rcode === 'NXDOMAIN', 1000, 10);
  });

  it('services and their endpoints follow the event stream', async () => {
    await t.client.create(pod('n-1', '10.244.3.8', 'node1', { app: 'n' }));
    await t.client.create(service('nats-headless', { selector: { app: 'n' }, clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }));
    await eventually(async () => answers(await query(dns.address, 'nats-headless.study.svc.cluster.local', 'A')).length === 1, 2000, 10);
    const srv = await query(dns.address, '_http._tcp.nats-headless.study.svc.cluster.local', 'SRV');
    expect(answers(srv)).toEqual(['_http._tcp.nats-headless.study.svc.cluster.local 30 SRV 0 100 80 10-244-3-8.nats-headless.study.svc.cluster.local']);
    expect(answers(srv, 'additionals')).toEqual(['10-244-3-8.nats-headless.study.svc.cluster.local 30 A 10.244.3.8']);
  });
});
