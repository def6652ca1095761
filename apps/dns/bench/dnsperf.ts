/**
 * Benchmark (not a test): dnsperf against minimesh-dns and against Knot DNS serving the same
 * names from zone files, one after the other, everything on 127.0.0.1.
 *
 *   cluster   <svc>.bench.svc.cluster.local A (100 ClusterIP services), a headless service's A,
 *             SRV of a named port, and an NXDOMAIN, answered from the cluster snapshot
 *   external  host<N>.example.test A, forwarded once to a fake upstream on loopback and then
 *             served from the cache (Knot answers them authoritatively from a zone)
 *
 * Run through bench/dnsperf.sh (which installs dnsperf and knot); BENCH_SECONDS sets the length
 * of each run (default 5). DNS_NODE_FLAGS (e.g. "--prof") is passed to minimesh-dns's node.
 * LATENCY_QPS (20,000) and LATENCY_ROUNDS (5) set the fixed-rate latency runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EndpointSlice, Namespace, Service } from '@minimesh/api';
import { connectApiClient } from '@minimesh/client';
import { freePort, waitForPort } from '@minimesh/runtime/testing';
import { startFakeUpstream } from '../src/testing/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_QPS = Number(process.env.LATENCY_QPS ?? 20_000);
const LATENCY_ROUNDS = Number(process.env.LATENCY_ROUNDS ?? 5);
if (!(Number.isInteger(LATENCY_QPS) && LATENCY_QPS >= 1 && Number.isInteger(LATENCY_ROUNDS) && LATENCY_ROUNDS >= 1)) {
  process.stderr.write(`dnsperf bench: LATENCY_QPS and LATENCY_ROUNDS must be whole numbers of at least 1 (got ${process.env.LATENCY_QPS ?? 20000}, ${process.env.LATENCY_ROUNDS ?? 5})\n`);
  process.exit(2);
}
/** minimesh-dns --workers values to measure (0: one per CPU). */
const WORKERS = (process.env.DNS_WORKERS ?? '1,0').split(',').map(Number);
const SERVICES = 100;
const HOSTS = 100;
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'minimesh-dnsperf-'));
const children: ChildProcess[] = [];

function start(cmd: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  p.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  p.on('exit', (code) => {
    if (code && code !== 0 && !stopping) process.stderr.write(`${cmd} exited with ${code}:\n${err}\n`);
  });
  children.push(p);
  return p;
}

