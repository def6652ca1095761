import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Pod } from '@minimesh/api';
import { DeletionTimers, MAX_TIMER_MS } from './deletion-timers.js';

const DAY = 86_400_000;
const marked = (deletionTimestamp: string, deletionGracePeriodSeconds: number): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', deletionTimestamp, deletionGracePeriodSeconds },
  spec: { containers: [{ name: 'c' }] },
});

describe('DeletionTimers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2024-05-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('waits out a grace period longer than one timer can hold (30 days), then expires the object', async () => {
    const expired: string[] = [];
    const timers = new DeletionTimers(async (_k, _ns, name) => void expired.push(name), () => Date.now(), (e) => { throw e; });
    timers.track(marked('2024-05-31T00:00:00Z', 30 * 86_400));
    await vi.advanceTimersByTimeAsync(1);
    expect(expired).toEqual([]);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(expired).toEqual([]);
    expect(timers.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(30 * DAY - MAX_TIMER_MS - 2);
    expect(expired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(expired).toEqual(['p']);
    expect(timers.pending).toBe(0);
    timers.stop();
  });

  it('a deletionTimestamp in year 9999 is not reached', async () => {
    const expired: string[] = [];
    const timers = new DeletionTimers(async (_k, _ns, name) => void expired.push(name), () => Date.now(), (e) => { throw e; });
    timers.track(marked('9999-12-31T23:59:59Z', 1e12));
    await vi.advanceTimersByTimeAsync(3 * MAX_TIMER_MS);
    expect(expired).toEqual([]);
    expect(timers.pending).toBe(1);
    timers.stop();
    expect(timers.pending).toBe(0);
  });
});
