/**
 * The processes `up` starts, in one table: where each runs (root namespace or inside every node
 * namespace), its program, its arguments and extra environment. Adjust flags here.
 *
 * Processes inside node namespaces cannot reach loopback of the root namespace; they reach the
 * apiserver over its Unix socket (gRPC, Watch included). NATS is only on 127.0.0.1 of the root
 * namespace, so only root-namespace apps get its URL.
 */
import { nodeBpfPinDir, nodeCgroup } from './cgroups.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterPki } from './identities.js';
import { apiArgs } from './kubeconfig.js';
import { NATS_PUBLISHER, natsConfigFile, natsPasswordFile } from './nats-config.js';
import type { ClusterState, StateLayout } from './state.js';
import type { NodePlan } from './topology.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN_DIR = join(REPO_ROOT, 'node_modules', '.bin');
export const ECHO_SERVER = fileURLToPath(new URL('../echo/echo-server.mjs', import.meta.url));

export interface AppContext {
  state: ClusterState;
  layout: StateLayout;
  /** For per-node apps. */
  node?: NodePlan;
}

/**
 * The node agent's V8 flags (also in its bin's shebang and its image's entrypoint): a young
 * generation of at most 4 MiB a semi-space instead of 16. A first sync at 10,000 Services grows
 * the young generation to its largest and V8 only shrinks it again when its memory reducer runs,
 * a minute or two later: with the cap nftables mode holds 141-144 MiB from 30 s after that sync
 * instead of 162-205 MiB for the first minute (bench/memory.ts), and syncs as fast.
 */
export const NODE_AGENT_NODE_FLAGS = ['--max-semi-space-size=4'] as const;

export interface AppSpec {
  /** Process name (pid and log file); per-node apps get `-<node>` appended. */
  name: string;
  /** A workspace bin (run with this node, with `nodeFlags` before it) or a program on $PATH. */
  program: { bin: string; nodeFlags?: readonly string[] } | { path: string };
  /** The root namespace, every node's, or the proxy load balancer's. */
  where: 'root' | 'node' | 'lb';
  /** Without it `up` fails; an optional app whose bin is missing is skipped with a warning. */
  required: boolean;
  args(ctx: AppContext): string[];
  env?(ctx: AppContext): Record<string, string>;
  /** Started only when this holds (default: always). */
  when?(ctx: AppContext): boolean;
  /**
   * A node app that must see the host's mounts (cgroup v2, bpffs): it enters only the node's
   * network namespace (nsenter) instead of `ip netns exec`, which remounts /sys without them.
   */
  hostMounts?(ctx: AppContext): boolean;
}

/** The node agent's --proxy-mode values (`up --proxy-mode`). */
export const NODE_AGENT_PROXY_MODES = ['iptables', 'nftables', 'ipvs', 'userspace', 'ebpf'] as const;

/** How LoadBalancer Services get their addresses' traffic (`up --lb`): layer 2 speakers on the nodes, a proxy load balancer outside them, or none. */
export const LB_MODES = ['l2', 'proxy', 'none'] as const;
export type LbMode = (typeof LB_MODES)[number];


/** --bpf-cgroup (the node's cgroup, when cgroup v2 is there) and --bpf-pin-dir of a node's agent. */
function ebpfArgs(cluster: string, node: string): string[] {
  // Never the cgroup root: every node's agent would replace the others' programs there.
  const cgroup = nodeCgroup(cluster, node);
  if (cgroup === undefined) throw new Error(`--proxy-mode ebpf needs a cgroup v2 directory per node, and ${node}'s could not be made (is cgroup v2 mounted?)`);
  return ['--bpf-cgroup', cgroup, '--bpf-pin-dir', nodeBpfPinDir(cluster, node)];
}

/** The NATS address and `user`'s credentials, as the environment of a process (for --transport nats). */
function natsEnv(state: ClusterState, layout: StateLayout, user: string): Record<string, string> {
  return {
    MINIMESH_NATS_URL: state.nats.url,
    MINIMESH_NATS_USER: user,
    MINIMESH_NATS_PASSWORD_FILE: natsPasswordFile(layout, user),
    MINIMESH_NATS_CA: clusterPki(layout).caFile,
  };
}

export const CONTROL_PLANE: AppSpec[] = [
  {
    name: 'nats-server',
    program: { path: process.env.NATS_SERVER_BIN || 'nats-server' },
    where: 'root',
    required: true,
    // TLS and one user per component: the configuration up wrote (nats-config.ts).
    args: ({ layout }) => ['-c', natsConfigFile(layout)],
  },
  {
    name: 'apiserver',
    program: { bin: 'minimesh-apiserver' },
    where: 'root',
    required: true,
    args: ({ state, layout }) => [
      '--listen', `${state.apiserver.address},${state.apiserver.unix}`,
      '--http-listen', state.apiserver.http,
      '--rest-listen', [state.apiserver.rest, state.apiserver.restUnix].filter(Boolean).join(','),
      '--data-dir', layout.dataDir,
      '--nats-url', state.nats.url,
      '--nats-user', NATS_PUBLISHER,
      '--nats-password-file', natsPasswordFile(layout, NATS_PUBLISHER),
      '--nats-ca', clusterPki(layout).caFile,
      '--service-cluster-ip-range', state.serviceCIDR,
      '--tls-cert-file', clusterPki(layout).serving.certFile,
      '--tls-private-key-file', clusterPki(layout).serving.keyFile,
      '--client-ca-file', clusterPki(layout).caFile,
      '--token-auth-file', clusterPki(layout).tokenAuthFile,
    ],
  },
];

