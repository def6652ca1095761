#!/usr/bin/env node
// A stand-in for ipvsadm (and ipvsadm-restore with --restore) on kernels without IPVS: it speaks
// the same command language, keeps the virtual-server table in the JSON file $FAKE_IPVS_STATE and
// appends every command it runs to $FAKE_IPVS_STATE.log, so tests can check what an applier did
// and set connection counts (the "activeConn"/"inactConn" of a real server) to see how it reacts.
// Plain JavaScript, no dependencies.
//
//   ipvsadm -A -t 10.97.97.97:80 -s rr [-p [10800]]     add a virtual service (-E edits, -D deletes)
//   ipvsadm -a -t 10.97.97.97:80 -r 10.244.1.39:80 -m -w 1   add a real server (-e edits, -d deletes)
//   ipvsadm -C | -L -n | -S -n                            clear, list, save
//   ipvsadm-restore < rules                               (this script with --restore) one command per line
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

const STATE = process.env.FAKE_IPVS_STATE;
if (!STATE) {
  process.stderr.write('fake ipvsadm: set FAKE_IPVS_STATE to the state file\n');
  process.exit(2);
}

const PROTOS = { '-t': 'TCP', '--tcp-service': 'TCP', '-u': 'UDP', '--udp-service': 'UDP', '--sctp-service': 'SCTP' };
const PROTO_NUMBER = { TCP: 6, UDP: 17, SCTP: 132 };
const FWD = { '-m': 'Masq', '--masquerading': 'Masq', '-g': 'Route', '--gatewaying': 'Route', '-i': 'Tunnel', '--ipip': 'Tunnel' };
const SAVE_FWD = { Masq: '-m', Route: '-g', Tunnel: '-i' };

class UsageError extends Error {}

const load = () => (existsSync(STATE) ? JSON.parse(readFileSync(STATE, 'utf8')) : { services: [] });
const save = (state) => writeFileSync(STATE, JSON.stringify(state, null, 2));
const ipNumber = (ip) => ip.split('.').reduce((n, x) => n * 256 + Number(x), 0);
const splitHostPort = (s) => {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(s ?? '');
  if (!m) throw new UsageError(`illegal address:port "${s}"`);
  return { address: m[1], port: Number(m[2]) };
};

function parse(argv) {
  const cmd = { op: '', numeric: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new UsageError(`option ${a} requires a value`);
      return argv[++i];
    };
    if (/^-[AEDaedCLlS]n?$/.test(a)) {
      cmd.op = a[1] === 'l' ? 'L' : a[1];
      if (a.endsWith('n') && a.length === 3) cmd.numeric = true;
    } else if (a === '-n' || a === '--numeric') cmd.numeric = true;
    else if (a in PROTOS) Object.assign(cmd, { protocol: PROTOS[a], ...splitHostPort(next()) });
    else if (a === '-s' || a === '--scheduler') cmd.scheduler = next();
    else if (a === '-p' || a === '--persistent') cmd.persistent = argv[i + 1] && /^\d+$/.test(argv[i + 1]) ? Number(argv[++i]) : 300;
    else if (a === '-r' || a === '--real-server') cmd.real = splitHostPort(next());
    else if (a in FWD) cmd.forward = FWD[a];
    else if (a === '-w' || a === '--weight') cmd.weight = Number(next());
    else throw new UsageError(`unknown option ${a}`);
  }
  return cmd;
}

const sameVS = (s, c) => s.protocol === c.protocol && s.address === c.address && s.port === c.port;
const sameRS = (r, c) => r.address === c.real.address && r.port === c.real.port;

