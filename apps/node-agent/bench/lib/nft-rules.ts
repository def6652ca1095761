/**
 * The rule-load benchmark's nftables part (run inside the benchmark's namespace only): for N
 * services × 2 endpoints, what the agent's nftables proxier does and costs:
 *   - first sync: the fresh transaction (NftablesRuleset) through the agent's applier
 *     (src/nftables/nft.ts, as in the agent) into an empty ruleset: netlink batches in stages
 *     (src/nftables/nft-staged-load.ts), and how much encoding the transaction as one batch
 *     costs; then a fresh transaction again over that table (an agent's restart: one batch that
 *     deletes the table and builds it anew);
 *   - full resync in place (hourly, or after the node's addresses change): render + apply;
 *   - one-Service change (partial): one endpoint of one service moves to another pod, render +
 *     apply; and a new Service with its endpoints, render + apply — through the agent's applier
 *     (a netlink batch) and through nft alone (`nft -i`), side by side;
 *   - beside them, the reference: a bare `nft -f file` of the same first-sync script, and the
 *     cost of a one-element transaction at that size, the floor of any `nft`-based applier.
 * Each figure is checked against the kernel on the first run (chain and element counts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NftablesRuleset, STALE_CHAIN_DELETE_DELAY_MS, type NftRenderOptions, type NftTransaction } from '@minimesh/proxy-core';
import { exec } from '@minimesh/runtime';
import { Nft } from '../../src/nftables/nft.js';
import { nftNetlinkBatch } from '../../src/nftables/nft-netlink-batch.js';
import { mustSh, runWithFile, sh } from './host.js';
import { bytes, median, ms, table, timed } from './stats.js';
import { MOVED_BASE, NODE, ingest, ipv4, service, slice, type State } from './synthetic-cluster.js';

export interface NftRun {
  renderFresh: number;
  applyFresh: number;
  encodeFresh: number;
  /** A fresh transaction over the table that is there (a restart): render, apply (one batch). */
  renderRestart: number;
  applyRestart: number;
  bareFresh: number;
  renderFull: number;
  applyFull: number;
  /** One-Service changes through the agent's applier (netlink batches) and through nft alone. */
  netlink: OneServiceChanges;
  nft: OneServiceChanges;
  /** Netlink batches of one set element, and of one chain with one DNAT rule. */
  netlinkElement: number;
  netlinkRule: number;
  oneElement: number;
  nftRssKiB: number;
}

export interface OneServiceChanges {
  renderMove: number;
  applyMove: number;
  moveBytes: number;
  renderCreate: number;
  applyCreate: number;
}

export interface NftRow {
  n: number;
  rules: number;
  elements: number;
  chains: number;
  bytes: number;
  runs: NftRun[];
}

const OPTS: NftRenderOptions = { clusterCIDR: '10.244.0.0/16', serviceCIDRs: ['10.96.0.0/12'] };

function input(st: State, now: number, changed?: ReadonlySet<string>) {
  return { services: st.services.serviceMap, endpoints: st.endpoints.endpointsMap, node: NODE, now, changedServices: changed };
}

function kernelCounts(): { chains: number; elements: number } {
  const text = mustSh('nft', ['list', 'table', 'ip', 'kube-proxy']);
  return { chains: (text.match(/^\tchain /gm) ?? []).length, elements: (text.match(/ : goto /g) ?? []).length };
}

async function run(n: number, st: State, dir: string, check: boolean, k: number): Promise<{ run: NftRun; fresh: NftTransaction }> {
  // As the agent: every transaction as a netlink batch; and nft alone, as before the netlink
  // helper: small transactions through its `nft -i` session, large ones through `nft -f -`.
  const nft = new Nft(exec, { session: { prefix: [] }, netlink: { prefix: [] } });
  const nftOnly = new Nft(exec, { session: { prefix: [] } });
  try {
    return await runWith(nft, nftOnly, n, st, dir, check, k);
  } finally {
    nft.close();
    nftOnly.close();
  }
}

/**
 * One endpoint of service k moves to another pod (a new endpoint chain, the old one flushed),
 * then a new Service arrives with its endpoints; both applied through `nft`, timed. Then both are
 * undone (applied, not timed), so the kernel and `rs` hold the state they started from.
 */
