/**
 * docker-compose.yml end to end, through testcontainers' DockerComposeEnvironment, once with each
 * Compose: v2 (`docker compose`) and v1 (`docker-compose`): the README's walkthrough from the host.
 * meshctl on the host applies the walkthrough's Services; they get Endpoints of the three echo
 * pods; cluster DNS answers for them (headless: the pods); a ClusterIP reaches every pod from both
 * nodes; a NodePort on one node reaches the pods from the other.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DockerComposeEnvironment, type StartedDockerComposeEnvironment, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Node, Pod } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { eventually } from '@minimesh/runtime/testing';
import { HAS_COMPOSE_V1, HAS_COMPOSE_V2, HAS_ENGINE, REPO_ROOT, VERSION } from './engine.js';

const API_PORT = 16443;

const composes = [
  { name: 'docker compose', v2: true, present: HAS_COMPOSE_V2 },
  { name: 'docker-compose', v2: false, present: HAS_COMPOSE_V1 },
];

// One after the other: each brings the mesh up on the same ports and subnet, and takes it down.
describe.skipIf(!HAS_ENGINE).each(composes)('docker-compose.yml ($name)', { timeout: 120_000 }, ({ name, v2, present }) => {
  if (HAS_ENGINE && !present) {
    it.skip(`${name} is not installed (tools/setup.sh installs both)`);
    return;
  }
  let env: StartedDockerComposeEnvironment;
  let api: ApiClient;
  let admin: string;
  const meshctl = (...args: string[]) =>
    promisify(execFile)(process.execPath, [join(REPO_ROOT, 'apps/meshctl/bin/meshctl.mjs'), '--server', `127.0.0.1:${API_PORT}`, '--certificate-authority', join(admin, 'ca.crt'), '--token-file', join(admin, 'token'), ...args]);
  const project = `mmtest${process.pid}${v2 ? 'v2' : 'v1'}`;
  /** A compose service's container: v2 names it `<project>-<service>-1` (testcontainers drops the project), v1 `<project>_<service>_1`. */
  const container = (service: string): StartedTestContainer => {
    try {
      return env.getContainer(`${service}-1`);
    } catch {
      return env.getContainer(`${project}_${service}_1`);
    }
  };
  const sh = async (service: string, cmd: string[]) => {
    const r = await container(service).exec(cmd);
    if (r.exitCode !== 0) throw new Error(`${service}: ${cmd.join(' ')} exited ${r.exitCode}: ${r.output.trim()}`);
    return r.stdout.trim();
  };
  /** The pods that answered through `url` from `node`, over enough requests to meet each one. */
  const podsReached = (node: string, url: string) =>
    eventually(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 30 && seen.size < 3; i++) seen.add((await sh(node, ['curl', '-s', '-m', '2', url])).split('\n')[0]!.split(' ')[2]!);
      return seen.size === 3 ? [...seen].sort() : undefined;
    }, 60_000, 500);

  beforeAll(async () => {
    admin = mkdtempSync(join(tmpdir(), 'mm-compose-admin-'));
    let compose = new DockerComposeEnvironment(REPO_ROOT, 'docker-compose.yml')
      .withProjectName(project)
      .withEnvironment({ MINIMESH_TAG: VERSION, MINIMESH_COMPOSE_ADMIN: admin, MINIMESH_API_PORT: String(API_PORT), MINIMESH_REST_PORT: String(API_PORT + 2), MINIMESH_COMPOSE_SUBNET: '172.29.7.0/24' })
      .withStartupTimeout(120_000);
    if (!v2) compose = compose.withClientOptions({ executable: { standalone: true } });
    env = await compose.up();
    api = connectApiClient(`127.0.0.1:${API_PORT}`, { caFile: join(admin, 'ca.crt'), tokenFile: join(admin, 'token'), timeoutMs: 5000 });
  }, 300_000);

  afterAll(async () => {
    api?.close();
    try {
      await env?.down({ removeVolumes: true, timeout: 10_000 });
    } catch (e) {
      // docker-compose 1.29 can reach the network while a container that shares a node's network
      // namespace is still on its way out ("network … has active endpoints"): once more.
      if (!/active endpoints/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 3000));
      await env?.down({ removeVolumes: true, timeout: 10_000 });
    }
    if (admin) rmSync(admin, { recursive: true, force: true });
  }, 120_000);

  it('registers both nodes (Ready, with their containers\' addresses) and the three echo pods', async () => {
    const nodes = await eventually(async (): Promise<Node[] | undefined> => {
      const items = (await api.list('Node')).items as Node[];
      return items.length === 2 ? items : undefined;
    }, 60_000, 500);
    expect(nodes!.map((n) => n.metadata.name).sort()).toEqual(['node1', 'node2']);
    for (const n of nodes!) expect(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toMatch(/^172\.29\.7\.\d+$/);
    const pods = await eventually(async (): Promise<Pod[] | undefined> => {
      const items = (await api.list('Pod', { namespace: 'study' })).items as Pod[];
      return items.length === 3 ? items : undefined;
    }, 60_000, 500);
    expect(pods!.map((p) => `${p.metadata.name} ${p.spec?.nodeName}`).sort()).toEqual(['pod-1 node1', 'pod-2 node1', 'pod-3 node2']);
  });

  it('meshctl on the host applies the walkthrough\'s Services; the ClusterIP one gets the pods as Endpoints', async () => {
    for (const f of ['002-service-clusterip.yaml', '002-service-headless.yaml', '002-service-nodeport.yaml']) {
      expect((await meshctl('apply', '-f', join(REPO_ROOT, 'apps/meshctl/testdata', f))).stdout).toMatch(/created|configured|unchanged/);
    }
    const podIPs = ((await api.list('Pod', { namespace: 'study' })).items as Pod[]).map((p) => p.status?.podIP).sort();
    const addresses = await eventually(async () => {
      const ep = (await api.get('Endpoints', 'study', 'service-clusterip')) as Endpoints;
      const ips = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
      return ips.length === 3 ? ips : undefined;
    }, 60_000, 500);
    expect(addresses).toEqual(podIPs);
    expect((await meshctl('get', 'svc', '-n', 'study')).stdout).toMatch(/service-clusterip\s+ClusterIP\s+10\.97\.97\.97/);
  });

  it('cluster DNS answers for the Services: the ClusterIP, and the pods for the headless one', async () => {
    const dig = (name: string) => sh('node1', ['dig', '+short', '@dns', name]);
    expect(await eventually(async () => (await dig('service-clusterip.study.svc.cluster.local')) || undefined, 30_000, 500)).toBe('10.97.97.97');
    const podIPs = ((await api.list('Pod', { namespace: 'study' })).items as Pod[]).map((p) => p.status?.podIP).sort();
    const headless = await eventually(async () => {
      const ips = (await dig('service-headliness.study.svc.cluster.local')).split('\n').filter(Boolean).sort();
      return ips.length === 3 ? ips : undefined;
    }, 30_000, 500);
    expect(headless).toEqual(podIPs);
  });

  it('the ClusterIP reaches every pod from both nodes (the node agents\' rules)', async () => {
    expect(await podsReached('node1', 'http://10.97.97.97/')).toEqual(['pod-1', 'pod-2', 'pod-3']);
    expect(await podsReached('node2', 'http://10.97.97.97/')).toEqual(['pod-1', 'pod-2', 'pod-3']);
  });

  it('the NodePort of one node reaches the pods from the other', async () => {
    const node2 = ((await api.get('Node', '', 'node2')) as Node).status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    expect(await podsReached('node1', `http://${node2}:30002/`)).toEqual(['pod-1', 'pod-2', 'pod-3']);
  });
});
