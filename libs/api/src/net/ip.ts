/**
 * IP address parsing and printing, one implementation for the whole project (k8s.io/utils/net's
 * role). Two strictnesses, chosen deliberately by the caller:
 *
 *   - sloppy (`parseIPSloppy`, `parseIPv4`): Go's pre-1.17 rules that Kubernetes keeps for API
 *     objects (k8s.io/utils/net ParseIPSloppy): IPv4 octets may carry leading zeros, read as
 *     decimal ("010.1.1.1" is 10.1.1.1). Everything that reads Kubernetes objects uses these.
 *   - strict (`parseIPStrict`, `parseIPv4Strict`): Go 1.17+ net.ParseIP, which refuses leading
 *     zeros. DNS uses these for names it reads off the wire (reverse names), as CoreDNS does.
 *
 * Addresses are 16 bytes with IPv4 held IPv4-mapped, as Go's net.IP; IPv4 alone is also offered
 * as an unsigned 32-bit number (`./ipv4.ts`), the form the data plane computes with.
 */

/** A parsed address: always 16 bytes; IPv4 is held IPv4-mapped (::ffff:a.b.c.d), as Go's net.IP. */
export type IPBytes = Uint8Array;

export type IPFamily = 'IPv4' | 'IPv6';

const BIG = 0xffffff;

/**
 * Scans a dotted IPv4 address in s[from, to) and returns it as an unsigned 32-bit number.
 * Sloppy: any number of digits per octet while the value stays small (Go's old dtoi). Strict: no
 * leading zero, at most three digits. Hand-written: DNS answers call this for every record.
 */
export function scanIPv4(s: string, from: number, to: number, strict: boolean): number | undefined {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let octets = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || octet > 255 || octets === 4) return undefined;
      n = n * 256 + octet;
      octets++;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (strict && (digits === 3 || (digits === 1 && octet === 0))) return undefined;
      octet = octet * 10 + (c - 0x30);
      if (octet >= BIG) return undefined;
      digits++;
    } else return undefined;
  }
  return octets === 4 ? n : undefined;
}

function v4Mapped(n: number): IPBytes {
  const b = new Uint8Array(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b[12] = n >>> 24;
  b[13] = (n >>> 16) & 0xff;
  b[14] = (n >>> 8) & 0xff;
  b[15] = n & 0xff;
  return b;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Go's parseIPv6: hex groups, one `::`, an optional dotted IPv4 tail. No zone (`%eth0`). */
function parseIPv6(s: string, strict: boolean): IPBytes | null {
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  let i = 0;
  let p = 0;
  if (s.startsWith('::')) {
    ellipsis = 0;
    p = 2;
    if (p === s.length) return ip;
  }
  while (i < 16) {
    let q = p;
    let n = 0;
    for (let h; q < s.length && (h = hexValue(s.charCodeAt(q))) >= 0; q++) {
      n = n * 16 + h;
      if (n >= BIG) return null;
    }
    if (q === p || n > 0xffff) return null;
    if (q < s.length && s[q] === '.') {
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16) return null;
      const v4 = scanIPv4(s, p, s.length, strict);
      if (v4 === undefined) return null;
      ip.set(v4Mapped(v4).subarray(12), i);
      i += 4;
      p = s.length;
      break;
    }
    ip[i] = n >> 8;
    ip[i + 1] = n & 0xff;
    i += 2;
    p = q;
    if (p === s.length) break;
    if (s[p] !== ':' || p + 1 === s.length) return null;
    p++;
    if (s[p] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      p++;
      if (p === s.length) break;
    }
  }
  if (p !== s.length) return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return null; // "::" must stand for at least one group
  }
  return ip;
}

function parseIP(s: string, strict: boolean): IPBytes | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      const n = scanIPv4(s, 0, s.length, strict);
      return n === undefined ? null : v4Mapped(n);
    }
    if (c === 0x3a) return parseIPv6(s, strict);
  }
  return null;
}

/** netutils.ParseIPSloppy: the address (leading zeros allowed in IPv4 octets), or null. */
export function parseIPSloppy(s: string): IPBytes | null {
  return parseIP(s, false);
}

/** Go 1.17+ net.ParseIP: the address (no leading zeros), or null. */
export function parseIPStrict(s: string): IPBytes | null {
  return parseIP(s, true);
}

/** Go's ip.To4() != nil: IPv4, including IPv4-mapped IPv6. */
export function isIPv4Bytes(ip: IPBytes): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** The family of an address string (IPv4-mapped IPv6 counts as IPv4), or undefined if it is not one. */
export function ipFamilyOf(s: string): IPFamily | undefined {
  const ip = parseIPSloppy(s);
  if (!ip) return undefined;
  return isIPv4Bytes(ip) ? 'IPv4' : 'IPv6';
}

/** netutils.IsIPv6String: a valid address of the IPv6 family. */
export function isIPv6String(s: string | undefined): boolean {
  return s !== undefined && ipFamilyOf(s) === 'IPv6';
}

/** netutils.IsIPv4String: a valid address of the IPv4 family. */
export function isIPv4String(s: string | undefined): boolean {
  return s !== undefined && ipFamilyOf(s) === 'IPv4';
}

/** RFC 5952 text of all 16 bytes: lower-case, no leading zeros, the longest run (>1) of zero groups as `::`. */
export function formatIPv6(ip: IPBytes): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Go's net.IP.String(): IPv4 (and IPv4-mapped) as a dotted quad, IPv6 as RFC 5952. */
export function formatIP(ip: IPBytes): string {
  return isIPv4Bytes(ip) ? `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}` : formatIPv6(ip);
}

/** netutils.ParseCIDRSloppy: the address and prefix length, or null. */
export function parseCIDRSloppy(s: string): { ip: IPBytes; bits: number; family: IPFamily } | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  let family: IPFamily = 'IPv4';
  let ip: IPBytes | null = null;
  const v4 = scanIPv4(addr, 0, addr.length, false);
  if (v4 !== undefined) ip = v4Mapped(v4);
  else {
    family = 'IPv6';
    ip = parseIPv6(addr, false);
  }
  if (!ip || !/^[0-9]+$/.test(mask)) return null;
  const bits = Number(mask);
  if (bits > (family === 'IPv4' ? 32 : 128)) return null;
  if (family === 'IPv6' && isIPv4Bytes(ip)) family = 'IPv4';
  return { ip, bits, family };
}
