/**
 * Rule-load benchmark of the node agent's iptables, nftables and ebpf modes (a script that prints
 * figures; not a test). The nftables part is described in lib/nft-rules.ts, the ebpf part (the
 * socket load balancer's maps, on the host, at --ebpf-sizes up to 100,000 Services) in
 * lib/sock-lb-rules.ts; the iptables part:
 *
 * For N services × 2 endpoints (synthetic Service + EndpointSlice objects, built in memory and fed
 * through the agent's change trackers), inside a fresh network namespace `mmbench-rules-<pid>`:
 *   - render: renderIptables, full sync;
 *   - agent apply: what the proxier does on a full sync after rendering, through the agent's
 *     applier (apps/node-agent/src/iptables/iptables.ts): ensure the 14 jumps from the built-in
 *     chains and the canary chain (`iptables -C/-I/-N`), then `iptables-restore -w 5 --noflush`
 *     with the text on stdin; first into empty tables, then again over the same rules;
 *   - side by side, a bare `iptables-restore --noflush < file` of the same file (first / again), and
 *     `iptables-legacy-restore --noflush` as a second reference when it is installed;
 *   - one partial sync: one service's endpoints changed, render + apply (restore only, as the
 *     proxier does: with its render cache, and through a restore process started ahead).
 * One warm-up run (every step, at the first size) and one warm-up render per size are discarded;
 * figures are medians of the runs that follow (3 by default).
 *
 *   sudo npx tsx apps/node-agent/bench/rules.ts [--quick] [--sizes 1000,5000,10000] [--runs 3] [--no-legacy] [--modes iptables,nftables,ebpf]
 *
 * The script re-runs itself inside the namespace (`ip netns exec`), so the applier spawns
 * iptables-restore exactly as the agent does inside a node namespace. The namespace is deleted at
 * the end, on failure and on Ctrl-C. Without root, only the render columns are printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { IptablesRenderCache, renderIptables, type RenderInput, type RenderResult } from '@minimesh/proxy-core';
import { exec } from '@minimesh/runtime';
import { Iptables } from '../src/iptables/iptables.js';
import { restoreInput } from '../src/iptables/proxier.js';
import { defaultNodeAgentOptions } from '../src/options.js';
import { assertInsideNetns, createNetns, deleteNetns, environment, has, kernelSkipReason, mustSh, netnsInode, onInterrupt, removeOwnLeftovers, runWithFile, sh, spawnSelfInNetns } from './lib/host.js';
import { MOVED_BASE, NODE, ingest, ipv4, service, slice, type State } from './lib/synthetic-cluster.js';
import { median, timed } from './lib/stats.js';
import { report, type Row, type Run } from './lib/rules-report.js';
import { measureNft, reportNft, type NftRow } from './lib/nft-rules.js';
import { measureSockLb, removeSockLbBench, reportSockLb, sockLbBenchPaths, type SockLbRow } from './lib/sock-lb-rules.js';

const USAGE = `usage: npx tsx apps/node-agent/bench/rules.ts [--quick] [--sizes 1000,5000,10000] [--runs 3] [--no-legacy]
  --quick       1000 and 5000 services, 1 run after the warm-up
  --sizes LIST  numbers of services (2 endpoints each)
  --runs N      measured runs per size after one warm-up run (default 3)
  --no-legacy   skip the iptables-legacy-restore reference
  --modes LIST  iptables, nftables, ebpf (default iptables,nftables)
  --ebpf-sizes LIST  numbers of services for ebpf mode (default 1000,10000,100000)
  --changes N   ebpf mode: one-Service changes of each kind per size (default 50)`;

const NS_PREFIX = 'mmbench-rules-';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    runs: { type: 'string' },
    'no-legacy': { type: 'boolean', default: false },
    modes: { type: 'string', default: 'iptables,nftables' },
    'ebpf-sizes': { type: 'string', default: '1000,10000,100000' },
    changes: { type: 'string', default: '50' },
    help: { type: 'boolean', short: 'h', default: false },
    // Internal: set when the script runs itself inside the namespace.
    'in-netns': { type: 'string' },
    'root-netns': { type: 'string' },
  },
});

if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}

const sizes = (flags.sizes ?? (flags.quick ? '1000,5000' : '1000,5000,10000')).split(',').map((s) => Number(s.trim()));
const runs = Number(flags.runs ?? (flags.quick ? 1 : 3));
const modes = flags.modes!.split(',').map((m) => m.trim());
const ebpfSizes = flags['ebpf-sizes']!.split(',').map((s) => Number(s.trim()));
const changes = Number(flags.changes);
if (modes.length === 0 || modes.some((m) => m !== 'iptables' && m !== 'nftables' && m !== 'ebpf')) {
  console.error(`bad --modes\n${USAGE}`);
  process.exit(2);
}
if (ebpfSizes.some((n) => !Number.isInteger(n) || n < 1 || n > 200_000) || !Number.isInteger(changes) || changes < 1 || changes > 10_000) {
  console.error(`bad --ebpf-sizes or --changes\n${USAGE}`);
  process.exit(2);
}
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 50_000) || !Number.isInteger(runs) || runs < 1 || runs > 10) {
  console.error(`bad --sizes or --runs\n${USAGE}`);
  process.exit(2);
}

/** The render options the agent derives from its default flags (src/app.ts). */
function agentRenderOptions(): RenderInput['opts'] & { prefix: string } {
  const o = defaultNodeAgentOptions();
  return {
    prefix: o['chain-prefix'],
    clusterCIDR: o['cluster-cidr'] || undefined,
    masqueradeAll: o['masquerade-all'],
    nodePortAddresses: o['nodeport-addresses'] ? o['nodeport-addresses'].split(',').map((s) => s.trim()) : undefined,
    localhostNodePorts: o['localhost-nodeports'],
  };
}

