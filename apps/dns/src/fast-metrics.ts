/**
 * Counters and histograms for the per-query path. prom-client hashes the label object on every
 * call (about half a microsecond each, and a query touches six metrics); these hand out a handle
 * per label set once, whose inc/observe is a field update. They register in a prom-client
 * Registry and print exactly like prom-client's own (`le` first, then the labels).
 */
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

export class CounterSeries {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(n = 1): void {
    this.value += n;
  }
}

export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    private readonly buckets: readonly number[],
  ) {
    this.counts = new Float64Array(buckets.length);
  }
  observe(v: number): void {
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += v;
    this.count++;
  }
}

abstract class FastMetric<S> {
  protected readonly series = new Map<string, S>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }
  protected abstract make(labels: Labels): S;
  /** The series of one label set, values in `labelNames` order; keep it, it does not change. */
  with(...values: string[]): S {
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
      s = this.make(labels);
      this.series.set(key, s);
    }
    return s;
  }
}

export class FastCounter extends FastMetric<CounterSeries> {
  readonly type = 'counter';
  protected make(labels: Labels): CounterSeries {
    return new CounterSeries(labels);
  }
  get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })) };
  }
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  readonly type = 'histogram';
  constructor(name: string, help: string, labelNames: readonly string[], registry: Registry, readonly buckets: readonly number[]) {
    super(name, help, labelNames, registry);
  }
  protected make(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.buckets);
  }
  get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...s.labels }, value: acc });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...s.labels }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}
