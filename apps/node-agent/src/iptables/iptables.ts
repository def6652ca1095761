/**
 * The kernel side of iptables mode: `iptables-restore --noflush` for our chains, `iptables -C/-I`
 * for the jumps from the built-in chains, and reading which of our chains exist. The backend
 * (nft or legacy) is whichever the binaries name.
 */
import type { JumpRule } from '@minimesh/proxy-core';
import { CommandError, type Exec, type Logger } from '@minimesh/runtime';
import { MemoryReleaser } from '../release-memory.js';

export interface IptablesOptions {
  /** iptables-restore, iptables-nft-restore or iptables-legacy-restore. */
  restoreBin: string;
  /** Wait this many seconds for the xtables lock (legacy backend). */
  waitSeconds?: number;
  log?: Logger;
}

export class Iptables {
  private readonly restoreBin: string;
  private readonly iptablesBin: string;
  private readonly saveBin: string;
  private readonly wait: string[];
  private readonly memory: MemoryReleaser;

  constructor(
    private readonly exec: Exec,
    opts: IptablesOptions,
  ) {
    this.restoreBin = opts.restoreBin;
    this.iptablesBin = opts.restoreBin.replace(/-restore$/, '');
    this.saveBin = opts.restoreBin.replace(/-restore$/, '-save');
    this.wait = ['-w', String(opts.waitSeconds ?? 5)];
    this.memory = new MemoryReleaser(opts.log);
  }

  /** Applies restore input atomically; leaves every chain it does not declare alone. */
  async restore(input: string): Promise<void> {
    const r = await this.exec(this.restoreBin, [...this.wait, '--noflush'], input);
    // A full sync of some thousand Services (8 MB of input at 10,000) leaves V8's heap grown.
    this.memory.wrote(input.length);
    if (r.code !== 0) throw new CommandError(this.restoreBin, r.code, r.stderr);
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
