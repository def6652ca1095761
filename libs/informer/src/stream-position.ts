/**
 * Where to resume in the event stream. Stream sequence numbers are not revisions (NATS may have
 * been down, the stream may be younger than the store, the publisher may have re-sent a tail),
 * but within one store the stream is in revision order, so a binary search over sequences finds
 * the first message after a revision with O(log n) single-message reads.
 */

/** What the search needs of one stored message. */
export interface MessageMark {
  revision: number;
  store: string;
}

/**
 * Reads the message at `seq`; null when there is none (deleted, or aged out since the bounds
 * were read) or when it is not to be believed (a message without its store's signature).
 */
export type ReadMark = (seq: number) => Promise<MessageMark | null>;

export interface StreamBounds {
  /** First and last sequence in the stream; first = last + 1 when it is empty. */
  firstSeq: number;
  lastSeq: number;
}

/**
 * The sequence to start consuming at so that the first message delivered is the first one of
 * `store` with a revision above `after` (or whatever arrives next, when there is none yet).
 * Messages of another store count as "before": a store change puts them ahead of the new
 * store's messages; none of them is handed to the consumer after the store's last message
 * either. With `store` undefined every message counts.
 */
export async function findStartSequence(read: ReadMark, bounds: StreamBounds, after: number, store?: string): Promise<number> {
  const isOwn = (m: MessageMark) => store === undefined || m.store === store;
  const isAfter = (m: MessageMark) => isOwn(m) && m.revision > after;
  let lo = Math.max(1, bounds.firstSeq);
  let hi = bounds.lastSeq + 1;
  let firstAfter: number | undefined;
  // Invariant: starting at `lo` loses nothing wanted; starting at `hi` is late enough.
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const found = await readAtOrAfter(read, mid, hi);
    if (!found) hi = mid;
    else if (isAfter(found.mark)) {
      hi = mid;
      firstAfter = found.seq;
    } else lo = found.seq + 1;
  }
  if (firstAfter === lo) return lo;
  // Between `lo` and the store's next message there is nothing of it (holes, another store's
  // tail, messages read as none): start at that message, or after the stream when there is none,
  // so a consumer is never handed what is not the store's.
  for (let s = lo; s <= bounds.lastSeq; s++) {
    const mark = await read(s);
    if (mark && isOwn(mark)) return s;
  }
  return Math.max(lo, bounds.lastSeq + 1);
}

/** The first message at a sequence in [seq, end). Holes are rare (explicit deletes), so a forward scan is enough. */
async function readAtOrAfter(read: ReadMark, seq: number, end: number): Promise<{ seq: number; mark: MessageMark } | null> {
  for (let s = seq; s < end; s++) {
    const mark = await read(s);
    if (mark) return { seq: s, mark };
  }
  return null;
}
