/**
 * How `iptables-save` (legacy xtables) prints a rule that was written as kube-proxy writes it:
 * addresses get their prefix length (`-d 10.97.97.97` → `-d 10.97.97.97/32`), -s/-d/-i/-o/-p
 * move to the front, matches keep their order, each extension prints its options in its own
 * order and spelling (`--or-mark 0x4000` → `--set-xmark 0x4000/0x4000`, REJECT gains
 * `--reject-with icmp-port-unreachable`, recent gains `--mask 255.255.255.255 --rsource`,
 * a statistic probability is stored in 1/2^31 steps and printed with 11 decimals).
 *
 * It covers the vocabulary the renderer emits (and throws on anything else), so the kernel's
 * view of a rule can be compared with the desired one, and so seeds copied from `iptables-save`
 * can be checked against rendered rules.
 */
import { formatIPv4, formatIPv4CIDR, parseIPv4, parseIPv4CIDR } from '@minimesh/api';
import { formatFixedHalfEven } from '../iptables/probability.js';

/** Splits a rule line into arguments, honouring double quotes (kube-proxy quotes comments). */
export function splitRuleArgs(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = inArg = true;
    } else if (ch === ' ') {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += ch;
      inArg = true;
    }
  }
  if (quoted) throw new Error(`unterminated quote in ${line}`);
  if (inArg) args.push(cur);
  return args;
}

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with \ escapes. */
export function saveString(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return value;
  return `"${value.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** Options each match takes, and how many values each option has. */
const MATCH_OPTIONS: Record<string, Record<string, number>> = {
  comment: { '--comment': 1 },
  tcp: { '--dport': 1, '--sport': 1 },
  udp: { '--dport': 1, '--sport': 1 },
  sctp: { '--dport': 1, '--sport': 1 },
  addrtype: { '--src-type': 1, '--dst-type': 1 },
  statistic: { '--mode': 1, '--probability': 1 },
  recent: { '--name': 1, '--set': 0, '--rcheck': 0, '--update': 0, '--remove': 0, '--seconds': 1, '--reap': 0, '--hitcount': 1, '--rsource': 0, '--rdest': 0, '--mask': 1 },
  mark: { '--mark': 1 },
  conntrack: { '--ctstate': 1 },
  nfacct: { '--nfacct-name': 1 },
};
const TARGET_OPTIONS: Record<string, number> = { '--to-destination': 1, '--or-mark': 1, '--xor-mark': 1, '--set-xmark': 1, '--random-fully': 0, '--reject-with': 1 };

interface Opt {
  name: string;
  value?: string;
  invert: boolean;
}
interface Match {
  name: string;
  opts: Opt[];
}

/** The `iptables-save` line of a `-A` rule line written in kube-proxy's form. */
export function iptablesSaveRule(line: string): string {
  const args = splitRuleArgs(line);
  if (args[0] !== '-A' || args[1] === undefined) throw new Error(`not an -A rule: ${line}`);
  const chain = args[1];
  const head: Record<string, { value: string; invert: boolean }> = {};
  const matches: Match[] = [];
  let target: string | undefined;
  const targetOpts: Opt[] = [];
  let invert = false;
  for (let i = 2; i < args.length; i++) {
    const a = args[i]!;
    if (a === '!') {
      invert = true;
      continue;
    }
    if (['-s', '-d', '-p', '-i', '-o'].includes(a)) head[a] = { value: args[++i]!, invert };
    else if (a === '-m') matches.push({ name: args[++i]!, opts: [] });
    else if (a === '-j') target = args[++i];
    else if (target !== undefined && a in TARGET_OPTIONS) targetOpts.push({ name: a, value: TARGET_OPTIONS[a] ? args[++i] : undefined, invert });
    else {
      const m = [...matches].reverse().find((x) => MATCH_OPTIONS[x.name]?.[a] !== undefined);
      if (!m) throw new Error(`unsupported option ${a} in ${line}`);
      m.opts.push({ name: a, value: MATCH_OPTIONS[m.name]![a] ? args[++i] : undefined, invert });
    }
    invert = false;
  }
  const out = ['-A', chain];
  for (const k of ['-s', '-d', '-i', '-o', '-p']) {
    const h = head[k];
    if (h === undefined) continue;
    if (h.invert) out.push('!');
    out.push(k, k === '-s' || k === '-d' ? saveAddress(h.value) : h.value);
  }
  for (const m of matches) out.push('-m', m.name, ...saveMatch(m, line));
  if (target !== undefined) out.push('-j', target, ...saveTarget(target, targetOpts, line));
  return out.join(' ');
}

function saveAddress(a: string): string {
  const cidr = parseIPv4CIDR(a.includes('/') ? a : `${a}/32`);
  if (cidr === undefined) throw new Error(`not an IPv4 address or CIDR: ${a}`);
  return formatIPv4CIDR(cidr);
}

function get(m: Match, name: string): Opt | undefined {
  return m.opts.find((o) => o.name === name);
}

function bang(o: Opt | undefined): string[] {
  return o?.invert ? ['!'] : [];
}

function saveMatch(m: Match, line: string): string[] {
  const out: string[] = [];
  const opt = (name: string, value = get(m, name)?.value) => {
    const o = get(m, name);
    if (o) out.push(...bang(o), name, ...(value === undefined ? [] : [value]));
  };
  switch (m.name) {
    case 'comment':
      return ['--comment', saveString(get(m, '--comment')?.value ?? '')];
    case 'tcp':
    case 'udp':
    case 'sctp':
      opt('--sport');
      opt('--dport');
      return out;
    case 'addrtype':
      opt('--src-type');
      opt('--dst-type');
      return out;
    case 'statistic': {
      const p = get(m, '--probability');
      out.push('--mode', get(m, '--mode')?.value ?? 'random');
      if (p) out.push(...bang(p), '--probability', formatFixedHalfEven(Math.round(0x80000000 * Number(p.value)) / 0x80000000, 11));
      return out;
    }
    case 'recent': {
      for (const f of ['--set', '--rcheck', '--update', '--remove']) opt(f);
      opt('--seconds');
      opt('--reap');
      opt('--hitcount');
      out.push('--name', get(m, '--name')?.value ?? 'DEFAULT');
      const mask = get(m, '--mask')?.value;
      out.push('--mask', mask === undefined ? '255.255.255.255' : formatIPv4(parseIPv4(mask) ?? 0xffffffff));
      out.push(get(m, '--rdest') ? '--rdest' : '--rsource');
      return out;
    }
    case 'mark': {
      const o = get(m, '--mark')!;
      return [...bang(o), '--mark', saveMark(o.value!)];
    }
    case 'conntrack': {
      const o = get(m, '--ctstate')!;
      const order = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];
      const states = o.value!.split(',');
      return [...bang(o), '--ctstate', order.filter((s) => states.includes(s)).join(',')];
    }
    case 'nfacct':
      return ['--nfacct-name', get(m, '--nfacct-name')?.value ?? ''];
    default:
      throw new Error(`unsupported match ${m.name} in ${line}`);
  }
}

/** "0x00004000/0x00004000" → "0x4000/0x4000"; a full mask is not printed. */
function saveMark(v: string): string {
  const [mark, mask] = v.split('/');
  const hex = (s: string) => `0x${(Number(s) >>> 0).toString(16)}`;
  if (mask === undefined || Number(mask) >>> 0 === 0xffffffff) return hex(mark!);
  return `${hex(mark!)}/${hex(mask)}`;
}

function saveTarget(target: string, opts: Opt[], line: string): string[] {
  const value = (name: string) => opts.find((o) => o.name === name)?.value;
  switch (target) {
    case 'REJECT':
      return ['--reject-with', value('--reject-with') ?? 'icmp-port-unreachable'];
    case 'DNAT':
      return ['--to-destination', value('--to-destination')!];
    case 'MASQUERADE':
      return opts.some((o) => o.name === '--random-fully') ? ['--random-fully'] : [];
    case 'MARK': {
      const or = value('--or-mark');
      const xor = value('--xor-mark');
      const set = value('--set-xmark');
      const hex = (s: string) => `0x${(Number(s) >>> 0).toString(16)}`;
      if (or !== undefined) return ['--set-xmark', `${hex(or)}/${hex(or)}`];
      if (xor !== undefined) return ['--set-xmark', `${hex(xor)}/0x0`];
      if (set !== undefined) {
        const [m, k = '0xffffffff'] = set.split('/');
        return ['--set-xmark', `${hex(m!)}/${hex(k)}`];
      }
      throw new Error(`MARK without a mark in ${line}`);
    }
    default:
      if (opts.length > 0) throw new Error(`unsupported options for ${target} in ${line}`);
      return [];
  }
}
