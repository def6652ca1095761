/**
 * Cluster DNS end to end on a 2-node local cluster: minimesh-dns runs as the pod
 * kube-system/coredns, reached through the kube-dns ClusterIP 10.96.0.10 that the node agents
 * program; client pods have Kubernetes' resolv.conf (nameserver 10.96.0.10, search path, ndots:5).
 * Needs root; without it the suite is skipped and says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { ClusterDriver, e2eSkipReason } from '@minimesh/cluster/testing';

const reason = e2eSkipReason();
const title = reason ? `cluster DNS on a local cluster (skipped: ${reason})` : 'cluster DNS on a local cluster';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!!reason)(title, () => {
  const cluster = new ClusterDriver(`dns${process.pid % 100000}`);
  let client: ApiClient;

  /** Runs `cmd` in the client pod until its output satisfies `ok` (DNS answers as soon as rules and caches are in). */
  async function until(cmd: string[], ok: (out: string) => boolean, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      const r = await cluster.exec('client', 'study', ...cmd);
      last = `${r.stdout}${r.stderr}`;
      if (r.code === 0 && ok(r.stdout)) return r.stdout;
      await sleep(250);
    }
    throw new Error(`${cmd.join(' ')} never gave the expected answer; last output: ${last}`);
  }

  beforeAll(async () => {
    await cluster.run('down');
    await cluster.must('up', '--nodes', '2');
    for (const [name, node] of [['pod-1', 'node1'], ['pod-2', 'node1'], ['pod-3', 'node2']] as const) {
      await cluster.must('pod', 'add', name, '--node', node, '-n', 'study', '--labels', 'app=nginx-pod', '--port', '80');
    }
    await cluster.must('pod', 'add', 'client', '--node', 'node2', '-n', 'study', '--labels', 'role=client', '--port', '8080');
    client = await cluster.apiClient();
    const svc = (name: string, spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'study' }, spec });
    await client.create(svc('service-clusterip', { selector: { app: 'nginx-pod' }, clusterIP: '10.97.97.97', ports: [{ port: 80, targetPort: 80 }] }));
    await client.create(svc('service-headliness', { selector: { app: 'nginx-pod' }, clusterIP: 'None', ports: [{ port: 80, targetPort: 80 }] }));
  }, 180_000);

  afterAll(async () => {
    client?.close();
    await cluster.run('down');
  }, 60_000);

  it('the kube-dns Service holds 10.96.0.10 and its endpoint is the coredns pod', async () => {
    const dns = await client.get('Service', 'kube-system', 'kube-dns');
    expect(dns.spec?.clusterIP).toBe('10.96.0.10');
    expect(dns.spec?.ports?.map((p) => `${p.name}:${p.port}/${p.protocol}`)).toEqual(expect.arrayContaining(['dns:53/UDP', 'dns-tcp:53/TCP']));
    const pod = await client.get('Pod', 'kube-system', 'coredns');
    expect(pod.metadata.labels?.['k8s-app']).toBe('kube-dns');
  });

  it('dig: the headless Service resolves to its three pod IPs, through 10.96.0.10', async () => {
    const ips = (await client.list('Pod', { namespace: 'study', labelSelector: 'app=nginx-pod' })).items.map((p) => p.status!.podIP!).sort();
    const out = await until(['dig', '+short', 'service-headliness.study.svc.cluster.local'], (o) => o.trim().split('\n').length === 3);
    expect(out.trim().split('\n').sort()).toEqual(ips);
    const server = await cluster.exec('client', 'study', 'dig', 'service-headliness.study.svc.cluster.local');
    expect(server.stdout).toContain('SERVER: 10.96.0.10#53');
    expect(server.stdout).toMatch(/flags: qr aa rd/);
  }, 60_000);

  it('dig: the short name resolves to the ClusterIP through the search path', async () => {
    const out = await until(['dig', '+short', '+search', 'service-clusterip'], (o) => o.trim() === '10.97.97.97');
    expect(out.trim()).toBe('10.97.97.97');
  }, 60_000);

  it('getent hosts and curl use the pod resolv.conf (search path, ndots:5)', async () => {
    const out = await until(['getent', 'hosts', 'service-clusterip'], (o) => o.startsWith('10.97.97.97'));
    expect(out).toMatch(/^10\.97\.97\.97\s+service-clusterip\.study\.svc\.cluster\.local/);
    const body = await until(['curl', '-s', '-m', '2', 'http://service-clusterip/'], (o) => o.startsWith('IP: '));
    expect(body).toMatch(/^IP: 10\.244\.\d+\.\d+ pod-\d node\d/);
  }, 60_000);

  it('a Service created later shows up in answers at once; a missing name is NXDOMAIN', async () => {
    await client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'study' }, spec: { selector: { app: 'nginx-pod' }, ports: [{ port: 80 }] } });
    const ip = (await client.get('Service', 'study', 'late')).spec!.clusterIP!;
    const out = await until(['dig', '+short', 'late.study.svc.cluster.local'], (o) => o.trim() === ip, 5000);
    expect(out.trim()).toBe(ip);
    const nx = await cluster.exec('client', 'study', 'dig', 'nope.study.svc.cluster.local');
    expect(nx.stdout).toContain('status: NXDOMAIN');
  }, 30_000);
});
