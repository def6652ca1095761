/**
 * A fresh load for a node that has no table yet (the agent's first start), in stages instead of
 * one batch. The kernel takes a large nf_tables batch more slowly than the same messages in
 * batches of 0.75–2 MB (at 10,000 Services: 463–473 ms for one 27 MB batch, 327–361 ms in 18–36),
 * and while the kernel takes one stage the agent encodes the next. Traffic still sees the whole
 * table at once:
 *  1. `create table` alone (only if it is not there): the kernel refuses it with EEXIST when the
 *     table is there, and the caller sends the transaction as one batch (which deletes the old
 *     table and builds the new one atomically);
 *  2. every other line but the base chains' rules, in batches of up to `STAGE_BYTES`: the base
 *     chains are there on their hooks, but empty, with policy accept (as if there was no table:
 *     a packet passes them unchanged), and nothing reaches the regular chains yet; the chains
 *     are made in the transaction's order, so `nft list` shows them as after one batch;
 *  3. last, once every stage is in, the base chains' rules (the jumps into the rest): the batch
 *     that makes the table act on packets (and has the kernel validate it from its base chains).
 * A stage refused leaves an incomplete table that acts on nothing; the proxier then rebuilds it
 * (step 1 finds it there).
 */

/** What a stage's batch holds at most (it ends after the line that reaches it). */
export const STAGE_BYTES = 768 * 1024;

export interface StagedLoad {
  /** `create table …`, then every line but the base chains' rules, in the transaction's order. */
  readonly body: readonly string[];
  /** The base chains' rules, in the transaction's order. */
  readonly hooks: readonly string[];
}

const ADD_TABLE = /^add table ip (\S+) (\{ comment "[^"]*" ; \})$/;
const ADD = /^add (?:chain|rule|set|map|element) ip (\S+) (\S+)/;
const BASE_CHAIN = /^add chain ip \S+ (\S+) \{ type /;

/**
 * The stages of a fresh transaction as NftablesRuleset writes it (`add table`, `delete table`,
 * `add table`, then only `add` commands in that table); undefined for any other transaction.
 */
export function stagedLoad(lines: readonly string[]): StagedLoad | undefined {
  const head = ADD_TABLE.exec(lines[0] ?? '');
  if (head === null || lines[1] !== `delete table ip ${head[1]}` || lines[2] !== lines[0]) return undefined;
  const table = head[1]!;
  const body = [`create table ip ${table} ${head[2]}`];
  const hooks: string[] = [];
  const baseChains = new Set<string>();
  for (let i = 3; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const m = ADD.exec(line);
    if (m === null || m[1] !== table) return undefined;
    const base = BASE_CHAIN.exec(line);
    if (base !== null) baseChains.add(base[1]!);
    if (line.startsWith('add rule ') && baseChains.has(m[2]!)) hooks.push(line);
    else body.push(line);
  }
  return { body, hooks };
}
