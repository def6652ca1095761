/**
 * A query re-packed for forwarding, as CoreDNS's forward sends the message it unpacked (miekg's
 * Msg.Pack, names uncompressed): the header, the first question with its name written out, and
 * the OPT record (options kept). Needed when the question name is a compression pointer: the
 * upstream's reply carries the question uncompressed, and a pointer into the id would read
 * something else once the id is replaced. Other records are dropped (an answer or authority
 * record in a query, or a TSIG that could not verify on a changed message anyway).
 */
import { HEADER_SIZE } from './query-decoder.js';
import { NameWriter, WireFormatError, readName, skipName } from './wire-names.js';

const TYPE_OPT = 41;
const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;

export function uncompressedQuery(wire: Uint8Array): Uint8Array {
  if (wire.length < HEADER_SIZE || u16(wire, 4) === 0) throw new WireFormatError('no question to re-pack');
  const { name, end } = readName(wire, HEADER_SIZE);
  if (end + 4 > wire.length) throw new WireFormatError('question runs past the message');
  const questionEnd = end + 4;
  // The OPT record, wherever it is among the additional records.
  let pos = questionEnd;
  for (let i = 1; i < u16(wire, 4); i++) pos = skipName(wire, pos) + 4;
  const before = u16(wire, 6) + u16(wire, 8);
  const records = before + u16(wire, 10);
  let opt: Uint8Array | undefined;
  for (let i = 0; i < records; i++) {
    pos = skipName(wire, pos);
    if (pos + 10 > wire.length) throw new WireFormatError('record runs past the message');
    const next = pos + 10 + u16(wire, pos + 8);
    if (next > wire.length) throw new WireFormatError('rdata runs past the message');
    if (i >= before && u16(wire, pos) === TYPE_OPT) opt = wire.subarray(pos, next);
    pos = next;
  }
  const out = new Uint8Array(HEADER_SIZE + 256 + 4 + (opt ? 1 + opt.length : 0));
  out.set(wire.subarray(0, HEADER_SIZE));
  out.set([0, 1, 0, 0, 0, 0, 0, opt ? 1 : 0], 4);
  let at = new NameWriter().write(out, HEADER_SIZE, name, false);
  out.set(wire.subarray(end, questionEnd), at);
  at += 4;
  if (opt) {
    out[at++] = 0; // the root, its owner
    out.set(opt, at);
    at += opt.length;
  }
  return out.subarray(0, at);
}
