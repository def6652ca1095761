/**
 * One long-lived `minimesh-nft-batch` process (native/nft-batch.c) that hands netlink batches
 * to the kernel, one at a time: a frame (4-byte length in host order, then the batch) in, one
 * line out — "ok", or "err ERRNO SEQ" for the message the kernel refused (the whole batch is then
 * undone, as with `nft -f`). If the process dies, hangs past the timeout or cannot start, the
 * batch's fate is unknown: the call fails with NftNetlinkSessionError and the next one starts a
 * new process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** The helper died, hung or could not start: the batch's fate is unknown. */
export class NftNetlinkSessionError extends Error {
  override readonly name = 'NftNetlinkSessionError';
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

  /** The helper is built. */
  available(): boolean {
    return existsSync(this.helper);
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
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (chunk: string) => {
      if (this.proc !== p) return;
      this.stdout += chunk;
      this.check();
    });
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    p.stdin!.on('error', () => undefined); // EPIPE when it died: reported by 'exit'
    p.once('error', (e) => this.fail(p, new NftNetlinkSessionError(`minimesh-nft-batch: ${e.message}`)));
    p.once('exit', (code, signal) => this.fail(p, new NftNetlinkSessionError(`minimesh-nft-batch exited (${signal ?? code})${stderr ? `: ${stderr.trim()}` : ''}`)));
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

  private check(): void {
    const pd = this.pending;
    const nl = this.stdout.indexOf('\n');
    if (pd === undefined || nl === -1) return;
    const answer = this.stdout.slice(0, nl);
    this.stdout = this.stdout.slice(nl + 1);
    this.pending = undefined;
    clearTimeout(pd.timer);
    if (answer === 'ok') return pd.resolve();
    const m = /^err (\d+) (\d+)$/.exec(answer);
    if (m === null) return pd.reject(new NftNetlinkSessionError(`minimesh-nft-batch: unexpected answer "${answer}"`));
    pd.reject(refusal(pd.batch, Number(m[1]), Number(m[2])));
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
  const line = batch.command(seq);
  const [name, message] = getSystemErrorMap().get(-errno) ?? [`errno ${errno}`, 'unknown error'];
  const what = line === undefined ? 'the batch' : line.length > 300 ? `${line.slice(0, 300)}…` : line;
  return new CommandError('minimesh-nft-batch', 1, `Error: Could not process rule: ${message} (${name}): ${what}`);
}
