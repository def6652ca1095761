/**
 * IP address text: validation, the canonical form (RFC 5952 for IPv6, as Go's net.IP.String()
 * prints it, so that Kubernetes' addresses and addresses read back from reverse names compare
 * equal), and the in-addr.arpa / ip6.arpa names (CoreDNS plugin/pkg/dnsutil/reverse.go).
 */

export const IP4_ARPA = 'in-addr.arpa.';
export const IP6_ARPA = 'ip6.arpa.';

export function parseIPv4(text: string): number[] | undefined {
  // A hand-written scan: this runs for every record of every answer.
  const out: number[] = [];
  let octet = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || octet > 255 || out.length === 4) return undefined;
      out.push(octet);
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 3 || (digits === 1 && octet === 0)) return undefined; // at most 3 digits, no leading zero
      octet = octet * 10 + (c - 0x30);
      digits++;
    } else return undefined;
  }
  return out.length === 4 ? out : undefined;
}

/** The 8 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail is accepted). */
export function parseIPv6(text: string): number[] | undefined {
  if (!text.includes(':') || /[^0-9a-fA-F:.]/.test(text)) return undefined;
  let head = text;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    const hi = ((v4[0]! << 8) | v4[1]!).toString(16);
    const lo = ((v4[2]! << 8) | v4[3]!).toString(16);
    head = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const double = head.split('::');
  if (double.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = groups(double[0]!);
  if (!left) return undefined;
  let all: number[];
  if (double.length === 2) {
    const right = groups(double[1]!);
    if (!right) return undefined;
    const fill = 8 - left.length - right.length;
    if (fill < 1) return undefined;
    all = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    all = left;
  }
  return all.length === 8 ? all : undefined;
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

export function isIPv6(text: string): boolean {
  return parseIPv6(text) !== undefined;
}

export function isIP(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/** RFC 5952: lower-case, no leading zeros, the longest run (>1) of zero groups as `::`. */
export function formatIPv6(groups: readonly number[]): string {
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

/** The canonical text of an address, or undefined when it is not one. */
export function canonicalIP(text: string): string | undefined {
  const v4 = parseIPv4(text);
  if (v4) return v4.join('.');
  const v6 = parseIPv6(text);
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
    const v4 = parseIPv4(parts.join('.'));
    return v4 ? v4.join('.') : '';
  }
  if (kind === 2) {
    const nibbles = name.slice(0, -(IP6_ARPA.length + 1)).split('.').reverse();
    if (nibbles.length !== 32 || nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return '';
    const groups: number[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(parseInt(nibbles.slice(i, i + 4).join(''), 16));
    return formatIPv6(groups);
  }
  return '';
}

/** `1.2.3.4` → `4.3.2.1.in-addr.arpa.`; IPv6 as 32 reversed nibbles under ip6.arpa. */
export function reverseName(ip: string): string | undefined {
  const v4 = parseIPv4(ip);
  if (v4) return `${[...v4].reverse().join('.')}.${IP4_ARPA}`;
  const v6 = parseIPv6(ip);
  if (!v6) return undefined;
  const nibbles = v6.map((g) => g.toString(16).padStart(4, '0')).join('').split('');
  return `${nibbles.reverse().join('.')}.${IP6_ARPA}`;
}