/** The proxier's render cache, one per synthetic cluster: a partial render renders only the Services it writes. */
const renderCaches = new WeakMap<State, IptablesRenderCache>();

function render(st: State, changed?: ReadonlySet<string>, existing?: Iterable<string>): RenderResult {
  if (!renderCaches.has(st)) renderCaches.set(st, new IptablesRenderCache());
  return renderIptables({
    cache: renderCaches.get(st),
    services: st.services.serviceMap,
    endpoints: st.endpoints.endpointsMap,
    node: NODE,
    opts: agentRenderOptions(),
    changedServices: changed,
    existingNatChains: existing,
  });
}

// ---------------------------------------------------------------------------------------------
// Kernel side (only ever run inside the benchmark's namespace; see assertInsideNetns).

/** Empty nft tables, as in a fresh namespace (iptables-nft keeps its tables in nf_tables). */
function resetNft(): void {
  mustSh('nft', ['flush', 'ruleset']);
}

/** Flush and delete every legacy chain (iptables-legacy tables cannot be removed). */
function resetLegacy(): void {
  mustSh('iptables-legacy-restore', [], '*filter\nCOMMIT\n*nat\nCOMMIT\n*mangle\nCOMMIT\n');
}

function countRules(saveBin: string, table: string, prefix: string): number {
  return mustSh(saveBin, ['-t', table]).split('\n').filter((l) => l.startsWith(`-A ${prefix}`)).length;
}