function apply(state, cmd) {
  const find = () => state.services.find((s) => sameVS(s, cmd));
  const needVS = () => {
    const s = find();
    if (!s) throw new Error('No such service');
    return s;
  };
  switch (cmd.op) {
    case 'A':
      if (find()) throw new Error('Service already exists');
      state.services.push({ protocol: cmd.protocol, address: cmd.address, port: cmd.port, scheduler: cmd.scheduler ?? 'wlc', persistent: cmd.persistent ?? 0, reals: [] });
      return;
    case 'E': {
      const s = needVS();
      if (cmd.scheduler) s.scheduler = cmd.scheduler;
      s.persistent = cmd.persistent ?? 0;
      return;
    }
    case 'D':
      needVS();
      state.services = state.services.filter((s) => !sameVS(s, cmd));
      return;
    case 'a': {
      const s = needVS();
      if (s.reals.some((r) => sameRS(r, cmd))) throw new Error('Destination already exists');
      s.reals.push({ address: cmd.real.address, port: cmd.real.port, forward: cmd.forward ?? 'Route', weight: cmd.weight ?? 1, activeConn: 0, inactConn: 0 });
      return;
    }
    case 'e': {
      const r = needVS().reals.find((x) => sameRS(x, cmd));
      if (!r) throw new Error('No such destination');
      if (cmd.forward) r.forward = cmd.forward;
      if (cmd.weight !== undefined) r.weight = cmd.weight;
      return;
    }
    case 'd': {
      const s = needVS();
      if (!s.reals.some((r) => sameRS(r, cmd))) throw new Error('No such destination');
      s.reals = s.reals.filter((r) => !sameRS(r, cmd));
      return;
    }
    case 'C':
      state.services = [];
      return;
    default:
      throw new UsageError(`unsupported command "${cmd.op}"`);
  }
}

const byService = (a, b) => PROTO_NUMBER[a.protocol] - PROTO_NUMBER[b.protocol] || ipNumber(a.address) - ipNumber(b.address) || a.port - b.port;
const byReal = (a, b) => ipNumber(a.address) - ipNumber(b.address) || a.port - b.port;
const pad = (s, n) => String(s).padEnd(n);

function list(state) {
  const out = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  for (const s of [...state.services].sort(byService)) {
    out.push(`${s.protocol}  ${s.address}:${s.port} ${s.scheduler}${s.persistent ? ` persistent ${s.persistent}` : ''}`);
    for (const r of [...s.reals].sort(byReal)) out.push(`  -> ${pad(`${r.address}:${r.port}`, 28)} ${pad(r.forward, 7)} ${pad(r.weight, 6)} ${pad(r.activeConn, 10)} ${pad(r.inactConn, 10)}`);
  }
  return `${out.join('\n')}\n`;
}

function saveText(state) {
  const flag = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' };
  const out = [];
  for (const s of [...state.services].sort(byService)) {
    out.push(`-A ${flag[s.protocol]} ${s.address}:${s.port} -s ${s.scheduler}${s.persistent ? ` -p ${s.persistent}` : ''}`);
    for (const r of [...s.reals].sort(byReal)) out.push(`-a ${flag[s.protocol]} ${s.address}:${s.port} -r ${r.address}:${r.port} ${SAVE_FWD[r.forward]} -w ${r.weight}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

function run(argv, state) {
  const cmd = parse(argv);
  if (cmd.op === 'L') return list(state);
  if (cmd.op === 'S') return saveText(state);
  apply(state, cmd);
  return '';
}

const args = process.argv.slice(2);
const state = load();
try {
  if (args[0] === '--restore') {
    // Line by line, as ipvsadm-restore: the lines before a failing one stay applied.
    const lines = readFileSync(0, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    appendFileSync(`${STATE}.log`, `ipvsadm-restore (${lines.length} lines)\n`);
    for (const line of lines) run(line.split(/\s+/), state);
  } else {
    appendFileSync(`${STATE}.log`, `ipvsadm ${args.join(' ')}\n`);
    process.stdout.write(run(args, state));
  }
} catch (e) {
  process.stderr.write(e instanceof UsageError ? `ipvsadm: ${e.message}\n` : `${e.message}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
} finally {
  save(state);
}
