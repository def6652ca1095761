/** releaseMemory collects what is no longer reachable at once, and can be called again. */
import { describe, expect, it } from 'vitest';
import { releaseMemory } from './release-memory.js';

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
