/**
 * The ClusterIP allocator: Kubernetes' ipallocator bitmap over the service CIDR, with the KEP-3070
 * static/dynamic split.
 *
 *   10.96.0.0/12: 10.96.0.0 (network, never) | 10.96.0.1 … 10.96.1.0 static band (256)
 *                 | 10.96.1.1 … 10.111.255.254 dynamic band | 10.111.255.255 (broadcast, never)
 *
 * Bitmap offset 0 is the network address + 1. Dynamic allocations come from the upper band first;
 * a specific IP may be requested anywhere in the range.
 */

import { AllocationBitmap, type AllocatorOptions } from './bitmap.js';
import { formatIPv4 } from '@minimesh/api';
import { Cidr, parseCidr, requireIPv4 } from './cidr.js';
import { AllocatorFullError, AlreadyAllocatedError, InvalidAddressError, InvalidRangeError, NotInRangeError } from './errors.js';

/** kube-apiserver refuses a service CIDR with fewer addresses than this. */
export const MIN_SERVICE_CIDR_SIZE = 8;
/** kube-apiserver's maxCIDRBits for the bitmap allocator: at most 2^20 addresses (an IPv4 /12). */
export const MAX_SERVICE_CIDR_HOST_BITS = 20;

/** An inclusive run of addresses. */
export interface IPBand {
  readonly first: string;
  readonly last: string;
  readonly size: number;
}

/**
 * KEP-3070's static band size for a CIDR: min(max(16, size/16), 256), or 0 (no split) when the CIDR
 * has 16 addresses or fewer. /12 and /16 → 256, /22 → 64, /24 and /26 → 16, /28 → 0.
 */
export function calculateIPRangeOffset(cidr: Cidr | string): number {
  const size = (typeof cidr === 'string' ? parseCidr(cidr) : cidr).size;
  if (size <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(size / 16)), 256);
}

export class ClusterIPAllocator {
  readonly cidr: Cidr;
  /** Allocatable addresses: the CIDR minus its network and broadcast addresses. */
  readonly max: number;
  /** Size of the static band (bitmap offsets [0, offset)). */
  readonly offset: number;
  private readonly bitmap: AllocationBitmap;
  /** The address at bitmap offset 0. */
  private readonly base: number;

  constructor(cidr: Cidr | string, options: AllocatorOptions = {}) {
    this.cidr = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
    if (this.cidr.size < MIN_SERVICE_CIDR_SIZE) {
      throw new InvalidRangeError('the service cluster IP range must be at least 8 IP addresses');
    }
    const hostBits = 32 - this.cidr.prefixLength;
    if (hostBits > MAX_SERVICE_CIDR_HOST_BITS) {
      throw new InvalidRangeError(
        `specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= ${32 - MAX_SERVICE_CIDR_HOST_BITS}`,
      );
    }
    this.base = this.cidr.network + 1;
    this.max = this.cidr.size - 2;
    this.offset = calculateIPRangeOffset(this.cidr);
    this.bitmap = new AllocationBitmap(this.max, this.offset, options.random);
  }

  /** Reserves a specific IP (a static request; accepted anywhere in the range). */
  allocate(ip: string): void {
    const offset = this.offsetOf(ip);
    if (!this.bitmap.allocate(offset)) throw new AlreadyAllocatedError('IP', ip);
  }

  /** Reserves a free IP, from the dynamic band while it has room. */
  allocateNext(): string {
    const offset = this.bitmap.allocateNext();
    if (offset === undefined) throw new AllocatorFullError('IP');
    return formatIPv4(this.base + offset);
  }

  /** Returns an IP to the pool; releasing a free or out-of-range IP is a no-op, as in Kubernetes. */
  release(ip: string): void {
    const offset = this.tryOffsetOf(ip);
    if (offset !== undefined) this.bitmap.release(offset);
  }

  /** True when the IP is allocated (so allocate(ip) would fail with AlreadyAllocatedError). */
  has(ip: string): boolean {
    const offset = this.tryOffsetOf(ip);
    return offset !== undefined && this.bitmap.has(offset);
  }

  used(): number {
    return this.bitmap.count;
  }

  free(): number {
    return this.bitmap.free;
  }

  /** Allocated IPs in ascending numeric order. */
  snapshot(): string[] {
    return [...this.bitmap.offsets()].map((o) => formatIPv4(this.base + o));
  }

  /**
   * Replaces the allocation state with exactly these IPs (e.g. those of the stored Services). All or
   * nothing: an IP outside the range (NotInRangeError) or listed twice (AlreadyAllocatedError) leaves
   * the allocator unchanged.
   */
  restore(ips: readonly string[]): void {
    const offsets = new Set<number>();
    for (const ip of ips) {
      const offset = this.offsetOf(ip);
      if (offsets.has(offset)) throw new AlreadyAllocatedError('IP', ip);
      offsets.add(offset);
    }
    this.bitmap.reset(offsets);
  }

  /** The static band (preferred for user-chosen IPs), or null when the range is too small to split. */
  staticBand(): IPBand | null {
    if (this.offset === 0) return null;
    return { first: formatIPv4(this.base), last: formatIPv4(this.base + this.offset - 1), size: this.offset };
  }

  /** Last address of the static band (10.96.1.0 for 10.96.0.0/12), or null when there is none. */
  staticBandEnd(): string | null {
    return this.staticBand()?.last ?? null;
  }

  /** The band dynamic allocation draws from first (the whole usable range when there is no split). */
  dynamicBand(): IPBand {
    return {
      first: formatIPv4(this.base + this.offset),
      last: formatIPv4(this.base + this.max - 1),
      size: this.max - this.offset,
    };
  }

  private offsetOf(ip: string): number {
    const offset = this.tryOffsetOf(ip);
    if (offset === undefined) throw new NotInRangeError('IP', canonical(ip), this.cidr.toString());
    return offset;
  }

  /** Offset of an allocatable IP; undefined for unparsable IPs, other networks, network and broadcast. */
  private tryOffsetOf(ip: string): number | undefined {
    let n: number;
    try {
      n = requireIPv4(ip);
    } catch (e) {
      if (e instanceof InvalidAddressError) return undefined;
      throw e;
    }
    const offset = n - this.base;
    return offset >= 0 && offset < this.max ? offset : undefined;
  }
}

/** The IP as Go would print it in the error (canonical dotted quad), or as given when it does not parse. */
function canonical(ip: string): string {
  try {
    return formatIPv4(requireIPv4(ip));
  } catch {
    return ip;
  }
}
