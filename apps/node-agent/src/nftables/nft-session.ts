/**
 * One long-lived `nft -i` process that applies transactions. Spawning `nft -f -` per sync costs
 * a process start and, on exit, the close of its netlink socket, which waits for an RCU grace
 * period (10–30 ms measured here) — more than a small transaction itself. The interactive CLI
 * runs each input line as one batch, so a transaction is its commands joined by " ; " on one
 * line (atomic as with `nft -f`), followed by a sentinel line: a bare marker word, which nft
 * rejects as a syntax error echoing the line — before any cache or kernel work, so it costs
 * nothing (a `list table` sentinel cost 45 ms at 10k Services). Everything on stderr before
 * that echo belongs to the transaction (an "Error:" there means it was refused and changed
 * nothing).
 *
 * Transactions run one at a time. If the process dies, hangs past the timeout, or was built
 * without the CLI, the transaction fails (or the caller falls back to `nft -f -`) and the next
 * one starts a new process. nft's CLI keeps every input line in its history (and writes it to
 * $HOME/.nft_history on exit): the process is replaced after RECYCLE_BYTES of input, and runs
 * with a HOME where that file cannot be written.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CommandError } from '@minimesh/runtime';
import { nftErrorSummary } from './nft-errors.js';

export interface NftSessionOptions {
  bin?: string;
  /** Started as `...prefix bin -i` (e.g. ip netns exec NS); default none. */
  prefix?: readonly string[];
  /** A transaction not answered in this long kills the process (default 120 s). */
  timeoutMs?: number;
}

/** The process died, hung or could not start: the transaction's fate is unknown. */
export class NftSessionError extends Error {
  override readonly name = 'NftSessionError';
}

interface Pending {
  readonly proc: ChildProcess;
  readonly marker: string;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Input after which the process is replaced (its history keeps every line). */
const RECYCLE_BYTES = 32 << 20;

export class NftSession {
  private sentBytes = 0;
  private proc: ChildProcess | undefined;
  private stderr = '';
  private pending: Pending | undefined;
  private queue: Promise<void> = Promise.resolve();
  private seq = 0;
  private readonly bin: string;
  private readonly prefix: readonly string[];
  private readonly timeoutMs: number;

  constructor(o: NftSessionOptions = {}) {
    this.bin = o.bin ?? 'nft';
    this.prefix = o.prefix ?? [];
    this.timeoutMs = o.timeoutMs ?? 120_000;
  }

  /** Applies `script` (one command per line) as one transaction. */
  apply(script: string): Promise<void> {
    const line = script
      .split('\n')
      .filter((l) => l.trim() !== '')
      .join(' ; ');
    const run = this.queue.then(() => this.run(line));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The process's pid, while one runs. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Ends the process (stdin closed: nft exits); a transaction still waiting fails. */
  close(): void {
    const p = this.proc;
    if (p !== undefined) this.fail(p, new NftSessionError(`${this.bin} -i: closed`));
    this.proc = undefined;
    p?.stdin?.end();
    const timer = setTimeout(() => p?.kill('SIGKILL'), 2000);
    timer.unref();
    p?.once('exit', () => clearTimeout(timer));
  }

  private start(): ChildProcess {
    const [file, ...args] = [...this.prefix, this.bin, '-i'];
    const p = spawn(file!, args, { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, HOME: '/nonexistent' } });
    this.stderr = '';
    this.sentBytes = 0;
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (chunk: string) => {
      if (this.proc !== p) return;
      this.stderr += chunk;
      this.check();
    });
    p.stdin!.on('error', () => undefined); // EPIPE when it died: reported by 'exit'
    p.once('error', (e) => this.fail(p, new NftSessionError(`${this.bin} -i: ${e.message}`)));
    p.once('exit', (code, signal) => this.fail(p, new NftSessionError(`${this.bin} -i exited (${signal ?? code})${this.stderr ? `: ${this.stderr.trim().slice(-2000)}` : ''}`)));
    this.proc = p;
    return p;
  }

  private run(line: string): Promise<void> {
    const p = this.proc ?? this.start();
    const marker = `minimesh_sync_${process.pid}_${++this.seq}`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(p, new NftSessionError(`${this.bin} -i: no answer in ${this.timeoutMs} ms`));
        p.kill('SIGKILL');
      }, this.timeoutMs);
      this.pending = { proc: p, marker, resolve, reject, timer };
      this.stderr = '';
      p.stdin!.write(`${line}\n${marker}\n`);
      this.sentBytes += line.length + marker.length + 2;
    });
  }

  /** Settles the pending transaction once the sentinel's error (marker line, then carets) is in. */
  private check(): void {
    const pd = this.pending;
    if (pd === undefined) return;
    const at = this.stderr.indexOf(`\n${pd.marker}\n`) + 1;
    if (at === 0) return;
    const after = this.stderr.slice(at).split('\n');
    if (after.length < 3) return; // the caret line is not complete yet
    // The sentinel's own "Error: …" line sits right before the marker line.
    const before = this.stderr.slice(0, at);
    const own = before.lastIndexOf('Error:');
    const tx = own === -1 ? before : before.slice(0, own);
    this.pending = undefined;
    this.stderr = '';
    clearTimeout(pd.timer);
    if (this.sentBytes > RECYCLE_BYTES) this.close(); // the next transaction starts a new one
    if (/^Error:/m.test(tx)) pd.reject(new CommandError(`${this.bin} -i`, 1, nftErrorSummary(tx)));
    else pd.resolve();
  }

  private fail(p: ChildProcess, e: Error): void {
    if (this.proc === p) this.proc = undefined;
    const pd = this.pending;
    if (pd === undefined || pd.proc !== p) return;
    this.pending = undefined;
    clearTimeout(pd.timer);
    pd.reject(e);
  }
}
