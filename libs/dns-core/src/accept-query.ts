/**
 * Whether a message is a query the server will look at (miekg/dns's DefaultMsgAcceptFunc plus
 * CoreDNS's EDNS version check): responses are dropped; anything but a plain QUERY is NOTIMP;
 * no question, several questions, or records in answer/authority are FORMERR; an EDNS version
 * other than 0 is BADVERS.
 */
import { Rcode } from './message.js';

export interface QueryHeader {
  isResponse: boolean;
  opcode: number;
  questionCount: number;
  answerCount: number;
  authorityCount: number;
  additionalCount: number;
  ednsVersion?: number;
}

export const OPCODE_QUERY = 0;

/** 'drop', the rcode to answer with at once, or 'accept'. */
export function acceptQuery(h: QueryHeader): 'accept' | 'drop' | number {
  if (h.isResponse) return 'drop';
  if (h.opcode !== OPCODE_QUERY) return Rcode.NOTIMP;
  if (h.questionCount !== 1) return Rcode.FORMERR;
  if (h.answerCount > 1 || h.authorityCount > 1 || h.additionalCount > 2) return Rcode.FORMERR;
  if (h.ednsVersion !== undefined && h.ednsVersion !== 0) return Rcode.BADVERS;
  return 'accept';
}
