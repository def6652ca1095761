/**
 * Where the socket load balancer lives and whether it can: the programs and their helper (built
 * by tools/setup.sh into bpf/build/), the cgroup v2 directory they attach to, the bpffs directory
 * their maps are pinned in; attach (load, pin, attach, replacing an earlier agent's programs
 * without a gap) and detach (`--cleanup`); the same for the north-south programs on the node's
 * uplinks (tc ingress and egress, in the agent's network namespace).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommandError, cgroupV2Root, exec } from '@minimesh/runtime';

export interface SockLbPaths {
  /** The helper binary (minimesh-sock-lb). */
  helper: string;
  /** The compiled programs (sock-lb.o). */
  object: string;
  /** The north-south tc programs (nodeport-lb.o): undefined or missing, nftables keeps that traffic. */
  northSouth?: string;
  /** The stale-UDP sweep (sock-destroy.o; built where the kernel has BTF): undefined or missing, no sweep. */
  sweep?: string;
  /** A directory in bpffs for this agent's maps. */
  pinDir: string;
  /** The cgroup v2 directory whose processes are load-balanced (with every cgroup below it). */
  cgroup: string;
}

const BUILD_DIR = fileURLToPath(new URL('../../bpf/build/', import.meta.url));
export const DEFAULT_SOCK_LB_HELPER = `${BUILD_DIR}minimesh-sock-lb`;
export const DEFAULT_SOCK_LB_OBJECT = `${BUILD_DIR}sock-lb.o`;
export const DEFAULT_SOCK_LB_SWEEP = `${BUILD_DIR}sock-destroy.o`;
export const DEFAULT_NORTH_SOUTH_OBJECT = `${BUILD_DIR}nodeport-lb.o`;
export const BPF_FS = '/sys/fs/bpf';

/** Mount points of one filesystem type, from /proc/self/mounts. */
function mountsOf(type: string, mounts = readFileSync('/proc/self/mounts', 'utf8')): string[] {
  return mounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === type)
    .map((f) => f[1]!);
}

