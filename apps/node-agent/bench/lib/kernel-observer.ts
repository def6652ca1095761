/**
 * The latency benchmark's observer: per node, the text of the agent's rules it looks at (from the
 * nat table, or the kube-proxy nftables table) as each nf_tables commit left them
 * (lib/kernel-watch.ts inside the node namespace), matched against the changes the benchmark
 * sent. It never polls the agents.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { maxOf } from '@minimesh/api';

export const NODES = ['node1', 'node2'];
export const CHANGE_TIMEOUT_MS = 60_000;
const WATCHER = fileURLToPath(new URL('./kernel-watch.ts', import.meta.url));

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));
export const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${s}\n`);


/** The rules' text as a commit left them (lib/kernel-watch.ts). */
export interface Dump {
  /** The commit's notification (Date.now() in the helper); none for the text before any commit. */
  events: number[];
  /** When the helper wrote the text. */
  start: number;
  text: string;
}

export interface Seen {
  /** When the change was in this node's kernel: the notification of the commit that made it so. */
  at: number;
  dump: Dump;
}

export type Kind = 'service create' | 'service delete' | 'pod unready' | 'pod ready';
/** 'setup', 'serial', or a churn phase ('churn 5/s'). */
export type Phase = string;

export interface Change {
  id: number;
  phase: Phase;
  kind: Kind;
  target: string;
  t0: number;
  apiMs?: number;
  pred: (natText: string) => boolean;
  seen: (Seen | undefined)[];
  latency?: number;
  done: Promise<void>;
  settle: (err?: Error) => void;
  timer?: NodeJS.Timeout;
}

export class Observer {
  readonly pending = new Set<Change>();
  readonly dumps: Dump[][] = NODES.map(() => []);
  readonly last: (Dump | undefined)[] = NODES.map(() => undefined);
  private nextId = 0;

  /** Latest commit notification per node. */
  readonly lastCommit: number[] = NODES.map(() => 0);

  onDump(node: number, d: Dump): void {
    this.dumps[node]!.push({ ...d, text: '' });
    for (const e of d.events) this.lastCommit[node] = Math.max(this.lastCommit[node]!, e);
    this.last[node] = d;
    for (const c of this.pending) this.check(c, node, d);
  }

  private check(c: Change, node: number, d: Dump): void {
    if (c.seen[node] || d.start < c.t0 || !c.pred(d.text)) return;
    // The commit that made it true was notified at or before the dump began; the latest
    // notification after t0 is taken (when a dump covers several commits, the latency is
    // over-stated by at most the gap between them; the report counts those cases).
    const after = d.events.filter((t) => t >= c.t0);
    c.seen[node] = { at: after.length ? maxOf(after) : d.start, dump: { ...d, text: '' } };
    if (c.seen.every(Boolean)) {
      c.latency = maxOf(c.seen.map((s) => s!.at)) - c.t0;
      this.pending.delete(c);
      c.settle();
    }
  }

  /** Resolves once no node has committed anything for `quietMs` (the agents' min-sync cooldown is over). */
  async quiet(quietMs: number, maxMs = 15_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline) {
      const since = Date.now() - maxOf(this.lastCommit);
      if (since >= quietMs) return;
      await sleep(Math.min(50, quietMs - since + 1));
    }
  }

  /** Registers a change just before it is sent (t0 = now). */
  track(phase: Phase, kind: Kind, target: string, pred: (t: string) => boolean, timeoutMs = CHANGE_TIMEOUT_MS): Change {
    let settle!: (err?: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    done.catch(() => undefined);
    const c: Change = { id: this.nextId++, phase, kind, target, t0: Date.now(), pred, seen: NODES.map(() => undefined), done, settle };
    c.timer = setTimeout(() => {
      if (!this.pending.has(c)) return;
      this.pending.delete(c);
      const missing = NODES.filter((_, i) => !c.seen[i]).join(', ');
      c.settle(new Error(`${kind} ${target}: not in the kernel of ${missing} after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    void done.finally(() => clearTimeout(c.timer)).catch(() => undefined);
    this.pending.add(c);
    return c;
  }
}

/** The helper in one node namespace; its dumps go to the observer. */
export function startWatcher(netns: string, node: number, obs: Observer, mode: 'iptables' | 'nftables', nftChain?: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const extra = nftChain === undefined ? [] : ['--nft-chain', nftChain];
    const p = spawn('ip', ['netns', 'exec', netns, process.execPath, ...process.execArgv, WATCHER, '--mode', mode, ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
    let ready = false;
    p.stderr!.on('data', (d: Buffer) => process.stderr.write(`[watch ${NODES[node]}] ${d}`));
    p.once('error', reject);
    p.once('exit', (code) => {
      if (!ready) reject(new Error(`kernel watcher in ${netns} exited (${code}) before it was ready`));
      else if (code !== 0 && code !== null) log(`kernel watcher in ${netns} exited (${code})`);
    });
    createInterface({ input: p.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as Omit<Dump, 'text'> & { text: string | null; ready?: boolean };
      if (msg.ready) {
        ready = true;
        resolve(p);
      } else obs.onDump(node, { ...msg, text: msg.text ?? obs.last[node]?.text ?? '' });
    });
  });
}
