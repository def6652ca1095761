/**
 * The rule-load benchmark's ebpf part: for N services × 2 endpoints, what the ebpf proxier's socket
 * load balancer does and costs (its nftables part holds only NodePort/external Services, none
 * here):
 *   - full load: SockLbTables' first delta (every frontend and backend) + its write through the
 *     agent's helper session (src/ebpf/sock-lb-session.ts) into freshly pinned maps;
 *   - adopt: what a restarted agent does, the maps dumped and adopted, then a full look that must
 *     write nothing;
 *   - one-Service changes: one endpoint of one Service moves to another pod; a new Service with
 *     its endpoints; a Service deleted; each compute + write, median and worst of --changes runs.
 * The programs are attached to a cgroup of the benchmark's own (no process in it) and the maps
 * pinned in a directory of its own; both are removed at the end. Each run is checked against the
 * kernel (frontend and backend counts, and the moved endpoint).
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import { SockLbTables } from '@minimesh/proxy-core';
import { SockLbSession } from '../../src/ebpf/sock-lb-session.js';
import { cgroupV2Root } from '@minimesh/runtime';
import { DEFAULT_SOCK_LB_HELPER, DEFAULT_SOCK_LB_OBJECT, attachSockLb, detachSockLb, sockLbProblem, type SockLbPaths } from '../../src/ebpf/sock-lb-programs.js';
import { median, ms, quantile, table, timed } from './stats.js';
import { MOVED_BASE, NODE, ingest, ipv4, service, slice, type State } from './synthetic-cluster.js';

export interface SockLbRow {
  n: number;
  ingestMs: number;
  /** Computing every write (chunks going to the kernel meanwhile). */
  computeFull: number;
  /** From the start of the computation until the last write is in. */
  loadFull: number;
  entries: number;
  adopt: number;
  move: number[];
  create: number[];
  remove: number[];
}

/** Where the benchmark's programs go, or why they cannot. */
export function sockLbBenchPaths(): { paths?: SockLbPaths; problem?: string } {
  const root = cgroupV2Root();
  if (root === undefined) return { problem: 'no cgroup v2 hierarchy is mounted' };
  const paths = { helper: DEFAULT_SOCK_LB_HELPER, object: DEFAULT_SOCK_LB_OBJECT, cgroup: `${root}/mmbench-sock-lb-${process.pid}`, pinDir: `/sys/fs/bpf/mmbench-sock-lb-${process.pid}` };
  mkdirSync(paths.cgroup, { recursive: true });
  const problem = sockLbProblem(paths);
  if (problem !== undefined) rmdirSync(paths.cgroup);
  return problem === undefined ? { paths } : { problem };
}

export async function removeSockLbBench(paths: SockLbPaths): Promise<void> {
  await detachSockLb(paths, []).catch(() => undefined);
  try {
    rmdirSync(paths.cgroup);
  } catch {
    /* gone already */
  }
}

const input = (st: State, changed?: ReadonlySet<string>) => ({
  services: st.services.serviceMap,
  endpoints: st.endpoints.endpointsMap,
  node: { nodeName: NODE.name },
  changedServices: changed,
  byService: st.services.portsByService,
});

async function change(tables: SockLbTables, session: SockLbSession, st: State): Promise<number> {
  const changed = new Set([...st.services.checkoutChanges().updatedServices, ...st.endpoints.checkoutChanges().updatedServices]);
  return (await timed(() => session.apply(tables.update(input(st, changed))))).ms;
}

