/**
 * IPv4 CIDR blocks for the allocators, over libs/api's IPv4 numbers, with Kubernetes' errors. IPv6
 * is refused: minimesh is single-stack IPv4.
 */

import { formatIPv4, parseIPv4 } from '@minimesh/api';
import { InvalidAddressError } from './errors.js';

const PREFIX = /^[0-9]{1,2}$/;

function refuseIPv6(s: string): void {
  if (s.includes(':')) throw new InvalidAddressError(`IPv6 is not supported (minimesh is single-stack IPv4): ${s}`);
}

/**
 * An IPv4 address as an unsigned 32-bit number (libs/api's sloppy parser: leading zeros read as
 * decimal, as Kubernetes' ParseIPSloppy), or an InvalidAddressError in Kubernetes' words.
 */
export function requireIPv4(s: string): number {
  refuseIPv6(s);
  const n = parseIPv4(s);
  if (n === undefined) throw new InvalidAddressError(`invalid IP address: ${s}`);
  return n;
}

function requireIPv4Number(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidAddressError(`not an IPv4 address: ${n}`);
  return n;
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
    requireIPv4Number(network);
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
    const n = typeof ip === 'number' ? ip : requireIPv4(ip);
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
  const network = slash < 0 ? undefined : parseIPv4(s.slice(0, slash));
  if (network === undefined || !PREFIX.test(prefix) || Number(prefix) > 32) {
    throw new InvalidAddressError(`invalid CIDR address: ${s}`);
  }
  return new Cidr(network, Number(prefix));
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
