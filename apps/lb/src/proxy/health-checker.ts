/**
 * HTTP health checks as cloud load balancers run them: each target URL is probed every interval;
 * 200 within the timeout passes. A target leaves the rotation after `fall` failures in a row and
 * comes back after `rise` passes in a row; a new target starts healthy once its first probe passes.
 * Targets no longer wanted stop being probed.
 */
export interface HealthCheckerOptions {
  intervalMs?: number;
  timeoutMs?: number;
  /** Failures in a row that take a target out (default 2). */
  fall?: number;
  /** Passes in a row that bring it back (default 1). */
  rise?: number;
  /** Told when a target's health changes. */
  onChange?: (url: string, healthy: boolean) => void;
  probe?: (url: string, timeoutMs: number) => Promise<boolean>;
}

interface Target {
  healthy: boolean;
  known: boolean;
  streak: number;
}

async function httpProbe(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await r.arrayBuffer().catch(() => undefined);
    return r.status === 200;
  } catch {
    return false;
  }
}

export class HealthChecker {
  private readonly targets = new Map<string, Target>();
  private timer?: NodeJS.Timeout;
  private probing = false;

  constructor(private readonly o: HealthCheckerOptions = {}) {}

  /** The URLs to probe from now on. */
  setTargets(urls: Iterable<string>): void {
    const want = new Set(urls);
    for (const url of this.targets.keys()) if (!want.has(url)) this.targets.delete(url);
    for (const url of want) if (!this.targets.has(url)) this.targets.set(url, { healthy: false, known: false, streak: 0 });
  }

  healthy(url: string): boolean {
    return this.targets.get(url)?.healthy ?? false;
  }

  start(): void {
    const tick = () => {
      void this.probeAll().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.intervalMs ?? 1000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One round of probes, all at once. */
  async probeAll(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const probe = this.o.probe ?? httpProbe;
      await Promise.all([...this.targets].map(async ([url, t]) => this.record(url, t, await probe(url, this.o.timeoutMs ?? 500))));
    } finally {
      this.probing = false;
    }
  }

  private record(url: string, t: Target, passed: boolean): void {
    if (this.targets.get(url) !== t) return; // dropped meanwhile
    const was = t.healthy;
    if (!t.known) {
      t.known = true;
      t.healthy = passed;
      t.streak = 0;
    } else if (passed === t.healthy) {
      t.streak = 0;
    } else if (++t.streak >= (passed ? (this.o.rise ?? 1) : (this.o.fall ?? 2))) {
      t.healthy = passed;
      t.streak = 0;
    }
    if (t.healthy !== was) this.o.onChange?.(url, t.healthy);
  }
}
