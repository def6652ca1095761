/**
 * Throughput and latency through a ClusterIP in each proxy mode, against the same requests sent
 * straight to the pod's IP, and the userspace proxy against HAProxy forwarding to the same pod
 * from the same place (a script that prints figures; not a test).
 *
 *   sudo npx tsx apps/node-agent/bench/throughput.ts [--duration 5] [--connections 16] [--rounds 4] [--modes iptables,nftables,userspace]
 *
 * For each mode it starts `minimesh-cluster up --nodes 2 --proxy-mode MODE` (name mmtp<pid>), one
 * echo pod on node1 behind a ClusterIP Service and a client pod on node2, and runs `wrk` in the
 * client pod for --duration seconds at --connections connections, twice per target: with HTTP
 * keep-alive (the proxy forwards requests on open connections) and with `Connection: close` (one
 * connection per request: the proxy's per-connection cost). Targets: the pod IP (no proxy), the
 * ClusterIP (the mode's path), and in userspace mode HAProxy 2.6 (Debian's, `mode tcp`, one
 * thread like the agent's one event loop) in node2's namespace, where the userspace proxy runs.
 * From the namespace outside the nodes, the Service's NodePort on the pod's node and on the other
 * node (north-south: ebpf mode's tc programs, the other modes' rules).
 * ipvs mode falls back to iptables on kernels without IPVS, so it is the iptables row there.
 *
 * Targets: the userspace proxy at least 0.8× HAProxy's requests/s; ebpf mode's ClusterIP at least
 * 1.0× the pod IP's new connections per second (the backend is chosen once, in connect()). The
 * client pod reuses TIME_WAIT ports (net.ipv4.tcp_tw_reuse=1) in every mode. Everything shares the machine's
 * cores (client, proxy, server): the figures compare paths with each other, not with other hosts.
 * Exit status 0 with figures, 1 if a run broke, 2 if it cannot run here (not root, no wrk...).
 */
import { parseArgs } from 'node:util';
import type { Service } from '@minimesh/api';
import { ClusterDriver, e2eSkipReason } from '@minimesh/cluster/testing';
import { environment, has, onInterrupt, sh } from './lib/host.js';
import { table } from './lib/stats.js';

