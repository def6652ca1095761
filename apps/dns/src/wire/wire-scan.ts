/**
 * Upstream messages stay bytes: forwarding returns them as they came and the cache stores them.
 * This reads what those need (RCODE, flags, counts, where the question ends, where every TTL
 * sits) and rewrites ids, questions and TTLs in place.
 */
import { HEADER_SIZE } from './query-decoder.js';
import { WireFormatError, skipName } from './wire-names.js';

const TYPE_OPT = 41;
const TYPE_SOA = 6;
const TYPE_NS = 2;

export interface ScannedMessage {
  isResponse: boolean;
  /** With the OPT record's upper bits. */
  rcode: number;
  truncated: boolean;
  answerCount: number;
  authorityCount: number;
  questionEnd: number;
  /** Offsets of the TTL field of every record but OPT. */
  ttlOffsets: number[];
  /** Smallest TTL of those records; undefined when there are none. */
  minTTL?: number;
  soaInAuthority: boolean;
  nsInAuthority: boolean;
  /** The OPT record: offset of its fixed part (type, class = payload size, ...) and its end. */
  opt?: { at: number; end: number; last: boolean };
}

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

export function scanMessage(buf: Uint8Array): ScannedMessage {
  if (buf.length < HEADER_SIZE) throw new WireFormatError('message shorter than a header');
  const flags = u16(buf, 2);
  const qd = u16(buf, 4);
  const an = u16(buf, 6);
  const ns = u16(buf, 8);
  const ar = u16(buf, 10);
  let pos = HEADER_SIZE;
  let questionEnd = HEADER_SIZE;
  for (let i = 0; i < qd; i++) {
    pos = skipName(buf, pos) + 4;
    if (i === 0) questionEnd = pos;
  }
  const out: ScannedMessage = {
    isResponse: (flags & 0x8000) !== 0,
    rcode: flags & 0xf,
    truncated: (flags & 0x0200) !== 0,
    answerCount: an,
    authorityCount: ns,
    questionEnd,
    ttlOffsets: [],
    soaInAuthority: false,
    nsInAuthority: false,
  };
  for (let i = 0; i < an + ns + ar; i++) {
    pos = skipName(buf, pos);
    if (pos + 10 > buf.length) throw new WireFormatError('record runs past the message');
    const type = u16(buf, pos);
    if (type === TYPE_OPT) {
      out.rcode |= buf[pos + 4]! << 4;
      if (i >= an + ns) out.opt = { at: pos, end: pos + 10 + u16(buf, pos + 8), last: i === an + ns + ar - 1 };
    } else {
      out.ttlOffsets.push(pos + 4);
      const ttl = u32(buf, pos + 4);
      if (out.minTTL === undefined || ttl < out.minTTL) out.minTTL = ttl;
      if (i >= an && i < an + ns) {
        if (type === TYPE_SOA) out.soaInAuthority = true;
        if (type === TYPE_NS) out.nsInAuthority = true;
      }
    }
    pos += 10 + u16(buf, pos + 8);
    if (pos > buf.length) throw new WireFormatError('rdata runs past the message');
  }
  return out;
}

export function setId(buf: Uint8Array, id: number): void {
  buf[0] = (id >> 8) & 0xff;
  buf[1] = id & 0xff;
}

export function setTTLs(buf: Uint8Array, offsets: readonly number[], ttl: number): void {
  for (const o of offsets) {
    buf[o] = (ttl >>> 24) & 0xff;
    buf[o + 1] = (ttl >>> 16) & 0xff;
    buf[o + 2] = (ttl >>> 8) & 0xff;
    buf[o + 3] = ttl & 0xff;
  }
}

/**
 * The header and question of `buf` (through `questionEnd`) with TC set and no records: "ask again
 * over TCP". With `opt`, an OPT record stays (as miekg's Msg.Truncate keeps it), carrying this
 * server's size and the DO bit.
 */
export function truncatedReply(buf: Uint8Array, questionEnd: number, opt?: { udpSize: number; dnssecOk: boolean }): Uint8Array {
  const out = new Uint8Array(questionEnd + (opt ? 11 : 0));
  out.set(buf.subarray(0, questionEnd));
  out[2] = out[2]! | 0x02;
  out.fill(0, 6, 12);
  if (opt) {
    out[11] = 1;
    // owner ".", type OPT, class = payload size, TTL = ext. RCODE/version 0 and DO, no rdata
    out.set([0, 0, TYPE_OPT, (opt.udpSize >> 8) & 0xff, opt.udpSize & 0xff, 0, 0, opt.dnssecOk ? 0x80 : 0, 0, 0, 0], questionEnd);
  }
  return out;
}

/** A copy of `query` whose OPT record asks for at most `size` bytes (CoreDNS's bufsize plugin). */
export function clampEdnsSize(query: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(query);
  try {
    const opt = scanMessage(out).opt;
    if (opt && u16(out, opt.at + 2) > size) setU16(out, opt.at + 2, size);
  } catch {
    // Not scannable: sent as it came (the upstream will say FORMERR).
  }
  return out;
}

/**
 * Fits an upstream message's OPT record to this client (what CoreDNS's ScrubWriter does with
 * `SizeAndDo`): it carries `udpSize`, the size this server advertises; a client that sent no
 * OPT gets none back (RFC 6891 §7), when the OPT is the last record, as it is in practice.
 * Rewrites `wire` in place; returns it, or a shorter view of it.
 */
export function fitEdns(wire: Uint8Array, scanned: ScannedMessage, client: { udpSize: number } | undefined): Uint8Array {
  const opt = scanned.opt;
  if (!opt) return wire;
  if (client) {
    setU16(wire, opt.at + 2, client.udpSize);
    return wire;
  }
  // The OPT's owner is the root: one zero byte before its fixed part.
  if (!opt.last || opt.end !== wire.length || wire[opt.at - 1] !== 0) return wire;
  setU16(wire, 10, u16(wire, 10) - 1);
  return wire.subarray(0, opt.at - 1);
}

function setU16(buf: Uint8Array, o: number, v: number): void {
  buf[o] = (v >> 8) & 0xff;
  buf[o + 1] = v & 0xff;
}
