/**
 * ipset in the text forms the applier needs: set specs with their `create` options (as
 * kube-proxy's pkg/proxy/ipvs/ipset runner passes them), entries printed the way `ipset list` /
 * `ipset save` print them, an `ipset restore` script that makes the kernel's sets match the
 * desired ones (create with -exist, delete extra entries, add missing ones, as kube-proxy's
 * syncIPSetEntries reconciles them), and a parser of `ipset save` output.
 */
import { parseIPv4CIDR } from '@minimesh/api';

export type IpsetType = 'hash:ip' | 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'bitmap:port';

export interface IpsetSpec {
  readonly name: string;
  readonly type: IpsetType;
  /** kube-proxy's comment, used by the iptables rules that match the set (not a create option). */
  readonly comment: string;
  /** hash types: family inet, hashsize 1024, maxelem 65536 (kube-proxy's defaults). */
  readonly hashSize?: number;
  readonly maxElem?: number;
  /** bitmap:port: "0-65535" by default. */
  readonly portRange?: string;
}

/** The `create` arguments after the name: `hash:ip,port family inet hashsize 1024 maxelem 65536`. */
export function ipsetCreateArgs(spec: IpsetSpec): string[] {
  if (spec.type === 'bitmap:port') return [spec.type, 'range', spec.portRange ?? '0-65535'];
  return [spec.type, 'family', 'inet', 'hashsize', String(spec.hashSize ?? 1024), 'maxelem', String(spec.maxElem ?? 65536)];
}

export type IpsetProto = 'tcp' | 'udp' | 'sctp';

/** One member: the fields its set type uses. */
export interface IpsetEntry {
  readonly ip?: string;
  readonly protocol?: IpsetProto;
  readonly port?: number;
  /** hash:ip,port,ip: the second address. */
  readonly ip2?: string;
  /** hash:ip,port,net: a CIDR. */
  readonly net?: string;
}

export class IpsetEntryError extends Error {
  constructor(type: IpsetType, entry: IpsetEntry, reason: string) {
    super(`bad ${type} entry ${JSON.stringify(entry)}: ${reason}`);
    this.name = 'IpsetEntryError';
  }
}

/**
 * An entry as ipset prints it: `10.96.0.1` (hash:ip), `10.96.0.1,tcp:443` (hash:ip,port),
 * `10.244.1.5,tcp:80,10.244.1.5` (hash:ip,port,ip), `203.0.113.7,tcp:80,10.0.0.0/8`
 * (hash:ip,port,net; a /32 without its suffix, as ipset omits a host mask) and `30002`
 * (bitmap:port).
 */
export function formatIpsetEntry(type: IpsetType, e: IpsetEntry): string {
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new IpsetEntryError(type, e, `missing ${what}`);
    return v;
  };
  if (type === 'bitmap:port') return String(need(e.port, 'port'));
  const ip = need(e.ip, 'ip');
  if (type === 'hash:ip') return ip;
  const ipPort = `${ip},${e.protocol ?? 'tcp'}:${need(e.port, 'port')}`;
  if (type === 'hash:ip,port') return ipPort;
  if (type === 'hash:ip,port,ip') return `${ipPort},${need(e.ip2, 'ip2')}`;
  const net = need(e.net, 'net');
  const cidr = parseIPv4CIDR(net);
  if (cidr === undefined) throw new IpsetEntryError(type, e, `net ${net} is not a CIDR`);
  return `${ipPort},${cidr.bits === 32 ? net.slice(0, net.indexOf('/')) : net}`;
}

/** A set as it should be (desired) or is (saved): spec and members. */
export interface IpsetState {
  readonly spec: IpsetSpec;
  readonly entries: readonly string[];
}

/** Members sorted for output: bitmap:port numerically, other types as text. */
export function sortIpsetEntries(type: IpsetType, entries: Iterable<string>): string[] {
  const list = [...new Set(entries)];
  if (type === 'bitmap:port') return list.sort((a, b) => Number(a) - Number(b));
  return list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The `ipset restore` input that brings the kernel's sets to `desired`: every set created with
 * -exist, then per set the members `current` has and `desired` lacks deleted and the missing ones
 * added (all of a set's members when `current` does not have the set). Sets absent from `desired`
 * are left alone, as kube-proxy leaves them. Deletions carry -exist too: a member that vanished
 * meanwhile must not fail the whole restore.
 */
export function ipsetRestoreText(desired: readonly IpsetState[], current: ReadonlyMap<string, readonly string[]> = new Map()): string {
  const lines: string[] = [];
  for (const s of desired) lines.push(`create ${s.spec.name} ${ipsetCreateArgs(s.spec).join(' ')} -exist`);
  for (const s of desired) {
    const want = new Set(s.entries);
    const have = current.get(s.spec.name);
    if (have !== undefined) {
      const haveSet = new Set(have);
      for (const e of sortIpsetEntries(s.spec.type, have)) if (!want.has(e)) lines.push(`del ${s.spec.name} ${e} -exist`);
      for (const e of sortIpsetEntries(s.spec.type, want)) if (!haveSet.has(e)) lines.push(`add ${s.spec.name} ${e} -exist`);
    } else {
      for (const e of sortIpsetEntries(s.spec.type, want)) lines.push(`add ${s.spec.name} ${e} -exist`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** One set of `ipset save` output. */
export interface SavedIpset {
  readonly name: string;
  /** The type as printed (kept as text: other tools' sets may have any type). */
  readonly type: string;
  /** The create options after the type, verbatim (`family inet hashsize 1024 ...`). */
  readonly options: readonly string[];
  /** Members in the order saved (without per-member options such as timeout or comment). */
  readonly entries: readonly string[];
}

export class IpsetSaveParseError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    reason: string,
  ) {
    super(`ipset save line ${lineNumber}: ${reason}: ${JSON.stringify(line)}`);
    this.name = 'IpsetSaveParseError';
  }
}

/** Parses `ipset save` (or `ipset save NAME`) output: `create` and `add` lines. */
export function parseIpsetSave(text: string): SavedIpset[] {
  const sets = new Map<string, { name: string; type: string; options: string[]; entries: string[] }>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    const [verb, name, third] = words;
    if (verb === 'create') {
      if (name === undefined || third === undefined) throw new IpsetSaveParseError(i + 1, raw, 'create needs a name and a type');
      if (sets.has(name)) throw new IpsetSaveParseError(i + 1, raw, `set ${name} created twice`);
      sets.set(name, { name, type: third, options: words.slice(3), entries: [] });
    } else if (verb === 'add') {
      if (name === undefined || third === undefined) throw new IpsetSaveParseError(i + 1, raw, 'add needs a set and a member');
      const set = sets.get(name);
      if (set === undefined) throw new IpsetSaveParseError(i + 1, raw, `member of set ${name} before its create line`);
      set.entries.push(third);
    } else {
      throw new IpsetSaveParseError(i + 1, raw, `unknown command ${verb}`);
    }
  });
  return [...sets.values()];
}

/** Saved sets as the `current` argument of ipsetRestoreText: members by set name. */
export function savedEntriesByName(saved: readonly SavedIpset[]): Map<string, readonly string[]> {
  return new Map(saved.map((s) => [s.name, s.entries]));
}
