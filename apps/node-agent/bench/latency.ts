/**
 * Network-programming latency of the node agent on a real 2-node local cluster (a script that
 * prints figures; not a test): the time from a change sent to the apiserver to the matching rule
 * being in the kernel of EVERY node.
 *
 *   sudo npx tsx apps/node-agent/bench/latency.ts [--mode iptables|nftables] [--background 1000] [--quick] [--serial 45] [--churn 240] [--rate 5,50] [--seed 1] [--agent-arg ARG]...
 *
 * It starts `minimesh-cluster up --nodes 2 --proxy-mode <mode>` under a unique name (mmlat<pid>),
 * adds 3 pods labelled app=web and 4 labelled app=flip, creates --background Services selecting
 * app=web (a cluster that is not empty), and Service `flip` (selector app=flip), and then makes
 * a serial series of changes and one churn series per --rate, each change one of:
 *   - service create: a Service `svc-<k>` selecting app=web; in the kernel when KUBE-SERVICES jumps
 *     to its KUBE-SVC chain (its ClusterIP works);
 *   - service delete: one of those Services; in the kernel when no nat rule names it any more;
 *   - pod unready / pod ready: a flip pod's Ready condition (as a readiness probe would flip it);
 *     in the kernel when the DNAT to that pod is gone / back.
 * "serial": one change at a time, each sent once neither node's kernel has seen a commit for
 * 1.1–1.4 s (the agents are idle, their min-sync-period is over: pipeline latency). "churn":
 * changes arrive as a Poisson process at --rate per second whatever is in flight (one pending
 * change per object), so the agents' min-sync batching shows.
 *
 * Observer: in each node namespace a helper (lib/kernel-watch.ts) follows `nft -a monitor`, which
 * reports every nf_tables transaction when it commits, and keeps the rules the predicates read
 * from the monitor's lines (lib/monitor-model.ts: iptables mode's KUBE-SERVICES and DNAT rules;
 * nftables mode's service-ips map and Service flip's chain); the benchmark matches each change's
 * predicate on that text at each commit. It never polls the agents.
 * At the end it scrapes each agent's /metrics (kubeproxy_network_programming_duration_seconds)
 * and prints its quantiles beside the external figures and the reference SLO threshold.
 *
 * The cluster is torn down at the end, on failure and on Ctrl-C. Exit status: 0 with figures,
 * 1 if something broke (a change never reached a node within 60 s, the cluster did not start...),
 * 2 if it cannot run here (not root...).
 */
