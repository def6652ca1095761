/**
 * minimesh-dns with the real apiserver, the real endpoints controller and informers, on loopback:
 * the walkthrough's Services answer, and changes to Services, Pods and endpoints show (how soon is
 * what coredns_kubernetes_dns_programming_duration_seconds records, not a timed assertion here).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Namespace, Pod } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { pod, service, startController } from '@minimesh/endpoints-controller/testing';
import { eventually } from '@minimesh/runtime/testing';
import { answers, query, startFakeUpstream, startTestDns, type FakeUpstream , type DnsApp } from '@minimesh/dns/testing';

const run = promisify(execFile);
const CIP = 'service-clusterip.study.svc.cluster.local';
const HDL = 'service-headliness.study.svc.cluster.local';
const A = (r: Awaited<ReturnType<typeof query>>) => (r.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : [])).sort();

let t: TestApiServer;
let ctl: ReturnType<typeof startController>;
let up: FakeUpstream;
let dns: DnsApp;
let addr: string;

async function setReady(name: string, ready: boolean): Promise<void> {
  const p = await t.client.get('Pod', 'study', name);
  await t.client.updateStatus<Pod>({ ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z/, 'Z') }] } });
}

/** Waits until the answers show a change (10 s at most: the machine may be busy). */
async function shows(check: () => Promise<boolean>): Promise<void> {
  await eventually(check, 10_000, 10);
}

beforeAll(async () => {
  t = await startTestApiServer();
  await t.client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
  ctl = startController(t.server.address);
  await ctl.started;
  up = await startFakeUpstream({ 'www.example.org': ['192.0.2.10'], 'my.database.example.com': ['192.0.2.20'] });
  dns = await startTestDns(t.server.address, { upstreams: up.address, 'register-service': true });
  addr = dns.address;
  await dns.source.waitForSync();
  await t.client.create(pod('pod-1', '10.244.1.39', 'node1', { app: 'nginx-pod' }));
  await t.client.create(pod('pod-2', '10.244.1.40', 'node1', { app: 'nginx-pod' }));
  await t.client.create(pod('pod-3', '10.244.2.33', 'node2', { app: 'nginx-pod' }));
  await t.client.create(service('service-clusterip', { selector: { app: 'nginx-pod' }, clusterIP: '10.97.97.97', ports: [{ port: 80, targetPort: 80 }] }));
  await t.client.create(service('service-headliness', { selector: { app: 'nginx-pod' }, clusterIP: 'None', ports: [{ port: 80, targetPort: 80 }] }));
  await t.client.create(service('web', { selector: { app: 'nginx-pod' }, ports: [{ name: 'http', port: 8080, targetPort: 80 }] }));
  await t.client.create(service('my-service', { type: 'ExternalName', externalName: 'my.database.example.com' }));
  await eventually(async () => A(await query(addr, HDL, 'A')).length === 3);
});

afterAll(async () => {
  await dns?.stop(0);
  await up?.close();
  await ctl?.stop();
  await t?.stop();
});

