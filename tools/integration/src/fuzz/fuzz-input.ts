/**
 * Seeded inputs for the fuzz suites: a small PRNG (mulberry32), so a failing run can be repeated
 * with the seed it printed, and the mutations applied to valid inputs: bytes (flips, truncation,
 * insertion, duplication), texts, and structured values (huge strings, negative numbers, unicode,
 * deep nesting, values of the wrong type).
 *
 *   MINIMESH_FUZZ_SEED   the seed (default 20261205); every suite prints the one it used
 *   MINIMESH_FUZZ_COUNT  inputs per target (default 300)
 */
function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${JSON.stringify(raw)}`);
  return n;
}

export const FUZZ_SEED = envInt('MINIMESH_FUZZ_SEED', 20261205);
export const FUZZ_COUNT = envInt('MINIMESH_FUZZ_COUNT', 300);

/** Prints the seed and count a part runs with (the first line of its output); returns its start time. */
export function announce(part: string, what: string): number {
  console.log(`fuzz ${part}: seed ${FUZZ_SEED} (MINIMESH_FUZZ_SEED), ${what} (MINIMESH_FUZZ_COUNT=${FUZZ_COUNT})`);
  return performance.now();
}

export const seconds = (startedAt: number): string => `${((performance.now() - startedAt) / 1000).toFixed(1)} s`;

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
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
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
      return Buffer.concat([out.subarray(0, at), rng.bytes(1 + rng.int(16)), out.subarray(at)]);
    }
    case 3: {
      // Duplicated bytes: for protobuf, fields repeated (a later scalar wins, a message merges).
      const from = rng.int(out.length + 1);
      const chunk = out.subarray(from, from + 1 + rng.int(32));
      return Buffer.concat([out, chunk, chunk]);
    }
    case 4:
      return rng.bytes(rng.int(64));
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

/** Strings that break assumptions: empty, long, huge (1 MiB and more), unicode, control characters, paths. */
export function nastyString(rng: Rng): string {
  switch (rng.int(12)) {
    case 0:
      return '';
    case 1:
      return 'a'.repeat(rng.pick([63, 64, 253, 254, 255, 256, 1024]));
    case 2:
      // Rare and big: past the apiserver's 1.5 MiB object limit, then past gRPC's 4 MiB message limit.
      return rng.int(8) === 0 ? 'x'.repeat(rng.pick([1_600_000, 4_300_000])) : 'x'.repeat(64 * 1024);
    case 3:
      return rng.pick(['ünïcødé', 'имя', '名前', '😀😀', 'e\u0301', '\u202eevil', 'ﬁ', 'İ', 'Ⅻ', '\u200b', '\ufeffbom']);
    case 4:
      return rng.pick(['\ud800', '\udfff', 'a\ud800b']); // lone surrogates: not encodable as UTF-8
    case 5:
      return rng.pick(['\u0000', 'a\u0000b', '\n', 'a\r\nb', '\t', '\u007f', '\u001b[31m']);
    case 6:
      return rng.pick(['..', '../../etc/passwd', '/', 'a/b', 'default/web', '.', '-', 'A', 'a_b', 'a..b']);
    case 7:
      return rng.pick(['*', '>', 'minimesh.v1.events.>', '%s%n%x', '${x}', "'; DROP TABLE objects; --", '{{.}}', '[object Object]']);
    case 8:
      return rng.pick(['-1', '0', '1e309', 'NaN', 'true', 'null', '0x1f', '١٢٣']);
    case 9:
      return Array.from({ length: 1 + rng.int(40) }, () => String.fromCodePoint(rng.pick([0x20 + rng.int(95), rng.int(0x10ffff - 0xe000) + 0xe000, rng.int(0xd800)]))).join('');
    case 10:
      return 'a.'.repeat(rng.int(200)) + 'b';
    default:
      return rng.pick(['web', 'default', 'kube-system', 'kubernetes', 'Service', 'app=web']);
  }
}

export function nastyNumber(rng: Rng): number {
  return rng.pick([-1, 0, 1, -0, 0.5, -2147483648, 2147483647, 2147483648, 4294967295, 4294967296, 65535, 65536, -65536, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 63, 1e308, NaN, Infinity, -Infinity]);
}

/** JSON nested `depth` levels deep: objects, arrays, or both. */
export function deepJson(depth: number, shape: 'object' | 'array' | 'mixed' = 'object', leaf = '1'): string {
  if (shape === 'object') return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
  if (shape === 'array') return '['.repeat(depth) + leaf + ']'.repeat(depth);
  const half = Math.floor(depth / 2);
  return '{"a":['.repeat(half) + leaf + ']}'.repeat(half);
}

/** Nesting depths, from normal to far past any stack: most small, some huge. */
export function nestingDepth(rng: Rng): number {
  return rng.pick([2, 8, 32, 100, 500, 1000, 2000, 5000, 10_000, 50_000]);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A value of any JSON type, often of the wrong one for where it goes. */
export function nastyValue(rng: Rng): Json {
  switch (rng.int(9)) {
    case 0:
      return nastyString(rng);
    case 1:
      return nastyNumber(rng);
    case 2:
      return rng.pick([true, false, null]);
    case 3:
      return [];
    case 4:
      return {};
    case 5:
      return Array.from({ length: rng.pick([1, 2, 100, 5000]) }, (_, i) => (rng.int(2) ? { name: `p${i}`, port: i } : i));
    case 6:
      // As objects, at most 500 levels (a patch's text goes deeper: see the patch bodies).
      return JSON.parse(deepJson(Math.min(nestingDepth(rng), 500), rng.pick(['object', 'array', 'mixed'] as const))) as Json;
    case 7:
      return Object.fromEntries(Array.from({ length: rng.pick([1, 50, 3000]) }, (_, i) => [`${nastyString(rng).slice(0, 300)}${i}`, nastyString(rng).slice(0, 300)]));
    default:
      return nastyString(rng).slice(0, 100);
  }
}

/** Paths to values in `v` (objects and arrays walked, 32 levels and 2,000 paths at most), the root included. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (at.length >= 32 || out.length >= 2000) return out; // deep or wide enough: what is below stays as it is
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

/**
 * One structured mutation of a JSON value (not changed in place): a value replaced by one of
 * another type or a nasty one, a member removed or added, an array's item repeated many times,
 * a key renamed to a strange one.
 */
export function mutateJson<T>(rng: Rng, value: T): T {
  const root = structuredClone(value) as unknown as Json;
  const all = paths(root);
  const path = rng.pick(all.length > 1 ? all.slice(1) : all);
  if (path.length === 0) return nastyValue(rng) as T;
  const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, root) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1]!;
  switch (rng.int(6)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 1:
      if (Array.isArray(parent)) for (let n = rng.pick([2, 10, 1000]); n > 0; n--) parent.push(structuredClone(parent[key as number]!));
      else parent[nastyString(rng).slice(0, 256) || 'x'] = nastyValue(rng);
      break;
    case 2:
      if (!Array.isArray(parent)) {
        const v = parent[key]!;
        delete parent[key];
        parent[rng.pick(['', ' ', '$patch', '__proto__', 'constructor', 'toString', `${String(key)}\u0000`, String(key).toUpperCase(), '😀'])] = v;
        break;
      }
      parent[key as number] = nastyValue(rng);
      break;
    default:
      (parent as Record<string | number, Json>)[key] = nastyValue(rng);
  }
  return root as T;
}

/** Counts of outcomes by label, printed as one line. */
export class Tally {
  private readonly counts = new Map<string, number>();
  add(label: string, n = 1): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + n);
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

/** Findings (crashes, hangs) grouped by signature, each with its first reproducer; at most `limit` shown. */
export class Findings {
  private readonly bySignature = new Map<string, { count: number; reproducer: string }>();
  add(signature: string, reproducer: string): void {
    const f = this.bySignature.get(signature);
    if (f) f.count++;
    else this.bySignature.set(signature, { count: 1, reproducer: reproducer.length > 600 ? `${reproducer.slice(0, 600)}… (${reproducer.length} chars)` : reproducer });
  }
  get count(): number {
    let n = 0;
    for (const f of this.bySignature.values()) n += f.count;
    return n;
  }
  /** One line per signature: "<signature> ×N; first: <reproducer>". */
  list(limit = 20): string[] {
    return [...this.bySignature].slice(0, limit).map(([sig, f]) => `${sig} ×${f.count}; first: ${f.reproducer}`);
  }
}

/**
 * Error-level log lines written to stderr while `fn` runs (the servers started in-process log
 * there: a request that failed unexpectedly, a plugin chain that threw), still passed through;
 * `fn` sees them as they come.
 */
export async function withErrorLogs<T>(fn: (errorLogs: string[]) => Promise<T>): Promise<{ result: T; errorLogs: string[] }> {
  const errorLogs: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (const line of text.split('\n')) if (line.includes('"level":"error"')) errorLogs.push(line.slice(0, 2000));
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    return { result: await fn(errorLogs), errorLogs };
  } finally {
    process.stderr.write = write;
  }
}

/**
 * Waits (at most `maxMs`) until `probe` succeeds: after a hung call the HTTP/2 connection can stay
 * stuck for seconds, and grpc-js shares it between clients of the same address (a new client is
 * no way out), so the inputs after a hang would be blamed for it. Returns how long it took.
 */
export async function recovered(probe: () => Promise<unknown>, maxMs = 20_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < maxMs) {
    if (await probe().then(() => true, () => false)) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not answer again within ${maxMs / 1000} s of a hung call`);
}
