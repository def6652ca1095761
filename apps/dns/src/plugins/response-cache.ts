/**
 * The store of CoreDNS's cache plugin, for upstream messages kept as bytes: a success cache and a
 * denial cache (NXDOMAIN, NODATA, and SERVFAIL for a short while), each with a capacity and the
 * oldest entry evicted first. An entry lives for the message's smallest TTL, clamped to
 * [minimum, maximum]; served copies carry the remaining TTL on every record (cache/item.go).
 */
import { Rcode } from '@minimesh/dns-core';
import { setTTLs, type ScannedMessage } from '../wire/wire-scan.js';

export type CacheKind = 'success' | 'denial';

export interface ResponseCacheOptions {
  successCapacity: number;
  denialCapacity: number;
  /** Seconds: the cap on a success entry's life (CoreDNS `cache 30` sets both caps to 30). */
  successMaxTTL: number;
  denialMaxTTL: number;
  /** Seconds: the floor on an entry's life (CoreDNS: 5). */
  minTTL: number;
  /** Seconds a SERVFAIL is remembered (CoreDNS `servfail`, default 5; 0 turns it off). */
  servfailTTL: number;
  /** Milliseconds. */
  now?: () => number;
}

interface Item {
  wire: Uint8Array;
  ttlOffsets: readonly number[];
  questionEnd: number;
  rcode: number;
  storedMs: number;
  ttl: number;
}

export interface CacheHit {
  kind: CacheKind;
  rcode: number;
  /** A fresh copy with the remaining TTL written in; the id and question are the caller's to set. */
  wire: Uint8Array;
  questionEnd: number;
  /** When the TTLs written in change (ms since the epoch). */
  until: number;
}

/** When a message without records expires (dnsutil failSafeTTL). */
const FAIL_SAFE_TTL = 5;

/** Which cache a message belongs in and for how long, or undefined when it is not cached (response.Typify). */
export function classify(m: ScannedMessage, o: ResponseCacheOptions): { kind: CacheKind; ttl: number } | undefined {
  if (!m.isResponse || m.truncated) return undefined;
  const msgTTL = m.answerCount + m.authorityCount === 0 || m.minTTL === undefined ? FAIL_SAFE_TTL : m.minTTL;
  const clamp = (max: number) => Math.min(max, Math.max(o.minTTL, msgTTL));
  if (m.rcode === Rcode.NOERROR && m.answerCount > 0) return { kind: 'success', ttl: clamp(o.successMaxTTL) };
  if (m.rcode === Rcode.NXDOMAIN) return { kind: 'denial', ttl: clamp(o.denialMaxTTL) };
  if (m.rcode === Rcode.NOERROR) {
    if (m.nsInAuthority && !m.soaInAuthority) return undefined; // a delegation
    return { kind: 'denial', ttl: clamp(o.denialMaxTTL) };
  }
  if (m.rcode === Rcode.SERVFAIL && o.servfailTTL > 0) return { kind: 'denial', ttl: o.servfailTTL };
  return undefined;
}

export class ResponseCache {
  private readonly maps: Record<CacheKind, Map<string, Item>> = { success: new Map(), denial: new Map() };
  private readonly now: () => number;

  constructor(
    readonly options: ResponseCacheOptions,
    private readonly onEvict: (kind: CacheKind) => void = () => {},
  ) {
    this.now = options.now ?? Date.now;
  }

  get(key: string): CacheHit | undefined {
    for (const kind of ['success', 'denial'] as const) {
      const map = this.maps[kind];
      const item = map.get(key);
      if (!item) continue;
      const remaining = item.ttl - Math.floor((this.now() - item.storedMs) / 1000);
      if (remaining <= 0) {
        map.delete(key);
        continue;
      }
      // A copy, which the caller may give its id (a Buffer's slice() would be a view).
      const wire = new Uint8Array(item.wire);
      setTTLs(wire, item.ttlOffsets, remaining);
      // The TTLs written hold until the next whole second of the item's age.
      const until = item.storedMs + (item.ttl - remaining + 1) * 1000;
      return { kind, rcode: item.rcode, wire, questionEnd: item.questionEnd, until };
    }
    return undefined;
  }

  /** Stores the message when it is cacheable; returns the cache it went into. */
  put(key: string, wire: Uint8Array, scanned: ScannedMessage): CacheKind | undefined {
    const c = classify(scanned, this.options);
    if (!c || c.ttl <= 0) return undefined;
    const map = this.maps[c.kind];
    const capacity = c.kind === 'success' ? this.options.successCapacity : this.options.denialCapacity;
    if (capacity <= 0) return undefined;
    map.delete(key);
    while (map.size >= capacity) {
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
      this.onEvict(c.kind);
    }
    map.set(key, { wire: new Uint8Array(wire), ttlOffsets: scanned.ttlOffsets, questionEnd: scanned.questionEnd, rcode: scanned.rcode, storedMs: this.now(), ttl: c.ttl });
    return c.kind;
  }

  size(kind: CacheKind): number {
    return this.maps[kind].size;
  }
}
