/**
 * Seeded inputs for the fuzz suites: a small PRNG (mulberry32), so a failing run can be repeated
 * with the seed it printed, and the mutations (bytes and text) applied to valid inputs.
 * MINIMESH_FUZZ_SEED sets the seed, MINIMESH_FUZZ_COUNT the inputs per target.
 */
export const FUZZ_SEED = Number(process.env.MINIMESH_FUZZ_SEED ?? 20261205);
export const FUZZ_COUNT = Number(process.env.MINIMESH_FUZZ_COUNT ?? 300);

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

const SPECIAL = ['\u0000', '"', '\n', '\\', '{', '[', '*', '&', '!', '%', ':', '-', '#', '\u202e', '😀', '\uffff', '0x', '-1', '99999999999999999999'];

/** One mutation of `b`: bit flips, truncation, insertion, duplication, or random bytes. */
export function mutateBytes(rng: Rng, b: Uint8Array): Uint8Array {
  const out = Buffer.from(b);
  switch (rng.int(6)) {
    case 0:
      for (let i = 0, n = 1 + rng.int(8); i < n && out.length; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    case 1:
      return out.subarray(0, rng.int(out.length + 1));
    case 2: {
      const at = rng.int(out.length + 1);
      const junk = Buffer.from(Array.from({ length: 1 + rng.int(16) }, () => rng.int(256)));
      return Buffer.concat([out.subarray(0, at), junk, out.subarray(at)]);
    }
    case 3: {
      const from = rng.int(out.length + 1);
      const chunk = out.subarray(from, from + 1 + rng.int(32));
      return Buffer.concat([out, chunk, chunk]);
    }
    case 4:
      return Buffer.from(Array.from({ length: rng.int(64) }, () => rng.int(256)));
    default:
      for (let i = 0, n = 1 + rng.int(4); i < n && out.length; i++) out[rng.int(out.length)] = rng.pick([0, 0xff, 0x7f, 0x80, 0x0a]);
      return out;
  }
}

/** One mutation of a text: characters deleted, repeated, swapped for special ones, or lines shuffled. */
export function mutateText(rng: Rng, s: string): string {
  switch (rng.int(6)) {
    case 0: {
      const at = rng.int(s.length + 1);
      return s.slice(0, at) + s.slice(at + 1 + rng.int(8));
    }
    case 1: {
      const at = rng.int(s.length + 1);
      return s.slice(0, at) + rng.pick(SPECIAL) + s.slice(at);
    }
    case 2: {
      const lines = s.split('\n');
      const i = rng.int(lines.length);
      const j = rng.int(lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join('\n');
    }
    case 3: {
      const at = rng.int(s.length + 1);
      return s.slice(0, at) + s.slice(at, at + 20).repeat(2 + rng.int(50)) + s.slice(at + 20);
    }
    case 4:
      return s.replace(/: \S+/, `: ${rng.pick(SPECIAL).repeat(1 + rng.int(3))}`);
    default:
      return `${'  '.repeat(rng.int(4))}${'- '.repeat(rng.int(3))}${s}`.slice(0, s.length + 50);
  }
}

/** Counts of outcomes by label, printed as one line. */
export class Tally {
  private readonly counts = new Map<string, number>();
  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }
  get(label: string): number {
    return this.counts.get(label) ?? 0;
  }
  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
  toString(): string {
    return [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
  }
}
