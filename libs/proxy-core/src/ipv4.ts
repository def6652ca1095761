/**
 * The little IPv4 arithmetic the node agent needs: parse, format, CIDR containment. The agent
 * proxies one IP family, IPv4 (kube-proxy runs one proxier per family; IPv6 is left out here).
 */

/** An IPv4 address as an unsigned 32-bit number, or undefined when `s` is not a dotted quad. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.trim().split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIPv4(s: string): boolean {
  return parseIPv4(s) !== undefined;
}

/** The canonical form of an IPv4 address ("010.0.0.1" → "10.0.0.1"), or undefined. */
export function normalizeIPv4(s: string): string | undefined {
  const n = parseIPv4(s);
  return n === undefined ? undefined : formatIPv4(n);
}

export interface IPv4CIDR {
  /** Network address (host bits cleared). */
  readonly base: number;
  readonly bits: number;
}

export function parseIPv4CIDR(s: string): IPv4CIDR | undefined {
  const [addr, len, extra] = s.trim().split('/');
  if (addr === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const ip = parseIPv4(addr);
  const bits = Number(len);
  if (ip === undefined || bits > 32) return undefined;
  return { base: (ip & maskOf(bits)) >>> 0, bits };
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

export function cidrContains(cidr: IPv4CIDR, ip: number): boolean {
  return ((ip & maskOf(cidr.bits)) >>> 0) === cidr.base;
}

/** "203.0.113.5/25" → "203.0.113.0/25", as Go's net.IPNet.String() prints a parsed CIDR. */
export function formatIPv4CIDR(cidr: IPv4CIDR): string {
  return `${formatIPv4(cidr.base)}/${cidr.bits}`;
}

export function isLoopbackIPv4(ip: number): boolean {
  return ip >>> 24 === 127;
}
