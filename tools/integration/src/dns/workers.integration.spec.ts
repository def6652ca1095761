/**
 * minimesh-dns --workers 2, run as a user runs it: two processes answering on one port, each
 * with its own informers and cache; the first process serves /ready and the summed /metrics,
 * stops them all on SIGTERM, and stops them all when one dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointSlice, Namespace } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { service } from '@minimesh/endpoints-controller/testing';
import { eventually, freePort } from '@minimesh/runtime/testing';
import { answers, query, startFakeUpstream, type FakeUpstream } from '@minimesh/dns/testing';

const DNS = fileURLToPath(new URL('../../../../apps/dns/bin/minimesh-dns.mjs', import.meta.url));

let t: TestApiServer;
let up: FakeUpstream;

interface Running {
  proc: ChildProcess;
  addr: string;
  ready: string;
  metrics: string;
  exited: Promise<number | null>;
  stderr: () => string;
}

async function startWorkers(extra: string[] = [], waitReady = true): Promise<Running> {
  const [port, readyPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const args = ['--server', t.server.address, '--listen', `127.0.0.1:${port}`, '--health-listen', '127.0.0.1:0', '--ready-listen', `127.0.0.1:${readyPort}`, '--metrics-listen', `127.0.0.1:${metricsPort}`];
  const proc = spawn(process.execPath, [DNS, ...args, '--upstreams', up.address, '--register-service=false', '--workers', '2', '--lameduck', '0.5', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MINIMESH_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const r: Running = { proc, addr: `127.0.0.1:${port}`, ready: `http://127.0.0.1:${readyPort}/ready`, metrics: `http://127.0.0.1:${metricsPort}/metrics`, exited, stderr: () => stderr };
  // The first process answers /ready as soon as it forked the workers (503 until they synced).
  await eventually(async () => (await fetch(r.ready).catch(() => undefined))?.status === (waitReady ? 200 : 503), 30_000, waitReady ? 100 : 10);
  return r;
}

const metricValue = (text: string, series: RegExp) => Number(series.exec(text)?.[1] ?? NaN);

beforeAll(async () => {
  t = await startTestApiServer();
  await t.client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } });
  await t.client.create(service('web', { clusterIP: '10.97.0.80', ports: [{ port: 80 }] }));
  up = await startFakeUpstream(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`host${i}.example.org`, [`192.0.2.${i + 1}`]])));
}, 60_000);

afterAll(async () => {
  await up?.close();
  await t?.stop();
});

describe('minimesh-dns --workers 2', () => {
  let dns: Running;
  beforeAll(async () => {
    dns = await startWorkers();
  }, 60_000);
  afterAll(() => {
    if (dns?.proc.exitCode === null) dns.proc.kill('SIGKILL');
  });

  it('answers cluster names and forwarded names from every worker, each asking the upstream through its own sockets', async () => {
    const asked = up.received.length;
    // Many queries from many source ports: the kernel spreads them over both workers.
    const cluster = await Promise.all(Array.from({ length: 40 }, () => query(dns.addr, 'web.study.svc.cluster.local', 'A')));
    expect(new Set(cluster.map((r) => answers(r).join()))).toEqual(new Set(['web.study.svc.cluster.local 30 A 10.97.0.80']));
    const started = Date.now();
    const external = await Promise.all(Array.from({ length: 40 }, (_, i) => query(dns.addr, `host${i}.example.org`, 'A')));
    expect(external.map((r) => answers(r)[0])).toEqual(Array.from({ length: 40 }, (_, i) => `host${i}.example.org 60 A 192.0.2.${i + 1}`));
    // Every reply reached the worker that asked (none waited out the 2 s forward timeout).
    expect(Date.now() - started).toBeLessThan(1500);
    expect(up.received.length - asked).toBe(40);
  });

  it('a new Service shows in every worker', async () => {
    await t.client.create(service('late', { clusterIP: '10.97.0.81', ports: [{ port: 80 }] }));
    await eventually(async () => {
      const all = await Promise.all(Array.from({ length: 20 }, () => query(dns.addr, 'late.study.svc.cluster.local', 'A')));
      return all.every((r) => answers(r).join() === 'late.study.svc.cluster.local 30 A 10.97.0.81');
    }, 5000, 50);
  });

  it('a change is programmed in every worker but its programming duration is observed once', async () => {
    const count = async () => metricValue(await (await fetch(dns.metrics)).text(), /coredns_kubernetes_dns_programming_duration_seconds_count\{service_kind="cluster_ip"\} (\d+)/) || 0;
    const before = await count();
    await t.client.create(service('timed', { clusterIP: '10.97.0.82', ports: [{ port: 80 }] }));
    await t.client.create<EndpointSlice>({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'timed-abc', namespace: 'study', labels: { 'kubernetes.io/service-name': 'timed' }, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': new Date().toISOString() } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.9'], conditions: { ready: true } }],
      ports: [{ port: 80, protocol: 'TCP' }],
    });
    // Both workers have it (each answers a share of these queries)...
    await eventually(async () => {
      const all = await Promise.all(Array.from({ length: 20 }, () => query(dns.addr, 'timed.study.svc.cluster.local', 'A')));
      return all.every((r) => answers(r).join() === 'timed.study.svc.cluster.local 30 A 10.97.0.82');
    }, 5000, 50);
    await eventually(async () => (await count()) > before, 5000, 50);
    await new Promise((r) => setTimeout(r, 300));
    // ...and the one change counts once in the summed /metrics, not once per worker.
    expect((await count()) - before).toBe(1);
  });

  it('/metrics sums the workers: every query counted once, one coredns_build_info', async () => {
    const before = metricValue(await (await fetch(dns.metrics)).text(), /coredns_dns_requests_total\{[^}]*proto="udp"[^}]*type="TXT"\} (\d+)/) || 0;
    await Promise.all(Array.from({ length: 30 }, () => query(dns.addr, 'dns-version.cluster.local', 'TXT')));
    const text = await (await fetch(dns.metrics)).text();
    expect(metricValue(text, /coredns_dns_requests_total\{[^}]*proto="udp"[^}]*type="TXT"\} (\d+)/) - before).toBe(30);
    expect(metricValue(text, /coredns_build_info\{[^}]*\} (\d+)/)).toBe(1);
    expect(text.match(/^# TYPE coredns_health_request_duration_seconds /gm)).toHaveLength(1);
    expect(text.match(/^# TYPE coredns_dns_requests_total /gm)).toHaveLength(1);
  });

  it('SIGTERM: lame duck (/ready 503, still answering), then every process exits', async () => {
    dns.proc.kill('SIGTERM');
    await eventually(async () => (await fetch(dns.ready)).status === 503, 2000, 20);
    expect(answers(await query(dns.addr, 'web.study.svc.cluster.local', 'A'))).toEqual(['web.study.svc.cluster.local 30 A 10.97.0.80']);
    expect(await dns.exited).toBe(0);
  }, 20_000);
});

describe('minimesh-dns --workers 2, SIGTERM while the workers are still starting', () => {
  it('stops them at once (a worker still loading gets SIGTERM), none is killed after the lame duck', async () => {
    const dns = await startWorkers([], false);
    try {
      const sent = Date.now();
      dns.proc.kill('SIGTERM');
      expect(await dns.exited).toBe(0);
      expect(dns.stderr()).not.toMatch(/still running after the lame duck/);
      // Not after the kill deadline (lame duck 0.5 s + 15 s): the workers ended on their own.
      expect(Date.now() - sent).toBeLessThan(10_000);
    } finally {
      if (dns.proc.exitCode === null) dns.proc.kill('SIGKILL');
    }
  }, 60_000);
});

describe('minimesh-dns --workers 2, a worker dies', () => {
  it('stops them all and exits non-zero, as one CoreDNS process would', async () => {
    const dns = await startWorkers();
    try {
      const { execFileSync } = await import('node:child_process');
      const kids = execFileSync('pgrep', ['-P', String(dns.proc.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
      expect(kids).toHaveLength(2);
      process.kill(kids[0]!, 'SIGKILL');
      expect(await dns.exited).toBe(1);
      await eventually(() => kids.every((k) => !alive(k)), 10_000, 50);
    } finally {
      if (dns.proc.exitCode === null) dns.proc.kill('SIGKILL');
    }
  }, 60_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
