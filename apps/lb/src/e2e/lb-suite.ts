/**
 * LoadBalancer Services end to end on a 2-node local cluster, once per lb mode (`minimesh-cluster
 * up --lb l2|proxy`): an EXTERNAL-IP from the default pool reaches every pod from outside; losing
 * the node that carries the traffic (its speaker, its agent, or the node itself) moves it to the
 * other within seconds while the client retries; externalTrafficPolicy Local shows the pod the
 * client's address; a deleted Service's address goes to the next; MetalLB's own example manifests
 * apply unchanged.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { ClusterDriver, e2eSkipReason, parseEcho, tally } from '@minimesh/cluster/testing';
import { eventually } from '@minimesh/runtime/testing';

export type LbMode = 'l2' | 'proxy';

const NS = 'lbe';
const OUTSIDE_IP = '192.168.100.100';
const NODE_IPS: Record<string, string> = { node1: '192.168.100.11', node2: '192.168.100.12' };
const MESHCTL = fileURLToPath(new URL('../../../meshctl/bin/meshctl.mjs', import.meta.url));
const LB_BIN = fileURLToPath(new URL('../../bin/minimesh-lb.mjs', import.meta.url));
const AGENT_BIN = fileURLToPath(new URL('../../../node-agent/bin/minimesh-node-agent.mjs', import.meta.url));
const METALLB_EXAMPLE = fileURLToPath(new URL('../../../meshctl/testdata/metallb-l2.yaml', import.meta.url));

export function lbSuite(mode: LbMode, clusterName: string): void {
  const reason = e2eSkipReason();
  const cluster = new ClusterDriver(clusterName);
  let api: ApiClient;

  const svc = (name: string, spec: Partial<NonNullable<Service['spec']>> = {}, annotations?: Record<string, string>): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) },
    spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
  });
  const externalIP = (name: string) =>
    eventually(async () => (await api.get('Service', NS, name)).status?.loadBalancer?.ingress?.[0]?.ip ?? '', 15_000, 100);
  const meshctl = async (...args: string[]) => (await promisify(execFile)(process.execPath, [MESHCTL, ...args], { env: { ...process.env, ...(await cluster.env()) } })).stdout;
  /** The node now carrying an address: the announcer (l2), or where the outside client's requests land. */
  const announcer = async (ip: string) => {
    for (const node of Object.keys(NODE_IPS)) {
      if ((await cluster.exec(node, undefined, 'ip', '-o', '-4', 'addr', 'show')).stdout.includes(` ${ip}/32 `)) return node;
    }
    return undefined;
  };
  /** Starts a process again inside a node, as `up` did (`down` stops it with the cluster). */
  /** Starts `bin` again in `node`'s namespace, with the identity (token) `holder` the cluster issued. */
  const restartInNode = (node: string, holder: string, bin: string, ...args: string[]) => {
    const state = `/run/minimesh/${cluster.name}`;
    const argv = [process.execPath, bin, '--server', `unix://${state}/apiserver.sock`, '--token-file', `${state}/pki/tokens/${holder}.token`, ...args];
    const child = spawn('ip', ['netns', 'exec', `mm-${cluster.name}-n${node.slice(4)}`, ...argv], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, MINIMESH_LOG_LEVEL: 'error' },
    });
    child.unref();
  };
  /** Requests from outside until every one of `n` in a row is answered; how long that took. */
  const recovers = async (url: string, n: number, ms: number) => {
    const t0 = Date.now();
    await eventually(async () => (await cluster.curlMany('outside', undefined, url, n, 1)).every((l) => parseEcho(l) !== undefined), ms, 200);
    return Date.now() - t0;
  };

  describe.skipIf(!!reason)(`LoadBalancer Services on a local cluster, lb ${mode} mode${reason ? ` (skipped: ${reason})` : ''}`, () => {
    beforeAll(async () => {
      await cluster.run('down');
      await cluster.must('up', '--nodes', '2', '--lb', mode, '--no-dns');
      await cluster.must('pod', 'add', 'web-1', '--node', 'node1', '-n', NS, '--labels', 'app=web');
      await cluster.must('pod', 'add', 'web-2', '--node', 'node2', '-n', NS, '--labels', 'app=web');
      await cluster.must('pod', 'add', 'web-3', '--node', 'node2', '-n', NS, '--labels', 'app=web');
      api = await cluster.apiClient();
    }, 180_000);

    afterAll(async () => {
      api?.close();
      const down = await cluster.run('down');
      if (down.code !== 0) console.error(down.stderr);
    }, 60_000);

    it('a LoadBalancer Service gets an EXTERNAL-IP from the pool, and the outside client reaches every pod through it', async () => {
      await api.create(svc('web'));
      const ip = await externalIP('web');
      expect(ip).toBe('192.168.100.200');
      const out = await meshctl('get', 'svc', 'web', '-n', NS);
      expect(out).toMatch(/^web\s+LoadBalancer\s+\S+\s+192\.168\.100\.200\s+80:3\d{4}\/TCP/m);
      await eventually(async () => tally(await cluster.curlMany('outside', undefined, `http://${ip}/`, 12)).size === 3, 15_000, 200);
    }, 60_000);

    if (mode === 'l2') {
      it('the announcing node\'s speaker dies: another node announces within seconds, the client retrying', async () => {
        const ip = await externalIP('web');
        const before = await eventually(async () => announcer(ip));
        const pid = Number(readFileSync(`/run/minimesh/${cluster.name}/pids/lb-speaker-${before}.pid`, 'utf8').split(/\s+/)[0]);
        process.kill(pid, 'SIGKILL');
        const after = await eventually(async () => {
          const a = await announcer(ip);
          return a && a !== before ? a : undefined;
        }, 10_000, 100);
        expect(after).not.toBe(before);
        expect(await recovers(`http://${ip}/`, 6, 10_000)).toBeLessThan(10_000);
        restartInNode(before!, `lb-speaker-${before!}`, LB_BIN, '--role', 'speaker', '--node-name', before!, '--http-listen', '127.0.0.1:0');
      }, 60_000);

      it('the announcing node\'s agent dies: its speaker steps back and the other node takes the address', async () => {
        const ip = await externalIP('web');
        const before = await eventually(async () => announcer(ip));
        const pid = Number(readFileSync(`/run/minimesh/${cluster.name}/pids/node-agent-${before}.pid`, 'utf8').split(/\s+/)[0]);
        process.kill(pid, 'SIGKILL');
        await eventually(async () => {
          const a = await announcer(ip);
          return a !== undefined && a !== before;
        }, 10_000, 100);
        expect(await recovers(`http://${ip}/`, 6, 10_000)).toBeLessThan(10_000);
        restartInNode(before!, `node-${before!}`, AGENT_BIN, '--node-name', before!);
        await eventually(async () => (await cluster.exec(before!, undefined, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:10256/healthz')).stdout === '200', 20_000, 200);
      }, 60_000);
    } else {
      it('a node is lost: it leaves the rotation within seconds, the client retrying', async () => {
        // Local policy: a lost node's pods are not picked by the other node's rules either.
        await api.create(svc('web-local', { externalTrafficPolicy: 'Local' }));
        const ip = await externalIP('web-local');
        await eventually(async () => tally(await cluster.curlMany('outside', undefined, `http://${ip}/`, 12)).size === 3, 15_000, 200);
        // node1 drops off the network (its link goes down): its health checks time out.
        await cluster.must('exec', 'node1', '--', 'ip', 'link', 'set', 'eth0', 'down');
        try {
          expect(await recovers(`http://${ip}/`, 8, 15_000)).toBeLessThan(15_000);
          expect([...tally(await cluster.curlMany('outside', undefined, `http://${ip}/`, 12)).keys()].sort()).toEqual(['web-2', 'web-3']);
        } finally {
          await cluster.must('exec', 'node1', '--', 'ip', 'link', 'set', 'eth0', 'up');
          await cluster.must('exec', 'node1', '--', 'ip', 'route', 'replace', '10.244.2.0/24', 'via', NODE_IPS.node2!, 'dev', 'eth0');
          await cluster.must('exec', 'node1', '--', 'ip', 'route', 'replace', '10.96.0.0/12', 'dev', 'eth0');
        }
        // Healthy again: back in rotation.
        await eventually(async () => tally(await cluster.curlMany('outside', undefined, `http://${ip}/`, 12)).has('web-1'), 20_000, 300);
        await api.delete('Service', NS, 'web-local');
      }, 90_000);
    }

    it('externalTrafficPolicy Local: the pod sees the client\'s address, and only nodes with local pods carry traffic', async () => {
      await cluster.must('pod', 'add', 'local-1', '--node', 'node2', '-n', NS, '--labels', 'app=local');
      await api.create(svc('local', { selector: { app: 'local' }, externalTrafficPolicy: 'Local' }));
      const ip = await externalIP('local');
      const lines = await eventually(async () => {
        const l = await cluster.curlMany('outside', undefined, `http://${ip}/`, 6, 1);
        return l.every((x) => parseEcho(x)) ? l : undefined;
      }, 20_000, 200);
      for (const l of lines!) expect(parseEcho(l)).toMatchObject({ pod: 'local-1', from: { ip: OUTSIDE_IP } });
      if (mode === 'l2') expect(await announcer(ip)).toBe('node2');
    }, 60_000);

    it('deleting a Service frees its address for the next one', async () => {
      const first = await api.create(svc('first'));
      const ip = await externalIP(first.metadata.name!);
      await api.delete('Service', NS, 'first');
      await api.create(svc('second'));
      expect(await externalIP('second')).toBe(ip);
      await api.delete('Service', NS, 'second');
    }, 60_000);

    it('MetalLB\'s example manifests apply unchanged; a Service picking the pool by annotation gets an address from it', async () => {
      const applied = await meshctl('apply', '-f', METALLB_EXAMPLE);
      expect(applied).toMatch(/ipaddresspool\.metallb\.io\/first-pool created/);
      await api.create(svc('from-first-pool', {}, { 'metallb.io/address-pool': 'first-pool' }));
      expect(await externalIP('from-first-pool')).toBe('192.168.10.0');
      expect(readFileSync(METALLB_EXAMPLE, 'utf8')).toContain('kind: L2Advertisement');
    }, 60_000);
  });
}