export const CONTROLLERS: AppSpec[] = [
  {
    name: 'endpoints-controller',
    program: { bin: 'minimesh-endpoints-controller' },
    where: 'root',
    required: false,
    args: ({ state, layout }) => apiArgs(state, layout, 'endpoints-controller'),
    env: ({ state, layout }) => ({ ...natsEnv(state, layout, 'endpoints-controller'), MINIMESH_HTTP_LISTEN: '127.0.0.1:0' }),
  },
  {
    // The kubelet's part: ends the pods the apiserver marks for deletion (`minimesh-cluster kubelet`).
    name: 'kubelet',
    program: { bin: 'minimesh-cluster' },
    where: 'root',
    required: false,
    // The state file's path on its command line: it reads that file, and `down` finds it by it.
    args: ({ state, layout }) => ['kubelet', '--name', state.name, '--state-file', layout.stateFile],
  },
  {
    name: 'node-agent',
    program: { bin: 'minimesh-node-agent', nodeFlags: NODE_AGENT_NODE_FLAGS },
    where: 'node',
    required: false,
    // ebpf mode attaches to the node's cgroup and pins its maps in bpffs.
    hostMounts: ({ state }) => state.proxyMode === 'ebpf',
    args: ({ state, layout, node }) => [
      ...apiArgs(state, layout, `node-${node!.name}`),
      '--node-name',
      node!.name,
      ...(state.proxyMode ? ['--proxy-mode', state.proxyMode] : []),
      // nftables mode drops traffic to unallocated ClusterIPs of the cluster's Service range.
      ...(state.proxyMode === 'nftables' ? ['--service-cidrs', state.serviceCIDR] : []),
      // ebpf mode load-balances the node's cgroup, with the maps pinned per cluster and node.
      ...(state.proxyMode === 'ebpf' ? ebpfArgs(state.name, node!.name) : []),
      ...(state.nodeAgentArgs ?? []),
    ],
  },
  {
    // MetalLB's controller: addresses from the IPAddressPools into the Services' status.
    name: 'lb-controller',
    program: { bin: 'minimesh-lb' },
    where: 'root',
    required: false,
    when: ({ state }) => (state.lbMode ?? 'l2') !== 'none',
    args: ({ state, layout }) => ['--role', 'controller', ...apiArgs(state, layout, 'lb-controller'), '--http-listen', '127.0.0.1:0'],
    env: ({ state, layout }) => natsEnv(state, layout, 'lb-controller'),
  },
  {
    // MetalLB's speaker in layer 2 mode: the node that wins an address answers ARP for it.
    name: 'lb-speaker',
    program: { bin: 'minimesh-lb' },
    where: 'node',
    required: false,
    when: ({ state }) => (state.lbMode ?? 'l2') === 'l2',
    args: ({ state, layout, node }) => [
      '--role', 'speaker',
      ...apiArgs(state, layout, `lb-speaker-${node!.name}`),
      '--node-name', node!.name,
      '--http-listen', '127.0.0.1:0',
    ],
  },
  {
    // A cloud load balancer's role: owns the addresses, forwards to healthy nodes.
    name: 'lb-proxy',
    program: { bin: 'minimesh-lb' },
    where: 'lb',
    required: false,
    when: ({ state }) => state.lbMode === 'proxy',
    args: ({ state, layout }) => ['--role', 'proxy', ...apiArgs(state, layout, 'lb-proxy'), '--http-listen', '127.0.0.1:0'],
  },
];

export interface ResolvedProgram {
  command: string;
  args: string[];
  /** Set when the program is a workspace bin that is not installed. */
  missing?: string;
}

/** The command line of an app: workspace bins run under this node binary. */
export function resolveProgram(app: AppSpec, ctx: AppContext): ResolvedProgram {
  const args = app.args(ctx);
  if ('path' in app.program) return { command: app.program.path, args };
  const bin = join(BIN_DIR, app.program.bin);
  const command = [...(app.program.nodeFlags ?? []), bin, ...args];
  if (!existsSync(bin)) return { command: process.execPath, args: command, missing: bin };
  return { command: process.execPath, args: command };
}

/**
 * The environment for a child: ours without MINIMESH_* (a shell's `eval $(minimesh-cluster env)`
 * must not leak in) but MINIMESH_FROM_SOURCE (how programs start), plus `extra`.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MINIMESH_') || k === 'MINIMESH_FROM_SOURCE') env[k] = v;
  return { ...env, ...extra };
}
