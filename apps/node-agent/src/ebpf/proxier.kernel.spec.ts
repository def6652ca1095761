/**
 * The ebpf proxier against a real kernel: its programs attached to a cgroup this test creates, its
 * maps pinned in a bpffs directory of its own, a client process in that cgroup and a network
 * namespace, a backend in another. A connect() to the ClusterIP reaches the backend (and the
 * client sees the ClusterIP as its peer; also from an IPv6 socket to the IPv4-mapped address), a Service without endpoints refuses at once, UDP replies
 * come from the ClusterIP; a second proxier (a restarted agent) adopts the maps without writing;
 * --cleanup's detach leaves nothing behind. Needs root, cgroup v2 and the built programs (skipped
 * with one line).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@minimesh/runtime/testing';
import type { EndpointSlice, Service } from '@minimesh/api';
import { exec as realExec, createLogger, type Exec } from '@minimesh/runtime';
import { proxyMetrics } from '../metrics.js';
import { Nft } from '../nftables/nft.js';
import { EbpfProxier } from './proxier.js';
import { cgroupV2Root } from '@minimesh/runtime';
import { DEFAULT_SOCK_LB_HELPER, DEFAULT_SOCK_LB_OBJECT, DEFAULT_SOCK_LB_SWEEP, detachSockLb, sockLbProblem, type SockLbPaths } from './sock-lb-programs.js';

const CLIENT = `mmebpfc${process.pid}`;
const BACKEND = `mmebpfb${process.pid}`;
const root = cgroupV2Root();
const paths: SockLbPaths = { helper: DEFAULT_SOCK_LB_HELPER, object: DEFAULT_SOCK_LB_OBJECT, sweep: DEFAULT_SOCK_LB_SWEEP, cgroup: `${root}/mmebpf-test-${process.pid}`, pinDir: `/sys/fs/bpf/mmebpf-test-${process.pid}` };

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (root === undefined) return 'needs cgroup v2';
  if (spawnSync('nft', ['--version']).status !== 0) return 'needs nft';
  mkdirSync(paths.cgroup, { recursive: true });
  const problem = sockLbProblem(paths);
  if (problem !== undefined) rmdirSync(paths.cgroup);
  return problem;
}
const skip = skipReason();
const inClient: Exec = (file, args, input) => realExec('ip', ['netns', 'exec', CLIENT, file, ...args], input);
const sh = (...args: string[]) => spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });

const svc = (name: string, ip: string, protocol: 'TCP' | 'UDP' = 'TCP'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'study' },
  spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'p', port: protocol === 'TCP' ? 80 : 53, protocol }] },
});
const slice = (name: string, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${name}-abc`, namespace: 'study', labels: { 'kubernetes.io/service-name': name } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.123.0.2'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node2' }],
  ports: [{ name: 'p', port, protocol }],
});

/** A short Node program run by a client in the cgroup and the client namespace; its stdout. */
function client(script: string): string {
  const r = spawnSync('sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', paths.cgroup, 'ip', 'netns', 'exec', CLIENT, process.execPath, '-e', script], { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout + r.stderr).trim();
}
const TCP = (ip: string) => `const s=require('net').connect(80,'${ip}');s.on('connect',()=>process.stdout.write('peer '+s.remotePort+' '+s.remoteAddress+' '));s.on('data',d=>{process.stdout.write(String(d));s.end()});s.on('error',e=>console.log(e.code))`;
const UDP = `const u=require('dgram').createSocket('udp4');u.on('message',(m,r)=>{console.log(String(m)+' from '+r.address+':'+r.port);process.exit()});u.send('hi',53,'10.96.50.3');setTimeout(()=>{console.log('timeout');process.exit()},2000)`;

function proxier(metrics = proxyMetrics()): EbpfProxier {
  const p = new EbpfProxier({
    nodeName: 'node1',
    nodeAddresses: () => ['10.123.0.1'],
    minSyncMs: 0,
    syncMs: 3600_000,
    exec: inClient,
    log: createLogger('test', { level: 'error' }),
    metrics,
    render: { table: 'kube-proxy', clusterCIDR: '10.244.0.0/16' },
    nft: new Nft(inClient),
    sockLb: paths,
  });
  p.onServiceChange(undefined, svc('web', '10.96.50.1'));
  p.onSliceChange(undefined, slice('web', 8080));
  p.onServiceChange(undefined, svc('empty', '10.96.50.2'));
  p.onServiceChange(undefined, svc('dns', '10.96.50.3', 'UDP'));
  p.onSliceChange(undefined, slice('dns', 8053, 'UDP'));
  (p as unknown as { initialized: boolean }).initialized = true;
  return p;
}

