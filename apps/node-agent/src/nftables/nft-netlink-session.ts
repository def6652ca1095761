/**
 * One long-lived `minimesh-nft-batch` process (native/nft-batch.c) that hands netlink batches
 * to the kernel, one after another: it says "ready" once its socket is open; then a frame (4-byte
 * length in host order, then the batch) in, one line out — "ok", or "err ERRNO SEQ" for the
 * message the kernel refused (the whole batch is then undone, as with `nft -f`). `applyEach`
 * writes a batch while the helper still works on the one before, so the agent encodes the next
 * batch while the kernel takes the last. If the process
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

/** The kernel refused a message of the batch (nothing of that batch was committed). */
export class NftNetlinkRefusedError extends CommandError {
  override readonly name: string = 'NftNetlinkRefusedError';
  constructor(
    /** The errno's name: EEXIST, ENOENT, EBUSY, … */
    readonly errno: string,
    /** The command whose message was refused (undefined: the batch itself). */
    readonly line: string | undefined,
    stderr: string,
  ) {
    super('minimesh-nft-batch', 1, stderr);
  }
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

/** How a batch went: the answer's promise settles this without throwing. */
type Outcome = { ok: true } | { ok: false; error: unknown };

export class NftNetlinkSession {
  private proc: ChildProcess | undefined;
  private ready = false;
  private stdout = '';
  /** Batches written and not answered yet, oldest first (the helper answers in order). */
  private pending: Pending[] = [];
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
    return this.applyEach([batch]);
  }

  /**
   * Sends each batch `batches` makes as soon as it is made (the helper hands one to the kernel
   * while the next is made) and resolves once the kernel committed every one. Each batch is a
   * transaction of its own: one refused is undone, the others stand. Rejects, once every batch
   * written was answered, with the first failure: a refusal, the helper's end, or what the
   * iterator threw. No batch is written once a failure or the helper's end is seen; batches
   * written before the answer that refused one was read still go to the kernel.
   */
  applyEach(batches: Iterable<NftNetlinkBatch>): Promise<void> {
    const run = this.queue.then(() => this.runEach(batches));
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

  private async runEach(batches: Iterable<NftNetlinkBatch>): Promise<void> {
    const outcomes: Promise<Outcome>[] = [];
    let failed = false;
    let thrown: { error: unknown } | undefined;
    try {
      for (const batch of batches) {
        const { proc, outcome, buffered } = this.send(batch);
        outcomes.push(outcome.then((o) => ((failed ||= !o.ok), o)));
        // Node holds what the helper's stdin did not take yet: wait until it is written (the
        // helper reads while it works), so frames do not pile up in memory.
        if (buffered) await Promise.race([this.drained(proc), outcome]);
        // A helper that ended fails every batch it was sent (at its 'close'); none is sent after.
        if (failed || proc.stdin?.destroyed === true || this.proc !== proc) break;
      }
    } catch (e) {
      thrown = { error: e };
    }
    for (const o of await Promise.all(outcomes)) if (!o.ok) throw o.error;
    if (thrown !== undefined) throw thrown.error;
  }

  /** Writes one frame; `buffered`: Node holds some of it past the stream's high-water mark. */
  private send(batch: NftNetlinkBatch): { proc: ChildProcess; outcome: Promise<Outcome>; buffered: boolean } {
    const p = this.proc ?? this.start();
    let buffered = false;
    const outcome = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(p, new NftNetlinkSessionError(`minimesh-nft-batch: no answer in ${this.timeoutMs} ms`));
        p.kill('SIGKILL');
      }, this.timeoutMs);
      this.pending.push({ proc: p, batch, resolve, reject, timer });
      const head = Buffer.alloc(4);
      if (endianness() === 'LE') head.writeUInt32LE(batch.bytes.length);
      else head.writeUInt32BE(batch.bytes.length);
      // Head and batch in one write (writev): two would wake the helper twice, and on a busy
      // node each wake-up can cost the agent a turn at the CPU before the batch follows.
      p.stdin!.cork();
      p.stdin!.write(head);
      buffered = !p.stdin!.write(batch.bytes);
      p.stdin!.uncork();
    }).then(
      (): Outcome => ({ ok: true }),
      (error: unknown): Outcome => ({ ok: false, error }),
    );
    return { proc: p, outcome, buffered };
  }

  /** `p`'s stdin wrote out what Node held, or closed. */
  private drained(p: ChildProcess): Promise<void> {
    const stdin = p.stdin;
    if (stdin === null || stdin.destroyed || stdin.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        resolve();
      };
      stdin.once('drain', done);
      stdin.once('close', done);
    });
  }

  /** Settles the oldest pending batch with each answer line; anything else ends the process. */
  private check(): void {
    let nl = this.stdout.indexOf('\n');
    if (!this.ready && nl !== -1 && this.stdout.slice(0, nl) === 'ready') {
      this.ready = true;
      this.stdout = this.stdout.slice(nl + 1);
      nl = this.stdout.indexOf('\n');
    }
    while (nl !== -1) {
      const answer = this.stdout.slice(0, nl);
      this.stdout = this.stdout.slice(nl + 1);
      const m = /^err (\d+) (\d+)$/.exec(answer);
      const pd = this.pending[0];
      if (!this.ready || pd === undefined || (answer !== 'ok' && m === null)) {
        // One answer per batch, and only while one waits: the helper and this side disagree, so
        // no later answer can be trusted to belong to its batch.
        const p = this.proc!;
        this.fail(p, new NftNetlinkSessionError(`minimesh-nft-batch: unexpected answer "${answer.slice(0, 200)}"`));
        p.kill('SIGKILL');
        return;
      }
      this.pending.shift();
      clearTimeout(pd.timer);
      if (answer === 'ok') pd.resolve();
      else pd.reject(refusal(pd.batch, Number(m![1]), Number(m![2])));
      nl = this.stdout.indexOf('\n');
    }
  }

  /** Fails every batch `p` has not answered. */
  private fail(p: ChildProcess, e: Error): void {
    if (this.proc === p) this.proc = undefined;
    const mine = this.pending.filter((pd) => pd.proc === p);
    if (mine.length === 0) return;
    this.pending = this.pending.filter((pd) => pd.proc !== p);
    for (const pd of mine) {
      clearTimeout(pd.timer);
      pd.reject(e);
    }
  }
}

/** The kernel's refusal, with the command it concerns (nft's wording: "Could not process rule"). */
function refusal(batch: NftNetlinkBatch, errno: number, seq: number): NftNetlinkRefusedError {
  const line = batch.lineOf(seq);
  const [name, message] = getSystemErrorMap().get(-errno) ?? [`errno ${errno}`, 'unknown error'];
  const what = line === undefined ? 'the batch' : line.length > 300 ? `${line.slice(0, 300)}…` : line;
  return new NftNetlinkRefusedError(name, line, `Error: Could not process rule: ${message} (${name}): ${what}`);
}
