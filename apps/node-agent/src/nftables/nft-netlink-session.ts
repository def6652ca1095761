/**
 * One long-lived `minimesh-nft-batch` process (native/nft-batch.c) that hands netlink batches
 * to the kernel, one at a time: it says "ready" once its socket is open; then a frame (4-byte
 * length in host order, then the batch) in, one line out — "ok", or "err ERRNO SEQ" for the
 * message the kernel refused (the whole batch is then undone, as with `nft -f`). If the process
 * ends before "ready", nothing was sent: NftNetlinkStartError. If it dies or hangs later, or
 * answers what was not asked, the batch's fate is unknown: NftNetlinkSessionError. Either way the
 * next call starts a new process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { endianness } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getSystemErrorMap } from 'node:util';
import { CommandError } from '@minimesh/runtime';
import type { NftNetlinkBatch } from './nft-netlink-batch.js';

/** Where apps/node-agent/native/build.sh (run by tools/setup.sh) puts the helper. */
export const DEFAULT_NFT_BATCH_HELPER = fileURLToPath(new URL('../../native/build/minimesh-nft-batch', import.meta.url));

export interface NftNetlinkSessionOptions {
  helper?: string;
  /** Started as `...prefix helper` (e.g. ip netns exec NS); default none. */
  prefix?: readonly string[];
  /** A batch not answered in this long kills the process (default 120 s). */
  timeoutMs?: number;
}

/** The helper died, hung or answered nonsense: the batch's fate is unknown. */
export class NftNetlinkSessionError extends Error {
  override readonly name: string = 'NftNetlinkSessionError';
}

/** The helper could not be started (missing, not executable, a binary for another system): nothing was sent. */
export class NftNetlinkStartError extends NftNetlinkSessionError {
  override readonly name = 'NftNetlinkStartError';
}

interface Pending {
  readonly proc: ChildProcess;
  readonly batch: NftNetlinkBatch;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class NftNetlinkSession {
  private proc: ChildProcess | undefined;
  private ready = false;
  private stdout = '';
  private pending: Pending | undefined;
  private queue: Promise<void> = Promise.resolve();
  readonly helper: string;
  private readonly prefix: readonly string[];
  private readonly timeoutMs: number;

  constructor(o: NftNetlinkSessionOptions = {}) {
    this.helper = o.helper ?? DEFAULT_NFT_BATCH_HELPER;
    this.prefix = o.prefix ?? [];
    this.timeoutMs = o.timeoutMs ?? 120_000;
  }

  /** The helper's pid, while one runs. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** The helper is built and executable. */
  available(): boolean {
    try {
      accessSync(this.helper, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends one batch; resolves once the kernel committed it, rejects with what it refused. */
  apply(batch: NftNetlinkBatch): Promise<void> {
    const run = this.queue.then(() => this.run(batch));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Ends the process (stdin closed: it exits); a batch still waiting fails. */
  close(): void {
    const p = this.proc;
    if (p !== undefined) this.fail(p, new NftNetlinkSessionError('minimesh-nft-batch: closed'));
    this.proc = undefined;
    p?.stdin?.end();
  }

  private start(): ChildProcess {
    const [file, ...args] = [...this.prefix, this.helper];
    const p = spawn(file!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.stdout = '';
    this.ready = false;
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (chunk: string) => {
      if (this.proc !== p) return;
      this.stdout += chunk;
      this.check();
    });
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    p.stdin!.on('error', () => undefined); // EPIPE when it died: reported by 'exit'
    // Before "ready" the helper has read nothing: a start that failed sent nothing.
    const error = (message: string) => (this.ready && this.proc === p ? new NftNetlinkSessionError(message) : new NftNetlinkStartError(message));
    p.once('error', (e) => this.fail(p, error(`minimesh-nft-batch: ${e.message}`)));
    // 'close', not 'exit': it comes after stdout is read to its end, so a "ready" the helper
    // printed before it died is seen, and its death is not taken for a failed start.
    p.once('close', (code, signal) => this.fail(p, error(`minimesh-nft-batch exited (${signal ?? code})${stderr ? `: ${stderr.trim()}` : ''}`)));
    this.proc = p;
    return p;
  }

  private run(batch: NftNetlinkBatch): Promise<void> {
    const p = this.proc ?? this.start();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(p, new NftNetlinkSessionError(`minimesh-nft-batch: no answer in ${this.timeoutMs} ms`));
        p.kill('SIGKILL');
      }, this.timeoutMs);
      this.pending = { proc: p, batch, resolve, reject, timer };
      const head = Buffer.alloc(4);
      if (endianness() === 'LE') head.writeUInt32LE(batch.bytes.length);
      else head.writeUInt32BE(batch.bytes.length);
      p.stdin!.write(head);
      p.stdin!.write(batch.bytes);
    });
  }

  /** Settles the pending batch with the helper's answer line; anything else ends the process. */
  private check(): void {
    let nl = this.stdout.indexOf('\n');
    if (!this.ready && nl !== -1 && this.stdout.slice(0, nl) === 'ready') {
      this.ready = true;
      this.stdout = this.stdout.slice(nl + 1);
      nl = this.stdout.indexOf('\n');
    }
    if (nl === -1) return;
    const answer = this.stdout.slice(0, nl);
    this.stdout = this.stdout.slice(nl + 1);
    const pd = this.pending;
    const m = /^err (\d+) (\d+)$/.exec(answer);
    if (!this.ready || pd === undefined || this.stdout !== '' || (answer !== 'ok' && m === null)) {
      // One answer per batch, and only while one waits: the helper and this side disagree, so
      // no later answer can be trusted to belong to its batch.
      const p = this.proc!;
      this.fail(p, new NftNetlinkSessionError(`minimesh-nft-batch: unexpected answer "${answer.slice(0, 200)}"`));
      p.kill('SIGKILL');
      return;
    }
    this.pending = undefined;
    clearTimeout(pd.timer);
    if (answer === 'ok') pd.resolve();
    else pd.reject(refusal(pd.batch, Number(m![1]), Number(m![2])));
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

/** The kernel's refusal, with the command it concerns (nft's wording: "Could not process rule"). */
function refusal(batch: NftNetlinkBatch, errno: number, seq: number): CommandError {
  const line = batch.lineOf(seq);
  const [name, message] = getSystemErrorMap().get(-errno) ?? [`errno ${errno}`, 'unknown error'];
  const what = line === undefined ? 'the batch' : line.length > 300 ? `${line.slice(0, 300)}…` : line;
  return new CommandError('minimesh-nft-batch', 1, `Error: Could not process rule: ${message} (${name}): ${what}`);
}
