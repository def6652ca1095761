/** releaseMemory collects what is no longer reachable at once, and can be called again. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LARGE_WRITE_BYTES, MemoryReleaser, releaseMemory } from './release-memory.js';

describe('releaseMemory', () => {
  it('release memory - garbage from a burst of allocation is collected by the call', () => {
    releaseMemory();
    const base = process.memoryUsage().heapUsed;
    const held: { burst?: string[] } = { burst: Array.from({ length: 400_000 }, (_, i) => `add rule ip kube-proxy chain-${i} ip saddr 10.0.${i & 255}.1 return`) };
    expect(process.memoryUsage().heapUsed - base).toBeGreaterThan(20 << 20);
    delete held.burst;
    releaseMemory();
    expect(process.memoryUsage().heapUsed - base).toBeLessThan(5 << 20);
  });
});

describe('MemoryReleaser', () => {
  afterEach(() => vi.useRealTimers());

  it('one collection a second after large writes (several within that second share it), none after small ones', () => {
    vi.useFakeTimers();
    const release = vi.fn();
    const m = new MemoryReleaser(undefined, release);
    m.wrote(LARGE_WRITE_BYTES);
    vi.advanceTimersByTime(5000);
    expect(release).not.toHaveBeenCalled();
    m.wrote(LARGE_WRITE_BYTES + 1);
    vi.advanceTimersByTime(500);
    m.wrote(20 << 20);
    expect(release).not.toHaveBeenCalled();
    vi.advanceTimersByTime(500);
    expect(release).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5000);
    expect(release).toHaveBeenCalledTimes(1);
    m.wrote(20 << 20);
    m.cancel();
    vi.advanceTimersByTime(5000);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('a collection that fails is logged once and not tried again', () => {
    vi.useFakeTimers();
    const release = vi.fn(() => {
      throw new Error('gc is not a function');
    });
    const log = { warn: vi.fn() };
    const m = new MemoryReleaser(log, release);
    for (let i = 0; i < 3; i++) {
      m.wrote(20 << 20);
      vi.advanceTimersByTime(1000);
    }
    expect(release).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]![1]).toEqual({ err: 'gc is not a function' });
  });
});
