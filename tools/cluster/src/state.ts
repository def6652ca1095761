/**
 * The state directory of a cluster (default /run/minimesh/<name>/, like the namespaces it goes
 * away on reboot) and the state file `cluster.json` in it: what `up` built and the pods added
 * since. Writers take a lock file, so concurrent `pod add`s never hand out the same IP.
 */
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerPort } from '@minimesh/api';
import { isAlive } from './processes.js';
import type { ClusterPlan } from './topology.js';

/** Base directory of every cluster's state; `$MINIMESH_CLUSTER_STATE_DIR` moves it. */
export function stateBase(env: NodeJS.ProcessEnv = process.env): string {
  return env.MINIMESH_CLUSTER_STATE_DIR || '/run/minimesh';
}

export interface StateLayout {
  dir: string;
  stateFile: string;
  lockFile: string;
  pidDir: string;
  logDir: string;
  natsDir: string;
  dataDir: string;
  socket: string;
}

export function stateLayout(cluster: string, env: NodeJS.ProcessEnv = process.env): StateLayout {
  const dir = join(stateBase(env), cluster);
  return {
    dir,
    stateFile: join(dir, 'cluster.json'),
    lockFile: join(dir, 'lock'),
    pidDir: join(dir, 'pids'),
    logDir: join(dir, 'logs'),
    natsDir: join(dir, 'nats'),
    dataDir: join(dir, 'apiserver'),
    socket: join(dir, 'apiserver.sock'),
  };
}

/** A process `up` started (or meant to start). */
export interface ProcessEntry {
  /** Also the pid file's and the log file's name. */
  name: string;
  netns?: string;
  log: string;
  /** Why it was not started (its bin is missing), if so. */
  skipped?: string;
}

export interface PodRecord {
  name: string;
  namespace: string;
  node: string;
  ip: string;
  netns: string;
  hostVeth: string;
  ports: ContainerPort[];
  /** Pid file / log name of its echo server. */
  process: string;
  /** It runs in its node's namespace (netns is the node's, and is never deleted with the pod). */
  hostNetwork?: boolean;
  /** The Pod object's uid (the kubelet acts only on events of this very pod). */
  uid?: string;
}

export interface ClusterState {
  name: string;
  createdAt: string;
  status: 'starting' | 'up';
  plan: ClusterPlan;
  serviceCIDR: string;
  /** The node agents' --proxy-mode (`up --proxy-mode`); unset: the agent's default (iptables). */
  proxyMode?: string;
  /** More arguments for every node agent (`up --node-agent-arg`). */
  nodeAgentArgs?: string[];
  /** `up --lb`; unset: l2. */
  lbMode?: 'l2' | 'proxy' | 'none';
  /** rest, restUnix: the Kubernetes REST API, HTTPS and socket (absent in state written before it was served). */
  apiserver: { address: string; unix: string; http: string; rest?: string; restUnix?: string };
  /** How the components read the API (`up --api`): gRPC (unset) or the Kubernetes REST API. */
  apiSource?: 'grpc' | 'rest';
  nats: { url: string };
  processes: ProcessEntry[];
  /** Keyed by podKey(namespace, name). */
  pods: Record<string, PodRecord>;
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Pid file / log name of a pod's echo server (`_` cannot appear in either name). */
export function podProcessName(namespace: string, name: string): string {
  return `echo-${namespace}_${name}`;
}

export function readState(layout: StateLayout): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(layout.stateFile, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

export function writeState(layout: StateLayout, state: ClusterState): void {
  mkdirSync(layout.dir, { recursive: true });
  const tmp = `${layout.stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
  renameSync(tmp, layout.stateFile);
}

export class NotUpError extends Error {
  constructor(cluster: string) {
    super(`cluster "${cluster}" is not up (start it with: minimesh-cluster up${cluster === 'minimesh' ? '' : ` --name ${cluster}`})`);
    this.name = 'NotUpError';
  }
}

export function requireState(cluster: string, layout: StateLayout): ClusterState {
  const state = readState(layout);
  if (!state || state.status !== 'up') throw new NotUpError(cluster);
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` holding the cluster's lock file (O_EXCL, holding our pid; a lock whose holder died is
 * taken over). Gives up after `timeoutMs`.
 */
export async function withLock<T>(layout: StateLayout, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  mkdirSync(layout.dir, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(layout.lockFile, 'wx');
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSafe(layout.lockFile).trim());
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
        rmSync(layout.lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`cluster state is locked by process ${holder} (${layout.lockFile})`);
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(layout.lockFile, { force: true });
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function stateDirExists(layout: StateLayout): boolean {
  return existsSync(layout.dir);
}
