/**
 * The IPVS table in ipvsadm's two text forms (ipvsadm.c print_title / print_service_entry):
 * the numeric listing `ipvsadm -Ln` and the rules `ipvsadm -Sn` prints and `ipvsadm-restore`
 * reads; and parsers of both back into a table. Services and destinations are listed in
 * ipvsadm's order (see compareVirtualServers).
 */
import { parseIPv4 } from '@minimesh/api';
import {
  canonicalFlags,
  hostPort,
  sortIpvsTable,
  type IpvsForward,
  type IpvsProtocol,
  type IpvsSchedFlag,
  type IpvsTable,
  type RealServer,
  type VirtualServer,
} from './ipvs-table.js';

export interface IpvsadmListOptions {
  /** The kernel's IPVS version in the first line (default "1.2.1"). */
  version?: string;
  /** The connection hash table size in the first line (default 4096). */
  size?: number;
}

export const IPVSADM_LIST_TITLE = 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';

/** `ipvsadm -Ln`: the header, then per service `%-4s %s %s` (+ flags, persistence) and its destinations. */
export function formatIpvsadmList(table: IpvsTable, opts: IpvsadmListOptions = {}): string {
  const out = [`IP Virtual Server version ${opts.version ?? '1.2.1'} (size=${opts.size ?? 4096})\n`, IPVSADM_LIST_TITLE];
  for (const { vs, realServers } of sortIpvsTable(table).services) {
    let line = `${vs.protocol.padEnd(4)} ${hostPort(vs.address, vs.port)} ${vs.scheduler}`;
    const flags = canonicalFlags(vs);
    if (flags.length > 0) line += ` (${flags.join(',')})`;
    if (vs.persistentTimeout > 0) line += ` persistent ${vs.persistentTimeout}`;
    out.push(`${line}\n`);
    for (const rs of realServers) {
      const dest = hostPort(rs.address, rs.port).padEnd(28);
      out.push(`  -> ${dest} ${rs.forward.padEnd(7)} ${String(rs.weight).padEnd(6)} ${String(rs.activeConn ?? 0).padEnd(10)} ${String(rs.inactConn ?? 0).padEnd(10)}\n`);
    }
  }
  return out.join('');
}

const SERVICE_OPTION: Readonly<Record<IpvsProtocol, string>> = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' };
const FORWARD_SWITCH: Readonly<Record<IpvsForward, string>> = { Masq: '-m', Tunnel: '-i', Route: '-g', Local: '-g' };

/** The `-t|-u|--sctp-service addr:port` that names a virtual server on ipvsadm's command line. */
export function serviceArgs(vs: Pick<VirtualServer, 'protocol' | 'address' | 'port'>): string[] {
  return [SERVICE_OPTION[vs.protocol], hostPort(vs.address, vs.port)];
}

/** `-s rr [-p N] [-b flags]`: a virtual server's settings, as -A / -E take them. */
export function virtualServerOptionArgs(vs: VirtualServer): string[] {
  const args = ['-s', vs.scheduler];
  if (vs.persistentTimeout > 0) args.push('-p', String(vs.persistentTimeout));
  const flags = canonicalFlags(vs);
  if (flags.length > 0) args.push('-b', flags.join(','));
  return args;
}

/** `-r addr:port -m -w N`: a real server, as -a / -e take it. */
export function realServerArgs(rs: RealServer): string[] {
  return ['-r', hostPort(rs.address, rs.port), FORWARD_SWITCH[rs.forward], '-w', String(rs.weight)];
}

/** `ipvsadm -Sn`: `-A -t 10.97.97.97:80 -s rr` and `-a -t 10.97.97.97:80 -r 10.244.1.39:80 -m -w 1` lines. */
export function formatIpvsadmSave(table: IpvsTable): string {
  const lines: string[] = [];
  for (const { vs, realServers } of sortIpvsTable(table).services) {
    const svc = serviceArgs(vs);
    lines.push(['-A', ...svc, ...virtualServerOptionArgs(vs)].join(' '));
    for (const rs of realServers) lines.push(['-a', ...svc, ...realServerArgs(rs)].join(' '));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export class IpvsadmParseError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    reason: string,
  ) {
    super(`ipvsadm line ${lineNumber}: ${reason}: ${JSON.stringify(line)}`);
    this.name = 'IpvsadmParseError';
  }
}

const PROTOCOLS: readonly IpvsProtocol[] = ['TCP', 'UDP', 'SCTP'];
const FORWARDS: readonly IpvsForward[] = ['Masq', 'Local', 'Tunnel', 'Route'];
const FLAGS: readonly IpvsSchedFlag[] = ['flag-1', 'flag-2', 'flag-3', 'sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'];
const SERVICE_LINE = /^(TCP|UDP|SCTP)\s+(\S+)\s+(\S+)(?:\s+\(([^)]*)\))?(?:\s+persistent\s+(\d+)(?:\s+mask\s+\S+)?(?:\s+pe\s+\S+)?)?(?:\s+ops)?\s*$/;
const DEST_LINE = /^\s+->\s+(\S+)\s+(\S+)\s+(-?\d+)\s+(\d+)\s+(\d+)\s*$/;

