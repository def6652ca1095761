/**
 * IP addresses as DNS sees them, over libs/api's strict parser (Go's net.ParseIP): which record
 * type an address text makes, its canonical form (RFC 5952 for IPv6, so that Kubernetes' addresses
 * and addresses read back from reverse names compare equal), and the in-addr.arpa / ip6.arpa names
 * (CoreDNS plugin/pkg/dnsutil/reverse.go).
 */
import { formatIPv4, formatIPv6, parseIPStrict, parseIPv4Strict, type IPBytes } from '@minimesh/api';

export const IP4_ARPA = 'in-addr.arpa.';
export const IP6_ARPA = 'ip6.arpa.';

/** A dotted IPv4 address, strictly (no leading zeros, as Go's net.ParseIP): an A record's address. */
export function isIPv4(text: string): boolean {
  return parseIPv4Strict(text) !== undefined;
}

/** Text in IPv6 notation (an AAAA record's address), IPv4-mapped forms included. */
function parseIPv6Text(text: string): IPBytes | null {
  return text.includes(':') ? parseIPStrict(text) : null;
}

export function isIPv6(text: string): boolean {
  return parseIPv6Text(text) !== null;
}

export function isIP(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/**
 * The canonical text of an address, or undefined when it is not one. An address written in IPv6
 * notation stays IPv6 (`::ffff:1.2.3.4` → `::ffff:102:304`): it is an AAAA record's address.
 */
export function canonicalIP(text: string): string | undefined {
  const v4 = parseIPv4Strict(text);
  if (v4 !== undefined) return formatIPv4(v4);
  const v6 = parseIPv6Text(text);
  return v6 ? formatIPv6(v6) : undefined;
}

/** 1 for names under in-addr.arpa., 2 under ip6.arpa., 0 otherwise (dnsutil.IsReverse). Lower-case input. */
export function reverseKind(name: string): 0 | 1 | 2 {
  if (name.endsWith(`.${IP4_ARPA}`)) return 1;
  if (name.endsWith(`.${IP6_ARPA}`)) return 2;
  return 0;
}

/** The address a complete reverse name stands for (`4.3.2.1.in-addr.arpa.` → `1.2.3.4`), '' otherwise. */
export function addressFromReverse(name: string): string {
  const kind = reverseKind(name);
  if (kind === 1) {
    const parts = name.slice(0, -(IP4_ARPA.length + 1)).split('.').reverse();
    const v4 = parseIPv4Strict(parts.join('.'));
    return v4 === undefined ? '' : formatIPv4(v4);
  }
  if (kind === 2) {
    const nibbles = name.slice(0, -(IP6_ARPA.length + 1)).split('.').reverse();
    if (nibbles.length !== 32 || nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return '';
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = parseInt(nibbles[2 * i]! + nibbles[2 * i + 1]!, 16);
    return formatIPv6(bytes);
  }
  return '';
}

/** `1.2.3.4` → `4.3.2.1.in-addr.arpa.`; IPv6 as 32 reversed nibbles under ip6.arpa. */
export function reverseName(ip: string): string | undefined {
  const v4 = parseIPv4Strict(ip);
  if (v4 !== undefined) return `${formatIPv4(v4).split('.').reverse().join('.')}.${IP4_ARPA}`;
  const v6 = parseIPv6Text(ip);
  if (!v6) return undefined;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((v6[i]! & 0xf).toString(16), (v6[i]! >> 4).toString(16));
  return `${nibbles.join('.')}.${IP6_ARPA}`;
}
