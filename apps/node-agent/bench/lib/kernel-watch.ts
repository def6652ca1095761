/**
 * The latency benchmark's observer inside one node namespace (started there with `ip netns exec`).
 * It only reads the kernel: `nft -a monitor` reports every nf_tables transaction as it commits,
 * each change on a line, ending in a "# new generation N" line (the node agent's iptables-restore
 * runs through iptables-nft, so each restore is one transaction per table). It keeps the rules the
 * benchmark's predicates read from those lines (lib/monitor-model.ts) and writes their text at
 * each commit; no dump runs:
 *  - `--mode iptables`: table ip nat, the KUBE-SERVICES rules and every rule with a DNAT;
 *  - `--mode nftables`: table ip kube-proxy, the service-ips map's elements and the rules of the
 *    `--nft-chain` chain (Service flip's).
 * A dump after every commit (`iptables-save -t nat` or `nft list map` of 1,000 Services: tens of
 * ms of CPU each) took on two cores much of the CPU the agents were measured on. The model holds
 * what committed after the watcher started, which covers every object the benchmark measures.
 *
 * Output, one JSON object per line:
 *   {"events":[ms],"start":ms,"text":"..."}   at each commit: its notification time (Date.now()), when this
 *                                             was written, and the text then (null: as in the line before)
 *   {"ready":true}                                     once monitor has had a moment to subscribe (after a first such line, events [])
 * It exits when its stdin closes (the benchmark is gone) or on SIGTERM, and stops `nft monitor`.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { MonitorModel } from './monitor-model.js';

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'iptables' }, 'nft-chain': { type: 'string' } } });
const flipChain = values['nft-chain'];
const model =
  values.mode === 'nftables'
    ? new MonitorModel({ table: 'ip kube-proxy', elementsOf: 'service-ips', keepRule: (chain) => chain === flipChain })
    : new MonitorModel({ table: 'ip nat', keepRule: (chain, rule) => chain === 'KUBE-SERVICES' || rule.includes('dnat to ') });

const monitor = spawn('nft', ['-a', 'monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
let stopped = false;

function stop(code: number): void {
  if (stopped) return;
  stopped = true;
  monitor.kill('SIGTERM');
  process.exit(code);
}

monitor.once('error', (e) => {
  process.stderr.write(`kernel-watch: nft monitor: ${e.message}\n`);
  stop(1);
});
monitor.once('exit', (code) => {
  if (!stopped) {
    process.stderr.write(`kernel-watch: nft monitor exited (${code})\n`);
    stop(1);
  }
});
monitor.stderr!.on('data', (d: Buffer) => process.stderr.write(`kernel-watch: nft: ${d}`));

let changed = true;
function write(events: number[]): void {
  const t = Date.now();
  process.stdout.write(`${JSON.stringify({ events, start: t, text: changed ? model.text() : null })}\n`);
  changed = false;
}

let partial = '';
/** The change being read: nft continues a long one on lines that start with blanks. */
let change = '';
monitor.stdout!.setEncoding('utf8');
monitor.stdout!.on('data', (chunk: string) => {
  const t = Date.now();
  const lines = (partial + chunk).split('\n');
  partial = lines.pop()!;
  for (const l of lines) {
    if (/^\s/.test(l)) {
      change += ` ${l.trim()}`;
      continue;
    }
    if (change !== '') changed = model.apply(change) || changed;
    change = '';
    if (l.startsWith('# new generation')) write([t]);
    else if (l.startsWith('# ERROR')) {
      // "We lost some netlink events!": the model no longer matches the kernel.
      process.stderr.write(`kernel-watch: nft monitor: ${l}\n`);
      stop(1);
    } else change = l;
  }
});

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.stdin.resume();
process.stdin.on('end', () => stop(0));

// Give nft monitor a moment to subscribe, then say so.
setTimeout(() => {
  write([]);
  process.stdout.write('{"ready":true}\n');
}, 300);