async function kernelRun(n: number, st: State, full: RenderResult, file: string, run: number, legacy: boolean): Promise<Run> {
  const opts = agentRenderOptions();
  // As the agent applies: restores through a process started ahead of each (restore-session.ts).
  const ipt = new Iptables(exec, { restoreBin: defaultNodeAgentOptions()['iptables-restore'], session: { prefix: [] } });
  const ensure = async () => {
    for (const j of full.ensureJumps) await ipt.ensureJump(j);
    for (const t of full.canary.tables) await ipt.ensureChain(t, full.canary.chain);
  };

  resetNft();
  const jumpsFirst = (await timed(ensure)).ms;
  const restoreFirst = (await timed(() => ipt.restore(full.restore))).ms;
  if (run <= 1) {
    // The rules really are in the kernel: every rule of our chains, as rendered.
    const nat = countRules('iptables-save', 'nat', opts.prefix);
    const filter = countRules('iptables-save', 'filter', opts.prefix);
    if (nat !== full.ruleCounts.nat || filter !== full.ruleCounts.filter) {
      throw new Error(`after the apply the kernel has ${nat} nat / ${filter} filter rules in ${opts.prefix}* chains; rendered ${full.ruleCounts.nat} / ${full.ruleCounts.filter}`);
    }
  }
  const jumpsAgain = (await timed(ensure)).ms;
  const restoreAgain = (await timed(() => ipt.restore(full.restore))).ms;

  // Partial sync: service k's second endpoint moves to another pod IP (a new SEP chain, the old one -X).
  const k = (run * 7919 + 17) % n;
  const before = slice(k);
  const after = slice(k, ipv4(MOVED_BASE + run + 1));
  st.endpoints.update(before, after);
  const upd = st.endpoints.checkoutChanges();
  const pr = await timed(() => render(st, upd.updatedServices, full.natChains));
  // kube-proxy's partial restore (every top-level chain rewritten), then the agent's (the top-level
  // chains left out when they are what the full restore wrote): the same change both times.
  const kubeProxyApply = (await timed(() => ipt.restore(pr.value.restore))).ms;
  const input = await timed(async () => restoreInput(pr.value, full.topLevelRules()));
  const partialApply = (await timed(() => ipt.restore(input.value.text))).ms;
  if (!pr.value.partial || pr.value.deletedChains.length !== 1) throw new Error(`partial sync of svc-${k}: expected one stale SEP chain deleted, got ${pr.value.deletedChains.length}`);
  if (run <= 1) {
    const nat = mustSh('iptables-save', ['-t', 'nat']);
    const moved = `--to-destination ${ipv4(MOVED_BASE + run + 1)}:8080`;
    const count = nat.split('\n').filter((l) => l.startsWith(`-A ${opts.prefix}`)).length;
    if (!nat.includes(moved) || count !== full.ruleCounts.nat) throw new Error(`after the partial sync of svc-${k} the kernel has ${count} nat rules (want ${full.ruleCounts.nat}), moved endpoint ${nat.includes(moved) ? 'present' : 'missing'}`);
  }
  // A new Service with its endpoints (its rule inserted into KUBE-SERVICES), then removed again.
  const extra = n + run;
  const change = (add: boolean) => {
    st.services.update(add ? undefined : service(extra), add ? service(extra) : undefined);
    st.endpoints.update(add ? undefined : slice(extra), add ? slice(extra) : undefined);
    return new Set([...st.services.checkoutChanges().updatedServices, ...st.endpoints.checkoutChanges().updatedServices]);
  };
  const added = await timed(async () => {
    const r = render(st, change(true), pr.value.natChains);
    return { r, input: restoreInput(r, input.value.topLevel) };
  });
  const addApply = (await timed(() => ipt.restore(added.value.input.text))).ms;
  const removed = await timed(async () => {
    const r = render(st, change(false), added.value.r.natChains);
    return { r, input: restoreInput(r, added.value.input.topLevel) };
  });
  const removeApply = (await timed(() => ipt.restore(removed.value.input.text))).ms;
  if (run <= 1 && countRules('iptables-save', 'nat', opts.prefix) !== full.ruleCounts.nat) throw new Error('adding and removing a Service did not leave the kernel as it was');

  // Back to the state `full` describes, for the next run (which starts from empty tables).
  st.endpoints.update(after, before);
  st.endpoints.checkoutChanges();

  resetNft();
  const bareFirst = await runWithFile('iptables-restore', ['--noflush'], file);
  const bareAgain = await runWithFile('iptables-restore', ['--noflush'], file);
  if (run <= 1 && countRules('iptables-save', 'nat', opts.prefix) !== full.ruleCounts.nat) throw new Error('bare iptables-restore did not load every nat rule');
  // Diagnostic reference only (the agent cannot use it: it would flush every other chain of
  // the tables): the same file without --noflush, into empty tables.
  resetNft();
  const flushingFirst = await runWithFile('iptables-restore', [], file);
  resetNft();

  let legacyFirst: number | undefined;
  let legacyAgain: number | undefined;
  if (legacy) {
    resetLegacy();
    legacyFirst = await runWithFile('iptables-legacy-restore', ['--noflush'], file);
    legacyAgain = await runWithFile('iptables-legacy-restore', ['--noflush'], file);
    if (run <= 1 && countRules('iptables-legacy-save', 'nat', opts.prefix) !== full.ruleCounts.nat) throw new Error('iptables-legacy-restore did not load every nat rule');
    resetLegacy();
  }
  ipt.close();
  return {
    jumpsFirst,
    restoreFirst,
    jumpsAgain,
    restoreAgain,
    bareFirst,
    bareAgain,
    flushingFirst,
    legacyFirst,
    legacyAgain,
    partialRender: pr.ms + input.ms,
    partialApply,
    partialBytes: Buffer.byteLength(input.value.text),
    partialNatWritten: pr.value.ruleCounts.natWritten - input.value.natRulesLeftOut,
    kubeProxyApply,
    kubeProxyBytes: Buffer.byteLength(pr.value.restore),
    addService: added.ms + addApply,
    removeService: removed.ms + removeApply,
  };
}