/** The pinned-map directory of a node's agent. */
export const defaultPinDir = (nodeName: string): string => `${BPF_FS}/minimesh/${nodeName.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

/**
 * Why the socket load balancer cannot run here, in one line, or undefined when it can: the built
 * programs, a cgroup v2 directory, bpffs (mounted if it is not), and a kernel that takes the
 * programs (loaded and unloaded again by the helper).
 */
export function sockLbProblem(p: SockLbPaths): string | undefined {
  if (!existsSync(p.helper) || !existsSync(p.object)) return `the BPF programs are not built (${p.object}; bash tools/setup.sh builds them with clang and libbpf-dev)`;
  if (!existsSync(`${p.cgroup}/cgroup.procs`)) return `${p.cgroup} is not a cgroup directory`;
  if (!mountsOf('cgroup2').some((m) => p.cgroup === m || p.cgroup.startsWith(`${m}/`))) return `${p.cgroup} is not in a cgroup v2 hierarchy (cgroup v2 is mounted at ${cgroupV2Root() ?? 'no place'})`;
  if (!mountsOf('bpf').includes(BPF_FS)) {
    mkdirSync(BPF_FS, { recursive: true });
    const m = spawnSync('mount', ['-t', 'bpf', 'bpf', BPF_FS], { encoding: 'utf8' });
    if (m.status !== 0) return `bpffs is not mounted at ${BPF_FS} and mounting it failed: ${(m.stderr || m.error?.message || '').trim()}`;
  }
  const probe = spawnSync(p.helper, ['probe', p.object], { encoding: 'utf8' });
  if (probe.status !== 0) return (probe.stderr || probe.error?.message || 'the programs did not load').trim().split('\n').pop();
  return undefined;
}

/**
 * The helper runs where the agent runs, never through `ip netns exec` (which would remount /sys
 * without cgroup v2 and bpffs): programs and maps belong to no network namespace.
 */
async function helper(p: SockLbPaths, args: string[]): Promise<string> {
  const r = await exec(p.helper, args);
  if (r.code !== 0) throw new CommandError(`${p.helper} ${args.join(' ')}`, r.code, r.stderr);
  return r.stdout;
}

/** Loads the programs (the pinned maps reused), attaches them to the cgroup, replacing earlier ones. */
export async function attachSockLb(p: SockLbPaths): Promise<void> {
  mkdirSync(p.pinDir, { recursive: true });
  await helper(p, ['attach', p.object, p.pinDir, p.cgroup]);
}

/**
 * Loads the north-south programs (the pinned maps shared with the socket programs) and attaches
 * them to a device's tc ingress and egress in this network namespace, replacing earlier ones;
 * `nodeIP` (an address of the device) is the source of the packets they send to other nodes.
 */
export async function attachNorthSouth(p: SockLbPaths, device: string, nodeIP: string): Promise<void> {
  if (p.northSouth === undefined) throw new Error('the north-south programs are not configured');
  await helper(p, ['attach-tc', p.northSouth, p.pinDir, device, nodeIP]);
}

/** The devices of this network namespace (`ip -j link`). */
export async function networkDevices(): Promise<string[]> {
  const r = await exec('ip', ['-j', 'link', 'show']);
  if (r.code !== 0) throw new CommandError('ip -j link show', r.code, r.stderr);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

/** Detaches the north-south programs from `on` (default: every device here); their maps stay pinned. */
export async function detachNorthSouth(p: SockLbPaths, on?: readonly string[]): Promise<void> {
  const devices = on ?? (await networkDevices());
  // One helper run for many devices (a node has a veth per pod); its command line stays short.
  for (let i = 0; i < devices.length; i += 256) await helper(p, ['detach-tc', p.pinDir, ...devices.slice(i, i + 256)]);
}

/**
 * Detaches the programs (the north-south ones first, from `northSouthDevices`: default every device
 * of this network namespace) and removes the pinned maps, theirs too (the agent's --cleanup).
 */
export async function detachSockLb(p: SockLbPaths, northSouthDevices?: readonly string[]): Promise<void> {
  await detachNorthSouth(p, northSouthDevices);
  await helper(p, ['detach', p.pinDir, p.cgroup]);
  rmSync(p.pinDir, { recursive: true, force: true });
}

/** A Service address and port, and a backend of it now gone ("ip:port"), or "*": all of them (the port is gone). */
export interface StaleUdpBackend {
  readonly vip: string;
  readonly port: number;
  readonly backend: string;
}

/** Pairs per helper run (its command line stays well under the kernel's argument limit). */
const SWEEP_BATCH = 4096;

/**
 * Destroys the connected UDP sockets of the cgroup's processes that the socket load balancer sent
 * from a Service's address and port to a backend now gone (kube-proxy deletes the conntrack entries
 * of such flows; here no conntrack entry stands between a connected socket and its backend). Each
 * such socket's next call fails with ECONNABORTED and the application connects again. Returns how
 * many were destroyed. The caller checks `sweepAvailable` once.
 */
export async function sweepStaleUdpSockets(p: SockLbPaths, stale: readonly StaleUdpBackend[]): Promise<number> {
  let destroyed = 0;
  for (let i = 0; i < stale.length; i += SWEEP_BATCH) {
    const pairs = stale.slice(i, i + SWEEP_BATCH).map((x) => `${x.vip}:${x.port}=${x.backend}`);
    const out = await helper(p, ['sweep-udp', p.sweep!, p.pinDir, p.cgroup, ...pairs]);
    destroyed += Number(/destroyed (\d+)/.exec(out)?.[1] ?? 0);
  }
  return destroyed;
}

/** The sweep program is built here (bpf/build.sh leaves it out without BTF and bpftool). */
export function sweepAvailable(p: SockLbPaths): boolean {
  return p.sweep !== undefined && existsSync(p.sweep);
}
