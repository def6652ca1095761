/**
 * `iptables-restore --noflush` without a process start and exit in the sync's path. A restore
 * process spawned per sync and waited for costs ~20 ms whatever its input: the start, and on exit
 * the close of its netlink socket, which waits for the kernel to clean up what the commit deleted
 * (a flushed chain, a deleted rule: ~12 ms); the commit itself of a partial sync takes 2–5 ms.
 *
 * So a restore process is started ahead of the sync that needs it and waits on its stdin
 * (iptables-restore reads its input as it comes and commits each table at its COMMIT line; the
 * nft backend reads the kernel's rules when the first table line arrives, not at start). The sync
 * writes its input, then a sentinel block that appends to a chain that does not exist:
 * iptables-restore refuses it (`line N failed`) and exits. Tables are committed in order, so
 * the sentinel's refusal means every table of the input was committed; a refusal on an earlier
 * line is the input's own. The process exits on its own, off the sync's path, and the next one is
 * started once the restore has settled. A process serves one restore: nothing it read is stale.
 *
 * Only for iptables-nft 1.8.5 and later (`restoreSessionSupported`): 1.8.4's `--noflush` reads up
 * to 64 KB of input before acting on any line, and earlier versions read the rules when they
 * start, which a waiting process would then hold stale. The input is followed by the end of
 * stdin too, so nothing waits for more. An input that does not end with COMMIT (a table left
 * open would swallow the sentinel) goes through a process run to completion, as before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ExecResult } from '@minimesh/runtime';

export interface RestoreSessionOptions {
  /** iptables-restore, iptables-nft-restore or iptables-legacy-restore. */
  bin: string;
  /** Its arguments (`-w 5 --noflush`). */
  args: readonly string[];
  /** Started as `...prefix bin args` (e.g. ip netns exec NS); default none. */
  prefix?: readonly string[];
  /** A restore not settled in this long kills its process (default 120 s). */
  timeoutMs?: number;
}

const SENTINEL_CHAIN = 'MINIMESH-RESTORE-SENTINEL';
const SENTINEL = `*filter\n-A ${SENTINEL_CHAIN} -j RETURN\nCOMMIT\n`;
/** The sentinel's lines a refusal names: the append (nf_tables) or its COMMIT (legacy). */
const SENTINEL_REFUSED_LINES = [1, 2];
/** Why a process could not start (its 'error' may come before a restore listens). */
const spawnErrors = new WeakMap<ChildProcess, string>();

/**
 * True for what `iptables-restore --version` printed by an nf_tables backend of version 1.8.5 or
 * later ("iptables-restore v1.8.9 (nf_tables)"), the versions that read the kernel's rules only
 * once their input names a table.
 */
export function restoreSessionSupported(version: string): boolean {
  const m = /v(\d+)\.(\d+)\.(\d+)\S* \(nf_tables\)/.exec(version);
  if (!m) return false;
  const [major, minor, patch] = m.slice(1).map(Number) as [number, number, number];
  return major > 1 || (major === 1 && (minor > 8 || (minor === 8 && patch >= 5)));
}

export class RestoreSession {
  private spare: ChildProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly timeoutMs: number;

  constructor(private readonly o: RestoreSessionOptions) {
    this.timeoutMs = o.timeoutMs ?? 120_000;
  }

  /** True when `input` can go through a waiting process (its last table is committed). */
  static accepts(input: string): boolean {
    return /(^|\n)COMMIT\n$/.test(input);
  }

  /** Applies `input` (which `accepts`); code 0 once every table is committed, else the process's code and stderr. */
  restore(input: string): Promise<ExecResult> {
    if (!RestoreSession.accepts(input)) return Promise.reject(new Error('restore input must end with a COMMIT line'));
    const run = this.queue.then(() => this.run(input));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Starts the process the next restore will use, if none waits (nothing is spawned after close). */
  private prepare(): void {
    if (this.closed || (this.spare !== undefined && this.spare.exitCode === null && this.spare.signalCode === null)) return;
    const [file, ...args] = [...(this.o.prefix ?? []), this.o.bin, ...this.o.args];
    const p = spawn(file!, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    p.once('error', (e) => spawnErrors.set(p, `${this.o.bin}: ${e.message}`)); // 'close' follows and reports it
    if (!p.stdin || !p.stderr) throw new Error(`${this.o.bin}: could not start (no pipes: too many open files?)`);
    p.stdin.on('error', () => undefined); // EPIPE once it exits: reported by 'close'
    this.spare = p;
  }

  /** Ends the waiting process (its stdin closed before any table: it exits having done nothing). */
  close(): void {
    this.closed = true;
    this.spare?.stdin?.end();
    this.spare = undefined;
  }

  private run(input: string): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new Error(`${this.o.bin}: the restore session is closed`));
    let p: ChildProcess;
    try {
      this.prepare();
      p = this.spare!;
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.spare = undefined;
    const first = lineCount(input) + 1; // input ends with "\n": the sentinel starts on this line
    return new Promise<ExecResult>((resolve, reject) => {
      let stderr = '';
      let settled = false;
      const settle = (r: ExecResult | Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        setImmediate(() => {
          try {
            this.prepare();
          } catch {
            // The next restore tries again, and reports it.
          }
        });
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        settle(new Error(`${this.o.bin}: no answer in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      timer.unref();
      p.stderr!.setEncoding('utf8');
      p.stderr!.on('data', (chunk: string) => {
        stderr += chunk;
        const at = sentinelRefusal(stderr, first);
        if (at !== -1) settle({ code: 0, stdout: '', stderr: stderr.slice(0, at) });
      });
      p.once('close', (code, signal) => {
        const why = spawnErrors.get(p) ?? (code === 0 ? `${this.o.bin} exited before its sentinel was refused` : `${this.o.bin} exited (${signal ?? code})`);
        settle({ code: code || (signal ? 128 : 1), stdout: '', stderr: stderr || why });
      });
      p.stdin!.end(input + SENTINEL);
    });
  }
}

/** Where stderr reports the sentinel block (from line `first`) refused, or -1. */
function sentinelRefusal(stderr: string, first: number): number {
  for (const m of stderr.matchAll(/^.*line (\d+) failed.*$/gm)) {
    if (SENTINEL_REFUSED_LINES.includes(Number(m[1]) - first)) return m.index;
  }
  return -1;
}

function lineCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
