/** Reading Prometheus histograms from a /metrics page, and histogram_quantile as Prometheus computes it. */

export interface Histogram {
  /** Cumulative counts by upper bound, ascending, ending with +Inf. */
  buckets: [le: number, count: number][];
  sum: number;
  count: number;
}

function labelsOf(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of raw.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** Every sample's value by metric name, summed over its label sets (counters and gauges). */
export function sumSamples(page: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of page.split('\n')) {
    const hit = /^(\w+)(?:\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (hit) m.set(hit[1]!, (m.get(hit[1]!) ?? 0) + Number(hit[2]));
  }
  return m;
}

/** The histogram `name` (summed over label sets other than `le`, e.g. ip_family); undefined when absent. */
export function parseHistogram(page: string, name: string): Histogram | undefined {
  const buckets = new Map<number, number>();
  let sum = 0;
  let count = 0;
  let seen = false;
  for (const line of page.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (m[1] === `${name}_bucket`) {
      const le = labelsOf(m[2] ?? '').le;
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + value);
      seen = true;
    } else if (m[1] === `${name}_sum`) sum += value;
    else if (m[1] === `${name}_count`) count += value;
  }
  if (!seen) return undefined;
  return { buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]), sum, count };
}

const EMPTY: Histogram = { buckets: [[Infinity, 0]], sum: 0, count: 0 };

/** b − a, bucket by bucket (observations made between two scrapes); a missing histogram has no observations. */
export function histogramDelta(a: Histogram | undefined, b: Histogram | undefined): Histogram {
  if (b === undefined) return EMPTY;
  if (a === undefined) return b;
  const before = new Map(a.buckets);
  return { buckets: b.buckets.map(([le, c]) => [le, c - (before.get(le) ?? 0)]), sum: b.sum - a.sum, count: b.count - a.count };
}

/** Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank. */
export function histogramQuantile(h: Histogram, q: number): number {
  const total = h.buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, c] of h.buckets) {
    if (c >= rank) {
      if (le === Infinity) return prevLe;
      if (c === prevCount) return le;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / (c - prevCount);
    }
    prevLe = le;
    prevCount = c;
  }
  return prevLe;
}
