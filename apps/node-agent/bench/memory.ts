/**
 * Node agent memory at scale (a script that prints figures; not a test): N ClusterIP Services ×
 * 2 endpoints (the rule benchmarks' synthetic cluster, written to a real apiserver: Services, and
 * their EndpointSlices by hand, no endpoints controller), then a real `minimesh-node-agent` per
 * mode in a fresh network namespace, talking gRPC to that apiserver over a unix socket. Once the
 * agent has synced every change, and then at 10, 30, 60 (and 120) s while it idles, up to --settle
 * seconds, its RSS (and peak) and its helper processes' are printed. The apiserver and the objects are shared by the modes; each agent
 * starts on a full cluster, as after a restart.
 *
 *   sudo npx tsx apps/node-agent/bench/memory.ts [--services 10000] [--modes nftables,iptables] [--settle 60] [--heap-snapshot DIR] [--agent-args "FLAGS"]
 *
 * --heap-snapshot writes a V8 heap snapshot of each agent (after settling) into DIR, for Chrome's
 * memory tool. The agents run with the V8 flags they run with everywhere (NODE_AGENT_NODE_FLAGS:
 * a 4 MiB young generation); AGENT_NODE_FLAGS replaces them ("" for V8's defaults). The namespaces are deleted at the end, on failure and on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import type { Namespace } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { NODE_AGENT_NODE_FLAGS } from '@minimesh/cluster/testing';
import { eventually, freePort, tempDir } from '@minimesh/runtime/testing';
import { createNetns, deleteNetns, kernelSkipReason, onInterrupt, removeOwnLeftovers, sh } from './lib/host.js';
import { service, slice } from './lib/synthetic-cluster.js';
// @ts-expect-error plain JavaScript (it runs before TypeScript can be compiled), no declarations
import { freshBundle } from '@minimesh/runtime/launch';
import { table } from './lib/stats.js';
import { sumSamples } from './lib/prom.js';

const USAGE = `usage: sudo npx tsx apps/node-agent/bench/memory.ts [--services 10000] [--modes nftables,iptables] [--settle 60] [--heap-snapshot DIR] [--agent-args "--nft-netlink=false"]`;
const { values: flags } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    modes: { type: 'string', default: 'nftables,iptables' },
    settle: { type: 'string', default: '60' },
    'heap-snapshot': { type: 'string' },
    /** More flags for the agents, space-separated (e.g. --nft-netlink=false). */
    'agent-args': { type: 'string', default: '' },
  },
});
const N = Number(flags.services);
const SETTLE = Number(flags.settle);
const SAMPLES = [10, 30, 60, 120].filter((s) => s <= SETTLE);
const MODES = flags.modes!.split(',').filter(Boolean);
if (!(Number.isInteger(N) && N >= 1 && N <= 60_000) || !(SETTLE >= 0) || MODES.some((m) => !['iptables', 'nftables', 'ebpf'].includes(m))) {
  console.error(USAGE);
  process.exit(2);
}
const skip = kernelSkipReason();
if (skip) {
  console.error(`memory benchmark: ${skip}`);
  process.exit(1);
}

const AGENT = fileURLToPath(new URL('../bin/minimesh-node-agent.mjs', import.meta.url));
const APISERVER = fileURLToPath(new URL('../../apiserver/bin/minimesh-apiserver.mjs', import.meta.url));
const TOKEN = 'bench-memory-token-0123456789';
const NS_PREFIX = 'mmbench-mem-';

const kib = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const mib = (k: number) => `${(k / 1024).toFixed(0)} MiB`;
const children = (pid: number) =>
  readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));

function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.once('exit', () => (clearTimeout(t), res()));
    proc.kill('SIGTERM');
  });
}

/** `fn` over 0..n-1, `width` at a time. */
async function pool(n: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await fn(next++);
  }));
}

function metrics(ns: string): Map<string, number> {
  return sumSamples(sh('ip', ['netns', 'exec', ns, 'curl', '-sf', '--max-time', '5', 'http://127.0.0.1:10249/metrics']).stdout);
}

const dir = tempDir('minimesh-bench-memory-');
const socket = join(dir.path, 'api.sock');
const tokenFile = join(dir.path, 'token');
writeFileSync(join(dir.path, 'tokens.csv'), `${TOKEN},kubernetes-admin,,"system:masters"\n`);
writeFileSync(tokenFile, TOKEN);
for (const mode of ['ipt', 'nft', 'ebp']) removeOwnLeftovers(`${NS_PREFIX}${mode}-`);
const procs: ChildProcess[] = [];
const namespaces: string[] = [];
const cleanup = async () => {
  await Promise.all(procs.map(stop));
  for (const ns of namespaces) deleteNetns(ns);
  dir.remove();
};
const offInterrupt = onInterrupt(cleanup);

