/**
 * End to end on a 2-node local cluster (network namespaces, real iptables or nftables in each
 * node, real processes): the Kubernetes Service walkthrough of the documents, reproduced, once
 * per proxy mode (`minimesh-cluster up --proxy-mode`): iptables, nftables, userspace, ebpf (with
 * tests of its own, walkthrough-ebpf.ts), and once more with
 * every component on the Kubernetes REST API (`up --api rest`). Needs root; without it the suite is
 * skipped and says why. Imported by the walkthrough specs, which run the modes one after another.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, Service } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';
import { fileURLToPath } from 'node:url';
import { ClusterDriver, e2eSkipReason, tally } from '@minimesh/cluster/testing';
import { eventually } from '@minimesh/runtime/testing';
import { ebpfWalkthroughTests } from './walkthrough-ebpf.js';

const UDP_PROBE = fileURLToPath(new URL('../../e2e/udp-probe.mjs', import.meta.url));

export type WalkthroughMode = 'iptables' | 'nftables' | 'userspace' | 'ebpf';

const SOCK_LB_HELPER = fileURLToPath(new URL('../../bpf/build/minimesh-sock-lb', import.meta.url));

/** The node's proxy rules as lines, to compare across an agent restart (ebpf: the socket load balancer's maps, which belong to no namespace). */
const RULES_DUMP: Record<Exclude<WalkthroughMode, 'ebpf'>, string[]> = {
  iptables: ['iptables-save', '-t', 'nat'],
  nftables: ['nft', 'list', 'table', 'ip', 'kube-proxy'],
  userspace: ['iptables-save', '-t', 'nat'],
};
/** A line that shows the walkthrough's ClusterIP 10.97.97.97:80 is programmed. */
const CLUSTER_IP_RULE: Record<WalkthroughMode, string> = {
  iptables: '-A KUBE-SERVICES -d 10.97.97.97/32 -p tcp -m comment --comment "study/service-clusterip cluster IP" -m tcp --dport 80 -j KUBE-SVC-',
  nftables: '10.97.97.97 . tcp . 80 comment "study/service-clusterip" : goto service-',
  userspace: '-A KUBE-PORTALS-CONTAINER -d 10.97.97.97/32 -p tcp -m comment --comment "study/service-clusterip" -m tcp --dport 80 -j REDIRECT --to-ports ',
  ebpf: 'frontend 10.97.97.97:80/TCP set ',
};

function skipReason(mode: WalkthroughMode): string | undefined {
  const reason = e2eSkipReason();
  if (reason || mode === 'iptables' || mode === 'userspace') return reason;
  if (spawnSync('nft', ['--version']).status !== 0) return 'needs nft (nftables)';
  if (mode !== 'ebpf') return undefined;
  // The agent would fall back to nftables: the suite would not test ebpf mode.
  if (!existsSync(SOCK_LB_HELPER)) return 'needs the BPF programs built (bash tools/setup.sh, with clang and libbpf-dev)';
  const probe = spawnSync(SOCK_LB_HELPER, ['probe', SOCK_LB_HELPER.replace(/minimesh-sock-lb$/, 'sock-lb.o')], { encoding: 'utf8' });
  if (probe.status !== 0) return `this kernel does not take the BPF programs: ${probe.stderr.trim().split('\n').pop()}`;
  return readFileSync('/proc/self/mounts', 'utf8').includes(' cgroup2 ') ? undefined : 'needs cgroup v2';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long a change may take to reach the data plane here (2 cores shared by the whole cluster and the tests). */
const PROPAGATION_MS = 15_000;

function svc(name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'study' }, spec };
}

export interface WalkthroughOptions {
  /** `rest`: every component reads and writes through --kubeconfig (the Kubernetes REST API) instead of gRPC (`up --api rest`). */
  api?: 'grpc' | 'rest';
}