export async function measureSockLb(n: number, changes: number, paths: SockLbPaths): Promise<SockLbRow> {
  const st = ingest(n);
  process.stderr.write(`  ebpf, ${n} services\n`);
  await detachSockLb(paths, []).catch(() => undefined);
  await attachSockLb(paths);
  const session = new SockLbSession(paths.helper, paths.pinDir);
  try {
    const tables = new SockLbTables();
    // As the agent's first sync: each chunk sent, the event loop run once, the next computed.
    let entries = 0;
    let computeFull = 0;
    const sent: Promise<void>[] = [];
    const t0 = process.hrtime.bigint();
    const steps = tables.steps(input(st));
    for (;;) {
      const c0 = process.hrtime.bigint();
      const step = steps.next();
      computeFull += Number(process.hrtime.bigint() - c0) / 1e6;
      if (step.done) break;
      entries += step.value.backends.length + step.value.frontends.length;
      sent.push(session.apply(step.value, { continues: sent.length > 0 }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(sent);
    const loadFull = Number(process.hrtime.bigint() - t0) / 1e6;
    const kernel = await session.dump();
    if (kernel.frontends.length !== n || kernel.backends.length !== 2 * n) throw new Error(`after the full load the maps hold ${kernel.frontends.length} frontends and ${kernel.backends.length} backends, not ${n} and ${2 * n}`);

    const adopt = await timed(async () => {
      const again = new SockLbTables();
      const k = await session.dump();
      again.adopt(k.frontends, k.backends);
      return again.update(input(st));
    });
    const writes = adopt.value.frontends.length + adopt.value.backends.length + adopt.value.frontendDeletes.length + adopt.value.backendDeletes.length;
    if (writes !== 0) throw new Error(`a restarted agent would rewrite ${writes} entries of an unchanged state`);

    const row: SockLbRow = { n, ingestMs: st.ingestMs, computeFull, loadFull, entries, adopt: adopt.ms, move: [], create: [], remove: [] };
    for (let r = 0; r < changes; r++) {
      const k = (r * 7919 + 17) % n;
      const before = slice(k);
      const after = slice(k, ipv4(MOVED_BASE + k + 1));
      st.endpoints.update(before, after);
      row.move.push(await change(tables, session, st));
      if (r === 0) {
        // The moved endpoint is in the kernel, in the set of that Service's ClusterIP.
        const k0 = await session.dump();
        const fe = k0.frontends.find((f) => f.ip === service(k).spec!.clusterIP);
        if (!k0.backends.some((b) => b.set === fe?.set && b.ip === ipv4(MOVED_BASE + k + 1) && b.slot < fe.count)) throw new Error(`the moved endpoint of svc-${k} is not in the kernel`);
      }
      const extra = n + 1 + k;
      st.services.update(undefined, service(extra));
      st.endpoints.update(undefined, slice(extra));
      row.create.push(await change(tables, session, st));
      st.services.update(service(extra), undefined);
      st.endpoints.update(slice(extra), undefined);
      row.remove.push(await change(tables, session, st));
      st.endpoints.update(after, before);
      await change(tables, session, st);
    }
    const end = await session.dump();
    if (end.frontends.length !== n || end.backends.length !== 2 * n) throw new Error('after the changes the maps are not back to the full load');
    return row;
  } finally {
    session.close();
  }
}

export function reportSockLb(rows: SockLbRow[], changes: number): void {
  const dist = (xs: number[]) => `${ms(median(xs), 2)} / ${ms(quantile(xs, 0.99), 2)}`;
  console.log(`\nebpf mode (socket load balancer maps). Times in ms; one-Service changes: median / worst of ${changes}; 2 endpoints per service.\n`);
  console.log(
    table(
      ['services', 'map entries', 'full load', 'restart: dump + adopt + look', 'endpoint moves', 'new Service', 'Service deleted'],
      rows.map((r) => [
        String(r.n),
        String(r.entries),
        `${ms(r.loadFull)} (compute ${ms(r.computeFull)})`,
        ms(r.adopt),
        dist(r.move),
        dist(r.create),
        dist(r.remove),
      ]),
    ),
  );
  console.log(
    '\nColumns: full load = SockLbTables\' first delta for every service port and its write through the helper session (batched map ' +
      'updates, in chunks of 5,000 Services written while the next is computed) into empty pinned maps, as an agent\'s first sync, until the last write is in; restart = the maps dumped, adopted by new tables and compared with ' +
      'every port (nothing to write); one-Service changes = compute + write of the delta, through the long-lived helper. Targets: ' +
      '100k Services loaded ≤ 1 s, a one-Service change ≤ 1 ms.',
  );
}