async function oneServiceChanges(rs: NftablesRuleset, nft: Nft, n: number, st: State, k: number, check: boolean): Promise<OneServiceChanges> {
  const before = slice(k);
  const after = slice(k, ipv4(MOVED_BASE + k + 1));
  st.endpoints.update(before, after);
  const move = await timed(async () => rs.transaction(input(st, 2, st.endpoints.checkoutChanges().updatedServices)));
  if (move.value.kind !== 'partial' || move.value.staleChains.length !== 1) throw new Error(`moving an endpoint of svc-${k}: expected a partial transaction with one stale chain, got ${move.value.kind} with ${move.value.staleChains.length}`);
  const applyMove = (await timed(() => nft.apply(move.value.lines))).ms;
  if (check && !mustSh('nft', ['list', 'table', 'ip', 'kube-proxy']).includes(`dnat to ${ipv4(MOVED_BASE + k + 1)}:8080`)) throw new Error('the moved endpoint is not in the kernel');

  // A new Service and its endpoints, in one transaction.
  const extra = n + 1 + k;
  st.services.update(undefined, service(extra));
  st.endpoints.update(undefined, slice(extra));
  const create = await timed(async () => rs.transaction(input(st, 3, changedServices(st))));
  const applyCreate = (await timed(() => nft.apply(create.value.lines))).ms;

  st.endpoints.update(after, before);
  st.services.update(service(extra), undefined);
  st.endpoints.update(slice(extra), undefined);
  await nft.apply(rs.transaction(input(st, 4, changedServices(st))).lines);
  // The chains flushed by the changes go now (they may, a second later).
  await nft.apply(rs.transaction(input(st, 4 + 2 * STALE_CHAIN_DELETE_DELAY_MS, new Set())).lines);
  return { renderMove: move.ms, applyMove, moveBytes: Buffer.byteLength(move.value.script), renderCreate: create.ms, applyCreate };
}

function changedServices(st: State): Set<string> {
  return new Set([...st.services.checkoutChanges().updatedServices, ...st.endpoints.checkoutChanges().updatedServices]);
}

