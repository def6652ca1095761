/**
 * IPv4 as unsigned 32-bit numbers, and CIDR blocks over them: the arithmetic the allocators and the
 * node agent do (the data plane proxies one family, IPv4, as kube-proxy runs one proxier per
 * family). Parsing is sloppy (leading zeros read as decimal), as Kubernetes reads API objects;
 * `parseIPv4Strict` is Go 1.17+ net.ParseIP for text that is not an API object.
 */
import { scanIPv4 } from './ip.js';

/** An IPv4 address as an unsigned 32-bit number, or undefined when `s` is not a dotted quad. */
export function parseIPv4(s: string): number | undefined {
  return scanIPv4(s, 0, s.length, false);
}

/** As parseIPv4, but refusing leading zeros ("010.0.0.1"), as Go 1.17+ net.ParseIP does. */
export function parseIPv4Strict(s: string): number | undefined {
  return scanIPv4(s, 0, s.length, true);
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function isIPv4(s: string): boolean {
  return parseIPv4(s) !== undefined;
}

/** The canonical form of an IPv4 address ("010.0.0.1" → "10.0.0.1"), or undefined. */
export function normalizeIPv4(s: string): string | undefined {
  const n = parseIPv4(s);
  return n === undefined ? undefined : formatIPv4(n);
}

export function isLoopbackIPv4(ip: number): boolean {
  return ip >>> 24 === 127;
}

export interface IPv4CIDR {
  /** Network address (host bits cleared). */
  readonly base: number;
  readonly bits: number;
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** `a.b.c.d/n` with host bits cleared (Go's ParseCIDR network), or undefined. */
export function parseIPv4CIDR(s: string): IPv4CIDR | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = scanIPv4(s, 0, slash, false);
  const len = s.slice(slash + 1);
  if (ip === undefined || !/^[0-9]{1,2}$/.test(len) || Number(len) > 32) return undefined;
  const bits = Number(len);
  return { base: (ip & maskOf(bits)) >>> 0, bits };
}

export function cidrContains(cidr: IPv4CIDR, ip: number): boolean {
  return ((ip & maskOf(cidr.bits)) >>> 0) === cidr.base;
}

/** Number of addresses in the block, network and broadcast included (Kubernetes' RangeSize). */
export function cidrSize(cidr: IPv4CIDR): number {
  return 2 ** (32 - cidr.bits);
}

/** "203.0.113.5/25" → "203.0.113.0/25", as Go's net.IPNet.String() prints a parsed CIDR. */
export function formatIPv4CIDR(cidr: IPv4CIDR): string {
  return `${formatIPv4(cidr.base)}/${cidr.bits}`;
}