async function measure(n: number, kernel: boolean, legacy: boolean, dir: string | undefined, warmUp: boolean): Promise<Row> {
  const st = ingest(n);
  // Warm-up render, then `runs` timed ones.
  let full = render(st);
  const renders: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await timed(() => render(st));
    renders.push(r.ms);
    full = r.value;
  }
  const row: Row = { n, full, bytes: Buffer.byteLength(full.restore), ingestMs: st.ingestMs, renderMs: median(renders), runs: [] };
  if (!kernel || dir === undefined) return row;
  const file = join(dir, `rules-${n}.txt`);
  writeFileSync(file, full.restore);
  // run 0 is the warm-up (first size only); it also checks that the kernel holds every rendered rule.
  for (let run = warmUp ? 0 : 1; run <= runs; run++) {
    process.stderr.write(`  ${n} services: ${run === 0 ? 'warm-up' : `run ${run}/${runs}`}\n`);
    const r = await kernelRun(n, st, full, file, run, legacy);
    if (run > 0) row.runs.push(r);
  }
  return row;
}

// ---------------------------------------------------------------------------------------------

async function inNetns(ns: string, rootInode: string): Promise<void> {
  assertInsideNetns(ns, rootInode);
  const legacy = !flags['no-legacy'] && has('iptables-legacy-restore');
  console.log(environment());
  console.log(`network namespace ${ns}; sizes ${sizes.join(', ')}; ${runs} run(s) per size after a warm-up`);
  const dir = mkdtempSync(join(tmpdir(), 'mmbench-rules-'));
  const off = onInterrupt(() => rmSync(dir, { recursive: true, force: true }));
  try {
    if (modes.includes('iptables')) {
      const rows: Row[] = [];
      for (const [i, n] of sizes.entries()) rows.push(await measure(n, true, legacy, dir, i === 0));
      report(rows, true, legacy, runs);
    }
    if (modes.includes('nftables')) {
      const rows: NftRow[] = [];
      for (const [i, n] of sizes.entries()) rows.push(await measureNft(n, runs, dir, i === 0));
      reportNft(rows, runs);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    off();
  }
}

/**
 * ebpf mode, on the host: BPF programs and maps belong to no network namespace, and the bench's
 * cgroup and pinned maps are its own (`ip netns exec` would hide cgroup v2 and bpffs).
 */
async function ebpf(): Promise<number> {
  const { paths, problem } = sockLbBenchPaths();
  if (paths === undefined) {
    console.log(`ebpf mode skipped: ${problem}`);
    return 0;
  }
  const off = onInterrupt(() => removeSockLbBench(paths));
  try {
    const rows: SockLbRow[] = [];
    for (const n of ebpfSizes) rows.push(await measureSockLb(n, changes, paths));
    reportSockLb(rows, changes);
    return 0;
  } finally {
    await removeSockLbBench(paths);
    off();
  }
}

async function orchestrate(): Promise<number> {
  const netnsModes = modes.filter((m) => m !== 'ebpf');
  const code = netnsModes.length > 0 ? await orchestrateNetns(netnsModes) : (console.log(environment()), 0);
  return modes.includes('ebpf') && code === 0 ? ebpf() : code;
}

async function orchestrateNetns(netnsModes: string[]): Promise<number> {
  const skip = kernelSkipReason();
  if (skip) {
    console.log(environment());
    console.log(`kernel part skipped (${skip}): render figures only`);
    const rows: Row[] = [];
    for (const n of sizes) rows.push(await measure(n, false, false, undefined, false));
    report(rows, false, false, runs);
    return 0;
  }
  const leftovers = removeOwnLeftovers(NS_PREFIX);
  if (leftovers.length) console.error(`removed leftovers of killed runs: ${leftovers.join(', ')}`);
  const ns = `${NS_PREFIX}${process.pid}`;
  let child: ReturnType<typeof spawnSelfInNetns> | undefined;
  const cleanup = () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    deleteNetns(ns);
  };
  const off = onInterrupt(cleanup);
  try {
    createNetns(ns);
    const args = ['--in-netns', ns, '--root-netns', netnsInode(), '--sizes', sizes.join(','), '--runs', String(runs), '--modes', netnsModes.join(','), ...(flags['no-legacy'] ? ['--no-legacy'] : [])];
    child = spawnSelfInNetns(ns, args);
    const c = child;
    return await new Promise<number>((resolve) => c.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    cleanup();
    off();
    if (sh('ip', ['netns', 'list']).stdout.split('\n').some((l) => l.split(' ')[0] === ns)) console.error(`warning: could not delete network namespace ${ns}`);
  }
}

try {
  if (flags['in-netns']) {
    await inNetns(flags['in-netns'], flags['root-netns'] ?? '');
  } else {
    process.exitCode = await orchestrate();
  }
} catch (e) {
  console.error(`rules benchmark failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
}
