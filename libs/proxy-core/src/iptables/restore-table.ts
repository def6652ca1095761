/**
 * One table of `iptables-restore --noflush` input. Under --noflush a chain named by a
 * `:CHAIN - [0:0]` line is created or flushed and must be re-specified in full; chains not
 * named are left alone; `-X CHAIN` deletes one (after its line flushed it).
 *
 * Output is laid out the way kube-proxy's golden tests print a ruleset (sortIPTablesRules):
 * NODEPORTS and SERVICES first, then the other chains alphabetically; chain lines, then the
 * rules grouped by chain in the same order (each chain's rules in the order written), then the
 * `-X` lines. iptables-restore only cares about the order of rules within a chain, which is
 * exactly kube-proxy's.
 */

export type TableName = 'filter' | 'nat';

/** Where the renderer writes a table's chains and rules (a restore table, or a counter). */
export interface TableSink {
  declare(chain: string): void;
  /** Appends `-A <chain> <spec>`. */
  append(chain: string, spec: string): void;
}

export class RestoreTable implements TableSink {
  private readonly chains = new Map<string, string[]>();
  private readonly deleted = new Set<string>();
  private rules = 0;

  /** @param first chains listed before the alphabetical rest (kube-proxy: NODEPORTS, SERVICES). */
  constructor(
    readonly name: TableName,
    private readonly first: readonly string[],
  ) {}

  declare(chain: string): void {
    if (!this.chains.has(chain)) this.chains.set(chain, []);
  }

  append(chain: string, spec: string): void {
    const rules = this.chains.get(chain);
    // Appending to an undeclared chain would add to a live chain without flushing it.
    if (rules === undefined) throw new Error(`rule for undeclared chain ${chain}`);
    rules.push(spec);
    this.rules++;
  }

  /** Flush and delete a chain (`:CHAIN - [0:0]` then `-X CHAIN`). */
  delete(chain: string): void {
    if (this.chains.get(chain)?.length) throw new Error(`deleting chain ${chain} that has rules`);
    this.declare(chain);
    this.deleted.add(chain);
  }

  has(chain: string): boolean {
    return this.chains.has(chain);
  }

  /** Number of `-A` lines. */
  get ruleCount(): number {
    return this.rules;
  }

  get deletedChains(): string[] {
    return [...this.deleted].sort();
  }

  /** The declared chains (deleted ones included). */
  chainNames(): string[] {
    return [...this.chains.keys()];
  }

  /** A chain's rules as written (without `-A CHAIN`), to tell what changed since the last restore. */
  rulesOf(chain: string): readonly string[] | undefined {
    return this.chains.get(chain);
  }

  /**
   * The table's restore input. `instead`, by chain: null leaves the chain out entirely (neither
   * flushed nor written); a list of commands (chain-edits.ts) edits it in place instead of
   * rewriting it, after the chains declared here exist and before any `-X`.
   */
  render(instead?: ReadonlyMap<string, readonly string[] | null>): string {
    const order = [...this.chains.keys()]
      .filter((c) => !instead?.has(c) || this.deleted.has(c))
      .sort((a, b) => rank(this.first, a) - rank(this.first, b) || (a < b ? -1 : a > b ? 1 : 0));
    const lines = [`*${this.name}`];
    for (const c of order) lines.push(`:${c} - [0:0]`);
    for (const c of order) for (const r of this.chains.get(c)!) lines.push(`-A ${c} ${r}`);
    for (const edits of instead?.values() ?? []) if (edits) for (const e of edits) lines.push(e);
    for (const c of this.deletedChains) lines.push(`-X ${c}`);
    lines.push('COMMIT');
    return `${lines.join('\n')}\n`;
  }
}

function rank(first: readonly string[], chain: string): number {
  const i = first.indexOf(chain);
  return i < 0 ? first.length : i;
}