describe.skipIf(skip !== undefined)(`EbpfProxier with a cgroup and namespaces of its own${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let backend: ChildProcess;

  beforeAll(async () => {
    for (const ns of [CLIENT, BACKEND]) sh('ip', 'netns', 'add', ns);
    sh('ip', 'link', 'add', `mmec${process.pid % 100000}`, 'netns', CLIENT, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', BACKEND);
    sh('ip', '-n', CLIENT, 'addr', 'add', '10.123.0.1/24', 'dev', `mmec${process.pid % 100000}`);
    sh('ip', '-n', BACKEND, 'addr', 'add', '10.123.0.2/24', 'dev', 'eth0');
    for (const [ns, dev] of [[CLIENT, `mmec${process.pid % 100000}`], [BACKEND, 'eth0']] as const) {
      sh('ip', '-n', ns, 'link', 'set', dev, 'up');
      sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    }
    const server =
      "require('net').createServer(s=>s.end('backend')).listen(8080,'10.123.0.2');const v=require('dgram').createSocket('udp4');v.on('message',(m,r)=>v.send('echo2:'+m,r.port,r.address));v.bind(8054,'10.123.0.2');const u=require('dgram').createSocket('udp4');u.on('message',(m,r)=>u.send('echo:'+m,r.port,r.address));u.bind(8053,'10.123.0.2',()=>console.log('up'))";
    backend = spawn('ip', ['netns', 'exec', BACKEND, process.execPath, '-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => backend.stdout!.once('data', () => resolve()));
  });

  afterAll(async () => {
    backend?.kill();
    await detachSockLb(paths, []).catch(() => undefined);
    for (const ns of [CLIENT, BACKEND]) sh('ip', 'netns', 'del', ns);
    for (let i = 0; i < 20 && existsSync(paths.cgroup); i++) {
      try {
        rmdirSync(paths.cgroup);
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  it('connect() to a ClusterIP reaches its backend; without endpoints it is refused at once; UDP answers from the ClusterIP', async () => {
    const p = proxier();
    await p.sync();
    expect(client(TCP('10.96.50.1'))).toBe('peer 80 10.96.50.1 backend');
    // Refused by connect() itself (a dropped SYN would be ETIMEDOUT, or nothing within the 10 s).
    expect(client(TCP('10.96.50.2'))).toBe('ECONNREFUSED');
    expect(client(UDP)).toBe('echo:hi from 10.96.50.3:53');
    // An IPv6 socket to the IPv4-mapped ClusterIP (how dual-stack runtimes reach IPv4): the same.
    expect(client(TCP('::ffff:10.96.50.1'))).toBe('peer 80 ::ffff:10.96.50.1 backend');
    // The ClusterIP-only Services need no nftables rule: the table holds none of them.
    expect(sh('ip', 'netns', 'exec', CLIENT, 'nft', 'list', 'table', 'ip', 'kube-proxy').stdout).not.toContain('10.96.50.1');
    // The kernel's maps, as the agent's /sock-lb page reads them.
    const maps = await p.dumpMaps();
    expect(maps.frontends.map((f) => `${f.ip}:${f.port}/${f.protocol} ${f.count}`).sort()).toEqual(['10.96.50.1:80/TCP 1', '10.96.50.2:80/TCP 0', '10.96.50.3:53/UDP 1']);
    await p.stop();
  });

  it('a new endpoint, then the Service deleted, reach the maps in the next sync', async () => {
    const p = proxier();
    await p.sync();
    p.onSliceChange(undefined, slice('empty', 8080));
    await p.sync();
    expect(client(TCP('10.96.50.2'))).toBe('peer 80 10.96.50.2 backend');
    p.onServiceChange(svc('empty', '10.96.50.2'), undefined);
    await p.sync();
    expect((await p.dumpMaps()).frontends.some((f) => f.ip === '10.96.50.2')).toBe(false);
    await p.stop();
  });

  it.skipIf(!existsSync(DEFAULT_SOCK_LB_SWEEP))('a connected UDP socket whose endpoint went away is destroyed; connecting again reaches the new one', async () => {
    const metrics = proxyMetrics();
    const p = proxier(metrics);
    await p.sync();
    // A client with a connected UDP socket to the ClusterIP, told by a line on stdin to send again.
    const script =
      "const d=require('dgram');const s=d.createSocket('udp4');s.on('message',m=>console.log(String(m)));s.on('error',e=>console.log('error '+e.code));" +
      "s.connect(53,'10.96.50.3',()=>s.send('a'));process.stdin.on('data',()=>{s.send('b',e=>{if(e)console.log('send '+e.code)});" +
      "setTimeout(()=>{const t=d.createSocket('udp4');t.on('message',m=>{console.log(String(m));process.exit()});t.connect(53,'10.96.50.3',()=>t.send('c'))},300)})";
    const proc = spawn('sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', paths.cgroup, 'ip', 'netns', 'exec', CLIENT, process.execPath, '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually(() => out.includes('echo:a'), 5000, 20);
      // The endpoint moves to another port: the old one is gone.
      p.onSliceChange(slice('dns', 8053, 'UDP'), slice('dns', 8054, 'UDP'));
      await p.sync();
      proc.stdin!.write('go\n');
      await new Promise((resolve) => proc.once('exit', resolve));
      // The old socket failed (it was not answered by the old endpoint); the new one reached the new endpoint.
      expect(out).not.toContain('echo:b');
      expect(out).toMatch(/(error|send) E[A-Z]+/);
      expect(out).toContain('echo2:c');
      // The sweep counted it.
      expect((await metrics.sockLbSocketsDestroyed.get()).values[0]?.value).toBe(1);
    } finally {
      proc.kill();
      await p.stop();
    }
  });

  it('a restarted agent reattaches and adopts the pinned maps without writing them again; traffic flows throughout', async () => {
    const first = proxier();
    await first.sync();
    await first.stop();
    // No agent: the programs stay attached, the maps pinned.
    expect(client(TCP('10.96.50.1'))).toBe('peer 80 10.96.50.1 backend');
    const metrics = proxyMetrics();
    const second = proxier(metrics);
    await second.sync();
    const writes = (await metrics.sockLbWrites.get()).values[0]?.value ?? 0;
    expect(writes).toBe(0);
    expect(client(TCP('10.96.50.1'))).toBe('peer 80 10.96.50.1 backend');
    await second.stop();
  });

  it('--cleanup detaches the programs and removes the maps', async () => {
    await detachSockLb(paths, []);
    expect(existsSync(paths.pinDir)).toBe(false);
    // Nothing rewrites the ClusterIP any more: the client has no route to it.
    expect(client(TCP('10.96.50.1'))).toMatch(/^(ENETUNREACH|EHOSTUNREACH|ETIMEDOUT)$/);
  });
});
