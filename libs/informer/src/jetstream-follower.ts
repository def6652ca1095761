/**
 * Transport 'nats': the apiserver's event stream on JetStream, from the cache's revision.
 *
 * Resuming after revision R of store S (the cache's list says both): a binary search over stream
 * sequences (single-message reads) finds the first message of S with Minimesh-Revision > R (the
 * messages of an older store count as before it); an ordered consumer filtered on the kind's
 * subjects starts there. Every message must continue the kind's chain: its Minimesh-Kind-Previous
 * must not be above the last revision the cache has (else events of the kind are missing:
 * purged, aged out, or the stream was recreated), and its Minimesh-Store must be S (else the
 * apiserver moved to another data directory, or the stream's tail is an old store's that a new
 * apiserver has not published after yet). Either failure is a RelistRequiredError. A list that
 * names no store (an apiserver older than ObjectList.store_id) is followed without the store
 * check. Where the store id names a signing key (libs/wire event-signature.ts), every message
 * must carry the store's signature over its subject, headers and payload: one that does not was
 * not written by the apiserver and is skipped (logged and counted) before anything in it is read;
 * the resume search reads past it (and past an old store's tail) as past a hole. A message of
 * another store is never believed on its own signature (anyone can make a key): StoreTrust
 * decides when a list asks the apiserver. A consumer that stops (disconnect, missed heartbeats, consumer or stream gone) is a
 * ConsumerFailureError: the informer resumes from its last revision the same way, and that
 * resume proves continuity or relists.
 *
 * Selection is done here: the stream carries every namespace and label, and an object that
 * stops matching the selector is handed on as DELETED.
 */
import type { Kind, KubeObject, Selector } from '@minimesh/api';
import { streamEventProblem } from './event-check.js';
import { pb } from '@minimesh/proto';
import { eventVerifier, kindSubjects, objectFromWire, streamEventMark, type EventVerifier } from '@minimesh/wire';
import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerNotification, type JsMsg } from '@nats-io/jetstream';
import { ConsumerFailureError, RelistRequiredError } from './errors.js';
import type { ChangeSink, ChangeType, Follower } from './follower.js';
import type { NatsSession } from './nats-session.js';
import type { InformerLogger } from './options.js';
import { revisionOf } from './resource-version.js';
import { StoreTrust } from './store-trust.js';
import { findStartSequence, type MessageMark } from './stream-position.js';

export interface JetStreamFollowerOptions {
  session: NatsSession;
  /** Told of every message refused (undecodable, or failing streamEventProblem). */
  onRejected?: (reason: string) => void;
  stream: string;
  kind: Kind;
  namespace: string;
  selector: Selector;
  log: InformerLogger;
}

const CHANGE_TYPES: Partial<Record<pb.EventType, ChangeType>> = {
  [pb.EventType.ADDED]: 'ADDED',
  [pb.EventType.MODIFIED]: 'MODIFIED',
  [pb.EventType.DELETED]: 'DELETED',
};

/** Consumer notifications after which the consumer cannot be trusted to deliver. */
const FATAL_NOTIFICATIONS = new Set<ConsumerNotification['type']>([
  'heartbeats_missed',
  'consumer_deleted',
  'consumer_not_found',
  'stream_not_found',
  'ordered_consumer_recreated',
  'no_responders',
]);

const REQUEST_TIMEOUT_MS = 5_000;
const CONSUMER_INACTIVE_THRESHOLD_MS = 30_000;
/**
 * Pulls last 15 s and the server sends a heartbeat every 5 s while it has nothing to deliver: a
 * consumer that vanished without a word (a pull the server never answers, a 409 that got lost)
 * shows as two missed heartbeats, 10-15 s, instead of 30-45 s with the library's defaults.
 */
const PULL_EXPIRES_MS = 15_000;
const IDLE_HEARTBEAT_MS = 5_000;

export class JetStreamFollower implements Follower {
  /**
   * The last stream sequence that made this follower relist. Messages are delivered in sequence
   * order, so anything at or before it was seen before: a message there that asks for a relist
   * again is skipped (one relist per message, however many bad messages there are).
   */
  private relistedThrough = 0;
  private readonly stores = new StoreTrust();
  /** A store change refused during a recent probe, to be checked by a list when it is due. */
  private pendingProbe?: { dueAt: number; why: string };
  private readonly verifiers = new Map<string, EventVerifier | undefined>();

