/**
 * Pre-encoded answers: the bytes of an answer made from the cluster snapshot alone, kept under
 * the bytes of the query that asked for it (all but its id), while that snapshot is current.
 * The next identical query (same name in the same letter case, type, flags and EDNS record, same
 * transport, a client the access rules treat alike) gets a copy with its own id, without being
 * decoded, sent down the plugin chain or encoded again: a snapshot changes a few times a second
 * at most, queries come by the ten thousand.
 *
 * Only answers that depend on nothing else are kept: the kubernetes plugin's own answers
 * (`DnsResponse.fromSnapshot`), never those completed by a lookup through the chain (an
 * ExternalName's target), forwarded or cached ones (their TTLs run down), nor what the acl
 * refused. What the chain would have counted for the query is counted again by `onHit` (the acl's
 * allowed requests) and by the caller (request metrics).
 */
import type { Remote } from '@minimesh/dns-core';

export interface AnswerMemoOptions {
  /** The snapshot answers are made from now: entries made from another one are void. */
  current: () => object;
  /**
   * What the access rules see of a client: clients with the same class get the same decisions.
   * Constant when no rule looks at the source of a query that reaches the kubernetes plugin.
   */
  clientClass: (remote: Remote) => string;
  /** Most entries kept (oldest dropped first). */
  capacity?: number;
}

export const DEFAULT_MEMO_CAPACITY = 10_000;
/** Longer queries (padding, cookies and other options) are answered the long way. */
export const MAX_MEMO_QUERY_SIZE = 512;

export interface MemoEntry<T> {
  answer: Uint8Array;
  /** The caller's data for this answer (the request metrics to count again). */
  data: T;
}

export class AnswerMemo<T> {
  private readonly entries = new Map<string, MemoEntry<T>>();
  private madeFrom: object | undefined;
  private readonly capacity: number;

  constructor(private readonly o: AnswerMemoOptions) {
    this.capacity = o.capacity ?? DEFAULT_MEMO_CAPACITY;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  /** A copy of the answer with the query's id, or undefined. */
  get(query: Uint8Array, proto: 'udp' | 'tcp', remote: Remote): { answer: Uint8Array; data: T } | undefined {
    if (query.length > MAX_MEMO_QUERY_SIZE || query.length < 12) return undefined;
    if (this.madeFrom !== this.o.current()) {
      if (this.entries.size > 0) this.entries.clear();
      return undefined;
    }
    const e = this.entries.get(this.key(query, proto, remote));
    if (!e) return undefined;
    const answer = e.answer.slice();
    answer[0] = query[0]!;
    answer[1] = query[1]!;
    return { answer, data: e.data };
  }

  /** Keeps `answer` (made from `snapshot`) for queries like `query`. */
  put(query: Uint8Array, proto: 'udp' | 'tcp', remote: Remote, answer: Uint8Array, snapshot: object, data: T): void {
    if (query.length > MAX_MEMO_QUERY_SIZE || query.length < 12) return;
    if (snapshot !== this.o.current()) return;
    if (this.madeFrom !== snapshot) {
      this.entries.clear();
      this.madeFrom = snapshot;
    }
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(this.key(query, proto, remote), { answer: answer.slice(), data });
  }

  private key(query: Uint8Array, proto: 'udp' | 'tcp', remote: Remote): string {
    return `${proto === 'udp' ? 'u' : 't'}${this.o.clientClass(remote)}\u0000${Buffer.from(query.buffer, query.byteOffset + 2, query.length - 2).toString('latin1')}`;
  }
}
