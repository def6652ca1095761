/**
 * Running command-line programs (ip, iptables-restore, nft, conntrack, ...): one small wrapper for
 * every app and tool. `exec` never throws for a non-zero exit (the caller decides what a code
 * means); `run` does, with a CommandError that names the command and the last line of its
 * stderr, and a clear line when the program is not installed.
 */
import { spawn } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    /** The command line, as one string (`ip -n mm-x netns ...`). */
    readonly command: string,
    readonly code: number | string | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${String(code)}): ${stderr.trim().split('\n').pop() || 'no output'}`);
    this.name = 'CommandError';
  }
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Exec = (file: string, args: readonly string[], input?: string) => Promise<ExecResult>;

/** Runs a command to completion, feeding `input` on stdin; never throws for a non-zero exit. */
export const exec: Exec = (file, args, input) =>
  new Promise((resolve, reject) => {
    const p = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new CommandError([file, ...args].join(' '), 'ENOENT', `${file} is not installed (run: bash tools/setup.sh)`) : e);
    });
    p.once('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    p.stdin.on('error', () => undefined);
    p.stdin.end(input ?? '');
  });

/** Runs a command and returns its stdout; a non-zero exit is a CommandError. */
export async function run(file: string, args: readonly string[], input?: string): Promise<string> {
  const r = await exec(file, args, input);
  if (r.code !== 0) throw new CommandError([file, ...args].join(' '), r.code, r.stderr);
  return r.stdout;
}
