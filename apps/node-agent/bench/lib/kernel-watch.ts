/**
 * The latency benchmark's observer inside one node namespace (started there with `ip netns exec`).
 * It only reads the kernel: `nft -a monitor` reports every nf_tables transaction as it commits
 * (the node agent's iptables-restore runs through iptables-nft, so each restore is one
 * transaction), each change on a line, ending in a "# new generation N" line.
 *  - `--dump iptables`: each notification triggers one `iptables-save -t nat`, whose text goes to
 *    stdout as a JSON line with the times involved; a dump also runs every `--every` ms without a
 *    notification, as a safety net (those are counted separately).
 *  - `--dump nftables`: no dumps. The kube-proxy table's service-ips map and the `--nft-chain`
 *    chain are kept from the monitor's own lines (elements added and deleted, rules added with
 *    their handle and deleted by it; lib/nft-monitor-model.ts), and each generation's end writes
 *    that text. A dump after every commit (`nft list map` of 1,000 Services: ~25 ms of CPU) took
 *    on two cores much of the CPU the agents were measured on. The model holds what committed
 *    after the watcher started, which covers every object the benchmark measures.
 *
 * Output, one JSON object per line:
 *   {"ready":true}                                 once monitor and the first dump are done
 *   {"events":[ms...],"start":ms,"end":ms,"text":"..."}   a dump; events = notification times
 *                                                  (Date.now()) received since the previous dump began
 * It exits when its stdin closes (the benchmark is gone) or on SIGTERM, and stops `nft monitor`.
 */
import { execFile, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { NftMonitorModel } from './nft-monitor-model.js';

const { values } = parseArgs({ options: { every: { type: 'string', default: '1000' }, dump: { type: 'string', default: 'iptables' }, 'nft-chain': { type: 'string' } } });
const every = Number(values.every);
const nftables = values.dump === 'nftables';

const monitor = spawn('nft', ['-a', 'monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
const model = nftables ? new NftMonitorModel('kube-proxy', values['nft-chain']) : undefined;
let unseen: number[] = [];
let pending = false;
let dumping = false;
let stopped = false;
let ready = false;

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

let partial = '';
monitor.stdout!.setEncoding('utf8');
monitor.stdout!.on('data', (chunk: string) => {
  const t = Date.now();
  const lines = (partial + chunk).split('\n');
  partial = lines.pop()!;
  for (const l of lines) {
    if (!l.startsWith('# new generation')) model?.apply(l);
    else if (model !== undefined) write({ events: [t], start: t, end: t, text: model.text() });
    else {
      unseen.push(t);
      pending = true;
    }
  }
  if (pending) kick();
});

function run(bin: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => execFile(bin, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ ok: !err, out: stdout, err: stderr })));
}

async function save(): Promise<string> {
  const r = await run('iptables-save', ['-t', 'nat']);
  if (!r.ok) throw new Error(r.err.trim());
  return r.out;
}

function write(dump: { events: number[]; start: number; end: number; text: string }): void {
  process.stdout.write(`${JSON.stringify(dump)}\n`);
}

function kick(): void {
  if (dumping || stopped) return;
  dumping = true;
  void (async () => {
    try {
      while (pending && !stopped) {
        pending = false;
        const events = unseen;
        unseen = [];
        const start = Date.now();
        const text = await save();
        write({ events, start, end: Date.now(), text });
        if (!ready) {
          ready = true;
          process.stdout.write('{"ready":true}\n');
        }
      }
    } catch (e) {
      process.stderr.write(`kernel-watch: dump: ${(e as Error).message}\n`);
      stop(1);
    } finally {
      dumping = false;
    }
  })();
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.stdin.resume();
process.stdin.on('end', () => stop(0));

// Give nft monitor a moment to subscribe, then a first dump (iptables) or the model as it is, then say so.
setTimeout(() => {
  if (model !== undefined) {
    const t = Date.now();
    write({ events: [], start: t, end: t, text: model.text() });
    process.stdout.write('{"ready":true}\n');
    return;
  }
  pending = true;
  kick();
  setInterval(() => {
    pending = true;
    kick();
  }, every);
}, 300);