async function runWith(nft: Nft, nftOnly: Nft, n: number, st: State, dir: string, check: boolean, k: number): Promise<{ run: NftRun; fresh: NftTransaction }> {
  mustSh('nft', ['flush', 'ruleset']);
  const rs = new NftablesRuleset(OPTS);
  const fresh = await timed(async () => rs.transaction(input(st, 0)));
  const applyFresh = (await timed(() => nft.apply(fresh.value.lines))).ms;
  if (nft.applied.staged !== 1) throw new Error('the first sync did not go to the kernel as netlink batches in stages; is apps/node-agent/native/build/minimesh-nft-batch built?');
  const encodeFresh = (await timed(async () => nftNetlinkBatch(fresh.value.lines, 1))).ms;
  const wantChains = (fresh.value.script.match(/^add chain /gm) ?? []).length;
  if (check && kernelCounts().chains !== wantChains) throw new Error(`after the first sync the kernel has ${kernelCounts().chains} chains; the script adds ${wantChains}`);
  // A restart: a new ruleset's fresh transaction over the table that is there, as one batch.
  const again = new NftablesRuleset(OPTS);
  const restart = await timed(async () => again.transaction(input(st, 0)));
  const applyRestart = (await timed(() => nft.apply(restart.value.lines))).ms;
  if (nft.applied.netlink !== 2 || nft.applied.staged !== 1) throw new Error(`the fresh load over the table was not one netlink batch (${JSON.stringify(nft.applied)})`);
  if (check && kernelCounts().chains !== wantChains) throw new Error(`after the restart's sync the kernel has ${kernelCounts().chains} chains; the script adds ${wantChains}`);
  const full = await timed(async () => rs.transaction(input(st, 1)));
  const applyFull = (await timed(() => nft.apply(full.value.lines))).ms;
  // Both long-lived helpers (the netlink one, `nft -i`) start at their first transaction and
  // stay, as in the agent: started here, so the timed changes below are the steady state.
  for (const applier of [nft, nftOnly]) await applier.apply('add chain ip kube-proxy zz-warm\ndelete chain ip kube-proxy zz-warm');

  // The one-Service changes through the agent's applier (netlink batches), then the same changes
  // through nft alone (its `nft -i` session), the way partial syncs went before.
  const before = nft.applied.netlink;
  const viaNetlink = await oneServiceChanges(rs, nft, n, st, k, check);
  if (nft.applied.netlink - before < 4) throw new Error(`the partial syncs did not go through the netlink helper (${nft.applied.netlink - before} of 4); is apps/node-agent/native/build/minimesh-nft-batch built?`);
  const viaNft = await oneServiceChanges(rs, nftOnly, n, st, k, check);

  // The kernel's own floor, through the netlink path: one element into a plain set, and one
  // rule into a new chain (a rule with a verdict or NAT makes the kernel check the whole table
  // from its base chains before it commits).
  const T = 'ip kube-proxy';
  const netlinkElement = (await timed(() => nft.apply(`add element ${T} cluster-ips { 10.255.255.254 }`))).ms;
  await nft.apply(`delete element ${T} cluster-ips { 10.255.255.254 }`);
  const netlinkRule = (await timed(() => nft.apply(`add chain ${T} zz-floor\nadd rule ${T} zz-floor meta l4proto tcp dnat to 10.255.255.254:80`))).ms;
  await nft.apply(`flush chain ${T} zz-floor\ndelete chain ${T} zz-floor`);

  // The floor: one element into a plain set, then out again (nft reads every chain first).
  const addFile = join(dir, 'one-element.nft');
  writeFileSync(addFile, 'add element ip kube-proxy cluster-ips { 10.255.255.254 }\n');
  const oneElement = await runWithFile('nft', ['-f', '-'], addFile);
  mustSh('nft', ['delete', 'element', 'ip', 'kube-proxy', 'cluster-ips', '{ 10.255.255.254 }']);

  mustSh('nft', ['flush', 'ruleset']);
  const file = join(dir, `nft-${n}.nft`);
  writeFileSync(file, fresh.value.script);
  const bareFresh = await runWithFile('nft', ['-f', '-'], file);
  const nftRssKiB = peakRssOf('nft', ['-f', file]);
  mustSh('nft', ['flush', 'ruleset']);
  return {
    fresh: fresh.value,
    run: {
      renderFresh: fresh.ms,
      applyFresh,
      encodeFresh,
      renderRestart: restart.ms,
      applyRestart,
      bareFresh,
      renderFull: full.ms,
      applyFull,
      netlink: viaNetlink,
      nft: viaNft,
      netlinkElement,
      netlinkRule,
      oneElement,
      nftRssKiB,
    },
  };
}

/** Peak RSS of one run of a command (GNU time's %M), in KiB; the table is replaced in place. */
function peakRssOf(bin: string, args: readonly string[]): number {
  mustSh('nft', ['flush', 'ruleset']);
  const r = sh('/usr/bin/time', ['-f', '%M', bin, ...args]);
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return Number(r.stderr.trim().split('\n').at(-1));
}

export async function measureNft(n: number, runs: number, dir: string, warmUp: boolean): Promise<NftRow> {
  const st = ingest(n);
  const row: NftRow = { n, rules: 0, elements: 0, chains: 0, bytes: 0, runs: [] };
  for (let r = warmUp ? 0 : 1; r <= runs; r++) {
    process.stderr.write(`  nftables, ${n} services: ${r === 0 ? 'warm-up' : `run ${r}/${runs}`}\n`);
    const { run: m, fresh } = await run(n, st, dir, r <= 1, (r * 7919 + 17) % n);
    if (r === 0) continue;
    row.runs.push(m);
    row.rules = fresh.ruleCount;
    row.elements = fresh.elementCount;
    row.chains = (fresh.script.match(/^add chain /gm) ?? []).length;
    row.bytes = Buffer.byteLength(fresh.script);
  }
  return row;
}

