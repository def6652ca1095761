/**
 * End to end: a real 2-node cluster of network namespaces under a unique name, driven through the
 * minimesh-cluster command. Needs root and a working `ip netns`; skipped (with the reason printed)
 * otherwise. `down` runs in afterAll whatever happens, so a failing test leaves nothing behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NotFoundError, type Pod } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNetns, netnsUnavailable } from '../netns.js';
import { etcNetnsEntries } from '../network.js';
import { isAlive, processesMentioning, readPidFiles, type ProcessRecord } from '../processes.js';
import { adminCredentials } from '../cli.js';
import { tokenFileOf } from '../identities.js';
import { stateLayout } from '../state.js';
import { ClusterDriver } from '../testing/cluster-driver.js';
import { podNames } from '../topology.js';

const skipReason = netnsUnavailable();
if (skipReason) console.warn(`minimesh-cluster e2e skipped: ${skipReason} (it needs root and a working \`ip netns\`)`);

const CLUSTER = `e2e${randomBytes(3).toString('hex')}`;
const BIN = fileURLToPath(new URL('../../bin/minimesh-cluster.mjs', import.meta.url));
const layout = stateLayout(CLUSTER, {});
const prefix = `mm-${CLUSTER}-`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const cli = (...args: string[]) => cliOf(CLUSTER, args);

function cliOf(cluster: string, args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MINIMESH_')) env[k] = v;
  env.MINIMESH_CLUSTER = cluster;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const ok = (...args: string[]) => okOf(CLUSTER, args);

async function okOf(cluster: string, args: string[]): Promise<string> {
  const r = await cliOf(cluster, args);
  if (r.code !== 0) throw new Error(`minimesh-cluster ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const curl = (from: string, url: string, ns = 'study') =>
  ok('exec', from, ...(from.startsWith('node') || from === 'outside' ? [] : ['-n', ns]), '--', 'curl', '-sS', '--max-time', '3', url);

const UDP_CLIENT = (ip: string, port: number) =>
  `const s=require('dgram').createSocket('udp4');s.on('message',m=>{process.stdout.write(m);process.exit(0)});` +
  `s.send('ping',${port},'${ip}');setTimeout(()=>{console.error('no UDP reply');process.exit(3)},3000);`;

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe.skipIf(skipReason !== undefined)(`local cluster end to end (cluster ${CLUSTER})`, () => {
  let api: ApiClient;
  let pids: ProcessRecord[] = [];
  const ips: Record<string, string> = {};

  beforeAll(async () => {
    const out = await ok('up', '--nodes', '2', '--no-dns');
    expect(out).toContain(`cluster "${CLUSTER}" is up`);
    const server = /^MINIMESH_SERVER=(127\.0\.0\.1:\d+) \(TLS; /m.exec(out)?.[1];
    expect(server).toBeDefined();
    api = connectApiClient(server!, { timeoutMs: 5000, ...adminCredentials(layout) });
  }, 60_000);

  afterAll(async () => {
    api?.close();
    const r = await cli('down');
    if (r.code !== 0) console.error(`down failed: ${r.stderr}`);
  }, 60_000);

  it('up registers both nodes with their InternalIP, pod CIDR and Ready condition', async () => {
    const nodes = (await api.list('Node')).items.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    expect(nodes.map((n) => [n.metadata.name, n.spec?.podCIDR, n.status?.addresses])).toEqual([
      ['node1', '10.244.1.0/24', [{ type: 'InternalIP', address: '192.168.100.11' }, { type: 'Hostname', address: 'node1' }]],
      ['node2', '10.244.2.0/24', [{ type: 'InternalIP', address: '192.168.100.12' }, { type: 'Hostname', address: 'node2' }]],
    ]);
    for (const n of nodes) expect(n.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('a node forwards, allows route_localnet and routes the other pod CIDR and the service CIDR', async () => {
    const out = await ok('exec', 'node1', '--', 'sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/route_localnet; ip route');
    expect(out).toMatch(/^1\n1\n/);
    expect(out).toContain('10.244.2.0/24 via 192.168.100.12 dev eth0');
    expect(out).toContain('blackhole 10.244.1.0/24');
    expect(out).toContain('10.96.0.0/12 dev eth0');
  });

  it('pod add starts pods and registers them with IP, node, labels, ports and Ready', async () => {
    expect(await ok('pod', 'add', 'pod-a', '--node', 'node1', '-n', 'study', '--labels', 'app=nginx-pod', '--port', '80', '--port', '5353/udp:dns')).toMatch(
      /^pod\/pod-a created in namespace study: 10\.244\.1\.\d+ on node1/,
    );
    await ok('pod', 'add', 'pod-b', '--node', 'node1', '-n', 'study', '--labels', 'app=nginx-pod');
    await ok('pod', 'add', 'pod-c', '--node', 'node2', '-n', 'study', '--labels', 'app=nginx-pod', '--hostname', 'c', '--subdomain', 'sub');
    const pods = (await api.list('Pod', { namespace: 'study' })).items;
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['pod-a', 'pod-b', 'pod-c']);
    for (const p of pods) ips[p.metadata.name!] = p.status!.podIP!;
    const byName = (n: string) => pods.find((p) => p.metadata.name === n)!;
    expect(ips['pod-a']).toMatch(/^10\.244\.1\.\d+$/);
    expect(ips['pod-b']).toMatch(/^10\.244\.1\.\d+$/);
    expect(ips['pod-b']).not.toBe(ips['pod-a']);
    expect(ips['pod-c']).toMatch(/^10\.244\.2\.\d+$/);
    const a = byName('pod-a');
    expect(a.metadata.labels).toEqual({ app: 'nginx-pod' });
    expect(a.spec?.nodeName).toBe('node1');
    expect(a.spec?.containers?.[0]?.ports).toEqual([
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 5353, protocol: 'UDP', name: 'dns' },
    ]);
    expect(a.status).toMatchObject({ phase: 'Running', hostIP: '192.168.100.11', podIPs: [{ ip: ips['pod-a'] }] });
    expect(readyOf(a)).toMatchObject({ status: 'True', lastTransitionTime: expect.stringMatching(/Z$/) });
    expect(byName('pod-c').spec).toMatchObject({ nodeName: 'node2', hostname: 'c', subdomain: 'sub' });
    expect(byName('pod-c').status?.hostIP).toBe('192.168.100.12');
    expect((await api.get('Namespace', '', 'study')).metadata.name).toBe('study');
  });

  it('pods reach each other on the same node and across nodes; nodes reach pods', async () => {
    // The echo server's second line names the peer: pod to pod, the client's own address (no NAT).
    expect(await curl('pod-a', `http://${ips['pod-c']}/`)).toMatch(new RegExp(`^IP: ${ips['pod-c']} pod-c node2\\nfrom ${ips['pod-a']}:\\d+\\n$`));
    expect(await curl('pod-a', `http://${ips['pod-b']}/`)).toMatch(new RegExp(`^IP: ${ips['pod-b']} pod-b node1\\nfrom ${ips['pod-a']}:\\d+\\n$`));
    expect(await curl('pod-c', `http://${ips['pod-a']}/`)).toMatch(new RegExp(`^IP: ${ips['pod-a']} pod-a node1\\nfrom ${ips['pod-c']}:\\d+\\n$`));
    // A node reaches another node's pod from its own address.
    expect(await curl('node2', `http://${ips['pod-b']}/`)).toMatch(new RegExp(`^IP: ${ips['pod-b']} pod-b node1\\nfrom 192\\.168\\.100\\.12:\\d+\\n$`));
  });

  it('the outside client reaches a node IP', async () => {
    const script = "require('http').createServer((q,r)=>{r.end('node1 here\\n');process.exit(0)}).listen(8080,'192.168.100.11')";
    const server = cli('exec', 'node1', '--', process.execPath, '-e', script);
    try {
      expect(await eventually(() => curl('outside', 'http://192.168.100.11:8080/'))).toBe('node1 here\n');
    } finally {
      expect((await server).code).toBe(0);
    }
  });

  it('the echo server answers UDP datagrams', async () => {
    expect(await ok('exec', 'pod-c', '-n', 'study', '--', process.execPath, '-e', UDP_CLIENT(ips['pod-a']!, 5353))).toMatch(new RegExp(`^IP: ${ips['pod-a']} pod-a node1\\nfrom ${ips['pod-c']}:\\d+\\n$`));
  });

  it('a pod has the cluster resolv.conf', async () => {
    expect(await ok('exec', 'pod-a', '-n', 'study', '--', 'cat', '/etc/resolv.conf')).toBe(
      'nameserver 10.96.0.10\nsearch study.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n',
    );
  });

  it('pod ready --ready=false flips the Ready condition and back', async () => {
    expect(await ok('pod', 'ready', 'pod-b', '-n', 'study', '--ready=false')).toBe('pod/pod-b ready=false\n');
    const unready = await api.get('Pod', 'study', 'pod-b');
    expect(readyOf(unready)).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect(unready.status?.conditions?.find((c) => c.type === 'ContainersReady')?.status).toBe('False');
    expect(await ok('pod', 'ready', 'pod-b', '-n', 'study', '--ready=false')).toBe('pod/pod-b already ready=false\n');
    // Readiness is only a condition: the echo server keeps answering.
    expect(await curl('pod-a', `http://${ips['pod-b']}/`)).toMatch(new RegExp(`^IP: ${ips['pod-b']} pod-b node1\\nfrom [0-9.]+:\\d+\\n$`));
    await ok('pod', 'ready', 'pod-b', '-n', 'study');
    expect(readyOf(await api.get('Pod', 'study', 'pod-b'))?.status).toBe('True');
  });

  it('pod label relabels with kubectl semantics', async () => {
    const refused = await cli('pod', 'label', 'pod-b', '-n', 'study', 'app=other');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("error: 'app' already has a value (nginx-pod), and --overwrite is false\n");
    expect(await ok('pod', 'label', 'pod-b', '-n', 'study', '--overwrite', 'app=other', 'tier=web')).toBe('pod/pod-b labeled\n');
    expect((await api.get('Pod', 'study', 'pod-b')).metadata.labels).toEqual({ app: 'other', tier: 'web' });
    expect(await ok('pod', 'label', 'pod-b', '-n', 'study', 'tier-')).toBe('pod/pod-b labeled\n');
    expect((await api.get('Pod', 'study', 'pod-b')).metadata.labels).toEqual({ app: 'other' });
  });

  it('issues an identity per component and node: without one the apiserver refuses, and node1 cannot modify node2', async () => {
    const server = (await ok('env')).match(/MINIMESH_SERVER=(\S+)/)![1]!;
    const anonymous = connectApiClient(server, { timeoutMs: 5000, caFile: adminCredentials(layout).caFile });
    await expect(anonymous.list('Service')).rejects.toThrow('Unauthorized');
    anonymous.close();
    const unix = `unix://${layout.socket}`;
    const agent = connectApiClient(unix, { timeoutMs: 5000, tokenFile: tokenFileOf(layout, 'node-node1') });
    expect((await agent.list('Service')).items.length).toBeGreaterThan(0);
    await expect(agent.patch('Node', '', 'node2', 'merge', { metadata: { labels: { hijack: 'yes' } } })).rejects.toThrow(
      'nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"',
    );
    agent.close();
    const controller = connectApiClient(unix, { timeoutMs: 5000, tokenFile: tokenFileOf(layout, 'endpoints-controller') });
    await expect(controller.delete('Service', 'default', 'kubernetes')).rejects.toThrow(
      'services "kubernetes" is forbidden: User "system:minimesh:endpoints-controller" cannot delete resource "services" in API group "" in the namespace "default"',
    );
    controller.close();
  });

  it('status and env print the cluster', async () => {
    const env = await ok('env');
    expect(env).toMatch(
      /^export MINIMESH_SERVER=127\.0\.0\.1:\d+\nexport MINIMESH_CERTIFICATE_AUTHORITY=\S+\/pki\/ca\.crt\nexport MINIMESH_CLIENT_CERTIFICATE=\S+\/pki\/admin\.crt\nexport MINIMESH_CLIENT_KEY=\S+\/pki\/admin\.key\nexport MINIMESH_NATS_URL=nats:\/\/127\.0\.0\.1:\d+\nexport KUBECONFIG=\S+\/kubeconfig\n$/,
    );
    const status = await ok('status');
    expect(status).toMatch(/node1\s+Ready\s+192\.168\.100\.11\s+10\.244\.1\.0\/24/);
    expect(status).toMatch(/node2\s+Ready\s+192\.168\.100\.12\s+10\.244\.2\.0\/24/);
    expect(status).toMatch(new RegExp(`study\\s+pod-a\\s+True\\s+${ips['pod-a']!.replace(/\./g, '\\.')}\\s+node1\\s+running`));
    expect(status).toMatch(/nats-server\s+\d+\s+alive/);
    expect(status).toMatch(/apiserver\s+\d+\s+alive/);
  });

  it('kubectl reads the cluster through its Kubernetes REST API with the kubeconfig up wrote', async (ctx) => {
    if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0) return ctx.skip(); // kubectl is not installed here
    const kubeconfig = (await ok('env')).match(/KUBECONFIG=(\S+)/)![1]!;
    expect((await ok('kubeconfig')).trimEnd()).toBe(readFileSync(kubeconfig, 'utf8').trimEnd());
    const kubectl = (...args: string[]) => spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
    const nodes = kubectl('get', 'nodes', '-o', 'wide');
    expect(nodes.stderr).toBe('');
    expect(nodes.stdout).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP/);
    expect(nodes.stdout).toMatch(/^node1\s+Ready\s+<none>\s+\S+\s+192\.168\.100\.11\s/m); // VERSION is empty: no kubelet reports one
    expect(kubectl('get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}').stdout).toBe('10.96.0.1');
    expect(kubectl('get', 'pods', '-n', 'study', '-l', 'app=nginx-pod', '-o', 'name').stdout).toContain('pod/pod-a');
  });

  it('exec passes stdio and the exit code through; errors are one line with exit code 1', async () => {
    const r = await cli('exec', 'node1', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7');
    expect(r).toEqual({ code: 7, stdout: 'out\n', stderr: 'err\n' });
    // The test driver runs the same command line without starting the tool: same answers.
    const driver = new ClusterDriver(CLUSTER);
    expect(await driver.exec('node1', undefined, 'sh', '-c', 'echo out; echo err >&2; exit 7')).toMatchObject(r);
    for (const [target, ns] of [['node2', undefined], ['outside', undefined], ['pod-a', 'study']] as const) {
      const cmd = ['sh', '-c', 'ip netns identify; cat /etc/resolv.conf; cat /proc/self/cgroup'];
      expect(await driver.exec(target, ns, ...cmd), target).toMatchObject(await cli('exec', target, ...(ns ? ['-n', ns] : []), '--', ...cmd));
    }
    const unknown = await cli('exec', 'nope', '-n', 'study', '--', 'true');
    expect(unknown.code).toBe(1);
    expect(await driver.exec('nope', 'study', 'true')).toMatchObject(unknown);
    const missing = await cli('pod', 'delete', 'nope', '-n', 'study');
    expect(missing).toMatchObject({ code: 1, stderr: 'error: pod "nope" not found in namespace "study"\n' });
    const dup = await cli('pod', 'add', 'pod-a', '--node', 'node1', '-n', 'study');
    expect(dup).toMatchObject({ code: 1, stderr: 'error: pod "pod-a" already exists in namespace "study"\n' });
  });

  it('pod delete removes the object, the process and the namespace', async () => {
    const { netns } = podNames(CLUSTER, 'study', 'pod-b');
    expect(await listNetns()).toContain(netns);
    expect(await ok('pod', 'delete', 'pod-b', '-n', 'study')).toBe('pod "pod-b" deleted\n');
    await expect(api.get('Pod', 'study', 'pod-b')).rejects.toBeInstanceOf(NotFoundError);
    expect(await listNetns()).not.toContain(netns);
    expect(etcNetnsEntries()).not.toContain(netns);
    expect(existsSync(`${layout.pidDir}/echo-study_pod-b.pid`)).toBe(false);
    const after = await cli('exec', 'pod-a', '-n', 'study', '--', 'curl', '-sS', '--max-time', '1', `http://${ips['pod-b']}/`);
    expect(after.code).not.toBe(0);
  });

  it('a hostNetwork pod runs in its node\'s namespace, answers on the node IP, and its deletion stops it and leaves the node alone', async () => {
    expect(await ok('pod', 'add', 'pod-h', '--node', 'node2', '-n', 'study', '--host-network', '--port', '8081', '--port', '8082/udp')).toMatch(
      /pod\/pod-h created in namespace study: 192\.168\.100\.12 on node2/,
    );
    const pod = await api.get('Pod', 'study', 'pod-h');
    expect([pod.spec?.hostNetwork, pod.status?.podIP, pod.status?.podIPs, pod.status?.hostIP]).toEqual([true, '192.168.100.12', [{ ip: '192.168.100.12' }], '192.168.100.12']);
    // No namespace of its own: the echo server is a process of node2's namespace.
    expect(await listNetns()).not.toContain(podNames(CLUSTER, 'study', 'pod-h').netns);
    const [echo] = readPidFiles(layout.pidDir).filter((p) => p.name === 'echo-study_pod-h');
    expect(await ok('exec', 'node2', '--', 'ip', 'netns', 'identify', String(echo!.pid))).toBe(`mm-${CLUSTER}-n2\n`);
    expect(await curl('pod-a', 'http://192.168.100.12:8081/')).toMatch(new RegExp(`^IP: 192\\.168\\.100\\.12 pod-h node2\\nfrom ${ips['pod-a']}:\\d+\\n$`));
    expect(await curl('outside', 'http://192.168.100.12:8081/')).toMatch(/^IP: 192\.168\.100\.12 pod-h node2\nfrom 192\.168\.100\.100:\d+\n$/);
    expect(await ok('exec', 'pod-a', '-n', 'study', '--', process.execPath, '-e', UDP_CLIENT('192.168.100.12', 8082))).toMatch(new RegExp(`^IP: 192\\.168\\.100\\.12 pod-h node2\\nfrom ${ips['pod-a']}:\\d+\\n$`));
    await ok('pod', 'delete', 'pod-h', '-n', 'study', '--wait');
    await expect(api.get('Pod', 'study', 'pod-h')).rejects.toBeInstanceOf(NotFoundError);
    expect(isAlive(echo!.pid, echo!.startTime)).toBe(false);
    expect((await cli('exec', 'outside', '--', 'curl', '-sS', '--max-time', '1', 'http://192.168.100.12:8081/')).code).not.toBe(0);
    expect(await listNetns()).toContain(`mm-${CLUSTER}-n2`);
    expect(await curl('pod-a', `http://${ips['pod-c']}/`)).toMatch(/^IP: /);
  });

  it('pod delete --grace-period N --wait: the object stays readable, marked, until the pod has stopped; then it is gone', async () => {
    // The echo server drains for 1 s after SIGTERM, so the marked object can be seen.
    await ok('pod', 'add', 'pod-g', '--node', 'node1', '-n', 'study', '--shutdown-delay', '1');
    const from = await api.list('Pod', { namespace: 'study' });
    const ac = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const ev of api.watch('Pod', { namespace: 'study', fieldSelector: 'metadata.name=pod-g', resourceVersion: from.resourceVersion, signal: ac.signal })) {
        seen.push(`${ev.type} ${ev.object?.metadata.deletionGracePeriodSeconds ?? '-'}`);
        if (ev.type === 'DELETED') ac.abort();
      }
    })();
    const t0 = Date.now();
    const deleting = ok('pod', 'delete', 'pod-g', '-n', 'study', '--grace-period', '2', '--wait');
    const marked = await eventually(async () => {
      const p = await api.get('Pod', 'study', 'pod-g');
      if (!p.metadata.deletionTimestamp) throw new Error('not marked yet');
      return p;
    });
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(2);
    expect(await deleting).toBe('pod "pod-g" deleted\n');
    const took = Date.now() - t0;
    await watching;
    // Marked with its grace period first (MODIFIED), removed once the pod had stopped (DELETED).
    expect(seen).toEqual(['MODIFIED 2', 'DELETED 2']);
    expect(took).toBeGreaterThanOrEqual(1000); // the drain
    await expect(api.get('Pod', 'study', 'pod-g')).rejects.toBeInstanceOf(NotFoundError);
    expect(await listNetns()).not.toContain(podNames(CLUSTER, 'study', 'pod-g').netns);
  });

  it('a pod deleted through the API with its default grace period (which only marks it) is gone within seconds: the cluster\'s kubelet ends it', async () => {
    await ok('pod', 'add', 'pod-k', '--node', 'node2', '-n', 'study');
    const t0 = Date.now();
    const marked = await api.delete('Pod', 'study', 'pod-k');
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    await eventually(async () => {
      await expect(api.get('Pod', 'study', 'pod-k')).rejects.toBeInstanceOf(NotFoundError);
    }, 5000);
    const took = Date.now() - t0;
    console.log(`pod-k: marked by the API, confirmed by the kubelet after ${took} ms`);
    expect(took).toBeLessThan(3000);
    expect(await listNetns()).not.toContain(podNames(CLUSTER, 'study', 'pod-k').netns);
    expect(existsSync(`${layout.pidDir}/echo-study_pod-k.pid`)).toBe(false);
  });

  it('a pod force-deleted through the API (grace 0, gone at once) is stopped and its network removed by the kubelet', async () => {
    await ok('pod', 'add', 'pod-f', '--node', 'node1', '-n', 'study');
    const [echo] = readPidFiles(layout.pidDir).filter((p) => p.name === 'echo-study_pod-f');
    await api.delete('Pod', 'study', 'pod-f', { gracePeriodSeconds: 0 });
    await expect(api.get('Pod', 'study', 'pod-f')).rejects.toBeInstanceOf(NotFoundError);
    await eventually(async () => {
      expect(isAlive(echo!.pid, echo!.startTime)).toBe(false);
      expect(await listNetns()).not.toContain(podNames(CLUSTER, 'study', 'pod-f').netns);
    }, 5000);
    expect((await ok('status'))).not.toContain('pod-f');
  });

  it('down stops every process and deletes every namespace and the state directory', async () => {
    pids = readPidFiles(layout.pidDir);
    expect(pids.map((p) => p.name)).toEqual(expect.arrayContaining(['apiserver', 'nats-server', 'kubelet', 'echo-study_pod-a', 'echo-study_pod-c']));
    expect(await ok('down')).toMatch(new RegExp(`^cluster "${CLUSTER}" is down: stopped \\d+ processes, deleted 6 namespaces`));
    expect((await listNetns()).filter((ns) => ns.startsWith(prefix))).toEqual([]);
    expect(etcNetnsEntries().filter((ns) => ns.startsWith(prefix))).toEqual([]);
    expect(pids.filter((p) => isAlive(p.pid, p.startTime))).toEqual([]);
    expect(processesMentioning(`${layout.dir}/`)).toEqual([]);
    expect(existsSync(layout.dir)).toBe(false);
    expect(await ok('down')).toBe(`cluster "${CLUSTER}" is not up: nothing to do\n`);
  });
});

describe.skipIf(skipReason !== undefined)('down after a crash', () => {
  const crashed = `${CLUSTER}x`;
  const crashedLayout = stateLayout(crashed, {});

  afterAll(async () => {
    await cliOf(crashed, ['down']);
  }, 60_000);

  it('finds and removes the leftovers without the state file and pid files', async () => {
    await okOf(crashed, ['up', '--nodes', '1', '--no-dns']);
    await okOf(crashed, ['pod', 'add', 'p', '--node', 'node1']);
    const pids = readPidFiles(crashedLayout.pidDir);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    rmSync(crashedLayout.stateFile);
    rmSync(crashedLayout.pidDir, { recursive: true });

    const again = await cliOf(crashed, ['up', '--nodes', '1', '--no-dns']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^error: cluster "${crashed}" already exists \\(4 namespaces, .*run \`minimesh-cluster down --name ${crashed}\` first\n$`));

    const out = await okOf(crashed, ['down']);
    // Every process it started, and any child one of them runs at that moment (an agent's iptables-restore).
    const stopped = Number(new RegExp(`^cluster "${crashed}" is down: stopped (\\d+) processes, deleted 4 namespaces`).exec(out)?.[1]);
    expect(stopped).toBeGreaterThanOrEqual(pids.length);
    expect(pids.filter((p) => isAlive(p.pid, p.startTime))).toEqual([]);
    expect((await listNetns()).filter((ns) => ns.startsWith(`mm-${crashed}-`))).toEqual([]);
    expect(existsSync(crashedLayout.dir)).toBe(false);
  });
});

function readyOf(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}
