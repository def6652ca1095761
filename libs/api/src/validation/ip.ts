/**
 * IP and CIDR parsing with Go's (pre-1.17, "sloppy") rules as k8s.io/utils/net keeps them —
 * IPv4 octets may carry leading zeros — and the validators built on it, worded as apimachinery's
 * IsValidIP / IsValidCIDR and core validation's ValidateNonSpecialIP (ValidateEndpointIP).
 */
import { field, type FieldError } from '../errors/field-error.js';

/** A parsed address: always 16 bytes; IPv4 is held IPv4-mapped, as Go's net.IP does. */
export type IPBytes = Uint8Array;

export type IPFamily = 'IPv4' | 'IPv6';

function parseDecimal(s: string, from: number): { n: number; end: number } | null {
  let n = 0;
  let i = from;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
    n = n * 10 + (s.charCodeAt(i) - 48);
    if (n >= 0xffffff) return null;
    i++;
  }
  return i === from ? null : { n, end: i };
}

function parseIPv4Octets(s: string): number[] | null {
  const out: number[] = [];
  let i = 0;
  for (let k = 0; k < 4; k++) {
    if (i >= s.length) return null;
    if (k > 0) {
      if (s[i] !== '.') return null;
      i++;
    }
    const d = parseDecimal(s, i);
    if (!d || d.n > 0xff) return null;
    out.push(d.n);
    i = d.end;
  }
  return i === s.length ? out : null;
}

function v4Mapped(octets: number[]): IPBytes {
  const b = new Uint8Array(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b.set(octets, 12);
  return b;
}

function parseIPv6(s: string): IPBytes | null {
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
    // A hex group of 1-4 digits, or a trailing dotted IPv4.
    let q = p;
    let n = 0;
    while (q < s.length && /[0-9a-fA-F]/.test(s[q]!)) {
      n = n * 16 + parseInt(s[q]!, 16);
      q++;
      if (n >= 0xffffff) return null;
    }
    if (q === p || n > 0xffff) return null;
    if (q < s.length && s[q] === '.') {
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16) return null;
      const v4 = parseIPv4Octets(s.slice(p));
      if (!v4) return null;
      ip.set(v4, i);
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

/** netutils.ParseIPSloppy: the address, or null. */
export function parseIPSloppy(s: string): IPBytes | null {
  for (const c of s) {
    if (c === '.') {
      const o = parseIPv4Octets(s);
      return o ? v4Mapped(o) : null;
    }
    if (c === ':') return parseIPv6(s);
  }
  return null;
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

/** netutils.IsIPv6String. */
export function isIPv6String(s: string): boolean {
  return ipFamilyOf(s) === 'IPv6';
}

/** netutils.ParseCIDRSloppy: the address and prefix length, or null. */
export function parseCIDRSloppy(s: string): { ip: IPBytes; bits: number; family: IPFamily } | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  let family: IPFamily = 'IPv4';
  let ip: IPBytes | null = null;
  const o = parseIPv4Octets(addr);
  if (o) ip = v4Mapped(o);
  else {
    family = 'IPv6';
    ip = parseIPv6(addr);
  }
  const m = parseDecimal(mask, 0);
  if (!ip || !m || m.end !== mask.length || m.n > (family === 'IPv4' ? 32 : 128)) return null;
  if (family === 'IPv6' && isIPv4Bytes(ip)) family = 'IPv4';
  return { ip, bits: m.n, family };
}

export const IP_ERROR_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const CIDR_ERROR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** IsValidIP. */
export function isValidIP(path: string, value: string): FieldError[] {
  return parseIPSloppy(value) ? [] : [field.invalid(path, value, IP_ERROR_MSG)];
}

/** IsValidIPv4Address (EndpointSlice IPv4 addresses). */
export function isValidIPv4Address(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  return ip && isIPv4Bytes(ip) ? [] : [field.invalid(path, value, 'must be a valid IPv4 address')];
}

/** IsValidIPv6Address (EndpointSlice IPv6 addresses). */
export function isValidIPv6Address(path: string, value: string): FieldError[] {
  const ip = parseIPSloppy(value);
  return ip && !isIPv4Bytes(ip) ? [] : [field.invalid(path, value, 'must be a valid IPv6 address')];
}

/** IsValidCIDR. */
export function isValidCIDR(path: string, value: string): FieldError[] {
  return parseCIDRSloppy(value) ? [] : [field.invalid(path, value, CIDR_ERROR_MSG)];
}

function isUnspecified(ip: IPBytes): boolean {
  const v4 = isIPv4Bytes(ip);
  for (let i = v4 ? 12 : 0; i < 16; i++) if (ip[i] !== 0) return false;
  return true;
}

function isLoopback(ip: IPBytes): boolean {
  if (isIPv4Bytes(ip)) return ip[12] === 127;
  for (let i = 0; i < 15; i++) if (ip[i] !== 0) return false;
  return ip[15] === 1;
}

function isLinkLocalUnicast(ip: IPBytes): boolean {
  if (isIPv4Bytes(ip)) return ip[12] === 169 && ip[13] === 254;
  return ip[0] === 0xfe && (ip[1]! & 0xc0) === 0x80;
}

function isLinkLocalMulticast(ip: IPBytes): boolean {
  if (isIPv4Bytes(ip)) return ip[12] === 224 && ip[13] === 0 && ip[14] === 0;
  return ip[0] === 0xff && (ip[1]! & 0x0f) === 0x02;
}

/**
 * ValidateNonSpecialIP (ValidateEndpointIP): Endpoints / EndpointSlice addresses and externalIPs
 * may not be unspecified, loopback, link-local or link-local multicast.
 */
export function validateNonSpecialIP(value: string, path: string): FieldError[] {
  const ip = parseIPSloppy(value);
  if (!ip) return [field.invalid(path, value, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  if (isUnspecified(ip)) errs.push(field.invalid(path, value, `may not be unspecified (${value})`));
  if (isLoopback(ip)) errs.push(field.invalid(path, value, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (isLinkLocalUnicast(ip)) errs.push(field.invalid(path, value, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (isLinkLocalMulticast(ip)) errs.push(field.invalid(path, value, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}