const USAGE = `usage: sudo npx tsx apps/node-agent/bench/throughput.ts [--duration S] [--connections N] [--rounds N] [--modes LIST]
  --duration S      seconds of load per measurement (default 5)
  --connections N   concurrent connections of wrk (default 16)
  --rounds N        rounds over the targets, every other one in reverse order; the table shows the median round,
                    the ratios the means over all rounds (default 4: two each way)
  --modes LIST      comma-separated proxy modes: iptables, nftables, userspace, ipvs, ebpf (default iptables,nftables,userspace)`;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '4' },
    modes: { type: 'string', default: 'iptables,nftables,userspace' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const DURATION = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const ROUNDS = Number(flags.rounds);
const MODES = flags.modes.split(',').map((m) => m.trim());
if (!(DURATION >= 1 && DURATION <= 120) || !(Number.isInteger(CONNECTIONS) && CONNECTIONS >= 1 && CONNECTIONS <= 1000) || !(Number.isInteger(ROUNDS) && ROUNDS >= 1 && ROUNDS <= 20) || !MODES.every((m) => ['iptables', 'nftables', 'userspace', 'ipvs', 'ebpf'].includes(m))) {
  console.error(`bad arguments\n${USAGE}`);
  process.exit(2);
}

const NS = 'bench';
const HAPROXY_PORT = 18080;
const NODE_PORT = 30080;
const log = (msg: string) => process.stderr.write(`[throughput] ${msg}\n`);

interface Figures {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
}

/** wrk's summary: Requests/sec, the latency distribution (--latency) and socket errors / non-2xx. */
export function parseWrk(out: string): Figures {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const lat = (q: string) => {
    const m = new RegExp(`^\\s*${q}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = (socket ? socket.slice(1).reduce((a, x) => a + Number(x), 0) : 0) + num(/Non-2xx or 3xx responses: (\d+)/) || 0;
  return { rps: num(/Requests\/sec:\s+([\d.]+)/), p50: lat('50'), p90: lat('90'), p99: lat('99'), errors: Number.isNaN(errors) ? 0 : errors };
}

/** wrk from the client pod, or from `outside` (the namespace outside the nodes). */
/** The run with the median requests/s (errors summed over all runs). */
export function medianRun(runs: readonly Figures[]): Figures {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)]!, errors: runs.reduce((n, r) => n + r.errors, 0) };
}

/** Mean requests/s of the runs. */
export function meanRps(runs: readonly Figures[]): number {
  return runs.reduce((n, r) => n + r.rps, 0) / runs.length;
}

async function wrk(cluster: ClusterDriver, url: string, close: boolean, from: 'client' | 'outside' = 'client'): Promise<Figures> {
  const args = ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', ...(close ? ['-H', 'Connection: close'] : []), url];
  const r = await cluster.exec(from, from === 'client' ? NS : undefined, ...args);
  if (r.code !== 0) throw new Error(`wrk ${url} failed (${r.code}): ${r.stderr || r.stdout}`);
  return parseWrk(r.stdout);
}

function haproxyConfig(backend: string): string {
  return [
    'global',
    '  nbthread 1',
    '  maxconn 4096',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    'frontend bench',
    `  bind 0.0.0.0:${HAPROXY_PORT}`,
    '  default_backend pods',
    'backend pods',
    '  balance roundrobin',
    `  server web-1 ${backend}`,
    '',
  ].join('\n');
}

interface Row {
  mode: string;
  target: string;
  /** The median rounds. */
  keepAlive: Figures;
  close: Figures;
  /** Requests/s averaged over every round (both directions alike): what the ratios compare. */
  meanKeepAlive: number;
  meanClose: number;
}

async function measureMode(mode: string, rows: Row[]): Promise<void> {
  const cluster = new ClusterDriver(`mmtp${process.pid % 100000}`);
  const stop = onInterrupt(() => void cluster.run('down'));
  try {
    log(`${mode}: starting a 2-node cluster`);
    await cluster.run('down');
    await cluster.must('up', '--nodes', '2', '--proxy-mode', mode, '--no-dns');
    await cluster.must('pod', 'add', 'web-1', '--node', 'node1', '-n', NS, '--labels', 'app=web');
    await cluster.must('pod', 'add', 'client', '--node', 'node2', '-n', NS);
    const api = await cluster.apiClient();
    const web: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, nodePort: NODE_PORT }] } };
    const svc = await api.create(web);
    const podIP = (await api.get('Pod', NS, 'web-1')).status!.podIP!;
    api.close();
    const clusterIP = svc.spec!.clusterIP!;
    for (let i = 0; i < 100 && !(await cluster.curl('client', NS, `http://${clusterIP}/`, 1)).stdout.startsWith('IP: '); i++) await new Promise((r) => setTimeout(r, 100));
    // A connection per request runs through the client's ephemeral ports quickly; without reuse of
    // TIME_WAIT ports the second target of a run would find them taken whenever its connections
    // have the same addresses as the first's (ebpf mode connects to the pod IP itself).
    for (const [where, ns] of [['client', NS], ['outside', undefined]] as const) {
      const tw = await cluster.exec(where, ns, 'sysctl', '-q', '-w', 'net.ipv4.tcp_tw_reuse=1');
      if (tw.code !== 0) throw new Error(`sysctl net.ipv4.tcp_tw_reuse=1 in ${where} failed: ${tw.stderr}`);
    }
    const targets: [string, string, ('client' | 'outside')?][] = [
      ['pod IP (no proxy)', `http://${podIP}/`],
      ['ClusterIP', `http://${clusterIP}/`],
      // From outside the nodes: the pod's node (the backend is local), and the other node (it sends the traffic on).
      ['NodePort from outside, pod\'s node', `http://192.168.100.11:${NODE_PORT}/`, 'outside'],
      ['NodePort from outside, other node', `http://192.168.100.12:${NODE_PORT}/`, 'outside'],
    ];
    let haproxyPid = '';
    if (mode === 'userspace') {
      const cfg = `/run/minimesh/${cluster.name}/haproxy.cfg`;
      sh('sh', ['-c', `cat > ${cfg}`], haproxyConfig(`${podIP}:80`));
      const pidFile = `/run/minimesh/${cluster.name}/haproxy.pid`;
      const r = await cluster.exec('node2', undefined, 'haproxy', '-f', cfg, '-D', '-p', pidFile);
      if (r.code !== 0) throw new Error(`haproxy failed to start: ${r.stderr}`);
      haproxyPid = sh('cat', [pidFile]).stdout.trim();
      targets.push(['HAProxy on node2', `http://192.168.100.12:${HAPROXY_PORT}/`]);
    }
    // Warm-up, discarded: the first run after the cluster starts is slower whatever it targets.
    await wrk(cluster, targets[0]![1], true);
    // Rounds over all targets, one after the other, so that what else the machine does at a moment
    // weighs on every target alike; the table shows the round with the median requests/s, the
    // ratios compare the means over all rounds.
    const runs = targets.map(() => ({ keepAlive: [] as Figures[], close: [] as Figures[] }));
    for (let round = 1; round <= ROUNDS; round++) {
      // Every other round goes the other way, so that no target always runs right after the same
      // one (a connection per request leaves the client's ports, and the server's, in TIME_WAIT
      // for whatever comes next; in one ebpf run of four rounds the second of the two in-pod
      // targets came out 2-11 % ahead every time). An even number of rounds balances it.
      for (let k = 0; k < targets.length; k++) {
        const i = round % 2 === 1 ? k : targets.length - 1 - k;
        const [target, url, from] = targets[i]!;
        log(`${mode}: ${target} (${url}), round ${round}/${ROUNDS}`);
        const keepAlive = await wrk(cluster, url, false, from);
        const close = await wrk(cluster, url, true, from);
        runs[i]!.keepAlive.push(keepAlive);
        runs[i]!.close.push(close);
        log(`${mode}: ${target}, round ${round}: ${Math.round(keepAlive.rps)} req/s with keep-alive, ${Math.round(close.rps)} with a connection per request`);
      }
    }
    targets.forEach(([target], i) =>
      rows.push({ mode, target, keepAlive: medianRun(runs[i]!.keepAlive), close: medianRun(runs[i]!.close), meanKeepAlive: meanRps(runs[i]!.keepAlive), meanClose: meanRps(runs[i]!.close) }),
    );
    if (haproxyPid) sh('kill', [haproxyPid]);
  } finally {
    stop();
    const down = await cluster.run('down');
    if (down.code !== 0) log(`cluster down failed: ${down.stderr}`);
  }
}

async function main(): Promise<number> {
  const why = e2eSkipReason() ?? (!has('wrk') ? 'needs wrk (apt-get install wrk)' : MODES.includes('userspace') && !has('haproxy') ? 'needs haproxy (apt-get install haproxy)' : undefined);
  if (why) {
    console.error(`cannot run here: ${why}`);
    return 2;
  }
  console.log(environment());
  console.log(`wrk -t1 -c${CONNECTIONS} -d${DURATION}s from a pod on node2 (and from outside the nodes) to one echo pod on node1; ${ROUNDS} interleaved round(s), median shown\n`);
  const rows: Row[] = [];
  for (const mode of MODES) await measureMode(mode, rows);
  const f = (x: number, d = 0) => (Number.isNaN(x) ? '–' : x.toFixed(d));
  console.log(
    table(
      ['mode', 'target', 'keep-alive req/s', 'p50 ms', 'p99 ms', 'new conn req/s', 'p50 ms', 'p99 ms', 'errors'],
      rows.map((r) => [r.mode, r.target, f(r.keepAlive.rps), f(r.keepAlive.p50, 2), f(r.keepAlive.p99, 2), f(r.close.rps), f(r.close.p50, 2), f(r.close.p99, 2), String(r.keepAlive.errors + r.close.errors)]),
      2,
    ),
  );
  for (const mode of MODES) {
    const direct = rows.find((r) => r.mode === mode && r.target.startsWith('pod IP'));
    const vip = rows.find((r) => r.mode === mode && r.target === 'ClusterIP');
    if (direct && vip) console.log(`${mode}: ClusterIP / pod IP, mean over all rounds: ${(vip.meanKeepAlive / direct.meanKeepAlive).toFixed(2)}× with keep-alive, ${(vip.meanClose / direct.meanClose).toFixed(2)}× new connections${mode === 'ebpf' ? ' (target ≥ 1.0×)' : ''}`);
  }
  const us = rows.find((r) => r.mode === 'userspace' && r.target === 'ClusterIP');
  const ha = rows.find((r) => r.target.startsWith('HAProxy'));
  if (us && ha) {
    const k = us.meanKeepAlive / ha.meanKeepAlive;
    const c = us.meanClose / ha.meanClose;
    console.log(`\nuserspace proxy / HAProxy, mean over all rounds: ${k.toFixed(2)}× with keep-alive, ${c.toFixed(2)}× with a connection per request (target ≥ 0.80×)`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`throughput benchmark failed: ${e.message}`);
    process.exit(1);
  },
);