describe('cluster dns - the walkthrough', () => {
  it('service-clusterip A: its ClusterIP; the headless service-headliness: the three ready pod IPs', async () => {
    const r = await query(addr, CIP, 'A');
    expect(r).toMatchObject({ rcode: 'NOERROR', flag_aa: true });
    expect(answers(r)).toEqual([`${CIP} 30 A 10.97.97.97`]);
    expect(A(await query(addr, HDL, 'A'))).toEqual(['10.244.1.39', '10.244.1.40', '10.244.2.33']);
  });

  it('dig agrees', async () => {
    const { stdout } = await run('dig', [`@127.0.0.1`, '-p', String(dns.port), CIP, '+short', '+time=2', '+tries=1']);
    expect(stdout.trim()).toBe('10.97.97.97');
    const h = await run('dig', [`@127.0.0.1`, '-p', String(dns.port), HDL, '+short', '+time=2', '+tries=1']);
    expect(h.stdout.trim().split('\n').sort()).toEqual(['10.244.1.39', '10.244.1.40', '10.244.2.33']);
  });

  it('SRV: the named port of a ClusterIP service, per endpoint for the headless one', async () => {
    const r = await query(addr, '_http._tcp.web.study.svc.cluster.local', 'SRV');
    expect(answers(r)).toEqual(['_http._tcp.web.study.svc.cluster.local 30 SRV 0 100 8080 web.study.svc.cluster.local']);
    expect((await query(addr, '_http._udp.web.study.svc.cluster.local', 'SRV')).rcode).toBe('NXDOMAIN');
    const h = await query(addr, HDL, 'SRV');
    expect(answers(h).sort()).toEqual(['10-244-1-39', '10-244-1-40', '10-244-2-33'].map((n) => `${HDL} 30 SRV 0 33 80 ${n}.${HDL}`));
  });

  it('PTR: the ClusterIP names its service; a pod IP names itself under every service selecting it', async () => {
    expect(answers(await query(addr, '97.97.97.10.in-addr.arpa', 'PTR'))).toEqual([`97.97.97.10.in-addr.arpa 30 PTR ${CIP}`]);
    const p = answers(await query(addr, '39.1.244.10.in-addr.arpa', 'PTR')).sort();
    expect(p).toEqual(['service-clusterip', 'service-headliness', 'web'].map((s) => `39.1.244.10.in-addr.arpa 30 PTR 10-244-1-39.${s}.study.svc.cluster.local`));
  });

  it('ExternalName: the CNAME, then the target resolved through the upstream', async () => {
    const r = await query(addr, 'my-service.study.svc.cluster.local', 'A');
    expect(answers(r)).toEqual(['my-service.study.svc.cluster.local 30 CNAME my.database.example.com', 'my.database.example.com 60 A 192.0.2.20']);
  });

  it('NXDOMAIN with the SOA, NODATA, unknown namespaces, and the pod records (pods insecure)', async () => {
    const nx = await query(addr, 'nothere.study.svc.cluster.local', 'A');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(answers(nx, 'authorities')).toEqual(['cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local']);
    const nodata = await query(addr, CIP, 'AAAA');
    expect([nodata.rcode, nodata.answers?.length, nodata.authorities?.[0]?.type]).toEqual(['NOERROR', 0, 'SOA']);
    expect((await query(addr, `service-clusterip.nowhere.svc.cluster.local`, 'A')).rcode).toBe('NXDOMAIN');
    expect(answers(await query(addr, '10-244-1-39.study.pod.cluster.local', 'A'))).toEqual(['10-244-1-39.study.pod.cluster.local 30 A 10.244.1.39']);
    expect(answers(await query(addr, 'dns-version.cluster.local', 'TXT'))).toEqual(['dns-version.cluster.local 28800 TXT 1.1.0']);
  });

  it('TCP answers too', async () => {
    expect(answers(await query(addr, CIP, 'A', { tcp: true }))).toEqual([`${CIP} 30 A 10.97.97.97`]);
  });
});

