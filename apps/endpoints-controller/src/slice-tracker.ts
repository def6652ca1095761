/**
 * Kubernetes' EndpointSliceTracker, in small: remembers the slices this controller wrote until
 * its informer has seen them, so a sync never runs on a cache that misses our own last write
 * (which would create a duplicate slice or update a stale one).
 */
import type { EndpointSlice } from '@minimesh/api';

export class StaleCacheError extends Error {
  constructor(service: string) {
    super(`the EndpointSlice cache has not caught up with our writes for ${service} yet`);
    this.name = 'StaleCacheError';
  }
}

type Expectation = { kind: 'written'; revision: number } | { kind: 'deleted' };

export class SliceTracker {
  /** service key → slice name → what we wrote. */
  private readonly expected = new Map<string, Map<string, Expectation>>();

  written(service: string, slice: EndpointSlice): void {
    this.forService(service).set(slice.metadata.name ?? '', { kind: 'written', revision: Number(slice.metadata.resourceVersion ?? 0) });
  }

  deleted(service: string, name: string): void {
    this.forService(service).set(name, { kind: 'deleted' });
  }

  /** Throws StaleCacheError while the cached slices lag behind our writes; forgets what the cache has caught up with. */
  check(service: string, cached: (name: string) => EndpointSlice | undefined): void {
    const exp = this.expected.get(service);
    if (!exp) return;
    for (const [name, e] of exp) {
      const seen = cached(name);
      const caughtUp = e.kind === 'deleted' ? !seen : !!seen && Number(seen.metadata.resourceVersion ?? 0) >= e.revision;
      if (!caughtUp) throw new StaleCacheError(service);
      exp.delete(name);
    }
    if (exp.size === 0) this.expected.delete(service);
  }

  forget(service: string): void {
    this.expected.delete(service);
  }

  private forService(service: string): Map<string, Expectation> {
    let m = this.expected.get(service);
    if (!m) this.expected.set(service, (m = new Map()));
    return m;
  }
}