let stopping = false;
function cleanup(): void {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const svcIP = (i: number) => `10.97.${i >> 8}.${i & 255}`;
const hostIP = (i: number) => `192.0.2.${i % 250}`;
const HEADLESS = ['10.244.1.1', '10.244.1.2', '10.244.2.1'];

async function populate(api: string, caFile: string): Promise<void> {
  const client = connectApiClient(api, { caFile, token: 'bench-admin' });
  await client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  for (let i = 0; i < SERVICES; i++) {
    await client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc${i}`, namespace: 'bench' }, spec: { clusterIP: svcIP(i), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  }
  await client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless', namespace: 'bench' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  await client.create<EndpointSlice>({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'headless-1', namespace: 'bench', labels: { 'kubernetes.io/service-name': 'headless' } },
    addressType: 'IPv4',
    endpoints: HEADLESS.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  });
  client.close();
}

function writeFiles(): { cluster: string; external: string; knotConf: (port: number) => string } {
  const q: string[] = [];
  for (let i = 0; i < SERVICES; i++) q.push(`svc${i}.bench.svc.cluster.local A`);
  q.push('headless.bench.svc.cluster.local A', '_http._tcp.svc7.bench.svc.cluster.local SRV', 'missing.bench.svc.cluster.local A');
  writeFileSync(join(dir, 'cluster.txt'), q.join('\n') + '\n');
  writeFileSync(join(dir, 'external.txt'), Array.from({ length: HOSTS }, (_, i) => `host${i}.example.test A`).join('\n') + '\n');

  const z = ['$ORIGIN cluster.local.', '$TTL 30', '@ SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30', '@ NS ns.dns', 'ns.dns A 127.0.0.1', 'dns-version TXT "1.1.0"'];
  for (let i = 0; i < SERVICES; i++) z.push(`svc${i}.bench.svc A ${svcIP(i)}`, `_http._tcp.svc${i}.bench.svc SRV 0 100 80 svc${i}.bench.svc.cluster.local.`);
  for (const ip of HEADLESS) z.push(`headless.bench.svc A ${ip}`);
  writeFileSync(join(dir, 'cluster.local.zone'), z.join('\n') + '\n');
  const e = ['$ORIGIN example.test.', '$TTL 60', '@ SOA ns.example.test. hostmaster.example.test. 1 7200 1800 86400 10', '@ NS ns', 'ns A 127.0.0.1'];
  for (let i = 0; i < HOSTS; i++) e.push(`host${i} A ${hostIP(i)}`);
  writeFileSync(join(dir, 'example.test.zone'), e.join('\n') + '\n');
  return {
    cluster: join(dir, 'cluster.txt'),
    external: join(dir, 'external.txt'),
    knotConf: (port) =>
      [
        'server:',
        `    listen: 127.0.0.1@${port}`,
        `    rundir: ${dir}`,
        '    user: root:root',
        'database:',
        `    storage: ${dir}/knotdb`,
        'log:',
        '  - target: stderr',
        '    any: warning',
        'template:',
        '  - id: default',
        `    storage: ${dir}`,
        'zone:',
        '  - domain: cluster.local',
        '    file: cluster.local.zone',
        '  - domain: example.test',
        '    file: example.test.zone',
      ].join('\n') + '\n',
  };
}

interface Result {
  qps: number;
  avgMs: number;
  maxMs: number;
  stdMs: number;
  lost: string;
}

/** Runs dnsperf without blocking this process: the fake upstream lives here. */
async function dnsperf(port: number, file: string, seconds: number): Promise<Result> {
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(seconds)]);
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    p.stderr.on('data', (d: Buffer) => (text += d.toString()));
    p.on('error', reject);
    p.on('exit', () => resolve(text));
  });
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  return {
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    maxMs: num(/Average Latency \(s\):.*max ([\d.]+)/) * 1000,
    stdMs: num(/Latency StdDev \(s\):\s+([\d.]+)/) * 1000,
    lost: /Queries lost:\s+(\d+ \([\d.]+%\))/.exec(out)?.[1] ?? '?',
  };
}

/** Latencies at a fixed rate (dnsperf -Q, -v reports each query's): p50, p99, p99.9 in ms. */
async function latency(port: number, file: string, qps: number, seconds: number): Promise<{ p50: number; p99: number; p999: number; n: number }> {
  const ms: number[] = [];
  await new Promise<void>((resolve, reject) => {
    const p = spawn('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(seconds), '-Q', String(qps), '-v']);
    let rest = '';
    p.stdout.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('> ')) ms.push(Number(l.slice(l.lastIndexOf(' ') + 1)) * 1000);
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 && ms.length > 0 ? resolve() : reject(new Error(`dnsperf -Q against port ${port} exited with ${code} after ${ms.length} answers`))));
  });
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), n: ms.length };
}

/** What Node's dgram does at best here: a server that only flips the QR bit, in `processes` processes sharing the port. */
function startEcho(port: number, processes: number): ChildProcess {
  const file = join(dir, `echo-${port}.cjs`);
  writeFileSync(
    file,
    `
    const cluster = require('node:cluster'), dgram = require('node:dgram');
    if (cluster.isPrimary && ${processes} > 1) { for (let i = 0; i < ${processes}; i++) cluster.fork(); }
    else {
      const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, lookup: (a, f, cb) => cb(null, a, f) });
      s.on('message', (m, r) => { m[2] |= 0x80; s.send(m, r.port, r.address); });
      s.bind({ port: ${port}, address: '127.0.0.1' });
    }`,
  );
  return start('node', [file]);
}

async function main(): Promise<void> {
  const files = writeFiles();
  const [apiPort, knotPort] = await Promise.all([freePort(), freePort()]);
  const upstream = await startFakeUpstream();
  for (let i = 0; i < HOSTS; i++) upstream.records.set(`host${i}.example.test`, [hostIP(i)]);

  // As deployed: TLS, and a token per identity (the admin's for the bench, minimesh-dns's own).
  mkdirSync(join(dir, 'api'), { recursive: true });
  writeFileSync(join(dir, 'tokens.csv'), 'bench-admin,kubernetes-admin,,"system:masters"\nbench-dns,system:minimesh:dns,,\n');
  writeFileSync(join(dir, 'dns.token'), 'bench-dns\n');
  start('node', [join(ROOT, 'apps/apiserver/bin/minimesh-apiserver.mjs'), '--listen', `127.0.0.1:${apiPort}`, '--http-listen', '127.0.0.1:0', '--rest-listen', '127.0.0.1:0', '--data-dir', join(dir, 'api'), '--nats-url', '', '--token-auth-file', join(dir, 'tokens.csv')]);
  await waitForPort(apiPort, 20_000);
  const caFile = join(dir, 'api', 'pki', 'ca.crt');
  await populate(`127.0.0.1:${apiPort}`, caFile);

  // One minimesh-dns per --workers value, each on its own port.
  const servers: { label: string; port: number; pid: number }[] = [];
  for (const workers of WORKERS) {
    const [dnsPort, readyPort] = await Promise.all([freePort(), freePort()]);
    const dnsArgs = ['--server', `127.0.0.1:${apiPort}`, '--certificate-authority', caFile, '--token-file', join(dir, 'dns.token'), '--listen', `127.0.0.1:${dnsPort}`, '--health-listen', '127.0.0.1:0', '--ready-listen', `127.0.0.1:${readyPort}`, '--metrics-listen', '127.0.0.1:0', '--lameduck', '0', '--workers', String(workers)];
    const p = start('node', [...(process.env.DNS_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'apps/dns/bin/minimesh-dns.mjs'), ...dnsArgs, '--upstreams', upstream.address, '--register-service=false'], { MINIMESH_LOG_LEVEL: 'warn' });
    await until(async () => (await fetch(`http://127.0.0.1:${readyPort}/ready`)).status === 200, 'minimesh-dns /ready');
    const n = workers === 0 ? availableParallelism() : workers;
    servers.push({ label: `minimesh-dns, ${n === 1 ? '1 process' : `${n} workers`}`, port: dnsPort, pid: p.pid! });
  }

  writeFileSync(join(dir, 'knot.conf'), files.knotConf(knotPort));
  const knot = start('knotd', ['-c', join(dir, 'knot.conf')]);
  await until(async () => spawnSync('dig', ['@127.0.0.1', '-p', String(knotPort), 'svc0.bench.svc.cluster.local', '+short', '+time=1', '+tries=1'], { encoding: 'utf8' }).stdout.trim() === svcIP(0), 'knotd');
  const knotVersion = spawnSync('knotd', ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^knotd \(Knot DNS\), version /, '');
  const all = [...servers, { label: `knotd ${knotVersion}`, port: knotPort, pid: knot.pid! }];
  // For scale: Node's own UDP path, doing nothing per query.
  const echoes: { label: string; port: number }[] = [];
  for (const n of [...new Set(WORKERS.map((w) => (w === 0 ? availableParallelism() : w)))]) {
    const port = await freePort();
    startEcho(port, n);
    echoes.push({ label: `node dgram echo, ${n === 1 ? '1 process' : `${n} processes`}`, port });
  }
  await new Promise((r) => setTimeout(r, 1000));

  // Warm up: JIT for minimesh-dns (the external names' cache is warmed right before their runs:
  // every worker has its own, and entries live 30 s).
  for (const s of all) await dnsperf(s.port, files.cluster, 1);
  let upstreamQueries = 0;

  const dnsperfVersion = spawnSync('dnsperf', ['-h'], { encoding: 'utf8' }).stdout.match(/Version ([\d.]+)/)?.[1] ?? '?';
  const cell = (r: Result) => `${Math.round(r.qps).toLocaleString('en-US').padStart(8)} qps  avg ${r.avgMs.toFixed(2)} ms (sd ${r.stdMs.toFixed(2)}, max ${r.maxMs.toFixed(1)})  lost ${r.lost}`;
  const lines = [`dnsperf ${dnsperfVersion}, ${SECONDS} s per run, 1 client, 100 outstanding; ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), node ${process.version}; all on 127.0.0.1`];
  for (const [name, file] of [['cluster names', files.cluster], ['external names (cached)', files.external]] as const) {
    lines.push(name);
    const results: Result[] = [];
    for (const s of all) {
      if (file === files.external) {
        await dnsperf(s.port, file, 1);
        upstreamQueries -= upstream.received.length;
      }
      const r = await dnsperf(s.port, file, SECONDS);
      if (file === files.external) upstreamQueries += upstream.received.length;
      results.push(r);
      lines.push(`  ${s.label.padEnd(30)}${cell(r)}`);
    }
    const knotQps = results.at(-1)!.qps;
    lines.push(`  ${'against knotd'.padEnd(30)}${servers.map((s, i) => `${s.label.replace('minimesh-dns, ', '')} ${(results[i]!.qps / knotQps).toFixed(2)}x`).join(', ')}`);
  }
  lines.push('for scale, the same cluster queries answered by');
  for (const e of echoes) lines.push(`  ${e.label.padEnd(30)}${cell(await dnsperf(e.port, files.cluster, SECONDS))}`);
  // The host's noise moves a p99 this small by several times from one run to the next (Knot's
  // own between 0.09 and 0.77 ms in one day's runs here): every server is measured in each round,
  // the order turning by one each round, and the figures are the medians over the rounds, with
  // each round's ratio to Knot's beside them.
  const measured = [...all, ...echoes];
  const perRound: { p50: number; p99: number; p999: number; n: number }[][] = measured.map(() => []);
  for (let r = 0; r < LATENCY_ROUNDS; r++) {
    for (let k = 0; k < measured.length; k++) {
      const i = (k + r) % measured.length;
      perRound[i]!.push(await latency(measured[i]!.port, files.cluster, LATENCY_QPS, 3));
    }
  }
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const knotRounds = perRound[all.length - 1]!;
  lines.push(`latency of cluster names at ${LATENCY_QPS.toLocaleString('en-US')} qps (dnsperf -Q, 3 s; median of ${LATENCY_ROUNDS} rounds, every server once in each, the order turning each round):`);
  for (const [i, s] of measured.entries()) {
    const ls = perRound[i]!;
    const p99 = median(ls.map((l) => l.p99));
    const ratios = ls.map((l, r) => l.p99 / knotRounds[r]!.p99).sort((a, b) => a - b);
    const vsKnot = i === all.length - 1 ? '' : `  p99 ${(p99 / median(knotRounds.map((l) => l.p99))).toFixed(2)}x knotd's (rounds ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}x)`;
    lines.push(`  ${s.label.padEnd(30)}p50 ${median(ls.map((l) => l.p50)).toFixed(3)} ms  p99 ${p99.toFixed(3)} ms  p99.9 ${median(ls.map((l) => l.p999)).toFixed(3)} ms${vsKnot}`);
  }
  lines.push(`memory (RSS after the runs): ${all.map((s) => `${s.label} ${Math.round(treeRss(s.pid) / 1024)} MiB`).join(', ')}`);
  lines.push(`upstream queries during the measured runs: ${upstreamQueries} (everything else came from the caches)`);
  process.stdout.write(lines.join('\n') + '\n');
  await upstream.close();
}

/** KiB of resident memory of a process and its children (a --workers tree). */
function treeRss(pid: number): number {
  const rss = (p: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
  const kids = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  return rss(pid) + kids.reduce((sum, k) => sum + treeRss(k), 0);
}

/** minimesh-dns stops on SIGTERM (so that a --cpu-prof profile gets written); the rest are killed. */
async function stopGracefully(): Promise<void> {
  const dns = children.filter((c) => c.exitCode === null && c.spawnargs.some((a) => a.endsWith('minimesh-dns.mjs')));
  await Promise.all(
    dns.map((c) => {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      return Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }),
  );
}

main()
  .then(stopGracefully)
  .then(() => process.exit(0))
  .catch((e: Error) => {
    process.stderr.write(`dnsperf bench: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