describe('cluster dns - changes show', () => {
  it('a pod turning unready leaves the headless answer, and comes back', async () => {
    await setReady('pod-2', false);
    await shows(async () => A(await query(addr, HDL, 'A')).join() === '10.244.1.39,10.244.2.33');
    expect((await query(addr, `10-244-1-40.${HDL}`, 'A')).rcode).toBe('NXDOMAIN');
    await setReady('pod-2', true);
    await shows(async () => A(await query(addr, HDL, 'A')).length === 3);
  });

  it('coredns_kubernetes_dns_programming_duration_seconds: one observation per changed slice with a trigger time, by service kind', { timeout: 30_000 }, async () => {
    const text = () => dns.metrics.registry.metrics();
    const count = async (kind: string) => Number(new RegExp(`coredns_kubernetes_dns_programming_duration_seconds_count\\{service_kind="${kind}"\\} (\\d+)`).exec(await text())?.[1] ?? 0);
    const [headless, clusterIP] = [await count('headless_with_selector'), await count('cluster_ip')];
    // A pod's trigger time is its Ready condition's lastTransitionTime, in whole seconds: only a
    // later one is a change the endpoints controller stamps on the slices (as Kubernetes').
    const nextSecond = () => new Promise((r) => setTimeout(r, 1005 - (Date.now() % 1000)));
    await nextSecond();
    await setReady('pod-1', false); // in service-headliness, and in service-clusterip and web
    await eventually(async () => (await count('headless_with_selector')) === headless + 1 && (await count('cluster_ip')) === clusterIP + 2, 10_000, 10);
    await nextSecond();
    await setReady('pod-1', true);
    await eventually(async () => (await count('headless_with_selector')) === headless + 2, 10_000, 10);
    // Milliseconds from the pod's change to the answer, not the second-rounded times of before.
    const sum = Number(/coredns_kubernetes_dns_programming_duration_seconds_sum\{service_kind="headless_with_selector"\} ([\d.e-]+)/.exec(await text())?.[1]);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(10);
    expect(await text()).toMatch(/coredns_kubernetes_dns_programming_duration_seconds_bucket\{le="0\.001",service_kind="cluster_ip"\}/);
  });

  it('a repeated query gets the same answer bytes with its own id, until a change', async () => {
    const q = (id: number) => query(addr, 'service-clusterip.study.svc.cluster.local', 'A', { id });
    const [a, b] = [await q(1), await q(2)];
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(answers(b)).toEqual(answers(a));
    await t.client.create(service('memo', { selector: { app: 'nginx-pod' }, clusterIP: '10.97.0.60', ports: [{ port: 80 }] }));
    const m = (id: number) => query(addr, 'memo.study.svc.cluster.local', 'A', { id });
    await shows(async () => A(await m(3)).join() === '10.97.0.60');
    expect(A(await m(4))).toEqual(['10.97.0.60']);
    await t.client.delete('Service', 'study', 'memo');
    await shows(async () => (await m(5)).rcode === 'NXDOMAIN');
    expect((await m(6)).rcode).toBe('NXDOMAIN');
  });

  it('a new Service answers, a deleted one is NXDOMAIN, a changed ClusterIP-less port list changes SRV', async () => {
    await t.client.create(service('fresh', { selector: { app: 'nginx-pod' }, clusterIP: '10.97.0.50', ports: [{ name: 'http', port: 80 }] }));
    await shows(async () => A(await query(addr, 'fresh.study.svc.cluster.local', 'A')).join() === '10.97.0.50');
    const svc = await t.client.get('Service', 'study', 'fresh');
    await t.client.update({ ...svc, spec: { ...svc.spec, ports: [{ name: 'metrics', port: 9090, protocol: 'TCP' }] } });
    await shows(async () => (await query(addr, '_metrics._tcp.fresh.study.svc.cluster.local', 'SRV')).answers?.length === 1);
    await t.client.delete('Service', 'study', 'fresh');
    await shows(async () => (await query(addr, 'fresh.study.svc.cluster.local', 'A')).rcode === 'NXDOMAIN');
  });

  it('deleting a pod removes its endpoint; all endpoints gone makes the headless name NXDOMAIN', async () => {
    await t.client.create(service('lonely', { selector: { app: 'lonely' }, clusterIP: 'None', ports: [{ port: 80 }] }));
    await t.client.create(pod('lonely-1', '10.244.2.90', 'node2', { app: 'lonely' }));
    await shows(async () => A(await query(addr, 'lonely.study.svc.cluster.local', 'A')).join() === '10.244.2.90');
    await t.client.delete('Pod', 'study', 'lonely-1');
    await shows(async () => (await query(addr, 'lonely.study.svc.cluster.local', 'A')).rcode === 'NXDOMAIN');
  });

  it('hand-written Endpoints of a selector-less Service: mirrored into a slice, answered, and followed', async () => {
    await t.client.create(service('manual', { clusterIP: 'None', ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }));
    const ep = await t.client.create<Endpoints>({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'manual', namespace: 'study' },
      subsets: [{ addresses: [{ ip: '192.0.2.41' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }],
    });
    await eventually(async () => A(await query(addr, 'manual.study.svc.cluster.local', 'A')).join() === '192.0.2.41', 3000, 10);
    await t.client.update<Endpoints>({ ...ep, subsets: [{ addresses: [{ ip: '192.0.2.42' }], ports: [{ name: 'db', port: 5432, protocol: 'TCP' }] }] });
    await shows(async () => A(await query(addr, 'manual.study.svc.cluster.local', 'A')).join() === '192.0.2.42');
    expect(answers(await query(addr, '_db._tcp.manual.study.svc.cluster.local', 'SRV'))).toEqual(['_db._tcp.manual.study.svc.cluster.local 30 SRV 0 100 5432 192-0-2-42.manual.study.svc.cluster.local']);
  });

  it('a new namespace exists once created', async () => {
    expect((await query(addr, 'later.svc.cluster.local', 'A')).rcode).toBe('NXDOMAIN');
    await t.client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'later' } });
    await shows(async () => (await query(addr, 'later.svc.cluster.local', 'A')).rcode === 'NOERROR');
  });
});

describe('cluster dns - the kube-dns Service', () => {
  it('is registered at 10.96.0.10 with dns, dns-tcp and metrics ports, and comes back when deleted', async () => {
    const get = () => t.client.get('Service', 'kube-system', 'kube-dns');
    const svc = await eventually(get);
    expect(svc.spec).toMatchObject({ clusterIP: '10.96.0.10', selector: { 'k8s-app': 'kube-dns' } });
    expect(svc.spec?.ports?.map((p) => `${p.name} ${p.port}/${p.protocol}`)).toEqual(['dns 53/UDP', 'dns-tcp 53/TCP', 'metrics 9153/TCP']);
    await t.client.delete('Service', 'kube-system', 'kube-dns');
    const again = await eventually(async () => {
      const s = await get().catch(() => undefined);
      return s && s.metadata.uid !== svc.metadata.uid ? s : undefined;
    });
    expect(again?.spec?.clusterIP).toBe('10.96.0.10');
    const ptr = ['10.0.96.10.in-addr.arpa 30 PTR kube-dns.kube-system.svc.cluster.local'];
    await eventually(async () => answers(await query(addr, '10.0.96.10.in-addr.arpa', 'PTR')).join() === ptr.join(), 1000, 10);
  });
});