import type { ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { ApiClient } from '@minimesh/client';
import { ClusterDriver, e2eSkipReason } from '@minimesh/cluster/testing';
import { environment, has, netnsList, onInterrupt, sh } from './lib/host.js';
import { histogramDelta, histogramQuantile, parseHistogram, type Histogram } from './lib/prom.js';
import { ms, prng, quantile, table } from './lib/stats.js';
import { NODES, Observer, log, startWatcher, type Change, type Kind } from './lib/kernel-observer.js';
import { reportMemory } from './lib/agent-memory.js';
import { NS, PREDICATES, Workload, service, type FlipPod, type RulesMode } from './lib/workload.js';
import { maxOf } from '@minimesh/api';
import { hashAndTruncate } from '@minimesh/proxy-core';

const USAGE = `usage: sudo npx tsx apps/node-agent/bench/latency.ts [--mode M] [--background N] [--quick] [--serial N] [--churn N] [--rate R,...] [--seed S] [--agent-arg ARG]...
  --mode M       the node agents' proxy mode: iptables (default) or nftables
  --agent-arg A  one more argument for the node agents (repeatable), e.g. --agent-arg=--nft-netlink=false
  --background N Services in the cluster besides the measured ones, 3 endpoints each (default 1000; --quick 200)
  --serial N     changes made one at a time, agents idle (default 45; --quick 15)
  --churn N      changes per churn series, arriving at its rate per second, overlapping (default 240; --quick 45)
  --rate R,...   churn arrival rates, changes per second, one series each (default 5,50)
  --seed S     seed of the change sequence (default 1)
  --quick      a smaller run (about 1 minute instead of about 3.5)`;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    serial: { type: 'string' },
    churn: { type: 'string' },
    rate: { type: 'string', default: '5,50' },
    mode: { type: 'string', default: 'iptables' },
    background: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'agent-arg': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const SERIAL = Number(flags.serial ?? (flags.quick ? 15 : 45));
const CHURN = Number(flags.churn ?? (flags.quick ? 45 : 240));
const RATES = flags.rate!.split(',').map(Number);
const SEED = Number(flags.seed);
const MODE = flags.mode as RulesMode;
const BACKGROUND = Number(flags.background ?? (flags.quick ? 200 : 1000));
if (
  ![SERIAL, CHURN, SEED, BACKGROUND].every((n) => Number.isInteger(n) && n >= 0) ||
  SERIAL + CHURN * RATES.length > 5000 ||
  BACKGROUND > 20_000 ||
  !RATES.every((r) => r > 0 && r <= 100) ||
  (MODE !== 'iptables' && MODE !== 'nftables')
) {
  console.error(`bad arguments\n${USAGE}`);
  process.exit(2);
}

const SLO_SECONDS = 30; // ClusterLoader2's CL2_NETWORK_PROGRAMMING_LATENCY_THRESHOLD default (kubernetes/perf-tests)
const NPL = 'kubeproxy_network_programming_duration_seconds';
const SYNC = 'kubeproxy_sync_proxy_rules_duration_seconds';

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

// ---------------------------------------------------------------------------------------------

async function scrape(netns: string): Promise<string> {
  const r = sh('ip', ['netns', 'exec', netns, 'curl', '-s', '-m', '5', 'http://127.0.0.1:10249/metrics']);
  if (r.code !== 0) throw new Error(`scraping the node agent in ${netns} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function exponential(rand: () => number, rate: number): number {
  return (-Math.log(1 - rand()) / rate) * 1000;
}

async function serialPhase(w: Workload, obs: Observer, n: number, rand: () => number): Promise<void> {
  for (let i = 0; i < n; i++) {
    let c: Change;
    const step = i % 3;
    const victim = w.canDelete();
    if (step === 0 || (step === 2 && victim === undefined)) c = await w.createService('serial');
    else if (step === 1) c = await w.flip('serial', w.canFlip(rand)!);
    else c = await w.deleteService('serial', victim!);
    await c.done;
    if ((i + 1) % 15 === 0) log(`serial: ${i + 1}/${n}`);
    // Idle agents: a change's follow-up sync (e.g. the slice after its Service) and the 1 s
    // min-sync-period after it are over before the next change is sent.
    await obs.quiet(1100);
    await sleep(rand() * 300);
  }
}

const PHASES = ['serial', ...RATES.map((r) => `churn ${r}/s`)];

async function churnPhase(w: Workload, n: number, rate: number, rand: () => number): Promise<void> {
  const phase = `churn ${rate}/s`;
  const inFlight: Promise<void>[] = [];
  let issued = 0;
  let next = Date.now();
  while (issued < n) {
    next += exponential(rand, rate);
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
    const victim = w.canDelete();
    const flip = w.canFlip(rand);
    const kinds: (() => Promise<Change>)[] = [];
    if (w.services.size < 12) kinds.push(() => w.createService(phase));
    if (victim) kinds.push(() => w.deleteService(phase, victim));
    if (flip) kinds.push(() => w.flip(phase, flip));
    if (!kinds.length) continue;
    const c = await kinds[Math.floor(rand() * kinds.length)]!();
    inFlight.push(c.done);
    issued++;
    if (issued % 60 === 0) log(`${phase}: ${issued}/${n} sent`);
  }
  await Promise.all(inFlight);
}

// ---------------------------------------------------------------------------------------------
// Report.

function quantileRow(label: string, kind: string, xs: number[]): string[] {
  return [label, kind, String(xs.length), ms(quantile(xs, 0.5)), ms(quantile(xs, 0.9)), ms(quantile(xs, 0.99)), ms(xs.length ? maxOf(xs) : NaN)];
}

function report(w: Workload, obs: Observer, metrics: Map<string, Histogram | undefined>[][], startedAt: number): void {
  const done = w.changes.filter((c) => c.latency !== undefined);
  const kinds: Kind[] = ['service create', 'service delete', 'pod unready', 'pod ready'];
  const rows: string[][] = [];
  for (const phase of PHASES) {
    const ofPhase = done.filter((c) => c.phase === phase);
    if (!ofPhase.length) continue;
    for (const k of kinds) {
      const xs = ofPhase.filter((c) => c.kind === k).map((c) => c.latency!);
      if (xs.length) rows.push(quantileRow(phase, k, xs));
    }
    rows.push(quantileRow(phase, 'all', ofPhase.map((c) => c.latency!)));
  }
  rows.push(quantileRow('both', 'all', done.map((c) => c.latency!)));
  const endpointKinds = done.filter((c) => c.kind !== 'service delete');
  rows.push(quantileRow('both', 'create + ready/unready (the metric\'s scope)', endpointKinds.map((c) => c.latency!)));

  console.log(`\n## Latency from the API call to the rule in the kernel of every node (ms)\n`);
  console.log(
    `${MODE} mode, ${BACKGROUND} background Services (3 endpoints each). ${done.length} changes: serial ${done.filter((c) => c.phase === 'serial').length} ` +
      `(one at a time, each sent once both agents had been idle for 1.1–1.4 s), ` +
      RATES.map((r) => `churn ${done.filter((c) => c.phase === `churn ${r}/s`).length} at ${r}/s`).join(', ') +
      ` (Poisson arrivals). Runtime ${((Date.now() - startedAt) / 1000).toFixed(0)} s.\n`,
  );
  console.log(table(['phase', 'change', 'n', 'p50', 'p90', 'p99', 'max'], rows, 2));

  const perNode = NODES.map((name, i) => {
    const xs = done.map((c) => c.seen[i]!.at - c.t0);
    return [name, String(xs.length), ms(quantile(xs, 0.5)), ms(quantile(xs, 0.99)), ms(maxOf(xs))];
  });
  const api = done.map((c) => c.apiMs ?? NaN).filter((x) => !Number.isNaN(x));
  console.log(`\nPer node (all changes), ms:\n`);
  console.log(table(['node', 'n', 'p50', 'p99', 'max'], perNode));
  console.log(`\nThe API call itself (create/delete/updateStatus round trip, included above): p50 ${ms(quantile(api, 0.5))} ms, p99 ${ms(quantile(api, 0.99))} ms.`);

  // Resolution of the observer.
  const triggered = obs.dumps.flat().filter((d) => d.events.length > 0);
  console.log(
    `\nObserver resolution: each node's nf_tables commit notification (\`nft -a monitor\`, "# new generation") is timestamped ` +
      `when the helper reads it; the helper keeps the rules the predicates read (${MODE === 'nftables' ? "the service-ips map and Service flip's chain" : "the nat table's KUBE-SERVICES rules and DNAT rules"}) ` +
      `from the monitor's own lines (lib/monitor-model.ts: no dump runs), so a change counts as in a node's kernel at the ` +
      `notification of the commit that made it so (${triggered.length} commits seen); clock resolution 1 ms (Date.now() in both processes).`,
  );

  // How many agent syncs each node made between the API call and the one that showed the change:
  // 1 = the change went out in the first sync after it; 2+ = an earlier sync (e.g. the Service
  // without endpoints yet) came first, and the change waited out the min-sync wait. In nftables
  // mode one sync is one transaction; in iptables mode one iptables-restore, which iptables-nft
  // commits as one transaction per table (filter, then nat): commits less than 15 ms apart are
  // counted as one sync there.
  const commitTimes = obs.dumps.map((ds) => ds.flatMap((d) => d.events).sort((a, b) => a - b));
  const commitsUntil = (c: Change, node: number) => {
    let syncs = 0;
    let last = -Infinity;
    for (const e of commitTimes[node]!) {
      if (e <= c.t0 || e > c.seen[node]!.at) continue;
      if (MODE === 'nftables' || e - last > 15) syncs++;
      last = e;
    }
    return syncs;
  };
  const crow: string[][] = [];
  for (const phase of PHASES) {
    for (const k of kinds) {
      const cs = done.filter((c) => c.phase === phase && c.kind === k);
      if (!cs.length) continue;
      const counts = cs.flatMap((c) => NODES.map((_, i) => commitsUntil(c, i)));
      const one = cs.flatMap((c) => NODES.map((_, i) => [c, i] as const)).filter(([c, i]) => commitsUntil(c, i) <= 1);
      const more = cs.flatMap((c) => NODES.map((_, i) => [c, i] as const)).filter(([c, i]) => commitsUntil(c, i) > 1);
      const lat = (xs: (readonly [Change, number])[]) => ms(quantile(xs.map(([c, i]) => c.seen[i]!.at - c.t0), 0.5));
      crow.push([phase, k, `${one.length} / ${more.length}`, lat(one), lat(more), String(maxOf(counts))]);
    }
  }
  console.log(`\nAgent syncs (${MODE === 'nftables' ? 'nft transactions' : 'iptables-restore runs'}) per node until the change was visible; each node × change counted once:\n`);
  console.log(table(['phase', 'change', 'in the 1st sync / a later one', 'p50 ms if 1st', 'p50 ms if later', 'max syncs'], crow, 2));

  // The agents' own figures.
  console.log(`\n## The node agents' own ${NPL} (from /metrics)\n`);
  const mrows: string[][] = [];
  const phases = PHASES;
  for (const [i, node] of NODES.entries()) {
    const snaps = metrics.map((m) => m[i]!);
    for (let p = 0; p + 1 < snaps.length; p++) {
      const h = histogramDelta(snaps[p]!.get(NPL), snaps[p + 1]!.get(NPL));
      const s = histogramDelta(snaps[p]!.get(SYNC), snaps[p + 1]!.get(SYNC));
      const q = (x: number) => ms(histogramQuantile(h, x) * 1000);
      mrows.push([node, phases[p]!, String(h.count), q(0.5), q(0.9), q(0.99), ms(h.count ? (h.sum / h.count) * 1000 : NaN), ms(histogramQuantile(s, 0.99) * 1000, 1)]);
    }
    const whole = histogramDelta(snaps[0]!.get(NPL), snaps.at(-1)!.get(NPL));
    mrows.push([node, 'both', String(whole.count), ms(histogramQuantile(whole, 0.5) * 1000), ms(histogramQuantile(whole, 0.9) * 1000), ms(histogramQuantile(whole, 0.99) * 1000), ms(whole.count ? (whole.sum / whole.count) * 1000 : NaN), '']);
  }
  console.log(table(['node', 'phase', 'observations', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'sync p99 ms'], mrows, 2));
  console.log(`\n(sync p99: ${SYNC}, the agent's own sync time.)`);

  console.log(`\n## Side by side (ms)\n`);
  const wholes = NODES.map((_, i) => histogramDelta(metrics[0]![i]!.get(NPL), metrics.at(-1)![i]!.get(NPL)));
  const ext = (xs: number[], q: number) => ms(quantile(xs, q));
  const allX = done.map((c) => c.latency!);
  const epX = endpointKinds.map((c) => c.latency!);
  const side = [0.5, 0.9, 0.99].map((q) => [
    `p${Math.round(q * 100)}`,
    ext(allX, q),
    ext(epX, q),
    ...wholes.map((h) => ms(histogramQuantile(h, q) * 1000)),
    q === 0.99 ? String(SLO_SECONDS * 1000) : '–',
  ]);
  console.log(
    table(['quantile', 'external, all changes', 'external, create + ready/unready', ...NODES.map((n) => `agent ${n} (histogram)`), 'SLO threshold (CL2 default)'], side),
  );
  const extP99 = quantile(epX, 0.99);
  console.log(
    `\nReference SLO (kubernetes/community sig-scalability/slos/slos.md): in-cluster network programming latency p99 <= X, no official X; ClusterLoader2's ` +
      `default threshold is ${SLO_SECONDS} s. Measured p99: external ${ms(extP99)} ms (${((extP99 / 1000 / SLO_SECONDS) * 100).toFixed(1)}% of ${SLO_SECONDS} s), ` +
      `agents' histogram ${NODES.map((n, i) => `${n} ${ms(histogramQuantile(histogramDelta(metrics[0]![i]!.get(NPL), metrics.at(-1)![i]!.get(NPL)), 0.99) * 1000)} ms`).join(', ')}.`,
  );
  console.log(
    'How to read the agents\' figure: it is observed per EndpointSlice change, from the slice\'s ' +
      'endpoints.kubernetes.io/last-change-trigger-time (the Service\'s creationTimestamp or the pod\'s Ready lastTransitionTime, whole ' +
      'seconds as in Kubernetes, refined by the endpoints controller to the millisecond it saw them) to the end of the agent\'s sync; ' +
      'Service deletions are not observed; its buckets are 5, 10, 25, 50, 75, 100, 150, 200, 250, 500, 750 ms, then whole seconds, and ' +
      'quantiles interpolate inside them. The external figure starts at the API call, ends at the kernel commit on the slower node, and ' +
      'covers every change.',
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const skip = e2eSkipReason() ?? (has('nft') ? undefined : 'needs nft (nftables) for `nft monitor`');
  if (skip) {
    console.error(`latency benchmark cannot run here: ${skip}`);
    return 2;
  }
  const startedAt = Date.now();
  const name = `mmlat${process.pid % 100000}`;
  const cluster = new ClusterDriver(name);
  const netns = NODES.map((_, i) => `mm-${name}-n${i + 1}`);
  const watchers: ChildProcess[] = [];
  let client: ApiClient | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const p of watchers) if (p.pid !== undefined && p.exitCode === null) p.kill('SIGTERM');
    client?.close();
    log(`tearing down cluster ${name}`);
    const down = await cluster.run('down');
    if (down.code !== 0) console.error(`minimesh-cluster down failed: ${down.stderr || down.stdout}`);
    const left = netnsList().filter((n) => n.startsWith(`mm-${name}-`));
    if (left.length) console.error(`warning: namespaces left behind: ${left.join(', ')}`);
  };
  const off = onInterrupt(cleanup);
  try {
    console.log(environment());
    log(`starting cluster ${name} (2 nodes)`);
    await cluster.must('up', '--nodes', '2', '--proxy-mode', MODE, ...flags['agent-arg']!.map((a) => `--node-agent-arg=${a}`));
    for (const ns of netns) if (!netnsList().includes(ns)) throw new Error(`node namespace ${ns} not found after up`);
    const pods: [string, string, string][] = [
      ['web-1', 'node1', 'web'], ['web-2', 'node2', 'web'], ['web-3', 'node1', 'web'],
      ['flip-1', 'node1', 'flip'], ['flip-2', 'node2', 'flip'], ['flip-3', 'node1', 'flip'], ['flip-4', 'node2', 'flip'],
    ];
    log(`adding ${pods.length} pods`);
    for (const [pod, node, app] of pods) await cluster.must('pod', 'add', pod, '--node', node, '-n', NS, '--labels', `app=${app}`, '--port', '80');
    client = await cluster.apiClient();
    const obs = new Observer();
    // nftables: the watchers dump the service-ips map and Service flip's chain only.
    const flipChain = MODE === 'nftables' ? `service-${hashAndTruncate(`${NS}/flip/tcp/`)}` : undefined;
    for (const [i, ns] of netns.entries()) watchers.push(await startWatcher(ns, i, obs, MODE, flipChain));

    const flips: FlipPod[] = [];
    for (const [pod, , app] of pods) {
      if (app !== 'flip') continue;
      const p = await client.get('Pod', NS, pod);
      flips.push({ name: pod, ip: p.status!.podIP!, pod: p, ready: true, busy: false });
    }
    const w = new Workload(client, obs, flips, MODE);
    if (BACKGROUND > 0) {
      log(`creating ${BACKGROUND} background Services`);
      const last = obs.track('setup', 'service create', `bg-${BACKGROUND}`, PREDICATES[MODE].serviceLive(`bg-${BACKGROUND}`), 60_000 + BACKGROUND * 30);
      const t0 = Date.now();
      for (let i = 1; i <= BACKGROUND; i += 16) {
        const batch = Array.from({ length: Math.min(16, BACKGROUND - i + 1) }, (_, k) => client!.create(service(`bg-${i + k}`, 'web')));
        await Promise.all(batch);
      }
      await last.done;
      log(`${BACKGROUND} background Services in both kernels after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await obs.quiet(1500, 60_000);
    }
    // Setup: Service flip, in every kernel with all 4 endpoints (the agents are up and synced).
    const setup = obs.track('setup', 'service create', 'flip', (t) => flips.every((f) => PREDICATES[MODE].dnatTo(f.ip)(t)));
    await client.create(service('flip', 'flip'));
    await setup.done;
    log(`agents programmed Service flip in ${setup.latency} ms; measuring`);
    await sleep(1500);

    const rand = prng(SEED);
    const snap = async () =>
      Promise.all(
        netns.map(async (ns) => {
          const page = await scrape(ns);
          return new Map([NPL, SYNC].map((m) => [m, parseHistogram(page, m)] as const));
        }),
      );
    const metrics = [await snap()];
    await serialPhase(w, obs, SERIAL, rand);
    await sleep(300);
    metrics.push(await snap());
    for (const rate of RATES) {
      await churnPhase(w, CHURN, rate, rand);
      await sleep(300);
      metrics.push(await snap());
    }
    report(w, obs, metrics, startedAt);
    reportMemory(name, BACKGROUND);
    return 0;
  } catch (e) {
    console.error(`latency benchmark failed: ${(e as Error).stack ?? e}`);
    return 1;
  } finally {
    await cleanup();
    off();
  }
}

process.exitCode = await main();
