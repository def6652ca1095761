/**
 * Publishes every committed event to NATS JetStream, in revision order, exactly once per
 * revision (JetStream de-duplicates on `Nats-Msg-Id: <store id>-<revision>`).
 *
 * The store's event history is the outbox: the publisher keeps a high-water mark in the store
 * and sends whatever lies after it, so events committed while NATS was down (or while this
 * process was down) go out, in order, as soon as NATS answers again. Writes never wait for it.
 */
import { connect, headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType, DiscardPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { KINDS, type Kind } from '@minimesh/api';
import type { Logger } from '@minimesh/runtime';
import type { Store, StoredEvent } from '../store/store.js';
import { DEFAULT_EVENT_STREAM, EVENT_SUBJECT_PREFIX, HEADER_SIGNATURE, HEADER_STUB, signEvent, encodeStreamEvent, eventSubject, gapMarkerHeaders, gapMarkerSubject, natsAuthOptions, streamEventHeaders, stubStreamEvent, type NatsAuth } from '@minimesh/wire';

export interface PublisherOptions {
  /** nats://host:port[,nats://...] */
  url: string;
  stream?: string;
  /** How long the stream keeps events. */
  maxAgeMs?: number;
  batchSize?: number;
  log: Logger;
  /** User, password and CA for a NATS server with authorization and TLS. */
  auth?: NatsAuth;
  /** Called for an event whose object did not fit in a NATS message (a stub went out instead). */
  onParked?: (ev: StoredEvent) => void;
}

const DEFAULT_MAX_AGE_MS = 24 * 3600 * 1000; // a day of history on the stream
const DEFAULT_BATCH = 256;
const MAX_BACKOFF_MS = 2000;
const PUBLISH_TIMEOUT_MS = 2000;
/** The most event bytes published before their acknowledgements are awaited. */
const BURST_BYTES = 4 * 1024 * 1024;
/** Room left for the headers and the protocol line within max_payload. */
const HEADROOM_BYTES = 4096;

export class EventPublisher {
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private stopped = false;
  private wake?: () => void;
  private wakeOnStop?: () => void;
  private pending = false;
  private loop?: Promise<void>;
  private readonly stream: string;
  /** The connection is up (not waiting to reconnect) and the last attempt to publish worked. */
  private linkUp = false;
  private lastAttemptOk = false;

  constructor(
    private readonly store: Store,
    private readonly opts: PublisherOptions,
  ) {
    this.stream = opts.stream ?? DEFAULT_EVENT_STREAM;
  }

  /** Connected to NATS (not reconnecting), and the last attempt to read or publish worked. */
  get connected(): boolean {
    return !!this.nc && !this.nc.isClosed() && this.linkUp && this.lastAttemptOk;
  }

  start(): void {
    this.loop = this.run();
  }

  /** New events were committed. */
  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.wakeOnStop?.();
    await this.loop;
    await this.nc?.drain().catch(() => undefined);
  }

  private async ensureConnected(): Promise<JetStreamClient> {
    if (!this.nc || this.nc.isClosed()) {
      this.js = undefined;
      this.nc = await connect({
        servers: this.opts.url.split(','),
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        name: 'minimesh-apiserver',
        ...natsAuthOptions(this.opts.auth),
      });
      this.linkUp = true;
      const nc = this.nc;
      void (async () => {
        for await (const s of nc.status()) {
          if (s.type === 'disconnect' || s.type === 'staleConnection') this.linkUp = false;
          else if (s.type === 'reconnect') this.linkUp = true;
        }
      })().catch(() => undefined);
    }
    if (this.js) return this.js;
    // (Re)declare the stream: NATS may have come back without it.
    const jsm = await jetstreamManager(this.nc);
    const config = {
      name: this.stream,
      subjects: [`${EVENT_SUBJECT_PREFIX}.>`],
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(this.opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS),
      duplicate_window: nanos(120_000),
    };
    try {
      await jsm.streams.info(this.stream);
      await jsm.streams.update(this.stream, config);
    } catch {
      await jsm.streams.add(config);
    }
    this.js = jetstream(this.nc);
    this.opts.log.info('publishing events to NATS JetStream', { url: this.opts.url, stream: this.stream });
    return this.js;
  }

  /**
   * Publishes in order. An event bigger than the server's max_payload (1 MiB by default; objects
   * may reach 1.5 MiB) would be refused for ever and hold back every later one: it goes out as a
   * stub (Minimesh-Stub, the object cut to its names), followers read the object from the
   * apiserver instead, and the event is logged and counted.
   *
   * Publishes go out in bursts of up to BURST_BYTES, each burst's acknowledgements awaited
   * together (one socket write for many events instead of a write and a round trip per event,
   * which had cost an eighth of the apiserver's CPU under churn); a burst is small enough to be
   * sent and acknowledged within one publish timeout. Order still holds: NATS stores one
   * connection's messages in the order sent, and each event after the first expects the one
   * before it as the stream's last (Nats-Expected-Last-Msg-Id), so if one is refused, none after
   * it is stored; the next attempt starts again at the first unacknowledged event, and the ones
   * stored meanwhile come back as duplicates (same Nats-Msg-Id), not twice.
   */
  private async publishBatch(js: JetStreamClient, events: StoredEvent[]): Promise<void> {
    const maxPayload = this.nc?.info?.max_payload ?? 1024 * 1024;
    let acks: Promise<unknown>[] = [];
    let burstBytes = 0;
    let previous: string | undefined;
    const settle = async () => {
      const settled = await Promise.allSettled(acks);
      acks = [];
      burstBytes = 0;
      const refused = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (refused) throw refused.reason;
    };
    for (const ev of events) {
      const h = headers();
      for (const [name, value] of streamEventHeaders(ev, this.store.id)) h.set(name, value);
      let payload = encodeStreamEvent(ev);
      if (payload.length + HEADROOM_BYTES > maxPayload) {
        payload = encodeStreamEvent(stubStreamEvent(ev));
        h.set(HEADER_STUB, 'too-large');
        this.opts.log.warn('event too big for a NATS message: published as a stub, followers relist', {
          revision: ev.revision,
          kind: ev.kind,
          namespace: ev.namespace,
          name: ev.name,
          bytes: payload.length,
          maxPayload,
        });
        this.opts.onParked?.(ev);
      }
      const subject = eventSubject(ev.kind, ev.namespace, ev.name);
      h.set(HEADER_SIGNATURE, signEvent(this.store.signingKey, subject, h, payload));
      const msgID = `${this.store.id}-${ev.revision}`;
      if (burstBytes > 0 && burstBytes + payload.length > BURST_BYTES) await settle();
      const ack = js.publish(subject, payload, { msgID, headers: h, timeout: PUBLISH_TIMEOUT_MS, ...(previous === undefined ? {} : { expect: { lastMsgID: previous } }) });
      // Handled at once: if this loop throws before settle(), no refusal goes unhandled.
      ack.catch(() => undefined);
      acks.push(ack);
      burstBytes += payload.length;
      previous = msgID;
    }
    await settle();
  }

  /**
   * Events `from`..`to` were compacted before they were published: a gap marker per kind (see
   * libs/wire's event-stream.ts) makes every follower whose cache is older relist, also for kinds
   * with no later event whose Minimesh-Kind-Previous would show the gap.
   */
  private async publishGap(js: JetStreamClient, from: number, to: number): Promise<void> {
    this.opts.log.warn('events compacted before NATS got them: publishing gap markers, followers will relist', { from, to });
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const h = headers();
      for (const [name, value] of gapMarkerHeaders(to, this.store.id)) h.set(name, value);
      h.set(HEADER_SIGNATURE, signEvent(this.store.signingKey, gapMarkerSubject(kind), h, new Uint8Array(0)));
      await js.publish(gapMarkerSubject(kind), new Uint8Array(0), { msgID: `${this.store.id}-${to}-gap-${kind}`, headers: h, timeout: PUBLISH_TIMEOUT_MS });
    }
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        const js = await this.ensureConnected();
        this.pending = false;
        const published = await this.store.publishedRevision();
        const oldest = await this.store.oldestRevision();
        if (oldest > published + 1) {
          // The history is bounded: while NATS was away, events it never got were compacted.
          await this.publishGap(js, published + 1, oldest - 1);
          await this.store.setPublishedRevision(oldest - 1);
          continue;
        }
        const events = await this.store.eventsAfter(published, this.opts.batchSize ?? DEFAULT_BATCH);
        this.lastAttemptOk = true;
        if (events.length === 0) {
          if (!this.pending) await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        await this.publishBatch(js, events);
        await this.store.setPublishedRevision(events[events.length - 1]!.revision);
        backoff = 100;
      } catch (e) {
        if (this.stopped) break;
        this.lastAttemptOk = false;
        this.js = undefined;
        this.opts.log.warn('cannot publish events to NATS yet; will retry', { err: (e as Error).message, retryInMs: backoff });
        // New commits do not cut the wait short (that would only burn through the backoff);
        // stop() does.
        await new Promise<void>((resolve) => {
          this.wakeOnStop = resolve;
          setTimeout(resolve, backoff).unref();
        });
        this.wakeOnStop = undefined;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}
