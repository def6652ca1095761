import { describe, expect, it } from 'vitest';
import { BoundedFrequencyRunner, type SetTimer } from './bounded-frequency-runner.js';

/** A fake clock: timers fire in time order as the test advances it. */
class FakeTimers {
  now = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();

  readonly setTimer: SetTimer = (ms, fire) => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + ms, fire });
    return { cancel: () => void this.timers.delete(id) };
  };

  get pending(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fire: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      next[1].fire();
    }
    this.now = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function setup(fn: () => void | Promise<void> = () => {}, intervals: { minInterval: number | (() => number); maxInterval: number; retryInterval: number; burst?: number } = { minInterval: 1000, maxInterval: 10_000, retryInterval: 5000 }) {
  const clock = new FakeTimers();
  const runs: number[] = [];
  const errors: unknown[] = [];
  const runner = new BoundedFrequencyRunner({
    name: 'sync-runner',
    fn: () => {
      runs.push(clock.now);
      return fn();
    },
    ...intervals,
    setTimer: clock.setTimer,
    onError: (e) => errors.push(e),
  });
  return { clock, runs, errors, runner };
}

describe('BoundedFrequencyRunner', () => {
  it('run() before loop() (or after stop()) does nothing', async () => {
    const { clock, runs, runner } = setup();
    runner.run();
    await clock.advance(20_000);
    expect(runs).toEqual([]);
    runner.loop();
    await runner.stop();
    runner.run();
    await clock.advance(20_000);
    expect(runs).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('runs at once when idle, then coalesces a burst into one run after minInterval', async () => {
    const { clock, runs, runner } = setup();
    runner.loop();
    runner.run();
    await clock.advance(0);
    expect(runs).toEqual([0]);
    for (let i = 0; i < 5; i++) {
      runner.run();
      await clock.advance(100);
    }
    expect(runs).toEqual([0]);
    await clock.advance(499);
    expect(runs).toEqual([0]);
    await clock.advance(1);
    expect(runs).toEqual([0, 1000]);
    await clock.advance(5000);
    expect(runs).toEqual([0, 1000]);
    runner.run(); // idle for long enough: immediately
    await clock.advance(0);
    expect(runs).toEqual([0, 1000, 6000]);
    await runner.stop();
  });

  it('an adaptive minInterval is asked after every run, and capped by maxInterval', async () => {
    let min = 30;
    const { clock, runs, runner } = setup(() => {}, { minInterval: () => min, maxInterval: 10_000, retryInterval: 5000 });
    runner.loop();
    runner.run();
    await clock.advance(0);
    runner.run();
    await clock.advance(29);
    expect(runs).toEqual([0]);
    await clock.advance(1);
    expect(runs).toEqual([0, 30]);
    min = 50_000;
    runner.run();
    await clock.advance(30);
    expect(runs).toEqual([0, 30, 60]);
    runner.run();
    await clock.advance(9_999);
    expect(runs).toEqual([0, 30, 60]);
    await clock.advance(1);
    expect(runs).toEqual([0, 30, 60, 10_060]);
    await runner.stop();
  });

  it('burst 2: after an idle interval a second request runs at once; under sustained requests each waits', async () => {
    const { clock, runs, runner } = setup(() => {}, { minInterval: 1000, maxInterval: 10_000, retryInterval: 5000, burst: 2 });
    runner.loop();
    runner.run();
    await clock.advance(10);
    runner.run(); // right behind: the burst's second run
    await clock.advance(0);
    expect(runs).toEqual([0, 10]);
    runner.run(); // the burst is used up: the interval
    await clock.advance(999);
    expect(runs).toEqual([0, 10]);
    await clock.advance(1);
    expect(runs).toEqual([0, 10, 1010]);
    runner.run(); // still busy: waits again
    await clock.advance(1000);
    expect(runs).toEqual([0, 10, 1010, 2010]);
    await clock.advance(3000); // idle for a whole interval: the burst is back
    runner.run();
    await clock.advance(0);
    runner.run();
    await clock.advance(0);
    expect(runs).toEqual([0, 10, 1010, 2010, 5010, 5010]);
    expect(() => setup(() => {}, { minInterval: 1, maxInterval: 1, retryInterval: 1, burst: 0 })).toThrow(RangeError);
    await runner.stop();
  });

  it('burst 2: a failed run spends the burst, so a request right after it waits the interval', async () => {
    let fail = true;
    const { clock, runs, runner } = setup(() => {
      if (fail) throw new Error('boom');
    }, { minInterval: 1000, maxInterval: 10_000, retryInterval: 5000, burst: 2 });
    runner.loop();
    runner.run();
    await clock.advance(10);
    fail = false;
    runner.run();
    await clock.advance(989);
    expect(runs).toEqual([0]);
    await clock.advance(1);
    expect(runs).toEqual([0, 1000]);
    await runner.stop();
  });

  it('runs at least every maxInterval without requests, counting from the last run', async () => {
    const { clock, runs, runner } = setup();
    runner.loop();
    await clock.advance(10_000);
    expect(runs).toEqual([10_000]);
    await clock.advance(3000);
    runner.run();
    await clock.advance(0);
    await clock.advance(10_000);
    expect(runs).toEqual([10_000, 13_000, 23_000]);
    expect(runner.runCount).toBe(3);
    await runner.stop();
  });

  it('retries a failed run after retryInterval; a success cancels the retry', async () => {
    let fail = 2;
    const { clock, runs, errors, runner } = setup(() => {
      if (fail-- > 0) throw new Error('iptables-restore failed');
    });
    runner.loop();
    runner.run();
    await clock.advance(0);
    await clock.advance(5000);
    expect(runs).toEqual([0, 5000]); // retried after 5 s
    await clock.advance(5000);
    expect(runs).toEqual([0, 5000, 10_000]); // second failure, retried; this one succeeds
    expect(errors.map((e) => (e as Error).message)).toEqual(['iptables-restore failed', 'iptables-restore failed']);
    await clock.advance(9999);
    expect(runs).toEqual([0, 5000, 10_000]); // no more retries, next is maxInterval
    await clock.advance(1);
    expect(runs).toEqual([0, 5000, 10_000, 20_000]);
    await runner.stop();
  });

  it('a retry shorter than minInterval still waits for minInterval', async () => {
    let fail = true;
    const { clock, runs, runner } = setup(
      () => {
        if (fail) {
          fail = false;
          throw new Error('x');
        }
      },
      { minInterval: 1000, maxInterval: 10_000, retryInterval: 200 },
    );
    runner.loop();
    runner.run();
    await clock.advance(999);
    expect(runs).toEqual([0]);
    await clock.advance(1);
    expect(runs).toEqual([0, 1000]);
    await runner.stop();
  });

  it('never overlaps runs: a request during a slow run waits for it and for minInterval', async () => {
    const clock0 = { release: () => {} };
    let slow = true;
    const { clock, runs, runner } = setup(() =>
      slow
        ? new Promise<void>((resolve) => {
            clock0.release = () => {
              slow = false;
              resolve();
            };
          })
        : undefined,
    );
    runner.loop();
    runner.run();
    await clock.advance(0);
    await clock.advance(3000);
    runner.run();
    runner.run();
    await clock.advance(3000);
    expect(runs).toEqual([0]); // still in the first run
    clock0.release(); // finishes at 6000
    await clock.advance(999);
    expect(runs).toEqual([0]);
    await clock.advance(1);
    expect(runs).toEqual([0, 7000]);
    await runner.stop();
  });

  it('stop() waits for the run in progress and nothing runs afterwards', async () => {
    let release = () => {};
    const { clock, runs, runner } = setup(() => new Promise<void>((r) => (release = r)));
    runner.loop();
    runner.run();
    await clock.advance(0);
    let stopped = false;
    const done = runner.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    release();
    await done;
    await clock.advance(60_000);
    expect(runs).toEqual([0]);
    expect(clock.pending).toBe(0);
  });

  it('checks its intervals and single loop', () => {
    expect(() => new BoundedFrequencyRunner({ name: 'x', fn: () => {}, minInterval: 2, maxInterval: 1, retryInterval: 1 })).toThrow(/maxInterval/);
    const { runner } = setup();
    runner.loop();
    expect(() => runner.loop()).toThrow(/already started/);
  });
});
