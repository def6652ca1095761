/**
 * The latency benchmark's observer inside one node namespace (started there with `ip netns exec`).
 * It only reads the kernel: `nft monitor` reports every nf_tables transaction as it commits (the
 * node agent's iptables-restore runs through iptables-nft, so each restore is one transaction,
 * ending in a "# new generation N" line); each notification triggers one dump of the agent's
 * rules (`--dump iptables`: `iptables-save -t nat`; `--dump nftables`: the kube-proxy table's
 * service-ips map and the `--nft-chain` chain, a small part of the table so that dumping after
 * every commit does not take a core of its own), whose text goes to stdout as a JSON line with
 * the times involved. A dump also runs every
 * `--every` ms without a notification, as a safety net (those are counted separately).
 *
 * Output, one JSON object per line:
 *   {"ready":true}                                 once monitor and the first dump are done
 *   {"events":[ms...],"start":ms,"end":ms,"text":"..."}   a dump; events = notification times
 *                                                  (Date.now()) received since the previous dump began
 * It exits when its stdin closes (the benchmark is gone) or on SIGTERM, and stops `nft monitor`.
 */
import { execFile, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { every: { type: 'string', default: '1000' }, dump: { type: 'string', default: 'iptables' }, 'nft-chain': { type: 'string' } } });
const every = Number(values.every);
const nftables = values.dump === 'nftables';

const monitor = spawn('nft', ['monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    if (l.startsWith('# new generation')) {
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
  if (!nftables) {
    const r = await run('iptables-save', ['-t', 'nat']);
    if (!r.ok) throw new Error(r.err.trim());
    return r.out;
  }
  const map = await run('nft', ['list', 'map', 'ip', 'kube-proxy', 'service-ips']);
  // Before the agent's first sync the table does not exist: an empty dump.
  if (!map.ok) return '';
  const chain = values['nft-chain'] === undefined ? undefined : await run('nft', ['list', 'chain', 'ip', 'kube-proxy', values['nft-chain']]);
  return map.out + (chain?.ok ? chain.out : '');
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
        process.stdout.write(`${JSON.stringify({ events, start, end: Date.now(), text })}\n`);
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

// Give nft monitor a moment to subscribe, then a first dump, then say so.
setTimeout(() => {
  pending = true;
  kick();
  setInterval(() => {
    pending = true;
    kick();
  }, every);
}, 300);