/** `ipvsadm -Ln` (numeric) back into a table, with ActiveConn and InActConn. */
export function parseIpvsadmList(text: string): IpvsTable {
  const services: { vs: VirtualServer; realServers: RealServer[] }[] = [];
  text.split('\n').forEach((raw, i) => {
    const fail = (reason: string): never => {
      throw new IpvsadmParseError(i + 1, raw, reason);
    };
    if (raw.trim() === '' || raw.startsWith('IP Virtual Server version') || raw.startsWith('Prot LocalAddress:Port') || raw.startsWith('  -> RemoteAddress:Port')) return;
    const s = SERVICE_LINE.exec(raw);
    if (s !== null) {
      const [address, port] = splitHostPort(s[2]!) ?? fail('bad service address (numeric output expected, -n)');
      const flags = s[4] === undefined ? [] : s[4].split(',').map((f) => FLAGS.find((x) => x === f.trim()) ?? fail(`unknown scheduler flag ${f}`));
      const vs: VirtualServer = { protocol: s[1] as IpvsProtocol, address, port, scheduler: s[3]!, persistentTimeout: s[5] === undefined ? 0 : Number(s[5]), ...(flags.length ? { flags } : {}) };
      services.push({ vs, realServers: [] });
      return;
    }
    const d = DEST_LINE.exec(raw);
    if (d === null) return fail(raw.startsWith('FWM') ? 'firewall-mark services are not supported' : 'neither a service nor a destination line');
    const current = services[services.length - 1] ?? fail('destination before any service');
    const [address, port] = splitHostPort(d[1]!) ?? fail('bad destination address (numeric output expected, -n)');
    const forward = FORWARDS.find((f) => f === d[2]) ?? fail(`unknown forwarding method ${d[2]}`);
    current.realServers.push({ address, port, forward, weight: Number(d[3]), activeConn: Number(d[4]), inactConn: Number(d[5]) });
  });
  return { services };
}

/** `ipvsadm -Sn` / ipvsadm-restore lines (`-A`, `-a`) back into a table. */
export function parseIpvsadmSave(text: string): IpvsTable {
  const services: { vs: VirtualServer; realServers: RealServer[] }[] = [];
  const byKey = new Map<string, { vs: VirtualServer; realServers: RealServer[] }>();
  text.split('\n').forEach((raw, i) => {
    const fail = (reason: string): never => {
      throw new IpvsadmParseError(i + 1, raw, reason);
    };
    const words = raw.trim().split(/\s+/);
    if (words[0] === '' || words[0]!.startsWith('#')) return;
    const cmd = words[0];
    if (cmd !== '-A' && cmd !== '-a') return fail(`unsupported command ${cmd}`);
    const protocol = PROTOCOLS.find((p) => SERVICE_OPTION[p] === words[1]) ?? fail(`expected -t, -u or --sctp-service, got ${words[1]}`);
    const [address, port] = splitHostPort(words[2] ?? '') ?? fail('bad service address');
    const opts = optionMap(words.slice(3), fail);
    const key = `${protocol} ${hostPort(address, port)}`;
    if (cmd === '-A') {
      if (byKey.has(key)) fail(`service ${key} added twice`);
      const flags = (opts.get('-b') ?? '').split(',').filter((f) => f !== '').map((f) => FLAGS.find((x) => x === f) ?? fail(`unknown scheduler flag ${f}`));
      const vs: VirtualServer = { protocol, address, port, scheduler: opts.get('-s') ?? 'wlc', persistentTimeout: opts.has('-p') ? Number(opts.get('-p')) : 0, ...(flags.length ? { flags } : {}) };
      const entry = { vs, realServers: [] };
      byKey.set(key, entry);
      services.push(entry);
      return;
    }
    const svc = byKey.get(key) ?? fail(`real server of unknown service ${key}`);
    const [rAddress, rPort] = splitHostPort(opts.get('-r') ?? '') ?? fail('bad real server address');
    const forward: IpvsForward = opts.has('-m') ? 'Masq' : opts.has('-i') ? 'Tunnel' : 'Route';
    svc.realServers.push({ address: rAddress, port: rPort, forward, weight: opts.has('-w') ? Number(opts.get('-w')) : 1 });
  });
  return { services };
}

const VALUED = new Set(['-s', '-p', '-M', '--pe', '-b', '-r', '-w', '-x', '-y', '--tun-type', '--tun-port']);
const FLAGGED = new Set(['-m', '-g', '-i', '-o', '--tun-nocsum', '--tun-csum', '--tun-remcsum']);

function optionMap(words: readonly string[], fail: (reason: string) => never): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (FLAGGED.has(w)) out.set(w, '');
    else if (VALUED.has(w) && i + 1 < words.length) out.set(w, words[++i]!);
    else fail(`unexpected option ${w}`);
  }
  for (const n of ['-p', '-w']) if (out.has(n) && !/^\d+$/.test(out.get(n)!)) fail(`${n} needs a number`);
  return out;
}

/** `10.0.0.1:80` or `[fd00::1]:80` → [address, port]; undefined for names or bad ports. */
function splitHostPort(s: string): [string, number] | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d+\.\d+\.\d+\.\d+)):(\d{1,5})$/.exec(s);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  if (m[2] !== undefined && parseIPv4(m[2]) === undefined) return undefined;
  return [m[1] ?? m[2]!, port];
}
