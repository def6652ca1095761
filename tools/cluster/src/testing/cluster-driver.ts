/**
 * For end-to-end tests elsewhere: drives a local cluster through the minimesh-cluster command line,
 * as a user would (`exec` runs the same command line as `minimesh-cluster exec` without starting the
 * tool; the cluster e2e checks both answer alike).
 */
import { execFile, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectApiClient, type ApiClient, type ClientOptions } from '@minimesh/client';
import { requireRoot } from '../cli.js';
import { execCommandLine } from '../commands/exec.js';
import { requireState, stateLayout } from '../state.js';

const CLUSTER_BIN = fileURLToPath(new URL('../../bin/minimesh-cluster.mjs', import.meta.url));

/** Why the end-to-end suites cannot run here, or undefined when they can. */
export function e2eSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and iptables inside them)';
  for (const [bin, args] of [['ip', ['netns', 'list']], ['iptables-restore', ['--version']], ['conntrack', ['--version']], ['curl', ['--version']]] as const) {
    if (spawnSync(bin, args).status !== 0) return `needs ${bin} (bash tools/setup.sh installs it)`;
  }
  return undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export class ClusterDriver {
  /**
   * What `env` printed, until the next `up` or `down` run through this driver (the credentials live
   * as long as the cluster; a cluster brought up again by someone else needs a new driver).
   */
  private envCache: Record<string, string> | undefined;

  constructor(readonly name: string) {}

  async run(...args: string[]): Promise<RunResult> {
    if (args[0] === 'up' || args[0] === 'down') this.envCache = undefined;
    const t0 = Date.now();
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLUSTER_BIN, ...args], {
        env: { ...process.env, MINIMESH_CLUSTER: this.name },
        maxBuffer: 16 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr, ms: Date.now() - t0 };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '', ms: Date.now() - t0 };
    }
  }

  async must(...args: string[]): Promise<string> {
    const r = await this.run(...args);
    if (r.code !== 0) throw new Error(`MINIMESH_CLUSTER=${this.name} minimesh-cluster ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /**
   * Runs a command in a pod (`pod` + namespace) or node/outside namespace, as `minimesh-cluster exec`
   * does (the same command line, from the cluster's state), without starting the command-line tool
   * each time: the suites run hundreds of these, and the tool's start is most of the cost of one.
   */
  async exec(target: string, namespace: string | undefined, ...cmd: string[]): Promise<RunResult> {
    const t0 = Date.now();
    let line: [string, string[]];
    try {
      line = execCommandLine(requireState(this.name, stateLayout(this.name)), target, namespace, cmd);
      requireRoot('exec');
    } catch (e) {
      return { code: 1, stdout: '', stderr: `error: ${(e as Error).message}\n`, ms: Date.now() - t0 };
    }
    return new Promise((resolve) => {
      execFile(line[0], line[1], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, MINIMESH_CLUSTER: this.name } }, (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals | null }) | null;
        // A string code: the command did not start (as the tool says it).
        if (e && typeof e.code === 'string') resolve({ code: 1, stdout, stderr: `error: could not run ip netns exec: ${e.message}\n`, ms: Date.now() - t0 });
        else resolve({ code: !e ? 0 : typeof e.code === 'number' ? e.code : e.signal ? 128 + (constants.signals[e.signal] ?? 0) : 1, stdout, stderr, ms: Date.now() - t0 });
      });
    });
  }

  /** `curl` from a namespace; returns the body, or '' on failure. */
  async curl(target: string, namespace: string | undefined, url: string, timeoutS = 2): Promise<RunResult> {
    return this.exec(target, namespace, 'curl', '-s', '-m', String(timeoutS), url);
  }

  /**
   * `n` requests from inside a namespace, in one exec (one process start, not n): one entry per
   * request, the body's lines joined by a space (`IP: <ip> <pod> <node> from <ip>:<port>` for
   * an echo server), '' for a failure.
   */
  async curlMany(target: string, namespace: string | undefined, url: string, n: number, timeoutS = 2): Promise<string[]> {
    const script = `for i in $(seq ${n}); do printf '%s\\n' "$(curl -s -m ${timeoutS} '${url}' | tr '\\n' ' ')"; done`;
    const r = await this.exec(target, namespace, 'sh', '-c', script);
    return r.stdout.split('\n').slice(0, n).map((l) => l.trim());
  }

  async apiserverAddress(): Promise<string> {
    return (await this.env()).MINIMESH_SERVER!;
  }

  /** What `minimesh-cluster env` exports: the apiserver address and the admin's credentials. */
  async env(): Promise<Record<string, string>> {
    if (this.envCache) return { ...this.envCache };
    const out = await this.must('env');
    const vars = Object.fromEntries([...out.matchAll(/^export (\w+)=(\S*)$/gm)].map((m) => [m[1]!, m[2]!]));
    if (!vars.MINIMESH_SERVER) throw new Error(`no MINIMESH_SERVER in: ${out}`);
    this.envCache = vars;
    return { ...vars };
  }

  /** An API client of the cluster, as its admin (over TLS with the admin's client certificate). */
  async apiClient(opts: Omit<ClientOptions, 'caFile' | 'certFile' | 'keyFile'> = {}): Promise<ApiClient> {
    const v = await this.env();
    return connectApiClient(v.MINIMESH_SERVER!, {
      caFile: v.MINIMESH_CERTIFICATE_AUTHORITY,
      certFile: v.MINIMESH_CLIENT_CERTIFICATE,
      keyFile: v.MINIMESH_CLIENT_KEY,
      ...opts,
    });
  }
}

/** An echo server's answer: `IP: <ip> <pod> <node>`, then `from <client ip>:<client port>`. */
export interface EchoReply {
  ip: string;
  pod: string;
  node: string;
  /** The peer the server saw, when the answer has its second line. */
  from?: { ip: string; port: number };
}

/** Parses an echo server's answer (its two lines, or both joined by a space as curlMany returns them). */
export function parseEcho(body: string): EchoReply | undefined {
  const m = /^IP: (\S+) (\S+) (\S+)(?:\s+from ([0-9.]+):(\d+))?\s*$/.exec(body.trim());
  if (!m) return undefined;
  return { ip: m[1]!, pod: m[2]!, node: m[3]!, ...(m[4] ? { from: { ip: m[4], port: Number(m[5]) } } : {}) };
}

/**
 * Counts replies by the pod name in `IP: <ip> <pod> <node>`. A `from <ip>:<port>` line (the echo
 * server's second line, when bodies were split into lines) belongs to the reply before it and is
 * not counted; any other line counts as `other:<line>`.
 */
export function tally(lines: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) {
    if (/^from \S+:\d+$/.test(l.trim())) continue;
    const pod = /^IP: \S+ (\S+)(?: |$)/.exec(l.trim())?.[1] ?? `other:${l.trim()}`;
    m.set(pod, (m.get(pod) ?? 0) + 1);
  }
  return m;
}
