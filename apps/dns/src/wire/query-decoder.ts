/**
 * Reads what the server needs from a query: the header, the first question, and the OPT record
 * (EDNS0 payload size, version, DO bit). Anything malformed is a WireFormatError.
 */
import { typeName, type Edns, type Question, type QueryHeader } from '@minimesh/dns-core';
import { WireFormatError, readName, skipName } from './wire-names.js';

export const HEADER_SIZE = 12;
const TYPE_OPT = 41;

export interface DecodedQuery {
  id: number;
  header: QueryHeader;
  recursionDesired: boolean;
  checkingDisabled: boolean;
  question?: Question;
  /** Offset just after the first question. */
  questionEnd: number;
  edns?: Edns;
}

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;

/** The 12-byte header alone (miekg reads it first, to judge the message before the rest). */
export function decodeHeader(buf: Uint8Array): DecodedQuery {
  if (buf.length < HEADER_SIZE) throw new WireFormatError('message shorter than a header');
  const flags = u16(buf, 2);
  return {
    id: u16(buf, 0),
    header: {
      isResponse: (flags & 0x8000) !== 0,
      opcode: (flags >> 11) & 0xf,
      questionCount: u16(buf, 4),
      answerCount: u16(buf, 6),
      authorityCount: u16(buf, 8),
      additionalCount: u16(buf, 10),
    },
    recursionDesired: (flags & 0x0100) !== 0,
    checkingDisabled: (flags & 0x0010) !== 0,
    questionEnd: HEADER_SIZE,
  };
}

export function decodeQuery(buf: Uint8Array): DecodedQuery {
  const out = decodeHeader(buf);
  const header = out.header;
  let pos = HEADER_SIZE;
  for (let i = 0; i < header.questionCount; i++) {
    const { name, end } = readName(buf, pos);
    if (end + 4 > buf.length) throw new WireFormatError('question runs past the message');
    if (i === 0) {
      out.question = { name, type: typeName(u16(buf, end)), class: u16(buf, end + 2) };
      out.questionEnd = end + 4;
    }
    pos = end + 4;
  }
  const skip = header.answerCount + header.authorityCount;
  for (let i = 0; i < skip + header.additionalCount; i++) {
    pos = skipName(buf, pos);
    if (pos + 10 > buf.length) throw new WireFormatError('record runs past the message');
    const type = u16(buf, pos);
    const rdlength = u16(buf, pos + 8);
    if (i >= skip && type === TYPE_OPT) {
      const udpSize = u16(buf, pos + 2);
      const version = buf[pos + 5]!;
      const dnssecOk = (buf[pos + 6]! & 0x80) !== 0;
      out.edns = { udpSize, version, dnssecOk };
      header.ednsVersion = version;
    }
    pos += 10 + rdlength;
    if (pos > buf.length) throw new WireFormatError('rdata runs past the message');
  }
  return out;
}
