/**
 * Millisecond trigger times from second-granular object times. A pod's Ready
 * lastTransitionTime and a Service's creationTimestamp are RFC 3339 with whole seconds (as
 * Kubernetes serializes metav1.Time), so a trigger time taken from them alone is up to a second
 * early, and kube-proxy's network programming latency up to a second long. The controller sees
 * each new time on its informer a few milliseconds after the write: when that moment falls in
 * the same second as the object's time, it is the better estimate (late only by the watch
 * delivery), and the last-change-trigger-time annotation carries it with milliseconds (its
 * format, RFC3339Nano, allows them). Seen in the next few seconds (a write at x.990 seen at
 * (x+1).010), the change happened in the last millisecond of its second at the latest: x.999.
 * Times already carrying fractions, and times seen long after they were written (a restarted
 * controller catching up), are kept as they are.
 */

/** Seen later than this after its second, a time is left alone (not a fresh change). */
const LATE_MS = 5000;

export class ObservedTimes {
  private readonly seen = new Map<string, { readonly t: number; readonly at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** An event of object `key` carried `time` (RFC 3339): remember when it was first seen. */
  note(key: string, time: string | undefined): void {
    const t = time ? Date.parse(time) : NaN;
    if (Number.isNaN(t)) return;
    if (this.seen.get(key)?.t === t) return;
    this.seen.set(key, { t, at: this.now() });
  }

  forget(key: string): void {
    this.seen.delete(key);
  }

  /** `t` (epoch ms) of object `key`, refined by when it was seen (see above). */
  refine(key: string, t: number): number {
    const s = this.seen.get(key);
    if (s === undefined || s.t !== t || t % 1000 !== 0 || s.at < t) return t;
    if (s.at < t + 1000) return s.at;
    return s.at < t + LATE_MS ? t + 999 : t;
  }

  get size(): number {
    return this.seen.size;
  }
}
