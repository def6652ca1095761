/**
 * kube-proxy's BoundedFrequencyRunner (pkg/proxy/runner/bounded_frequency_runner.go), with the
 * timers injected:
 *  - minInterval: at least this long between the end of one run and the start of the next;
 *    `run()` calls meanwhile are coalesced into one run when the interval is over. A function
 *    is asked at the end of every run (an adaptive interval; see AdaptiveMinInterval);
 *  - maxInterval: `fn` runs at least this often, even with no `run()` calls;
 *  - retryInterval: a run that fails (throws or rejects) is retried after this long, unless
 *    something else runs it sooner; a success cancels the retry;
 *  - burst (default 1): after the runner was idle for minInterval, up to this many runs may
 *    follow each other without the wait (as kube-proxy's older runner, created with
 *    burstSyncs=2): a change that arrives right behind another one — a Service, then its
 *    EndpointSlice — is not held back. Under sustained requests every run waits minInterval.
 * `fn` never runs concurrently with itself. `run()` never blocks, and before `loop()` (or after
 * `stop()`) it does nothing, as in kube-proxy.
 */

export interface TimerHandle {
  cancel(): void;
}

/** Schedules `fire` once after `ms` milliseconds. */
export type SetTimer = (ms: number, fire: () => void) => TimerHandle;

/** Timers on the host's event loop (globalThis.setTimeout). */
export const systemTimer: SetTimer = (ms, fire) => {
  const t = globalThis.setTimeout(fire, ms);
  return { cancel: () => globalThis.clearTimeout(t) };
};

export interface BoundedFrequencyRunnerOptions {
  name: string;
  fn: () => void | Promise<void>;
  /** Milliseconds, or a function asked after every run (never more than maxInterval). */
  minInterval: number | (() => number);
  maxInterval: number;
  retryInterval: number;
  /** Runs allowed back to back after an idle minInterval (default 1: none). */
  burst?: number;
  setTimer?: SetTimer;
  /** Called with what a failed run threw (the run is then retried). */
  onError?: (err: unknown) => void;
}

type State = 'new' | 'waiting' | 'running' | 'cooldown' | 'stopped';

export class BoundedFrequencyRunner {
  readonly name: string;
  private readonly opts: BoundedFrequencyRunnerOptions;
  private readonly setTimer: SetTimer;
  private state: State = 'new';
  /** A trigger (run(), max or retry timer) arrived while running or cooling down. */
  private pending = false;
  private maxTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private minTimer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private runs = 0;
  /** Runs that may still start without the wait; refilled when a cooldown ends with nothing pending. */
  private credits: number;

  constructor(opts: BoundedFrequencyRunnerOptions) {
    if (typeof opts.minInterval === 'number' && opts.maxInterval < opts.minInterval) throw new RangeError(`${opts.name}: maxInterval (${opts.maxInterval}) must be >= minInterval (${opts.minInterval})`);
    this.name = opts.name;
    this.opts = opts;
    this.setTimer = opts.setTimer ?? systemTimer;
    const burst = opts.burst ?? 1;
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`${opts.name}: burst (${burst}) must be an integer >= 1`);
    this.credits = burst - 1;
  }

  /** How many times fn has started. */
  get runCount(): number {
    return this.runs;
  }

  /** Starts the loop: fn runs on run(), on maxInterval, and on retries, until stop(). */
  loop(): void {
    if (this.state !== 'new') throw new Error(`${this.name}: loop already started`);
    this.state = 'waiting';
    this.maxTimer = this.setTimer(this.opts.maxInterval, () => this.trigger());
  }

  /** Asks for a run as soon as allowed; calls during a run or the min interval coalesce. */
  run(): void {
    if (this.state === 'new' || this.state === 'stopped') return;
    if (this.state === 'cooldown' && this.credits > 0) {
      // Right behind the previous run, within the burst: no wait.
      this.credits--;
      this.minTimer?.cancel();
      this.minTimer = undefined;
      this.state = 'waiting';
    }
    if (this.state !== 'waiting') {
      this.pending = true;
      return;
    }
    // Never run fn on the caller's stack (kube-proxy's Run only signals the loop).
    this.pending = true;
    queueMicrotask(() => {
      if (this.state === 'waiting' && this.pending) this.execute();
    });
  }

  /** Stops the loop; resolves when a run in progress has finished. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    for (const t of [this.maxTimer, this.retryTimer, this.minTimer]) t?.cancel();
    this.maxTimer = this.retryTimer = this.minTimer = undefined;
    await this.inFlight;
  }

  private trigger(): void {
    if (this.state === 'waiting') this.execute();
    else if (this.state === 'running' || this.state === 'cooldown') this.pending = true;
  }

  private execute(): void {
    this.state = 'running';
    this.pending = false;
    this.maxTimer?.cancel();
    this.maxTimer = undefined;
    // A retry that comes due during the run is superseded by the run's own outcome.
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.runs++;
    this.inFlight = (async () => {
      let failed = false;
      try {
        await this.opts.fn();
      } catch (err) {
        failed = true;
        this.opts.onError?.(err);
      }
      if (this.state !== 'running') return; // stopped meanwhile
      if (failed) {
        this.retryTimer = this.setTimer(this.opts.retryInterval, () => this.trigger());
        this.credits = 0; // after a failure, the wait: no burst
      }
      this.maxTimer = this.setTimer(this.opts.maxInterval, () => this.trigger());
      if (this.pending && this.credits > 0) {
        this.credits--;
        this.execute();
        return;
      }
      this.state = 'cooldown';
      const min = typeof this.opts.minInterval === 'number' ? this.opts.minInterval : Math.min(this.opts.maxInterval, Math.max(0, this.opts.minInterval()));
      this.minTimer = this.setTimer(min, () => this.cooled());
    })();
  }

  private cooled(): void {
    this.minTimer = undefined;
    if (this.state !== 'cooldown') return;
    this.state = 'waiting';
    if (this.pending) this.execute();
    else this.credits = (this.opts.burst ?? 1) - 1; // idle for a whole interval
  }
}
