/**
 * The north-south tc programs (bpf/nodeport-lb.c) against a real kernel, in network namespaces of
 * this test: a client, a node with the programs on its uplink, a pod behind a veth on that node,
 * another node with a pod of its own, all on one bridge; the maps pinned in a bpffs directory of
 * the test and written through the helper's map session, as the agent writes them. Needs root and
 * the built programs (skipped with one line).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCK_LB_AFFINITY, SOCK_LB_DROP, SOCK_LB_KEEP_SOURCE, type BackendEntry, type FrontendEntry } from '@minimesh/proxy-core';
import { cgroupV2Root } from '@minimesh/runtime';
import { DEFAULT_NORTH_SOUTH_OBJECT, DEFAULT_SOCK_LB_HELPER, DEFAULT_SOCK_LB_OBJECT, attachSockLb, sockLbProblem, type SockLbPaths } from './sock-lb-programs.js';
import { SockLbSession } from './sock-lb-session.js';

const P = `mmnp${process.pid % 100000}`;
const NS = { fabric: `${P}-f`, client: `${P}-c`, node: `${P}-n`, remote: `${P}-r`, pod: `${P}-p` };
const CLIENT_IP = '192.168.77.100';
const NODE_IP = '192.168.77.11';
const REMOTE_NODE_IP = '192.168.77.12';
const LOCAL_POD = '10.250.1.10';
const REMOTE_POD = '10.250.2.10';
const root = cgroupV2Root();
// The socket programs too, as in the agent (on an empty cgroup of the test): the helper's map session serves their maps.
const paths: SockLbPaths = { helper: DEFAULT_SOCK_LB_HELPER, object: DEFAULT_SOCK_LB_OBJECT, northSouth: DEFAULT_NORTH_SOUTH_OBJECT, cgroup: `${root}/mmnp-test-${process.pid}`, pinDir: `/sys/fs/bpf/mmnp-test-${process.pid}` };

const run = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
function must(cmd: string, ...args: string[]): string {
  const r = run(cmd, ...args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}
const ip = (ns: string, ...args: string[]) => must('ip', '-n', ns, ...args);
const inNs = (ns: string, ...cmd: string[]) => run('ip', 'netns', 'exec', ns, ...cmd);
/** The helper in the node's network namespace, with this process's mounts (bpffs), as the agent runs it. */
const helperInNode = (...args: string[]) => run('nsenter', `--net=/run/netns/${NS.node}`, '--', paths.helper, ...args);

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (root === undefined) return 'needs cgroup v2';
  if (run('test', '-f', paths.northSouth!).status !== 0) return `needs the BPF programs built (${paths.northSouth}; bash tools/setup.sh)`;
  if (run('nsenter', '--version').status !== 0) return 'needs nsenter';
  mkdirSync(paths.cgroup, { recursive: true });
  const problem = sockLbProblem(paths);
  if (problem !== undefined) rmdirSync(paths.cgroup);
  return problem;
}
const skip = skipReason();

/** TCP and UDP servers on port 8080 that answer "<name> from <peer ip>:<peer port>". */
const SERVER = (name: string, bind: string) =>
  `const n=require('net'),d=require('dgram');n.createServer(s=>s.end('${name} from '+s.remoteAddress.replace('::ffff:','')+':'+s.remotePort)).listen(8080,'${bind}');` +
  `const u=d.createSocket('udp4');u.on('message',(m,r)=>u.send('${name} from '+r.address+':'+r.port,r.port,r.address));u.bind(8080,'${bind}',()=>console.log('ready'))`;
/** One TCP request from `ns` (default the client) to `ip:port` (default the node's), from source port `from` if given: the answer, or the error's code. */
function tcp(port: number, timeoutMs = 2000, o: { ns?: string; ip?: string; from?: number } = {}): string {
  const script = `const s=require('net').connect({port:${port},host:'${o.ip ?? NODE_IP}'${o.from ? `,localPort:${o.from}` : ''}});let b='';s.on('data',d=>b+=d);s.on('end',()=>{console.log(b);process.exit()});s.on('error',e=>{console.log(e.code);process.exit()});setTimeout(()=>{console.log('timeout');process.exit()},${timeoutMs})`;
  return (inNs(o.ns ?? NS.client, process.execPath, '-e', script).stdout ?? '').trim();
}
/** One UDP request (from source port `from`, else any): the answer and the address it came from. */
function udp(port: number, from = 0): string {
  const script = `const u=require('dgram').createSocket('udp4');u.on('message',(m,r)=>{console.log(m+' via '+r.address+':'+r.port);process.exit()});u.bind(${from},()=>u.send('x',${port},'${NODE_IP}'));setTimeout(()=>{console.log('timeout');process.exit()},2000)`;
  return (inNs(NS.client, process.execPath, '-e', script).stdout ?? '').trim();
}

