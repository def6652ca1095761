/**
 * IPv4 addresses as unsigned 32-bit numbers, and CIDR blocks over them. IPv6 is refused: minimesh is
 * single-stack IPv4.
 */

import { InvalidAddressError } from './errors.js';

const OCTET = /^[0-9]{1,3}$/;
const PREFIX = /^[0-9]{1,2}$/;

function refuseIPv6(s: string): void {
  if (s.includes(':')) throw new InvalidAddressError(`IPv6 is not supported (minimesh is single-stack IPv4): ${s}`);
}

/**
 * Parses dotted-quad IPv4 to an unsigned 32-bit number. Leading zeros are read as decimal, as
 * Kubernetes' ParseIPSloppy reads them ("010.1.1.1" is 10.1.1.1).
 */
export function parseIPv4(s: string): number {
  refuseIPv6(s);
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p) && Number(p) <= 255)) {
    throw new InvalidAddressError(`invalid IP address: ${s}`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function isIPv4(s: string): boolean {
  try {
    parseIPv4(s);
    return true;
  } catch {
    return false;
  }
}

export function formatIPv4(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidAddressError(`not an IPv4 address: ${n}`);
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

/** An IPv4 CIDR block; the network address has its host bits cleared. */
export class Cidr {
  /** The network address, as a number. */
  readonly network: number;

  constructor(
    network: number,
    readonly prefixLength: number,
  ) {
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) {
      throw new InvalidAddressError(`invalid prefix length: ${prefixLength}`);
    }
    formatIPv4(network); // range check
    this.network = network - (network % this.size);
  }

  /** Number of addresses in the block, network and broadcast included (Kubernetes' RangeSize). */
  get size(): number {
    return 2 ** (32 - this.prefixLength);
  }

  /** The last address of the block (the IPv4 broadcast address), as a number. */
  get broadcast(): number {
    return this.network + this.size - 1;
  }

  contains(ip: string | number): boolean {
    const n = typeof ip === 'number' ? ip : parseIPv4(ip);
    return n >= this.network && n <= this.broadcast;
  }

  /** Kubernetes' GetIndexedIP: the address `index` places after the network address. */
  indexedIP(index: number): string {
    const n = this.network + index;
    if (!Number.isInteger(index) || !this.contains(n)) {
      throw new InvalidAddressError(`can't generate IP with index ${index} from subnet. subnet too small. subnet: "${this}"`);
    }
    return formatIPv4(n);
  }

  toString(): string {
    return `${formatIPv4(this.network)}/${this.prefixLength}`;
  }
}

/**
 * Parses `a.b.c.d/n`. Host bits are cleared, as Go's ParseCIDR does for the network it returns
 * (`10.96.0.5/12` is the block 10.96.0.0/12).
 */
export function parseCidr(s: string): Cidr {
  refuseIPv6(s);
  const slash = s.indexOf('/');
  const prefix = s.slice(slash + 1);
  if (slash < 0 || !PREFIX.test(prefix) || Number(prefix) > 32 || !isIPv4(s.slice(0, slash))) {
    throw new InvalidAddressError(`invalid CIDR address: ${s}`);
  }
  return new Cidr(parseIPv4(s.slice(0, slash)), Number(prefix));
}

function asCidr(cidr: Cidr | string): Cidr {
  return typeof cidr === 'string' ? parseCidr(cidr) : cidr;
}

/** Number of addresses in the block (Kubernetes' RangeSize): 2^(32 - prefix). */
export function rangeSize(cidr: Cidr | string): number {
  return asCidr(cidr).size;
}

export function cidrContains(cidr: Cidr | string, ip: string | number): boolean {
  return asCidr(cidr).contains(ip);
}

/** Kubernetes' GetIndexedIP: `indexedIP('10.96.0.0/12', 10)` is `10.96.0.10` (the DNS Service by convention). */
export function indexedIP(cidr: Cidr | string, index: number): string {
  return asCidr(cidr).indexedIP(index);
}