export function reportNft(rows: NftRow[], runs: number): void {
  const med = (row: NftRow, f: (r: NftRun) => number) => median(row.runs.map(f));
  const header = ['services', 'rules', 'chains', 'elements', 'script', 'first sync (render + apply in stages; encoding as one batch)', 'restart: fresh over the table (render + one batch)', 'nft -f file', 'full in place', 'endpoint moves (netlink)', 'new Service (netlink)', 'endpoint moves (nft -i)', 'new Service (nft -i)', 'netlink: one element / one rule', 'one-element nft transaction', 'nft peak RSS'];
  const move = (row: NftRow, via: 'netlink' | 'nft') =>
    `${ms(med(row, (r) => r[via].renderMove + r[via].applyMove), 1)} (${ms(med(row, (r) => r[via].renderMove), 1)} + ${ms(med(row, (r) => r[via].applyMove), 1)}; ${bytes(med(row, (r) => r[via].moveBytes))})`;
  const create = (row: NftRow, via: 'netlink' | 'nft') => `${ms(med(row, (r) => r[via].renderCreate + r[via].applyCreate), 1)} (${ms(med(row, (r) => r[via].renderCreate), 1)} + ${ms(med(row, (r) => r[via].applyCreate), 1)})`;
  const body = rows.map((row) => [
    String(row.n),
    String(row.rules),
    String(row.chains),
    String(row.elements),
    bytes(row.bytes),
    `${ms(med(row, (r) => r.renderFresh + r.applyFresh))} (${ms(med(row, (r) => r.renderFresh))} + ${ms(med(row, (r) => r.applyFresh))}; ${ms(med(row, (r) => r.encodeFresh))})`,
    `${ms(med(row, (r) => r.renderRestart + r.applyRestart))} (${ms(med(row, (r) => r.renderRestart))} + ${ms(med(row, (r) => r.applyRestart))})`,
    ms(med(row, (r) => r.bareFresh)),
    `${ms(med(row, (r) => r.renderFull + r.applyFull))} (${ms(med(row, (r) => r.renderFull))} + ${ms(med(row, (r) => r.applyFull))})`,
    move(row, 'netlink'),
    create(row, 'netlink'),
    move(row, 'nft'),
    create(row, 'nft'),
    `${ms(med(row, (r) => r.netlinkElement), 1)} / ${ms(med(row, (r) => r.netlinkRule), 1)}`,
    ms(med(row, (r) => r.oneElement), 1),
    `${Math.round(med(row, (r) => r.nftRssKiB) / 1024)} MiB`,
  ]);
  console.log(`\nnftables mode. Times in ms, median of ${runs} run(s) after one warm-up run at ${rows[0]?.n} services; 2 endpoints per service.\n`);
  console.log(table(header, body));
  console.log(
    '\nColumns: first sync = NftablesRuleset\'s fresh transaction + the agent\'s apply into an empty ruleset (netlink batches of ~768 KiB, ' +
      'the base chains\' rules last, each encoded while the kernel takes the one before; after the semicolon, encoding the transaction as ' +
      'one batch, which a restart does); restart = a new ruleset\'s fresh transaction over that table, one batch that deletes it and builds it anew; nft -f file = a bare ' +
      '`nft -f` of the same script (reference); full in place = the hourly resync (every chain flushed and refilled, affinity sets kept); ' +
      'endpoint moves / new Service = one-Service changes as partial transactions (only that Service\'s chains and elements), ' +
      'render + apply: (netlink) through the agent\'s applier, which hands them to the kernel as one netlink batch (minimesh-nft-batch); ' +
      '(nft -i) the same transactions through nft alone, in a long-lived `nft -i` session (the applier before the netlink path); ' +
      'netlink: one element / one rule = the kernel\'s floor through the netlink helper: a batch adding one element to the cluster-ips set, and ' +
      'one adding a chain with one DNAT rule (a rule with a verdict or NAT makes the kernel validate the table from its base chains before the commit); ' +
      'one-element nft transaction = `nft -f -` of one `add element` to the cluster-ips set with the table loaded: nft 1.0.6 reads every ' +
      'chain of the table before any element or rule command, so this is the floor of any `nft`-based change at this size. ' +
      'Every apply includes spawning nft.',
  );
}