/** The pod on this node is a local backend (the agent marks them so). */
const backend = (set: number, slot: number, address: string): BackendEntry => ({ set, slot, ip: address, port: 8080, ...(address === LOCAL_POD ? { local: true } : {}) });
const frontend = (port: number, protocol: 'TCP' | 'UDP', set: number, count: number, flags = 0, affinitySeconds = 0): FrontendEntry => ({ ip: NODE_IP, port, protocol, northSouth: true, set, count, flags, affinitySeconds });

describe.skipIf(skip !== undefined)(`the north-south tc programs on a real kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let session: SockLbSession;
  const servers: ReturnType<typeof import('node:child_process').spawn>[] = [];

  beforeAll(async () => {
    const { spawn } = await import('node:child_process');
    for (const ns of Object.values(NS)) {
      must('ip', 'netns', 'add', ns);
      ip(ns, 'link', 'set', 'lo', 'up');
    }
    ip(NS.fabric, 'link', 'add', 'br0', 'type', 'bridge');
    ip(NS.fabric, 'link', 'set', 'br0', 'up');
    for (const [side, ns, address] of [['c', NS.client, CLIENT_IP], ['n', NS.node, NODE_IP], ['r', NS.remote, REMOTE_NODE_IP]] as const) {
      ip(NS.fabric, 'link', 'add', `v${side}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip(NS.fabric, 'link', 'set', `v${side}`, 'master', 'br0', 'up');
      ip(ns, 'link', 'set', 'eth0', 'up');
      ip(ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    }
    // The other node's pod: an address of its own there; this node routes its pod range to it.
    ip(NS.remote, 'addr', 'add', `${REMOTE_POD}/32`, 'dev', 'lo');
    ip(NS.node, 'route', 'add', '10.250.2.0/24', 'via', REMOTE_NODE_IP);
    // This node's pod, behind a veth (as the local cluster's pods are).
    ip(NS.node, 'link', 'add', 'pod0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.pod);
    ip(NS.node, 'addr', 'add', '10.250.1.1/32', 'dev', 'pod0');
    ip(NS.node, 'link', 'set', 'pod0', 'up');
    ip(NS.node, 'route', 'add', `${LOCAL_POD}/32`, 'dev', 'pod0');
    ip(NS.pod, 'addr', 'add', `${LOCAL_POD}/32`, 'dev', 'eth0');
    ip(NS.pod, 'link', 'set', 'eth0', 'up');
    ip(NS.pod, 'route', 'add', '10.250.1.1', 'dev', 'eth0');
    ip(NS.pod, 'route', 'add', 'default', 'via', '10.250.1.1');
    for (const ns of [NS.node, NS.remote]) must('ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    // Conntrack on in the node (an nftables rule that uses it), so its absence for the NodePort means something.
    const nft = spawnSync('ip', ['netns', 'exec', NS.node, 'nft', '-f', '-'], { input: 'table ip t {\n chain forward {\n  type filter hook forward priority 0;\n  ct state established accept\n }\n}\n', encoding: 'utf8' });
    if (nft.status !== 0) throw new Error(`nft: ${nft.stderr}`);
    for (const [ns, name, bind] of [[NS.pod, 'local', LOCAL_POD], [NS.remote, 'remote', REMOTE_POD], [NS.node, 'node', NODE_IP]] as const) {
      const s = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', SERVER(name, bind)], { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(s);
      await new Promise((resolve) => s.stdout!.once('data', resolve));
    }
    await attachSockLb(paths);
    const attach = helperInNode('attach-tc', paths.northSouth!, paths.pinDir, 'eth0', NODE_IP);
    if (attach.status !== 0) throw new Error(attach.stderr);
    session = new SockLbSession(paths.helper, paths.pinDir);
  }, 60_000);

  afterAll(() => {
    session?.close();
    for (const s of servers) s.kill();
    helperInNode('detach-tc', paths.pinDir, 'eth0');
    run(paths.helper, 'detach', paths.pinDir, paths.cgroup);
    rmSync(paths.pinDir, { recursive: true, force: true });
    try {
      rmdirSync(paths.cgroup);
    } catch {
      /* gone already */
    }
    for (const ns of Object.values(NS)) run('ip', 'netns', 'del', ns);
  });

  it('attaches to the device\'s tc ingress and egress', () => {
    expect(inNs(NS.node, 'tc', 'filter', 'show', 'dev', 'eth0', 'ingress').stdout).toContain('mm_ns_in');
    expect(inNs(NS.node, 'tc', 'filter', 'show', 'dev', 'eth0', 'egress').stdout).toContain('mm_ns_out');
  });

  it('a backend on this node: only the destination changes, the pod sees the client, the client sees the NodePort (TCP and UDP)', async () => {
    await session.apply({ backends: [backend(1, 0, LOCAL_POD)], frontends: [frontend(30080, 'TCP', 1, 1), frontend(30080, 'UDP', 1, 1)], frontendDeletes: [], backendDeletes: [] });
    expect(tcp(30080)).toMatch(new RegExp(`^local from ${CLIENT_IP}:\\d+$`));
    expect(udp(30080)).toMatch(new RegExp(`^local from ${CLIENT_IP}:\\d+ via ${NODE_IP}:30080$`));
  });

  it('a backend on another node: sent from the node\'s address and the client\'s port, answered from the NodePort (TCP and UDP)', async () => {
    await session.apply({ backends: [backend(1, 0, REMOTE_POD)], frontends: [], frontendDeletes: [], backendDeletes: [] });
    for (let i = 0; i < 5; i++) expect(tcp(30080)).toMatch(new RegExp(`^remote from ${NODE_IP}:\\d+$`));
    expect(udp(30080, 40001)).toBe(`remote from ${NODE_IP}:40001 via ${NODE_IP}:30080`);
  });

  it('a client port the node itself holds is not taken: the flow gets a port of 61000-65535 instead', async () => {
    const { spawn } = await import('node:child_process');
    const holder = spawn('ip', ['netns', 'exec', NS.node, process.execPath, '-e', "require('dgram').createSocket('udp4').bind(40002,()=>console.log('bound'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => holder.stdout!.once('data', resolve));
      expect(udp(30080, 40002)).toMatch(new RegExp(`^remote from ${NODE_IP}:6[1-5]\\d{3} via ${NODE_IP}:30080$`));
    } finally {
      holder.kill();
    }
  });

  it('a connection of the node\'s own with a NodePort flow\'s addresses gets its replies (they are not taken for the flow)', async () => {
    await session.apply({ backends: [backend(1, 0, REMOTE_POD)], frontends: [], frontendDeletes: [], backendDeletes: [] });
    expect(tcp(30080, 2000, { from: 40010 })).toBe(`remote from ${NODE_IP}:40010`);
    // At once, while the flow's translation still stands: the node connects from that port itself.
    expect(tcp(8080, 2000, { ns: NS.node, ip: REMOTE_POD, from: 40010 })).toBe(`remote from ${NODE_IP}:40010`);
  });

  it('a TCP connection the node had before a frontend came (no SYN seen) stays the stack\'s', async () => {
    const { spawn } = await import('node:child_process');
    const go = join(tmpdir(), `mmnp-go-${process.pid}`);
    // Connects to the node's own server on 8081, is answered, waits for the file, then asks again.
    const script =
      `const fs=require('fs'),s=require('net').connect(8081,'${NODE_IP}');let n=0;s.setEncoding('utf8');` +
      `s.on('data',d=>{console.log(d.trim());if(++n===1){const t=setInterval(()=>{if(fs.existsSync('${go}')){clearInterval(t);s.write('b\\n')}},50)}else{s.end();process.exit()}});` +
      `s.on('error',e=>{console.log(e.code);process.exit()});s.write('a\\n');setTimeout(()=>{console.log('timeout');process.exit()},8000)`;
    const echo = spawn('ip', ['netns', 'exec', NS.node, process.execPath, '-e', `require('net').createServer(s=>s.on('data',d=>s.write('node got '+d))).listen(8081,'${NODE_IP}',()=>console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => echo.stdout!.once('data', resolve));
      const client = spawn('ip', ['netns', 'exec', NS.client, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      client.stdout!.on('data', (d: Buffer) => (out += d));
      const done = new Promise((resolve) => client.once('close', resolve));
      while (!out.includes('node got a')) await new Promise((r) => setTimeout(r, 50));
      // Now port 8081 becomes a NodePort of the remote pod: the open connection must not move.
      await session.apply({ backends: [backend(4, 0, REMOTE_POD)], frontends: [frontend(8081, 'TCP', 4, 1)], frontendDeletes: [], backendDeletes: [] });
      writeFileSync(go, '');
      await done;
      expect(out.trim().split('\n')).toEqual(['node got a', 'node got b']);
      // A new connection to it is the frontend's.
      expect(tcp(8081)).toMatch(new RegExp(`^remote from ${NODE_IP}:\\d+$`));
    } finally {
      echo.kill();
      rmSync(go, { force: true });
      await session.apply({ backends: [], frontends: [], frontendDeletes: [{ ip: NODE_IP, port: 8081, protocol: 'TCP', northSouth: true }], backendDeletes: [{ set: 4, slot: 0 }] });
    }
  });

  it('no conntrack entry has the NodePort: the packets were rewritten before netfilter', async () => {
    inNs(NS.node, 'conntrack', '-F');
    await session.apply({ backends: [backend(1, 0, LOCAL_POD)], frontends: [], frontendDeletes: [], backendDeletes: [] });
    expect(tcp(30080)).toMatch(/^local from /);
    const entries = inNs(NS.node, 'conntrack', '-L').stdout;
    expect(entries).toContain(`dst=${LOCAL_POD}`); // conntrack is on, and saw the flow to the pod
    expect(entries).not.toMatch(/dport=30080\b/);
  });

  it('ClientIP affinity keeps a client on one backend; without it both are used', async () => {
    await session.apply({ backends: [backend(2, 0, LOCAL_POD), backend(2, 1, REMOTE_POD)], frontends: [frontend(30081, 'TCP', 2, 2, SOCK_LB_AFFINITY, 10800)], frontendDeletes: [], backendDeletes: [] });
    const sticky = new Set(Array.from({ length: 12 }, () => tcp(30081).split(' ')[0]));
    expect(sticky.size).toBe(1);
    await session.apply({ backends: [], frontends: [frontend(30081, 'TCP', 2, 2)], frontendDeletes: [], backendDeletes: [] });
    const spread = new Set(Array.from({ length: 24 }, () => tcp(30081).split(' ')[0]));
    expect([...spread].sort()).toEqual(['local', 'remote']);
  });

  it('externalTrafficPolicy Local keeps the source; no local backend drops; no backend at all is left to the stack', async () => {
    await session.apply({ backends: [backend(3, 0, LOCAL_POD)], frontends: [frontend(30082, 'TCP', 3, 1, SOCK_LB_KEEP_SOURCE)], frontendDeletes: [], backendDeletes: [] });
    expect(tcp(30082)).toMatch(new RegExp(`^local from ${CLIENT_IP}:`));
    await session.apply({ backends: [], frontends: [frontend(30082, 'TCP', 3, 0, SOCK_LB_KEEP_SOURCE | SOCK_LB_DROP)], frontendDeletes: [], backendDeletes: [] });
    expect(tcp(30082, 1500)).toBe('timeout');
    // Count 0 without the drop flag: the node's own stack answers (nothing listens: a reset).
    await session.apply({ backends: [], frontends: [frontend(30082, 'TCP', 3, 0)], frontendDeletes: [], backendDeletes: [] });
    expect(tcp(30082)).toBe('ECONNREFUSED');
  });

  it('traffic to no frontend passes untouched', () => {
    expect(tcp(30099)).toBe('ECONNREFUSED');
    expect(tcp(8080)).toMatch(new RegExp(`^node from ${CLIENT_IP}:\\d+$`));
    expect(udp(8080)).toMatch(new RegExp(`^node from ${CLIENT_IP}:\\d+ via ${NODE_IP}:8080$`));
  });

  it('detach-tc removes both programs and leaves the device as it was', () => {
    const r = helperInNode('detach-tc', paths.pinDir, 'eth0');
    expect(r.status).toBe(0);
    expect(inNs(NS.node, 'tc', 'filter', 'show', 'dev', 'eth0', 'ingress').stdout).not.toContain('mm_ns_in');
    expect(inNs(NS.node, 'tc', 'filter', 'show', 'dev', 'eth0', 'egress').stdout).not.toContain('mm_ns_out');
    // Again: nothing to detach is no error.
    expect(helperInNode('detach-tc', paths.pinDir, 'eth0').status).toBe(0);
    expect(helperInNode('detach-tc', paths.pinDir, 'nosuchdev0').status).toBe(0);
  });
});
