/**
 * The allocation bitmap both allocators sit on: one bit per item at offsets [0, max), split into a
 * lower "static" band [0, offset) and an upper "dynamic" band [offset, max). Dynamic allocation is
 * Kubernetes' randomScanStrategyWithOffset: a random start in the upper band, scanning forward with
 * wrap-around; when the upper band is full, the same in the lower band; then nothing.
 */

/** Returns a number in [0, 1), like Math.random. */
export type RandomSource = () => number;

export interface AllocatorOptions {
  /** Random source for dynamic allocation (defaults to Math.random); inject one for deterministic tests. */
  random?: RandomSource;
}

export class AllocationBitmap {
  private readonly bits: Uint32Array;
  private allocated = 0;

  constructor(
    readonly max: number,
    readonly offset: number,
    private readonly random: RandomSource = Math.random,
  ) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`invalid bitmap size: ${max}`);
    if (!Number.isInteger(offset) || offset < 0 || offset > max) throw new RangeError(`invalid band offset ${offset} for size ${max}`);
    this.bits = new Uint32Array(Math.ceil(max / 32));
  }

  get count(): number {
    return this.allocated;
  }

  get free(): number {
    return this.max - this.allocated;
  }

  has(i: number): boolean {
    return (this.bits[i >>> 5] & (1 << (i & 31))) !== 0;
  }

  /** Sets bit i; false when it was already set. */
  allocate(i: number): boolean {
    if (this.has(i)) return false;
    this.bits[i >>> 5] |= 1 << (i & 31);
    this.allocated++;
    return true;
  }

  /** Clears bit i; a no-op when it was clear. */
  release(i: number): void {
    if (!this.has(i)) return;
    this.bits[i >>> 5] &= ~(1 << (i & 31));
    this.allocated--;
  }

  /** Allocates a free offset, preferring the upper band; undefined when every bit is set. */
  allocateNext(): number | undefined {
    if (this.allocated >= this.max) return undefined;
    const at = this.scan(this.offset, this.max - this.offset) ?? this.scan(0, this.offset);
    if (at !== undefined) this.allocate(at);
    return at;
  }

  /** Sets exactly the given offsets (callers have checked them). */
  reset(offsets: Iterable<number>): void {
    this.bits.fill(0);
    this.allocated = 0;
    for (const i of offsets) this.allocate(i);
  }

  /** Allocated offsets in ascending order. */
  *offsets(): IterableIterator<number> {
    for (let w = 0; w < this.bits.length; w++) {
      let word = this.bits[w];
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        yield w * 32 + bit;
        word &= word - 1;
      }
    }
  }

  /** First clear bit in [base, base+size), starting at a random place and wrapping. */
  private scan(base: number, size: number): number | undefined {
    if (size <= 0) return undefined;
    const start = this.randomInt(size);
    for (let i = 0; i < size; i++) {
      const at = base + ((start + i) % size);
      if (!this.has(at)) return at;
    }
    return undefined;
  }

  private randomInt(n: number): number {
    const r = this.random();
    if (!(r >= 0 && r < 1)) throw new RangeError(`random source returned ${r}; it must return a number in [0, 1)`);
    return Math.floor(r * n);
  }
}
