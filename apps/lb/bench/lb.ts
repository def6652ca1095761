/**
 * The load balancer on a 2-node local cluster, in each lb mode (a script that prints figures;
 * not a test): requests/s and latency from the outside client through the LoadBalancer address
 * against straight to a NodePort (a Service with externalTrafficPolicy Local over one pod per node), and failover: from the loss of the node carrying the traffic to
 * the first answered request and to 10 answered in a row.
 *
 *   sudo npx tsx apps/lb/bench/lb.ts [--duration 5] [--connections 16] [--modes l2,proxy] [--failovers 3]
 *
 * Node loss: the node's link goes down (in l2 mode the announcing node, whose speaker is killed as
 * well: in this cluster speakers reach the apiserver over a Unix socket, not the network, so a cut
 * link alone would not stop its lease; in proxy mode each node in turn, whose health checks then time out). The client sends a request every 50 ms with a
 * 200 ms timeout. Each mode runs in its own cluster (mmlbb<pid>), torn down at the end and on Ctrl-C.
 * Exit 0 with figures, 1 if a run broke, 2 if it cannot run here.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs, promisify } from 'node:util';
import type { Service } from '@minimesh/api';
import { pushAll } from '@minimesh/api';
import { ClusterDriver, e2eSkipReason } from '@minimesh/cluster/testing';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    modes: { type: 'string', default: 'l2,proxy' },
    failovers: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const USAGE = 'usage: sudo npx tsx apps/lb/bench/lb.ts [--duration S] [--connections N] [--modes l2,proxy] [--failovers N]';
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const DURATION = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const FAILOVERS = Number(flags.failovers);
const MODES = flags.modes.split(',').map((m) => m.trim());
if (!(DURATION >= 1 && DURATION <= 60) || !(CONNECTIONS >= 1 && CONNECTIONS <= 1000) || !(FAILOVERS >= 0 && FAILOVERS <= 20) || !MODES.every((m) => m === 'l2' || m === 'proxy')) {
  console.error(`bad arguments\n${USAGE}`);
  process.exit(2);
}

const NS = 'bench';
const log = (m: string) => process.stderr.write(`[lb-bench] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Load {
  rps: number;
  p50: number;
  p99: number;
}

function parseWrk(out: string): Load {
  const lat = (q: string) => {
    const m = new RegExp(`^\\s*${q}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  };
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN), p50: lat('50'), p99: lat('99') };
}

async function wrk(cluster: ClusterDriver, url: string): Promise<Load> {
  const r = await cluster.exec('outside', undefined, 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', url);
  if (r.code !== 0) throw new Error(`wrk ${url}: ${r.stderr || r.stdout}`);
  return parseWrk(r.stdout);
}

/** From `lose()` to the first answered request, and to 10 in a row (ms). */
async function failover(cluster: ClusterDriver, url: string, lose: () => Promise<void>): Promise<{ first: number; steady: number }> {
  const probe = `t0=$(date +%s%N); first=; ok=0; while [ $ok -lt 10 ]; do if curl -s -m 0.2 -o /dev/null '${url}'; then [ -z "$first" ] && first=$(( ($(date +%s%N)-t0)/1000000 )); ok=$((ok+1)); else ok=0; fi; sleep 0.05; [ $(( ($(date +%s%N)-t0)/1000000 )) -gt 30000 ] && break; done; echo "$first $(( ($(date +%s%N)-t0)/1000000 ))"`;
  await lose();
  const r = await cluster.exec('outside', undefined, 'sh', '-c', probe);
  const [first, steady] = r.stdout.trim().split(/\s+/).map(Number);
  return { first: first ?? NaN, steady: steady ?? NaN };
}

async function announcer(cluster: ClusterDriver, ip: string): Promise<string | undefined> {
  for (const n of ['node1', 'node2']) if ((await cluster.exec(n, undefined, 'ip', '-o', '-4', 'addr', 'show')).stdout.includes(` ${ip}/32 `)) return n;
  return undefined;
}