  constructor(private readonly opts: JetStreamFollowerOptions) {}

  async follow(sink: ChangeSink, signal: AbortSignal): Promise<void> {
    const { session, stream, kind, log } = this.opts;
    const nc = await session.connection();
    await session.whenConnected(signal);
    if (signal.aborted) return;

    const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: REQUEST_TIMEOUT_MS });
    const info = await jsm.streams.info(stream);
    this.stores.listed(sink.storeId);
    const verify = this.verifierOf(sink.storeId);
    const read = async (seq: number): Promise<MessageMark | null> => {
      const m = await jsm.streams.getMessage(stream, { seq });
      const mark = m ? streamEventMark(m.header) : null;
      // Once the cache's store signs, only its signed messages are landmarks; anything else
      // (an old store's tail, a forgery under any store's name) is read past like a hole.
      if (m && mark && verify && !verify(m.subject, m.header, m.data)) return null;
      return mark;
    };
    const bounds = { firstSeq: info.state.first_seq, lastSeq: info.state.last_seq };
    const after = revisionOf(sink.resourceVersion);
    const startSeq = await findStartSequence(read, bounds, after, sink.storeId || undefined);
    log.debug('following the event stream', { kind, stream, after, store: sink.storeId, startSeq, firstSeq: bounds.firstSeq, lastSeq: bounds.lastSeq });

    const consumer = await jetstream(nc, { timeout: REQUEST_TIMEOUT_MS }).consumers.get(stream, {
      filter_subjects: kindSubjects(kind),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
      inactive_threshold: CONSUMER_INACTIVE_THRESHOLD_MS,
    });
    const messages = await consumer.consume({ max_messages: 256, expires: PULL_EXPIRES_MS, idle_heartbeat: IDLE_HEARTBEAT_MS });

    let failure: Error | undefined;
    let probeTimer: NodeJS.Timeout | undefined;
    const stop = (why?: Error) => {
      failure ??= why;
      void messages.close().catch(() => undefined);
    };
    // A store change refused during a recent probe is checked when the interval is over.
    // Kept across resumes: a consumer that breaks before the check does not cancel it.
    const armProbe = (p: { dueAt: number; why: string }) => {
      probeTimer ??= setTimeout(() => {
        this.pendingProbe = undefined;
        stop(new RelistRequiredError('store-changed', p.why));
      }, Math.max(0, p.dueAt - Date.now()));
    };
    const probeLater = (ms: number, why: string) => armProbe((this.pendingProbe ??= { dueAt: Date.now() + ms, why }));
    if (this.pendingProbe) armProbe(this.pendingProbe);
    const onAbort = () => stop();
    signal.addEventListener('abort', onAbort, { once: true });
    const offStatus = session.onStatus((s) => {
      if (s.type === 'disconnect' || s.type === 'staleConnection' || s.type === 'close') stop(new ConsumerFailureError(`NATS connection lost (${s.type})`));
    });
    void (async () => {
      for await (const n of messages.status()) {
        if (FATAL_NOTIFICATIONS.has(n.type)) stop(new ConsumerFailureError(`consumer failed: ${JSON.stringify(n)}`));
      }
    })().catch(() => undefined);
    if (signal.aborted) stop();

    try {
      for await (const m of messages) {
        this.handle(m, sink, probeLater);
      }
    } finally {
      clearTimeout(probeTimer);
      signal.removeEventListener('abort', onAbort);
      offStatus();
      await messages.close().catch(() => undefined);
      consumer.delete().catch(() => undefined);
    }
    if (failure && !signal.aborted) throw failure;
  }

  /**
   * A message that cannot be believed is never applied, and never loops the informer: the first
   * time, it is logged, counted and answered by a relist (the apiserver's list has the truth of
   * whatever the message was about); seen again (the same stream sequence), it is skipped.
   */
  private reject(m: JsMsg, revision: number, reason: string): void {
    this.opts.onRejected?.(reason);
    this.opts.log.warn('refusing an event from the stream', { kind: this.opts.kind, seq: m.seq, subject: m.subject, revision, reason });
    this.relistOnce(m, new RelistRequiredError('invalid-event', `event ${revision} (stream sequence ${m.seq}) was refused: ${reason}`));
  }

  /**
   * Relists because of message `m`, once. A genuine reason is gone after the relist (its
   * revision is then behind the cache, and skipped before any check): a message that asks for
   * a second relist is not genuine (forged headers, say) and is skipped from then on.
   */
  private relistOnce(m: JsMsg, err: RelistRequiredError): void {
    if (m.seq <= this.relistedThrough) return;
    this.relistedThrough = m.seq;
    throw err;
  }

  /** A message that cannot be believed and asks for nothing: never read further, never a relist. */
  private refuse(m: JsMsg, revision: number, reason: string): void {
    this.opts.onRejected?.(reason);
    this.opts.log.warn(`refusing an event from the stream: ${reason}`, { kind: this.opts.kind, seq: m.seq, subject: m.subject, revision });
  }

  private verifierOf(storeId: string): EventVerifier | undefined {
    if (!this.verifiers.has(storeId)) {
      if (this.verifiers.size >= 16) this.verifiers.clear();
      this.verifiers.set(storeId, eventVerifier(storeId));
    }
    return this.verifiers.get(storeId);
  }

  async close(): Promise<void> {
    await this.opts.session.close();
  }

  private handle(m: JsMsg, sink: ChangeSink, probeLater: (ms: number, why: string) => void): void {
    const mark = streamEventMark(m.headers);
    if (!mark) {
      this.opts.log.warn('skipping a stream message without minimesh headers', { seq: m.seq, subject: m.subject });
      return;
    }
    // The signature first: nothing in a message is believed before it checks out. A message of
    // another store is checked with that store's key, then asks StoreTrust whether to list.
    // Once the cache's store signs, a message naming an unsigned store is refused too.
    const own = this.verifierOf(sink.storeId);
    const theirs = mark.store === sink.storeId ? own : this.verifierOf(mark.store);
    if (theirs ? !theirs(m.subject, m.headers, m.data) : own) return this.refuse(m, mark.revision, 'not signed by the store it names');
    if (sink.storeId && mark.store !== sink.storeId) {
      // Anyone can sign for a store named after their own key: only a list says which is current.
      const why = `event ${mark.revision} comes from store ${mark.store}, the cache from ${sink.storeId}`;
      const verdict = this.stores.verdict(mark.store, mark.revision);
      if (verdict.action === 'refuse') {
        if (verdict.probeInMs !== undefined) probeLater(verdict.probeInMs, why);
        return this.refuse(m, mark.revision, verdict.reason);
      }
      return this.relistOnce(m, new RelistRequiredError('store-changed', why));
    }
    const last = revisionOf(sink.resourceVersion);
    if (mark.revision <= last) return; // already seen (a re-sent tail, or before the list)
    if (mark.kindPrevious > last) {
      return this.relistOnce(
        m,
        new RelistRequiredError('gap', `event ${mark.revision} follows ${this.opts.kind} event ${mark.kindPrevious}, but the cache is at ${last}: events are missing from the stream`),
      );
    }
    if (mark.stub) {
      // The object did not fit in a message: read the kind again from the apiserver (its
      // revision is at least this one, so the stub is behind the cache afterwards).
      return this.relistOnce(m, new RelistRequiredError('too-large', `event ${mark.revision} (${m.subject}) carries an object too big for the stream`));
    }
    let ev: pb.WatchEvent;
    let obj: KubeObject | undefined;
    try {
      ev = pb.WatchEvent.decode(m.data);
      obj = ev.object ? objectFromWire(ev.object) : undefined;
    } catch (e) {
      return this.reject(m, mark.revision, `undecodable payload: ${(e as Error).message}`);
    }
    const type = CHANGE_TYPES[ev.type];
    const rv = String(mark.revision);
    if (!type || !obj) return this.reject(m, mark.revision, 'an event without a type or an object');
    const problem = streamEventProblem(this.opts.kind, m.subject, mark.revision, type, obj);
    if (problem) return this.reject(m, mark.revision, problem);
    const { namespace, selector } = this.opts;
    if (namespace && obj.metadata.namespace !== namespace) return sink.advance(rv);
    if (type !== 'DELETED' && !selector.matches(obj.metadata.labels)) return sink.apply('DELETED', obj, rv);
    sink.apply(type, obj, rv);
  }
}
