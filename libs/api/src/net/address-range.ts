/**
 * Address ranges as MetalLB's pools write them: a CIDR (`192.168.10.0/24`) or a range
 * (`192.168.9.1-192.168.9.5`), IPv4 or IPv6, as first and last address (bigints, so both families
 * compare alike). Errors are MetalLB's words (internal/config/config.go).
 */
import { formatIP, isIPv4Bytes, parseCIDRSloppy, parseIPSloppy, type IPBytes, type IPFamily } from './ip.js';

export interface AddressRange {
  /** The text it was parsed from. */
  text: string;
  family: IPFamily;
  first: bigint;
  last: bigint;
}

function toBig(ip: IPBytes, family: IPFamily): bigint {
  let n = 0n;
  for (let i = family === 'IPv4' ? 12 : 0; i < 16; i++) n = (n << 8n) | BigInt(ip[i]!);
  return n;
}

/** The address `n` of a family as text. */
export function formatBigIP(n: bigint, family: IPFamily): string {
  const b = new Uint8Array(16);
  if (family === 'IPv4') {
    b[10] = 0xff;
    b[11] = 0xff;
  }
  let v = n;
  for (let i = 15; i >= (family === 'IPv4' ? 12 : 0); i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return formatIP(b);
}

export function addressToBig(text: string): { family: IPFamily; value: bigint } | undefined {
  const ip = parseIPSloppy(text);
  if (!ip) return undefined;
  const family: IPFamily = isIPv4Bytes(ip) ? 'IPv4' : 'IPv6';
  return { family, value: toBig(ip, family) };
}

/** A pool entry, or the reason it is not one. */
export function parseAddressRange(text: string): AddressRange | string {
  if (text.includes('-')) {
    const [a, b, extra] = text.split('-');
    const start = addressToBig((a ?? '').trim());
    const end = addressToBig((b ?? '').trim());
    if (extra !== undefined || !start) return `invalid IP range ${JSON.stringify(text)}: invalid start IP ${JSON.stringify(a ?? '')}`;
    if (!end) return `invalid IP range ${JSON.stringify(text)}: invalid end IP ${JSON.stringify(b ?? '')}`;
    if (start.family !== end.family) return `invalid IP range ${JSON.stringify(text)}: start and end IPs are of different families`;
    if (start.value > end.value) return `invalid IP range ${JSON.stringify(text)}: start IP ${JSON.stringify(a)} is after the end IP ${JSON.stringify(b)}`;
    return { text, family: start.family, first: start.value, last: end.value };
  }
  const cidr = parseCIDRSloppy(text);
  if (!cidr) return `invalid CIDR address: ${text}`;
  const width = cidr.family === 'IPv4' ? 32 : 128;
  const base = toBig(cidr.ip, cidr.family);
  const hostBits = BigInt(width - cidr.bits);
  const first = (base >> hostBits) << hostBits;
  return { text, family: cidr.family, first, last: first + (1n << hostBits) - 1n };
}

export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

export function rangeContains(r: AddressRange, ip: string): boolean {
  const a = addressToBig(ip);
  return a !== undefined && a.family === r.family && a.value >= r.first && a.value <= r.last;
}
