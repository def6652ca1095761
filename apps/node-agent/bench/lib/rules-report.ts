/** The rule-load benchmark's measurements and the table it prints. */
import type { RenderResult } from '@minimesh/proxy-core';
import { bytes, median, ms, table } from './stats.js';

export interface Run {
  jumpsFirst: number;
  restoreFirst: number;
  jumpsAgain: number;
  restoreAgain: number;
  bareFirst: number;
  bareAgain: number;
  flushingFirst: number;
  legacyFirst?: number;
  legacyAgain?: number;
  partialRender: number;
  partialApply: number;
  partialBytes: number;
  partialNatWritten: number;
  /** The same partial sync as kube-proxy restores it: every top-level chain rewritten. */
  kubeProxyApply: number;
  kubeProxyBytes: number;
  /** A new Service with its endpoints, render + apply; then removed again. */
  addService: number;
  removeService: number;
}

export interface Row {
  n: number;
  full: RenderResult;
  bytes: number;
  ingestMs: number;
  renderMs: number;
  runs: Run[];
}

export function report(rows: Row[], kernel: boolean, legacy: boolean, runs: number): void {
  const med = (row: Row, f: (r: Run) => number | undefined) => {
    const xs = row.runs.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  const header = ['services', 'nat rules', 'filter rules', 'nat chains', 'file', 'render'];
  if (kernel) {
    header.push('agent apply first', 'agent re-apply', 'iptables-restore first', 'iptables-restore again');
    if (legacy) header.push('legacy first', 'legacy again');
    header.push('partial render', 'partial apply', 'partial file', 'kube-proxy-style partial apply', 'its file', 'new Service', 'Service removed');
  }
  const body = rows.map((row) => {
    const cells = [String(row.n), String(row.full.ruleCounts.nat), String(row.full.ruleCounts.filter), String(row.full.natChains.size), bytes(row.bytes), ms(row.renderMs, 1)];
    if (kernel) {
      cells.push(
        ms(med(row, (r) => r.jumpsFirst + r.restoreFirst)),
        ms(med(row, (r) => r.jumpsAgain + r.restoreAgain)),
        ms(med(row, (r) => r.bareFirst)),
        ms(med(row, (r) => r.bareAgain)),
      );
      if (legacy) cells.push(ms(med(row, (r) => r.legacyFirst)), ms(med(row, (r) => r.legacyAgain)));
      cells.push(ms(med(row, (r) => r.partialRender), 1), ms(med(row, (r) => r.partialApply)), bytes(med(row, (r) => r.partialBytes) ?? 0));
      cells.push(ms(med(row, (r) => r.kubeProxyApply)), bytes(med(row, (r) => r.kubeProxyBytes) ?? 0));
      cells.push(ms(med(row, (r) => r.addService)), ms(med(row, (r) => r.removeService)));
    }
    return cells;
  });
  console.log(
    `\nTimes in ms, median of ${runs} run(s); ${kernel ? `one warm-up run (all steps) at ${rows[0]?.n} services first, and` : ''} one warm-up render per size. 2 endpoints per service.\n`,
  );
  console.log(table(header, body));
  console.log('');
  for (const row of rows) {
    const parts = [`${row.n}: trackers ingest ${ms(row.ingestMs)} ms`];
    if (kernel) {
      parts.push(
        `agent apply = jumps+canary ${ms(med(row, (r) => r.jumpsFirst))} + restore ${ms(med(row, (r) => r.restoreFirst))} first, ` +
          `${ms(med(row, (r) => r.jumpsAgain))} + ${ms(med(row, (r) => r.restoreAgain))} again`,
        `partial restore writes ${row.runs[0]?.partialNatWritten ?? '?'} nat rules`,
        `the same file without --noflush (flushing mode, not usable by the agent) ${ms(med(row, (r) => r.flushingFirst))} into empty tables`,
      );
    }
    console.log(`- ${parts.join('; ')}`);
  }
  console.log(
    '\nColumns: render = renderIptables (full sync) from the change trackers\' maps; agent apply = the agent\'s applier ' +
      '(Iptables.ensureJump ×' +
      ` ${rows[0]?.full.ensureJumps.length ?? '?'} + ensureChain canary ×3 + restore, i.e. \`iptables-restore -w 5 --noflush\` fed on stdin) ` +
      'into empty tables, then over the same rules; iptables-restore = a bare `iptables-restore --noflush < file` of the same file ' +
      '(nf_tables backend); legacy = `iptables-legacy-restore --noflush < file`; partial = one service\'s endpoints changed: ' +
      'render with changedServices (and the comparison of the top-level chains with what the full restore wrote), then the applier\'s restore ' +
      'of that service\'s chains alone; kube-proxy-style = the same partial restore with every top-level chain (KUBE-SERVICES of every Service, ' +
      'the filter table) rewritten, as kube-proxy does; new Service / Service removed = render + restore of a partial sync ' +
      'adding a Service with its endpoints (its rule inserted at the top of KUBE-SERVICES, `-I 1`), then removing it (`-D`, `-X`). ' +
      'Every time includes spawning the process (a few ms).',
  );
}