export function walkthrough(mode: WalkthroughMode, clusterName: string, opts: WalkthroughOptions = {}): void {
  const reason = skipReason(mode);
  const api = opts.api ?? 'grpc';
  const title = `walkthrough on a local cluster, ${mode} mode${api === 'rest' ? ', components on the REST API' : ''}${reason ? ` (skipped: ${reason})` : ''}`;
  // iptables-save adds a dated header and counters; the rules are the `-A` lines.
  const ruleLines = (text: string) => text.split('\n').filter((l) => (mode === 'nftables' || mode === 'ebpf' ? l.trim() !== '' : l.startsWith('-A'))).sort();
  const dump = async (node: string) =>
    mode === 'ebpf' ? spawnSync(SOCK_LB_HELPER, ['dump', `/sys/fs/bpf/minimesh/${clusterName}/${node}`], { encoding: 'utf8' }).stdout : (await cluster.exec(node, undefined, ...RULES_DUMP[mode])).stdout;
  const cluster = new ClusterDriver(clusterName);

  describe.skipIf(!!reason)(title, () => {
    let client: ApiClient;

    /** `n` requests from inside `target`, in one exec (one process start, not n). */
    async function curlMany(target: string, ns: string | undefined, url: string, n: number): Promise<string[]> {
      const r = await cluster.exec(target, ns, 'sh', '-c', `for i in $(seq ${n}); do curl -s -m 2 ${url}; echo; done`);
      return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    }

    /**
     * The pods that answered rounds of 18 requests, sorted, once all three have or after 4 rounds
     * (a random pick misses one of three pods in 18 requests once in ~400 tries).
     */
    async function podsAnswering(target: string, ns: string | undefined, url: string): Promise<string[]> {
      const seen = new Set<string>();
      const all = () => ['pod-1', 'pod-2', 'pod-3'].every((p) => seen.has(p));
      for (let round = 0; round < 4 && !all(); round++) for (const pod of tally(await curlMany(target, ns, url, 18)).keys()) seen.add(pod);
      return [...seen].sort();
    }

    /** Waits until `url` answers from `target` (the rule is in place), up to `ms`. */
    async function reachable(target: string, ns: string | undefined, url: string, ms = 10_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if ((await cluster.curl(target, ns, url, 1)).stdout.startsWith('IP: ')) return;
        await sleep(100);
      }
      throw new Error(`${url} not reachable from ${target} after ${ms} ms`);
    }

    beforeAll(async () => {
      await cluster.run('down');
      await cluster.must('up', '--nodes', '2', '--proxy-mode', mode, ...(api === 'rest' ? ['--api', 'rest'] : []));
      await cluster.must('pod', 'add', 'pod-1', '--node', 'node1', '-n', 'study', '--labels', 'app=nginx-pod', '--port', '80');
      await cluster.must('pod', 'add', 'pod-2', '--node', 'node1', '-n', 'study', '--labels', 'app=nginx-pod', '--port', '80');
      await cluster.must('pod', 'add', 'pod-3', '--node', 'node2', '-n', 'study', '--labels', 'app=nginx-pod', '--port', '80');
      await cluster.must('pod', 'add', 'client', '--node', 'node2', '-n', 'study', '--labels', 'role=client', '--port', '8080');
      client = await cluster.apiClient();
    }, 120_000);

    afterAll(async () => {
      client?.close();
      const down = await cluster.run('down');
      if (down.code !== 0) console.error(down.stderr);
    }, 60_000);

    it('ClusterIP 10.97.97.97 spreads requests over all 3 pods, from any pod and from both nodes', async () => {
      await client.create(svc('service-clusterip', { selector: { app: 'nginx-pod' }, clusterIP: '10.97.97.97', type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] }));
      await reachable('client', 'study', 'http://10.97.97.97/');
      for (const [target, ns] of [['client', 'study'], ['pod-1', 'study'], ['node1', undefined], ['node2', undefined]] as const) {
        expect(await podsAnswering(target, ns, 'http://10.97.97.97/'), `from ${target}`).toEqual(['pod-1', 'pod-2', 'pod-3']);
      }
    }, 120_000);

    it('sessionAffinity ClientIP sends one client to one pod every time', async () => {
      const cur = await client.get('Service', 'study', 'service-clusterip');
      await client.update({ ...cur, spec: { ...cur.spec, sessionAffinity: 'ClientIP' } });
      // Once the agents have the change (how soon is the latency benchmark's business), every
      // request of the client goes to one pod.
      await eventually(async () => tally(await curlMany('client', 'study', 'http://10.97.97.97/', 15)).size === 1, PROPAGATION_MS);
      const back = await client.get('Service', 'study', 'service-clusterip');
      await client.update({ ...back, spec: { ...back.spec, sessionAffinity: 'None', sessionAffinityConfig: undefined } });
    }, 60_000);

    it('NodePort 30002 is reachable on both node IPs from outside the nodes', async () => {
      await client.create(svc('service-nodeport', { selector: { app: 'nginx-pod' }, type: 'NodePort', ports: [{ port: 80, targetPort: 80, nodePort: 30002 }] }));
      for (const ip of ['192.168.100.11', '192.168.100.12']) {
        await reachable('outside', undefined, `http://${ip}:30002/`);
        expect(await podsAnswering('outside', undefined, `http://${ip}:30002/`), `via ${ip}`).toEqual(['pod-1', 'pod-2', 'pod-3']);
      }
    }, 120_000);

    it('a Service with no endpoints refuses at once (no timeout)', async () => {
      const empty = await client.create(svc('nobody-home', { selector: { app: 'nobody' }, ports: [{ port: 80 }] }));
      // curl: couldn't connect (7, ICMP port unreachable from the REJECT rule), not a timeout (28),
      // once the agents have the Service.
      await eventually(async () => (await cluster.curl('client', 'study', `http://${empty.spec!.clusterIP}/`, 2)).code === 7, PROPAGATION_MS);
      if (mode === 'nftables') {
        // kube-proxy's cluster-ips-check: a port the ClusterIP does not serve is rejected, an
        // address of the Service range that is no ClusterIP is dropped.
        const otherPort = await cluster.curl('client', 'study', `http://${empty.spec!.clusterIP}:81/`, 5);
        expect(otherPort.code).toBe(7);
        const unallocated = await cluster.curl('client', 'study', 'http://10.111.250.250/', 1);
        expect(unallocated.code).toBe(28); // timed out: dropped
        expect(await dump('node1')).toContain('ip daddr 10.96.0.0/12 drop comment "Drop traffic to unallocated ClusterIPs"');
      }
    }, 60_000);

    // How soon is bench/latency.ts's business (the API call to the rules in every node's kernel);
    // here: that it happens, and to the right pods.
    it('a pod turning unready, or deleted, stops receiving traffic', async () => {
      // The pods that answered 15 requests (every one of them answered by some pod).
      const spread = async () => {
        const seen = tally(await curlMany('client', 'study', 'http://10.97.97.97/', 15));
        expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(15);
        return [...seen.keys()].sort().join(' ');
      };
      await cluster.must('pod', 'ready', 'pod-2', '-n', 'study', '--ready=false');
      await eventually(async () => (await spread()) === 'pod-1 pod-3', PROPAGATION_MS);
      expect(await spread()).toBe('pod-1 pod-3');
      await cluster.must('pod', 'ready', 'pod-2', '-n', 'study', '--ready=true');
      await eventually(async () => (await spread()) === 'pod-1 pod-2 pod-3', PROPAGATION_MS);
      await cluster.must('pod', 'delete', 'pod-3', '-n', 'study');
      await eventually(async () => (await spread()) === 'pod-1 pod-2', PROPAGATION_MS);
      expect(await spread()).toBe('pod-1 pod-2');
    }, 90_000);

    it('a selector-less Service with hand-written Endpoints (pod IPs) works', async () => {
      const pod1 = await client.get('Pod', 'study', 'pod-1');
      const manual = await client.create(svc('my-service', { ports: [{ protocol: 'TCP', port: 80, targetPort: 80 }] }));
      await client.create<Endpoints>({
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'my-service', namespace: 'study' },
        subsets: [{ addresses: [{ ip: pod1.status!.podIP! }], ports: [{ port: 80 }] }],
      });
      await reachable('client', 'study', `http://${manual.spec!.clusterIP}/`);
      const seen = tally(await curlMany('client', 'study', `http://${manual.spec!.clusterIP}/`, 6));
      expect([...seen.keys()]).toEqual(['pod-1']);
    }, 60_000);

    it('externalIPs work from outside the nodes', async () => {
      await client.create(svc('external', { selector: { app: 'nginx-pod' }, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 80 }], externalIPs: ['80.11.12.10'] }));
      await cluster.must('exec', 'outside', '--', 'ip', 'route', 'replace', '80.11.12.10/32', 'via', '192.168.100.11');
      await reachable('outside', undefined, 'http://80.11.12.10/');
    }, 60_000);

    it('a UDP Service works, and a UDP client moves to a new endpoint after the old one is deleted', async () => {
      await cluster.must('pod', 'add', 'udp-a', '--node', 'node1', '-n', 'study', '--labels', 'app=udp', '--port', '9000/udp:echo');
      const udp = await client.create(svc('udp-echo', { selector: { app: 'udp' }, ports: [{ name: 'echo', protocol: 'UDP', port: 9000, targetPort: 9000 }] }));
      const ip = udp.spec!.clusterIP!;
      const probe = async () => (await cluster.exec('client', 'study', process.execPath, UDP_PROBE, ip, '9000', '40000', '1', '500')).stdout.trim();
      let first = '';
      for (let i = 0; i < 50 && !first.startsWith('IP: '); i++) {
        first = await probe();
        if (!first.startsWith('IP: ')) await sleep(200);
      }
      expect(first).toMatch(/^IP: \S+ udp-a /);
      // A second endpoint; the flow stays with udp-a (conntrack) until udp-a goes away.
      await cluster.must('pod', 'add', 'udp-b', '--node', 'node2', '-n', 'study', '--labels', 'app=udp', '--port', '9000/udp:echo');
      await sleep(1500);
      expect(await probe()).toMatch(/ udp-a /);
      await cluster.must('pod', 'delete', 'udp-a', '-n', 'study');
      let moved = '';
      for (let i = 0; i < 20 && !moved.includes(' udp-b '); i++) {
        await sleep(250);
        moved = await probe();
      }
      expect(moved).toMatch(/^IP: \S+ udp-b /);
    }, 90_000);

    it('NodePorts answer on 127.0.0.1 of a node too (localhost NodePorts)', async () => {
      const seen = tally(await curlMany('node2', undefined, 'http://127.0.0.1:30002/', 6));
      expect(seen.size).toBeGreaterThan(0);
      expect([...seen.keys()].every((k) => k.startsWith('pod-'))).toBe(true);
    }, 30_000);

    it('externalTrafficPolicy Local: a node without a local endpoint drops, one with answers from its own pods only', async () => {
      await client.create(svc('local-np', { selector: { app: 'nginx-pod' }, type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 30080 }] }));
      await reachable('outside', undefined, 'http://192.168.100.11:30080/');
      const node1 = tally(await curlMany('outside', undefined, 'http://192.168.100.11:30080/', 8));
      expect([...node1.keys()].every((k) => k === 'pod-1' || k === 'pod-2')).toBe(true);
      const node2 = await cluster.curl('outside', undefined, 'http://192.168.100.12:30080/', 1);
      expect(node2.code).toBe(28); // timed out: DROP, not REJECT
    }, 60_000);

    it('a LoadBalancer Service gets an EXTERNAL-IP from the cluster\'s pool, and it reaches the Service from outside', async () => {
      await client.create(svc('lb', { selector: { app: 'nginx-pod' }, type: 'LoadBalancer', ports: [{ port: 80 }] }));
      let ip = '';
      for (let i = 0; i < 100 && !ip; i++) {
        ip = (await client.get('Service', 'study', 'lb')).status?.loadBalancer?.ingress?.[0]?.ip ?? '';
        if (!ip) await sleep(100);
      }
      expect(ip).toMatch(/^192\.168\.100\.(2[0-4]\d|250)$/); // the default pool, 192.168.100.200-250
      await reachable('outside', undefined, `http://${ip}/`);
    }, 60_000);

    it('cluster DNS answers for the Service from a pod (its resolv.conf names 10.96.0.10)', async () => {
      const r = await cluster.exec('client', 'study', 'getent', 'hosts', 'service-clusterip.study.svc.cluster.local');
      expect(r.stdout.trim()).toBe('10.97.97.97     service-clusterip.study.svc.cluster.local');
    }, 30_000);

    it('meshctl get nodes -o wide shows each node\'s INTERNAL-IP', async () => {
      const { execFile } = await import('node:child_process');
      const { promisify } = await import('node:util');
      const bin = new URL('../../../meshctl/bin/meshctl.mjs', import.meta.url).pathname;
      const { stdout } = await promisify(execFile)(process.execPath, [bin, 'get', 'nodes', '-o', 'wide'], { env: { ...process.env, ...(await cluster.env()) } });
      expect(stdout).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP/);
      expect(stdout).toMatch(/^node1\s+Ready\s+.*192\.168\.100\.11/m);
      expect(stdout).toMatch(/^node2\s+Ready\s+.*192\.168\.100\.12/m);
    }, 30_000);

    const restartTitle =
      mode === 'userspace'
        ? 'a restart of the node agent pauses its node\'s traffic; the new one listens on the ports the rules name, which stay as they were'
        : 'a restart of the node agent does not drop traffic; the new one takes over the rules';
    it(restartTitle, async () => {
      const pidPath = `/run/minimesh/${cluster.name}/pids/node-agent-node1.pid`;
      const { readFileSync } = await import('node:fs');
      const pid = Number(readFileSync(pidPath, 'utf8').split(/\s+/)[0]);
      // The new agent runs with the flags the cluster gave the old one.
      const agentArgs = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const before = ruleLines(await dump('node1'));
      process.kill(pid, 'SIGTERM');
      const gone = () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      };
      for (let i = 0; i < 100 && !gone(); i++) await sleep(50);
      expect(gone()).toBe(true);
      // Agent gone: the rules are still there and still work (the kernel forwards). In userspace
      // mode the agent is the forwarder: its node's traffic waits for the new agent, which listens
      // on the ports the rules name again.
      const during = tally(await curlMany('pod-1', 'study', 'http://10.97.97.97/', 8));
      if (mode === 'userspace') expect(during.size).toBe(0);
      else expect(during.size).toBeGreaterThan(0);
      const still = ruleLines(await dump('node1'));
      expect(still).toEqual(before);
      // A new agent starts, syncs, and programs new changes.
      const { spawn } = await import('node:child_process');
      // As the cluster starts it: ebpf mode's agent keeps the host's mounts (cgroup v2, bpffs).
      const enter = mode === 'ebpf' ? ['nsenter', `--net=/run/netns/mm-${cluster.name}-n1`, '--'] : ['ip', 'netns', 'exec', `mm-${cluster.name}-n1`];
      const child = spawn(enter[0]!, [...enter.slice(1), ...agentArgs], {
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, MINIMESH_LOG_LEVEL: 'error' },
      });
      child.unref();
      const fresh = await client.create(svc('after-restart', { selector: { app: 'nginx-pod' }, ports: [{ port: 8080, targetPort: 80 }] }));
      await reachable('pod-1', 'study', `http://${fresh.spec!.clusterIP}:8080/`, 20_000);
      expect(await dump('node1')).toContain(CLUSTER_IP_RULE[mode]);
      if (mode === 'userspace') {
        expect(tally(await curlMany('pod-1', 'study', 'http://10.97.97.97/', 8)).size).toBeGreaterThan(0);
        expect(ruleLines(await dump('node1')).filter((l) => l.includes('study/service-clusterip'))).toEqual(before.filter((l) => l.includes('study/service-clusterip')));
      }
    }, 60_000);

    it('the node agent exposes kube-proxy metrics and health inside each node', async () => {
      // node2's agent has run since the start (node1's was restarted above).
      const metrics = await cluster.exec('node2', undefined, 'curl', '-s', 'http://127.0.0.1:10249/metrics');
      expect(metrics.stdout).toContain('kubeproxy_sync_proxy_rules_duration_seconds_bucket');
      expect(metrics.stdout).toMatch(/kubeproxy_network_programming_duration_seconds_count\{ip_family="IPv4"\} [1-9]/);
      // The process's own, as kube-proxy exports Go's.
      expect(metrics.stdout).toMatch(/^process_resident_memory_bytes [1-9]/m);
      expect(metrics.stdout).toMatch(/^nodejs_heap_size_used_bytes [1-9]/m);
      const health = await cluster.exec('node2', undefined, 'curl', '-s', 'http://127.0.0.1:10256/healthz');
      expect(JSON.parse(health.stdout)).toMatchObject({ nodeEligible: true });
      expect(await dump('node1')).toContain(CLUSTER_IP_RULE[mode]);
      if (mode === 'nftables') expect(metrics.stdout).not.toMatch(/kubeproxy_sync_proxy_rules_nftables_sync_failures_total\{ip_family="IPv4"\} [1-9]/);
    }, 30_000);

    if (mode === 'ebpf') ebpfWalkthroughTests({ cluster, clusterName, client: () => client, curlMany });
  });
}
