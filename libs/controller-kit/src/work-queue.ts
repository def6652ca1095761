/**
 * A work queue in client-go's shape: a key is queued at most once; a key re-added while it is
 * being processed is processed again after `done`; failures are retried with exponential
 * backoff (`addRateLimited`), and `forget` resets a key's backoff once it synced.
 */

export interface WorkQueueOptions {
  /** First retry delay. */
  baseDelayMs?: number;
  /** Longest retry delay. */
  maxDelayMs?: number;
}

const DEFAULT_BASE_DELAY_MS = 5; // client-go's ItemExponentialFailureRateLimiter: 5 ms · 2^n
const DEFAULT_MAX_DELAY_MS = 30_000;

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private waiters: ((key: K | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(opts: WorkQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  }

  /** Keys waiting (not counting those being processed). */
  get length(): number {
    return this.queue.length;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else {
      this.queue.push(key);
    }
  }

  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, delayMs);
    t.unref();
    this.timers.add(t);
  }

  /** Re-queues after the key's next backoff delay. */
  addRateLimited(key: K): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs));
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  /** The next key to process; undefined once the queue is shut down. */
  get(): Promise<K | undefined> {
    if (this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
  }
}

/**
 * Runs `workers` loops that take keys and sync them; a sync that throws is retried with backoff
 * up to `maxRetries` times (then dropped and reported), one that succeeds is forgotten.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  workers: number,
  sync: (key: K) => Promise<void>,
  opts: { maxRetries?: number; onError?: (key: K, err: unknown, dropped: boolean) => void } = {},
): Promise<void> {
  const maxRetries = opts.maxRetries ?? 15;
  const loop = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        const dropped = queue.numRequeues(key) >= maxRetries;
        opts.onError?.(key, err, dropped);
        if (dropped) queue.forget(key);
        else queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
