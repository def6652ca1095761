/**
 * Encodes a reply with name compression, fitting it into the client's size the way miekg/dns's
 * Msg.Truncate does (CoreDNS's ScrubWriter): records are kept in order (answer, authority,
 * additional) until one does not fit; from then on nothing more is added and TC is set. The OPT
 * record (when the query had one) carries the payload size it is given (the server's: the
 * client's, capped) and the client's DO bit, and is always kept.
 */
import { parseIPStrict, parseIPv4Strict } from '@minimesh/api';
import { typeCode, type Question, type ReplyMessage, type ResourceRecord } from '@minimesh/dns-core';
import { HEADER_SIZE } from './query-decoder.js';
import { NameWriter, WireFormatError } from './wire-names.js';

export const MIN_UDP_SIZE = 512;
export const MAX_TCP_SIZE = 65535;
const OPT_SIZE = 11;
const TYPE_OPT = 41;
const CLASS_IN = 1;

export interface ReplyHeader {
  id: number;
  opcode: number;
  recursionDesired: boolean;
  checkingDisabled: boolean;
}

export interface EncodeOptions extends ReplyHeader {
  question?: Question;
  /** Present when the query carried an OPT record. */
  edns?: { udpSize: number; dnssecOk: boolean };
  /** Most bytes the reply may take: the client's UDP size (at least 512), or 65535 over TCP. */
  maxSize: number;
}

/** One scratch buffer for every reply: encoding is synchronous, and the result is copied out. */
const SCRATCH = new Uint8Array(MAX_TCP_SIZE + 1024);

class Out {
  readonly buf = SCRATCH;
  pos = 0;
  u8(v: number) {
    this.buf[this.pos++] = v & 0xff;
  }
  u16(v: number) {
    this.buf[this.pos++] = (v >> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }
  u32(v: number) {
    this.u16((v >>> 16) & 0xffff);
    this.u16(v & 0xffff);
  }
  at16(offset: number, v: number) {
    this.buf[offset] = (v >> 8) & 0xff;
    this.buf[offset + 1] = v & 0xff;
  }
}

function writeRdata(out: Out, names: NameWriter, rr: ResourceRecord): void {
  switch (rr.type) {
    case 'A': {
      // The hot path of every answer: a scan to a number, no allocation.
      const v4 = parseIPv4Strict(rr.data);
      if (v4 === undefined) throw new WireFormatError(`bad A ${rr.data}`);
      out.u32(v4);
      return;
    }
    case 'AAAA': {
      const v6 = rr.data.includes(':') ? parseIPStrict(rr.data) : null;
      if (!v6) throw new WireFormatError(`bad AAAA ${rr.data}`);
      for (const b of v6) out.u8(b);
      return;
    }
    case 'CNAME':
    case 'PTR':
    case 'NS':
      out.pos = names.write(out.buf, out.pos, rr.data, true);
      return;
    case 'MX':
      out.u16(rr.data.preference);
      out.pos = names.write(out.buf, out.pos, rr.data.exchange, true);
      return;
    case 'SRV':
      out.u16(rr.data.priority);
      out.u16(rr.data.weight);
      out.u16(rr.data.port);
      // RFC 2782: the target is not compressed.
      out.pos = names.write(out.buf, out.pos, rr.data.target, false);
      return;
    case 'SOA':
      out.pos = names.write(out.buf, out.pos, rr.data.mname, true);
      out.pos = names.write(out.buf, out.pos, rr.data.rname, true);
      for (const v of [rr.data.serial, rr.data.refresh, rr.data.retry, rr.data.expire, rr.data.minimum]) out.u32(v);
      return;
    case 'TXT':
      for (const text of rr.data) {
        const bytes = new TextEncoder().encode(text);
        for (let i = 0; i < bytes.length || i === 0; i += 255) {
          const chunk = bytes.subarray(i, i + 255);
          out.u8(chunk.length);
          out.buf.set(chunk, out.pos);
          out.pos += chunk.length;
        }
      }
  }
}

/** Writes one record; false (and nothing written) when it would end past `limit`. */
function writeRecord(out: Out, names: NameWriter, rr: ResourceRecord, limit: number): boolean {
  const start = out.pos;
  const mark = names.mark();
  try {
    out.pos = names.write(out.buf, out.pos, rr.name, true);
    out.u16(typeCode(rr.type)!);
    out.u16(CLASS_IN);
    out.u32(rr.ttl >>> 0);
    const lengthAt = out.pos;
    out.u16(0);
    writeRdata(out, names, rr);
    out.at16(lengthAt, out.pos - lengthAt - 2);
    if (out.pos <= limit) return true;
  } catch (e) {
    // Writes past the end of the buffer are dropped by the typed array, except set(), which throws.
    if (!(e instanceof RangeError)) throw e;
  }
  out.pos = start;
  names.rollback(mark);
  return false;
}

export function encodeResponse(msg: ReplyMessage, o: EncodeOptions): Uint8Array {
  const maxSize = Math.min(MAX_TCP_SIZE, Math.max(MIN_UDP_SIZE, o.maxSize));
  // Slack so that a record written past the limit is still inside the buffer before it is undone.
  const out = new Out();
  const names = new NameWriter();
  const limit = maxSize - (o.edns ? OPT_SIZE : 0);
  out.pos = HEADER_SIZE;
  if (o.question) {
    out.pos = names.write(out.buf, out.pos, o.question.name, false);
    out.u16(typeCode(o.question.type) ?? 0);
    out.u16(o.question.class);
  }
  const counts = [0, 0, 0];
  let truncated = msg.truncated;
  const sections = [msg.answer, msg.authority, msg.additional];
  outer: for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]!) {
      if (!writeRecord(out, names, rr, limit)) {
        truncated = true;
        break outer;
      }
      counts[s]!++;
    }
  }
  if (o.edns) {
    out.u8(0); // root
    out.u16(TYPE_OPT);
    out.u16(Math.max(MIN_UDP_SIZE, o.edns.udpSize));
    out.u8(msg.rcode >> 4); // extended RCODE
    out.u8(0); // version
    out.u16(o.edns.dnssecOk ? 0x8000 : 0);
    out.u16(0);
    counts[2]!++;
  }
  let flags = 0x8000 | ((o.opcode & 0xf) << 11) | (msg.rcode & 0xf);
  if (msg.authoritative) flags |= 0x0400;
  if (truncated) flags |= 0x0200;
  if (o.recursionDesired) flags |= 0x0100;
  if (msg.recursionAvailable) flags |= 0x0080;
  if (o.checkingDisabled) flags |= 0x0010;
  out.at16(0, o.id);
  out.at16(2, flags);
  out.at16(4, o.question ? 1 : 0);
  out.at16(6, counts[0]!);
  out.at16(8, counts[1]!);
  out.at16(10, counts[2]!);
  return out.buf.slice(0, out.pos);
}