async function measure(mode: string): Promise<{ rows: string[][]; failovers: { first: number; steady: number }[] }> {
  const cluster = new ClusterDriver(`mmlbb${process.pid % 100000}`);
  const down = () => void cluster.run('down');
  process.once('SIGINT', down);
  try {
    log(`${mode}: starting a 2-node cluster`);
    await cluster.run('down');
    await cluster.must('up', '--nodes', '2', '--lb', mode, '--no-dns');
    await cluster.must('pod', 'add', 'web-1', '--node', 'node1', '-n', NS, '--labels', 'app=web');
    await cluster.must('pod', 'add', 'web-2', '--node', 'node2', '-n', NS, '--labels', 'app=web');
    const api = await cluster.apiClient();
    // externalTrafficPolicy Local: a node serves its own pod, so a lost node costs only its own share.
    const web: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector: { app: 'web' }, ports: [{ port: 80 }] },
    };
    await api.create(web);
    let svc = await api.get('Service', NS, 'web');
    for (let i = 0; i < 100 && !svc.status?.loadBalancer?.ingress?.[0]?.ip; i++) {
      await sleep(100);
      svc = await api.get('Service', NS, 'web');
    }
    api.close();
    const ip = svc.status!.loadBalancer!.ingress![0]!.ip!;
    const nodePort = svc.spec!.ports![0]!.nodePort!;
    for (let i = 0; i < 100 && !(await cluster.curl('outside', undefined, `http://${ip}/`, 1)).stdout.startsWith('IP: '); i++) await sleep(100);
    const rows: string[][] = [];
    for (const [target, url] of [
      ['NodePort (node1)', `http://192.168.100.11:${nodePort}/`],
      ['LoadBalancer address', `http://${ip}/`],
    ] as const) {
      log(`${mode}: ${target}`);
      const l = await wrk(cluster, url);
      rows.push([mode, target, l.rps.toFixed(0), l.p50.toFixed(2), l.p99.toFixed(2)]);
    }
    const failovers: { first: number; steady: number }[] = [];
    for (let i = 0; i < FAILOVERS; i++) {
      log(`${mode}: failover ${i + 1}/${FAILOVERS}`);
      const node = mode === 'l2' ? await announcer(cluster, ip) : i % 2 === 0 ? 'node1' : 'node2';
      if (!node) throw new Error('nobody announces the address');
      const speakerPid = `/run/minimesh/${cluster.name}/pids/lb-speaker-${node}.pid`;
      failovers.push(
        await failover(cluster, `http://${ip}/`, async () => {
          if (mode === 'l2') process.kill(Number(readFileSync(speakerPid, 'utf8').split(/\s+/)[0]), 'SIGKILL');
          await cluster.must('exec', node, '--', 'ip', 'link', 'set', 'eth0', 'down');
        }),
      );
      await cluster.must('exec', node, '--', 'ip', 'link', 'set', 'eth0', 'up');
      const other = node === 'node1' ? ['10.244.2.0/24', '192.168.100.12'] : ['10.244.1.0/24', '192.168.100.11'];
      await cluster.must('exec', node, '--', 'ip', 'route', 'replace', other[0]!, 'via', other[1]!, 'dev', 'eth0');
      await cluster.must('exec', node, '--', 'ip', 'route', 'replace', '10.96.0.0/12', 'dev', 'eth0');
      if (mode === 'l2') {
        // The speaker comes back, as a restarted pod would (its pid file rewritten for the next round).
        const bin = new URL('../bin/minimesh-lb.mjs', import.meta.url).pathname;
        spawnSync('sh', ['-c', `ip netns exec mm-${cluster.name}-n${node.slice(4)} ${process.execPath} ${bin} --role speaker --node-name ${node} --server unix:///run/minimesh/${cluster.name}/apiserver.sock --token-file /run/minimesh/${cluster.name}/pki/tokens/lb-speaker-${node}.token --http-listen 127.0.0.1:0 >/dev/null 2>&1 & echo $! > ${speakerPid}`]);
      }
      await sleep(5000);
    }
    return { rows, failovers };
  } finally {
    process.off('SIGINT', down);
    await cluster.run('down');
  }
}

async function main(): Promise<number> {
  const why = e2eSkipReason() ?? (spawnSync('sh', ['-c', 'command -v wrk']).status === 0 ? undefined : 'needs wrk (apt-get install wrk)');
  if (why) {
    console.error(`cannot run here: ${why}`);
    return 2;
  }
  const { stdout: kernel } = await promisify(execFile)('uname', ['-r']);
  console.log(`date ${new Date().toISOString()}, kernel ${kernel.trim()}; wrk -t1 -c${CONNECTIONS} -d${DURATION}s from the outside client, 2 echo pods (one per node)\n`);
  const rows: string[][] = [];
  const fails: string[][] = [];
  for (const mode of MODES) {
    const r = await measure(mode);
    pushAll(rows, r.rows);
    for (const [i, f] of r.failovers.entries()) fails.push([mode, String(i + 1), String(f.first), String(f.steady)]);
  }
  const table = (header: string[], body: string[][]) =>
    [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  console.log(table(['mode', 'target', 'req/s', 'p50 ms', 'p99 ms'], rows));
  console.log();
  console.log(table(['mode', 'failover', 'first answer ms', '10 in a row ms'], fails));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`lb benchmark failed: ${e.message}`);
    process.exit(1);
  },
);
