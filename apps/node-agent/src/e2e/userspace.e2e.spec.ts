/**
 * What only the userspace mode does, on a 2-node local cluster whose agents proxy every
 * connection themselves with the `lc` scheduler: a connection to an endpoint whose server has
 * stopped is retried on the next endpoint, so the client never sees the failure (the retry the
 * documents credit userspace mode with, and iptables mode lacks); and least-connection sends new
 * connections to the endpoint holding fewer long-lived ones.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { ClusterDriver, e2eSkipReason, tally } from '@minimesh/cluster/testing';
import { eventually } from '@minimesh/runtime/testing';

const NS = 'us';
const HOLD = fileURLToPath(new URL('../../e2e/hold-connections.mjs', import.meta.url));
const CLUSTER_BIN = fileURLToPath(new URL('../../../../tools/cluster/bin/minimesh-cluster.mjs', import.meta.url));
const reason = e2eSkipReason();
const cluster = new ClusterDriver(`us${process.pid % 100000}`);

describe.skipIf(!!reason)(`userspace mode on a local cluster (lc scheduler)${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let api: ApiClient;
  /** `n` requests from the client pod: one entry each, the answer (its lines joined) or FAIL. */
  const curlMany = async (url: string, n: number) => (await cluster.curlMany('client', NS, url, n, 3)).map((l) => l || 'FAIL');

  beforeAll(async () => {
    await cluster.run('down');
    await cluster.must('up', '--nodes', '2', '--proxy-mode', 'userspace', '--node-agent-arg=--userspace-scheduler=lc', '--no-dns');
    for (const [pod, node] of [['web-1', 'node1'], ['web-2', 'node1'], ['web-3', 'node2']]) {
      await cluster.must('pod', 'add', pod!, '--node', node!, '-n', NS, '--labels', 'app=web');
    }
    await cluster.must('pod', 'add', 'client', '--node', 'node2', '-n', NS);
    api = await cluster.apiClient();
  }, 180_000);

  const service = (name: string, app: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app }, ports: [{ port: 80 }] } });

  afterAll(async () => {
    api?.close();
    await cluster.run('down');
  }, 60_000);

  it('an endpoint whose server stopped is skipped: every request succeeds, served by the others', async () => {
    const svc = await api.create(service('retry', 'web'));
    const url = `http://${svc.spec!.clusterIP}/`;
    await eventually(async () => tally(await curlMany(url, 9)).size === 3);
    // web-2's server dies; its pod stays Ready, so it stays an endpoint (lc still picks it: its
    // recently closed connections are as few as the others').
    const pid = Number(readFileSync(`/run/minimesh/${cluster.name}/pids/echo-${NS}_web-2.pid`, 'utf8').split(/\s+/)[0]);
    process.kill(pid, 'SIGKILL');
    const lines = await curlMany(url, 20);
    expect(lines.filter((l) => !l.startsWith('IP: ')), 'every request answered').toEqual([]);
    expect(lines).toHaveLength(20);
    expect([...tally(lines).keys()].sort()).toEqual(['web-1', 'web-3']);
    const eps = await api.get('Endpoints', NS, 'retry');
    expect(eps.subsets?.[0]?.addresses).toHaveLength(3);
    const metrics = (await cluster.exec('node2', undefined, 'curl', '-s', 'http://127.0.0.1:10249/metrics')).stdout;
    expect(metrics).toMatch(/minimesh_userspace_proxy_endpoint_dial_failures_total\{service="us\/retry",endpoint="10\.244\.\d+\.\d+:80"\} [1-9]/);
    await api.delete('Service', NS, 'retry');
  }, 90_000);

  it('lc sends new connections to the endpoint holding fewer open ones', async () => {
    await cluster.must('pod', 'add', 'lc-a', '--node', 'node1', '-n', NS, '--labels', 'app=lc');
    await cluster.must('pod', 'add', 'lc-b', '--node', 'node2', '-n', NS, '--labels', 'app=lc');
    const svc = await api.create(service('least', 'lc'));
    const ip = svc.spec!.clusterIP!;
    await eventually(async () => tally(await curlMany(`http://${ip}/`, 6)).size === 2);
    // Three long-lived connections: lc splits them two and one.
    const holder = spawn(process.execPath, [CLUSTER_BIN, 'exec', 'client', '-n', NS, '--', process.execPath, HOLD, ip, '80', '3', '30'], {
      env: { ...process.env, MINIMESH_CLUSTER: cluster.name },
    });
    try {
      const held: string[] = [];
      const lines = createInterface({ input: holder.stdout });
      await new Promise<void>((resolve, reject) => {
        lines.on('line', (l) => (l === 'held' ? resolve() : held.push(/^IP: \S+ (\S+) /.exec(l)?.[1] ?? l)));
        holder.once('exit', (code) => reject(new Error(`hold-connections exited (${code})`)));
      });
      const split = new Map<string, number>();
      for (const p of held) split.set(p, (split.get(p) ?? 0) + 1);
      expect([...split.values()].sort()).toEqual([1, 2]);
      const lighter = [...split].find(([, n]) => n === 1)![0];
      // Every new connection goes to the pod holding one (the other's two weigh more than any
      // number of recently closed ones lc also counts, up to 255).
      const spread = tally(await curlMany(`http://${ip}/`, 8));
      expect([...spread.keys()]).toEqual([lighter]);
    } finally {
      holder.kill();
    }
    await api.delete('Service', NS, 'least');
  }, 90_000);
});
