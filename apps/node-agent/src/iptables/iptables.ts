/**
 * The kernel side of iptables mode: `iptables-restore --noflush` for our chains, `iptables -C/-I`
 * for the jumps from the built-in chains, and reading which of our chains exist. The backend
 * (nft or legacy) is whichever the binaries name.
 */
import type { JumpRule } from '@minimesh/proxy-core';
import { CommandError, type Exec, type Logger } from '@minimesh/runtime';
import { MemoryReleaser } from '../release-memory.js';
import { RestoreSession, restoreSessionSupported } from './restore-session.js';

export interface IptablesOptions {
  /** iptables-restore, iptables-nft-restore or iptables-legacy-restore. */
  restoreBin: string;
  /** Wait this many seconds for the xtables lock (legacy backend). */
  waitSeconds?: number;
  log?: Logger;
  /**
   * Restores go through processes started ahead of the sync (restore-session.ts), started with
   * `prefix` before the command (e.g. ip netns exec NS; [] as they are); unset: a process per
   * restore through `exec`.
   */
  session?: { prefix: readonly string[] };
}

export class Iptables {
  private readonly restoreBin: string;
  private readonly iptablesBin: string;
  private readonly saveBin: string;
  private readonly wait: string[];
  /** `iptables-restore`'s arguments: wait for the lock, leave undeclared chains alone. */
  private readonly restoreArgs: string[];
  private readonly memory: MemoryReleaser;
  private readonly session: RestoreSession | undefined;
  /** Whether this iptables-restore can serve the session (asked once, at the first restore). */
  private sessionUsable: Promise<boolean> | undefined;
  private readonly log: Logger | undefined;

  constructor(
    private readonly exec: Exec,
    opts: IptablesOptions,
  ) {
    this.restoreBin = opts.restoreBin;
    this.iptablesBin = opts.restoreBin.replace(/-restore$/, '');
    this.saveBin = opts.restoreBin.replace(/-restore$/, '-save');
    this.wait = ['-w', String(opts.waitSeconds ?? 5)];
    this.restoreArgs = [...this.wait, '--noflush'];
    this.memory = new MemoryReleaser(opts.log);
    this.log = opts.log;
    if (opts.session) this.session = new RestoreSession({ bin: this.restoreBin, args: this.restoreArgs, prefix: opts.session.prefix });
  }

  /** Applies restore input atomically per table; leaves every chain it does not declare alone. */
  async restore(input: string): Promise<void> {
    const viaSession = this.session !== undefined && RestoreSession.accepts(input) && (await this.canUseSession());
    const r = viaSession ? await this.session!.restore(input) : await this.exec(this.restoreBin, this.restoreArgs, input);
    // A full sync of some thousand Services (8 MB of input at 10,000) leaves V8's heap grown.
    this.memory.wrote(input.length);
    if (r.code !== 0) throw new CommandError(this.restoreBin, r.code, r.stderr);
  }

  /** The session needs iptables-nft 1.8.5 or later (restore-session.ts); others get a process per restore. */
  private canUseSession(): Promise<boolean> {
    this.sessionUsable ??= this.exec(this.restoreBin, ['--version']).then(
      (r) => {
        const ok = r.code === 0 && restoreSessionSupported(r.stdout + r.stderr);
        if (!ok) this.log?.info(`${this.restoreBin} is not iptables-nft 1.8.5 or later: a restore process per sync`, { version: (r.stdout + r.stderr).trim() });
        return ok;
      },
      () => false,
    );
    return this.sessionUsable;
  }

  /** Ends the restore process waiting for the next sync, if any. */
  close(): void {
    this.session?.close();
  }

  async chainExists(table: string, chain: string): Promise<boolean> {
    const r = await this.exec(this.iptablesBin, [...this.wait, '-t', table, '-S', chain, '1']);
    return r.code === 0;
  }

  async ensureChain(table: string, chain: string): Promise<void> {
    if (await this.chainExists(table, chain)) return;
    const r = await this.exec(this.iptablesBin, [...this.wait, '-t', table, '-N', chain]);
    if (r.code !== 0 && !/exists/i.test(r.stderr)) throw new CommandError(`${this.iptablesBin} -t ${table} -N ${chain}`, r.code, r.stderr);
  }

  /** EnsureRule(Prepend): `-C` first, `-I` only when missing. */
  async ensureJump(j: JumpRule): Promise<void> {
    await this.ensureChain(j.table, j.target);
    const check = await this.exec(this.iptablesBin, [...this.wait, '-t', j.table, '-C', j.chain, ...j.args]);
    if (check.code === 0) return;
    const r = await this.exec(this.iptablesBin, [...this.wait, '-t', j.table, '-I', j.chain, ...j.args]);
    if (r.code !== 0) throw new CommandError(`${this.iptablesBin} -t ${j.table} -I ${j.chain}`, r.code, r.stderr);
  }

  /** Chains of a table whose names start with `prefix` (from iptables-save's `:CHAIN` lines). */
  async chains(table: string, prefix: string): Promise<string[]> {
    const r = await this.exec(this.saveBin, ['-t', table]);
    if (r.code !== 0) throw new CommandError(`${this.saveBin} -t ${table}`, r.code, r.stderr);
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith(`:${prefix}`))
      .map((l) => l.slice(1).split(' ')[0]!);
  }

  async save(table: string): Promise<string> {
    const r = await this.exec(this.saveBin, ['-t', table]);
    if (r.code !== 0) throw new CommandError(`${this.saveBin} -t ${table}`, r.code, r.stderr);
    return r.stdout;
  }
}
