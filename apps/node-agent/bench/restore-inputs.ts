/**
 * What an `iptables-restore --noflush` costs by the kind of input (a script that prints figures;
 * not a test). In a network namespace of its own (`mmbench-restore-<pid>`, deleted at the end), it
 * loads a nat table shaped as kube-proxy's and the agent's at N Services (KUBE-SERVICES with a
 * rule per Service, a KUBE-SVC chain per Service jumping to 3 KUBE-SEP chains with statistic
 * matches, each SEP a DNAT), then times small inputs of each kind, each run from spawn to exit
 * with a chain of its own, so every run does the same work. The agent's partial syncs are made of
 * these commands.
 *
 *   sudo npx tsx apps/node-agent/bench/restore-inputs.ts [--services 1000,5000] [--runs 20]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createNetns, deleteNetns, environment, has, onInterrupt, removeOwnLeftovers } from './lib/host.js';
import { median, ms, quantile } from './lib/stats.js';

const { values: flags } = parseArgs({ options: { services: { type: 'string', default: '1000,5000' }, runs: { type: 'string', default: '20' } } });
const SIZES = flags.services.split(',').map(Number);
const RUNS = Number(flags.runs);
if (!SIZES.every((n) => Number.isInteger(n) && n >= 10 && n <= 20_000) || !(Number.isInteger(RUNS) && RUNS >= 3 && RUNS <= 500)) {
  console.error('usage: sudo npx tsx apps/node-agent/bench/restore-inputs.ts [--services 1000,5000] [--runs 20]  (10-20000 Services, 3-500 runs)');
  process.exit(2);
}
if (process.platform !== 'linux' || process.getuid?.() !== 0 || !has('iptables-nft-restore')) {
  console.error('restore-inputs: needs Linux, root (it makes a network namespace) and iptables-nft-restore');
  process.exit(2);
}

const svc = (i: number) => `KUBE-SVC-${String(i).padStart(12, '0')}`;
const sep = (i: number, j: number) => `KUBE-SEP-${String(i).padStart(8, '0')}${String(j).padStart(4, '0')}`;
const ip = (base: number, i: number) => `${base}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** The nat table of `n` Services with 3 endpoints each. */
function table(n: number): string {
  const out = ['*nat', ':KUBE-SERVICES - [0:0]'];
  for (let i = 0; i < n; i++) out.push(`:${svc(i)} - [0:0]`, `:${sep(i, 0)} - [0:0]`, `:${sep(i, 1)} - [0:0]`, `:${sep(i, 2)} - [0:0]`);
  for (let i = 0; i < n; i++) {
    out.push(`-A KUBE-SERVICES -d ${ip(10, 0x600000 + i)}/32 -p tcp -m comment --comment "bench/svc-${i}:http cluster IP" -m tcp --dport 80 -j ${svc(i)}`);
    out.push(`-A ${svc(i)} -m statistic --mode random --probability 0.33333333349 -j ${sep(i, 0)}`);
    out.push(`-A ${svc(i)} -m statistic --mode random --probability 0.50000000000 -j ${sep(i, 1)}`);
    out.push(`-A ${svc(i)} -j ${sep(i, 2)}`);
    for (let j = 0; j < 3; j++) out.push(`-A ${sep(i, j)} -p tcp -m tcp -j DNAT --to-destination ${ip(10, 0xf40000 + 3 * i + j)}:8080`);
  }
  out.push('COMMIT', '');
  return out.join('\n');
}

/** Each kind: the input of run r (on Service r + 1, so runs never repeat each other's work). */
const KINDS: [string, (r: number) => string][] = [
  ['nothing (`*nat` and COMMIT)', () => '*nat\nCOMMIT\n'],
  ['a new chain and its rule', (r) => `*nat\n:MMNEW-${r} - [0:0]\n-A MMNEW-${r} -j RETURN\nCOMMIT\n`],
  ['a rule appended to an existing chain', (r) => `*nat\n-A ${svc(r + 1)} -j RETURN\nCOMMIT\n`],
  ['an existing chain flushed (declared) and refilled: an endpoint change', (r) => `*nat\n:${sep(r + 1, 0)} - [0:0]\n-A ${sep(r + 1, 0)} -p tcp -m tcp -j DNAT --to-destination 10.245.0.1:8080\nCOMMIT\n`],
  ['an existing chain flushed, nothing else', (r) => `*nat\n:${sep(r + 1, 1)} - [0:0]\nCOMMIT\n`],
  ['a rule deleted by number', (r) => `*nat\n-D ${sep(r + 1, 2)} 1\nCOMMIT\n`],
  ['an empty chain deleted (`-X`)', (r) => `*nat\n-X MMEMPTY-${r}\nCOMMIT\n`],
];

function restore(ns: string, input: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('ip', ['netns', 'exec', ns, 'iptables-nft-restore', '--noflush'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += String(d)));
    p.once('error', reject);
    p.once('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`iptables-nft-restore exited ${code}: ${err.trim()}`))));
    p.stdin.end(input);
  });
}

const PREFIX = 'mmbench-restore-';
removeOwnLeftovers(PREFIX);
const ns = `${PREFIX}${process.pid}`;
const cleanup = () => deleteNetns(ns);
const unhook = onInterrupt(cleanup);
try {
  console.log(environment());
  console.log(`\n${RUNS} runs of each input after the table is loaded; ms from spawn to exit (\`ip netns exec\` included)\n`);
  const spawnOnly: number[] = [];
  const header = ['input', ...SIZES.map((n) => `${n.toLocaleString('en')} Services: p50 / p90`)];
  const rows: string[][] = KINDS.map(([label]) => [label]);
  for (const n of SIZES) {
    deleteNetns(ns);
    createNetns(ns);
    const load = await restore(ns, table(n));
    // Empty chains for the `-X` runs, made beforehand.
    await restore(ns, `*nat\n${Array.from({ length: RUNS }, (_, r) => `:MMEMPTY-${r} - [0:0]`).join('\n')}\nCOMMIT\n`);
    for (let r = 0; r < RUNS; r++) {
      const t0 = process.hrtime.bigint();
      await new Promise((res) => spawn('ip', ['netns', 'exec', ns, 'true'], { stdio: 'ignore' }).once('close', res));
      spawnOnly.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    header[header.indexOf(`${n.toLocaleString('en')} Services: p50 / p90`)] += ` (table: ${4 * n + 1} chains, ${7 * n} rules, loaded in ${ms(load)})`;
    for (const [k, [, input]] of KINDS.entries()) {
      const t: number[] = [];
      for (let r = 0; r < RUNS; r++) t.push(await restore(ns, input(r)));
      rows[k]!.push(`${ms(median(t), 1)} / ${ms(quantile(t, 0.9), 1)}`);
    }
  }
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|---|${SIZES.map(() => '---:').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\nA process alone (\`ip netns exec NS true\`): p50 ${ms(median(spawnOnly), 1)} ms.`);
} finally {
  cleanup();
  unhook();
}
