/**
 * `--proxy-mode ipvs` on a local cluster whose kernel has no IPVS (this one): each node agent says
 * in one line that it falls back to iptables, and does; `meshctl get ipvs` still shows the
 * documents' Service as `ipvsadm -Ln` would on a kernel with IPVS.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '@minimesh/client';
import { ClusterDriver, e2eSkipReason, tally } from '@minimesh/cluster/testing';
import { eventually } from '@minimesh/runtime/testing';

const MESHCTL = fileURLToPath(new URL('../../../meshctl/bin/meshctl.mjs', import.meta.url));
const reason = e2eSkipReason() ?? (existsSync('/proc/net/ip_vs') ? 'this kernel has IPVS: the fallback cannot be shown' : undefined);
const cluster = new ClusterDriver(`ipv${process.pid % 100000}`);

describe.skipIf(!!reason)(`ipvs mode on a kernel without IPVS${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let api: ApiClient;

  beforeAll(async () => {
    await cluster.run('down');
    await cluster.must('up', '--nodes', '2', '--proxy-mode', 'ipvs', '--no-dns', '--lb', 'none');
    for (const [pod, node] of [['pod-1', 'node1'], ['pod-2', 'node1'], ['pod-3', 'node2']] as const) await cluster.must('pod', 'add', pod, '--node', node, '-n', 'study', '--labels', 'app=nginx-pod');
    await cluster.must('pod', 'add', 'client', '--node', 'node2', '-n', 'study');
    api = await cluster.apiClient();
  }, 180_000);

  afterAll(async () => {
    api?.close();
    await cluster.run('down');
  }, 60_000);

  it('each node agent logs the fallback in one line and programs iptables instead', async () => {
    for (const node of ['node1', 'node2']) {
      const log = readFileSync(`/run/minimesh/${cluster.name}/logs/node-agent-${node}.log`, 'utf8');
      const lines = log.split('\n').filter((l) => l.includes("Can't use the IPVS proxier"));
      expect(lines, node).toHaveLength(1);
      expect(lines[0]).toContain('IPVS is not available in this kernel (no /proc/net/ip_vs); using iptables proxy mode');
    }
    await api.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'service-clusterip', namespace: 'study' }, spec: { clusterIP: '10.97.97.97', selector: { app: 'nginx-pod' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } });
    await eventually(async () => tally(await cluster.curlMany('client', 'study', 'http://10.97.97.97/', 12)).size === 3, 15_000, 200);
    // node1 syncs on its own clock: its rules may land a moment after node2's.
    await eventually(async () => (await cluster.exec('node1', undefined, 'iptables-save', '-t', 'nat')).stdout.includes('-A KUBE-SERVICES -d 10.97.97.97/32 -p tcp -m comment --comment "study/service-clusterip cluster IP"'), 10_000, 200);
  }, 60_000);

  it('meshctl get ipvs shows the Service as ipvsadm -Ln does: rr over the three pods, Masq, weight 1', async () => {
    const pods = await Promise.all(['pod-1', 'pod-2', 'pod-3'].map(async (p) => (await api.get('Pod', 'study', p)).status!.podIP!));
    const { stdout } = await promisify(execFile)(process.execPath, [MESHCTL, 'get', 'ipvs', '--node', 'node1'], { env: { ...process.env, ...(await cluster.env()) } });
    const reals = [...pods].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((ip) => `  -> ${`${ip}:80`.padEnd(28)} Masq    1      0          0         `);
    const lines = stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual(['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn']);
    const at = lines.indexOf('TCP  10.97.97.97:80 rr');
    expect(at).toBeGreaterThan(2);
    expect(lines.slice(at + 1, at + 4)).toEqual(reals);
  }, 30_000);
});
