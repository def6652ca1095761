/**
 * The NodePort allocator: Kubernetes' portallocator bitmap over the node port range, with the
 * KEP-3668 static/dynamic split. Keyed by port number only: a port taken for TCP is taken for UDP too.
 *
 *   30000-32767: 30000 … 30085 static band (86) | 30086 … 32767 dynamic band
 */

import { AllocationBitmap, type AllocatorOptions } from './bitmap.js';
import { AllocatorFullError, AlreadyAllocatedError, InvalidRangeError, NotInRangeError } from './errors.js';
import { DEFAULT_NODE_PORT_RANGE, parsePortRange, PortRange } from './port-range.js';

/** An inclusive run of ports. */
export interface PortBand {
  readonly first: number;
  readonly last: number;
  readonly size: number;
}

/**
 * KEP-3668's static band size for a port range: min(max(16, size/32), 128), or 0 (no split) when the
 * range has 16 ports or fewer. The default range (2768 ports) → 86.
 */
export function calculatePortRangeOffset(range: PortRange | string): number {
  const size = (typeof range === 'string' ? parsePortRange(range) : range).size;
  if (size <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(size / 32)), 128);
}

export class NodePortAllocator {
  readonly range: PortRange;
  /** Size of the static band (ports base … base+offset-1). */
  readonly offset: number;
  private readonly bitmap: AllocationBitmap;

  constructor(range: PortRange | string = DEFAULT_NODE_PORT_RANGE, options: AllocatorOptions = {}) {
    this.range = typeof range === 'string' ? parsePortRange(range) : range;
    if (this.range.size === 0) throw new InvalidRangeError('the node port range must not be empty');
    this.offset = calculatePortRangeOffset(this.range);
    this.bitmap = new AllocationBitmap(this.range.size, this.offset, options.random);
  }

  get max(): number {
    return this.range.size;
  }

  /** Reserves a specific port (a static request; accepted anywhere in the range). */
  allocate(port: number): void {
    if (!this.bitmap.allocate(this.offsetOf(port))) throw new AlreadyAllocatedError('port', port);
  }

  /** Reserves a free port, from the dynamic band while it has room. */
  allocateNext(): number {
    const offset = this.bitmap.allocateNext();
    if (offset === undefined) throw new AllocatorFullError('port');
    return this.range.base + offset;
  }

  /** Returns a port to the pool; releasing a free or out-of-range port is a no-op, as in Kubernetes. */
  release(port: number): void {
    if (this.inRange(port)) this.bitmap.release(port - this.range.base);
  }

  /** True when the port is allocated (so allocate(port) would fail with AlreadyAllocatedError). */
  has(port: number): boolean {
    return this.inRange(port) && this.bitmap.has(port - this.range.base);
  }

  used(): number {
    return this.bitmap.count;
  }

  free(): number {
    return this.bitmap.free;
  }

  /** Allocated ports in ascending order. */
  snapshot(): number[] {
    return [...this.bitmap.offsets()].map((o) => this.range.base + o);
  }

  /**
   * Replaces the allocation state with exactly these ports. All or nothing: a port outside the range
   * (NotInRangeError) or listed twice (AlreadyAllocatedError) leaves the allocator unchanged.
   */
  restore(ports: readonly number[]): void {
    const offsets = new Set<number>();
    for (const port of ports) {
      const offset = this.offsetOf(port);
      if (offsets.has(offset)) throw new AlreadyAllocatedError('port', port);
      offsets.add(offset);
    }
    this.bitmap.reset(offsets);
  }

  /** The static band (preferred for user-chosen nodePorts), or null when the range is too small to split. */
  staticBand(): PortBand | null {
    if (this.offset === 0) return null;
    return { first: this.range.base, last: this.range.base + this.offset - 1, size: this.offset };
  }

  /** Last port of the static band (30085 for the default range), or null when there is none. */
  staticBandEnd(): number | null {
    return this.staticBand()?.last ?? null;
  }

  /** The band dynamic allocation draws from first (the whole range when there is no split). */
  dynamicBand(): PortBand {
    return { first: this.range.base + this.offset, last: this.range.last, size: this.range.size - this.offset };
  }

  private inRange(port: number): boolean {
    return Number.isInteger(port) && this.range.contains(port);
  }

  private offsetOf(port: number): number {
    if (!this.inRange(port)) throw new NotInRangeError('port', port, this.range.toString());
    return port - this.range.base;
  }
}
