/**
 * client-go's event recorder (k8s.io/client-go/tools/record), small: a component reports that
 * something happened to an object, and a core/v1 Event is written for `kubectl describe` and
 * `kubectl get events` to show.
 *
 * - The Event is named `<object name>.<unix nanoseconds in hex>`, in the object's namespace
 *   ("default" for a cluster-scoped object), with source {component, host}, firstTimestamp,
 *   lastTimestamp and count 1.
 * - The same event again (same object, type, reason, message and source) counts up: a patch of
 *   count and lastTimestamp on the Event written before (a new one if that is gone), as
 *   client-go's EventCorrelator does. The last 4096 distinct events are remembered.
 * - A spam filter per object and source (client-go's: a token bucket of 25, one more every five
 *   minutes) drops what is over it, counted.
 * - Writes go out one at a time in the background, at most 1000 waiting (the oldest dropped);
 *   a failed write is logged, never thrown at the caller: reporting never stops a controller.
 */
import type { KubeObject, ObjectReference } from '@minimesh/api';
import { NotFoundError } from '@minimesh/api';
import type { ApiClient } from '@minimesh/client';

/** What the recorder logs through (a runtime Logger fits). */
export interface EventRecorderLogger {
  debug(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
}

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  client: Pick<ApiClient, 'create' | 'patch'>;
  /** source.component: who reports (`metallb-controller`). */
  component: string;
  /** source.host: the node, for per-node components. */
  host?: string;
  log: EventRecorderLogger;
  now?: () => number;
}

const CACHE_SIZE = 4096;
const MAX_PENDING = 1000;
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60_000;

interface Remembered {
  namespace: string;
  name: string;
  count: number;
  first: string;
}

/** metav1.Time: RFC 3339 to the second. */
const timeOf = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class EventRecorder {
  private readonly seen = new Map<string, Remembered>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly pending: Array<() => Promise<void>> = [];
  private running?: Promise<void>;
  private lastNanos = 0n;
  /** Events not written: over the spam filter, or dropped from a full queue. */
  dropped = 0;

  constructor(private readonly o: EventRecorderOptions) {}

  /** Reports `reason` (UpperCamelCase) with `message` about `obj`. Returns at once. */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const now = (this.o.now ?? Date.now)();
    const ref: ObjectReference = {
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
    };
    const source = `${this.o.component}\u0000${this.o.host ?? ''}`;
    const objectKey = `${source}\u0000${ref.kind}\u0000${ref.namespace ?? ''}\u0000${ref.name ?? ''}\u0000${ref.uid ?? ''}`;
    if (!this.allow(objectKey, now)) {
      this.dropped++;
      this.o.log.debug('event dropped by the spam filter', { reason, object: `${ref.kind}/${ref.name}` });
      return;
    }
    const key = `${objectKey}\u0000${type}\u0000${reason}\u0000${message}`;
    const before = this.seen.get(key);
    this.seen.delete(key);
    const at = timeOf(now);
    const entry: Remembered = before ? { ...before, count: before.count + 1 } : { namespace: ref.namespace || 'default', name: `${ref.name ?? ''}.${this.nanos(now).toString(16)}`, count: 1, first: at };
    this.seen.set(key, entry);
    if (this.seen.size > CACHE_SIZE) this.seen.delete(this.seen.keys().next().value!);

    const create = () =>
      this.o.client.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: entry.name, namespace: entry.namespace },
        involvedObject: ref,
        reason,
        message,
        source: { component: this.o.component, ...(this.o.host ? { host: this.o.host } : {}) },
        firstTimestamp: entry.first,
        lastTimestamp: at,
        count: entry.count,
        type,
      });
    this.enqueue(async () => {
      try {
        if (entry.count === 1) return void (await create());
      } catch (e) {
        if (this.seen.get(key) === entry) this.seen.delete(key); // not written: the next one starts afresh
        throw e;
      }
      try {
        await this.o.client.patch('Event', entry.namespace, entry.name, 'strategic', { count: entry.count, lastTimestamp: at, message });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        await create(); // expired (--event-ttl) or deleted: write it again
      }
    });
  }

  /** Resolves once every event reported so far has been written (or failed), or after `timeoutMs`. */
  async flush(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.running, new Promise((r) => (timer = setTimeout(r, deadline - Date.now())))]);
      clearTimeout(timer);
    }
  }

  /**
   * Increasing nanoseconds for names: the clock's milliseconds with the process clock's
   * sub-millisecond part (two recorders on one object in one millisecond rarely meet; a clash is
   * an AlreadyExists, after which the event is written afresh).
   */
  private nanos(now: number): bigint {
    let n = BigInt(now) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    if (n <= this.lastNanos) n = this.lastNanos + 1n;
    this.lastNanos = n;
    return n;
  }

  private allow(key: string, now: number): boolean {
    const b = this.buckets.get(key) ?? { tokens: SPAM_BURST, at: now };
    const refills = Math.floor((now - b.at) / SPAM_REFILL_MS);
    if (refills > 0) {
      b.tokens = Math.min(SPAM_BURST, b.tokens + refills);
      b.at += refills * SPAM_REFILL_MS;
    }
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > CACHE_SIZE) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens <= 0) return false;
    b.tokens--;
    return true;
  }

  private enqueue(write: () => Promise<void>): void {
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
    }
    this.pending.push(write);
    this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    for (let write = this.pending.shift(); write; write = this.pending.shift()) {
      await write().catch((e: Error) => this.o.log.warn('cannot write an event', { err: e.message }));
    }
    // Cleared in the same turn as the queue was found empty: an event reported later starts a new drain.
    this.running = undefined;
  }
}