try {
  const api = spawn(process.execPath, [APISERVER, '--listen', `unix://${socket}`, '--http-listen', `127.0.0.1:${await freePort()}`, '--rest-listen', '', '--data-dir', dir.path, '--nats-url', '', '--token-auth-file', join(dir.path, 'tokens.csv')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, MINIMESH_LOG_LEVEL: 'warn' },
  });
  procs.push(api);
  await eventually(() => {
    if (!existsSync(socket)) throw new Error('apiserver not listening yet');
    return true;
  }, 30_000, 100);
  const clients: ApiClient[] = [];
  for (let i = 0; i < 8; i++) clients.push(connectApiClient(`unix://${socket}`, { token: TOKEN }));
  await clients[0]!.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  const t0 = Date.now();
  await pool(N, 16, (i) => clients[i % clients.length]!.create(service(i)));
  await pool(N, 16, (i) => clients[i % clients.length]!.create(slice(i)));
  for (const c of clients) c.close();
  console.error(`${N} Services and ${N} EndpointSlices written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const rows: string[][] = [];
  const v8Flags = process.env.AGENT_NODE_FLAGS !== undefined ? process.env.AGENT_NODE_FLAGS.split(' ').filter(Boolean) : NODE_AGENT_NODE_FLAGS;
  for (const mode of MODES) {
    const ns = `${NS_PREFIX}${mode.slice(0, 3)}-${process.pid}`;
    createNetns(ns);
    namespaces.push(ns);
    const nodeFlags = [...(flags['heap-snapshot'] ? ['--heapsnapshot-signal=SIGUSR2'] : []), ...v8Flags];
    const cwd = flags['heap-snapshot'] ? resolve(flags['heap-snapshot'], mode) : dir.path;
    mkdirSync(cwd, { recursive: true });
    const started = Date.now();
    const agent = spawn('ip', ['netns', 'exec', ns, process.execPath, ...nodeFlags, AGENT, '--node-name', 'node1', '--proxy-mode', mode, '--server', `unix://${socket}`, '--token-file', tokenFile, ...flags['agent-args']!.split(' ').filter(Boolean)], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, MINIMESH_LOG_LEVEL: process.env.MINIMESH_LOG_LEVEL ?? 'warn' },
      cwd,
    });
    procs.push(agent);
    // `ip netns exec` execs node: the same pid.
    const pid = agent.pid!;
    await eventually(() => {
      const m = metrics(ns);
      if (process.env.DEBUG_MEM) console.error([...m].filter(([k]) => k.startsWith('kubeproxy_sync_proxy_rules_') && !k.includes('bucket')).map(([k, v]) => `${k.slice(27)}=${v}`).join(' '));
      if (!((m.get('kubeproxy_sync_proxy_rules_service_changes_total') ?? 0) >= N && (m.get('kubeproxy_sync_proxy_rules_endpoint_changes_total') ?? 0) >= N)) throw new Error('changes not seen yet');
      if ((m.get('kubeproxy_sync_proxy_rules_service_changes_pending') ?? 1) + (m.get('kubeproxy_sync_proxy_rules_endpoint_changes_pending') ?? 1) !== 0) throw new Error('changes pending');
      if (!((m.get('kubeproxy_sync_proxy_rules_last_timestamp_seconds') ?? 0) * 1000 >= started)) throw new Error('not synced');
      return true;
    }, 600_000, 500);
    const synced = Date.now() - started;
    // RSS right after the first sync, then while the agent idles (V8 gives pages back once its
    // allocation rate drops: the memory reducer), sampled until --settle seconds.
    const samples: string[] = [mib(kib(pid, 'VmRSS'))];
    for (const at of SAMPLES) {
      await new Promise((r) => setTimeout(r, Math.max(0, started + synced + at * 1000 - Date.now())));
      samples.push(mib(kib(pid, 'VmRSS')));
    }
    const m = metrics(ns);
    const heap = `${mib((m.get('nodejs_heap_size_used_bytes') ?? NaN) / 1024)} / ${mib((m.get('nodejs_heap_size_total_bytes') ?? NaN) / 1024)}`;
    const helpers = children(pid).map((c) => `${readFileSync(`/proc/${c}/comm`, 'utf8').trim()} ${mib(kib(c, 'VmRSS'))}`).join(', ') || 'none';
    rows.push([mode, `${(synced / 1000).toFixed(1)} s`, ...samples, mib(kib(pid, 'VmHWM')), heap, helpers]);
    if (flags['heap-snapshot']) {
      process.kill(pid, 'SIGUSR2');
      await eventually(() => {
        if (!readdirSync(cwd).some((f) => f.endsWith('.heapsnapshot'))) throw new Error('no snapshot yet');
        return true;
      }, 120_000, 500);
      await new Promise((r) => setTimeout(r, 3000));
    }
    await stop(agent);
    sh('ip', ['netns', 'exec', ns, process.execPath, AGENT, '--node-name', 'node1', '--proxy-mode', mode, '--cleanup']);
    deleteNetns(ns);
  }
  const runs = freshBundle(fileURLToPath(new URL('../src/main.ts', import.meta.url))) ? 'its bundle' : 'its TypeScript sources through tsx (no fresh bundle: npm run setup makes one)';
  console.log(`\n## Node agent memory: ${N} Services × 2 endpoints (load average ${loadavg()[0]!.toFixed(1)}; the agent ran ${runs}, node flags: ${v8Flags.join(' ') || 'none'})\n`);
  console.log(table(['mode', 'first sync', 'RSS at sync', ...SAMPLES.map((s) => `RSS +${s} s`), 'peak RSS', 'V8 heap used / total at the end', 'helper processes (RSS)'], rows));
  console.log('\nTarget (issue): ≤ 150 MiB at 10,000 Services; kube-proxy nftables mode ~260 MiB (kubernetes PR #126013).');
} finally {
  offInterrupt();
  await cleanup();
}
