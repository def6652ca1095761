/** Queries the server asks its own chain (CoreDNS's upstream.Lookup): ExternalName targets, the loop probe. */
import { Rcode, type DnsRequest, type DnsResponse, type LookupResult, type Remote } from '@minimesh/dns-core';
import { decodeAnswer } from './wire/answer-decoder.js';
import { decodeQuery } from './wire/query-decoder.js';
import { encodeQuery } from './wire/query-encoder.js';

const SELF: Remote = { address: '127.0.0.1', port: 0, family: 4 };
export const INTERNAL_UDP_SIZE = 4096;

export function internalRequest(name: string, type: string, remote: Remote = SELF): DnsRequest {
  const wire = encodeQuery(name, type, { udpSize: INTERNAL_UDP_SIZE });
  const q = decodeQuery(wire);
  return {
    id: q.id,
    opcode: 0,
    recursionDesired: true,
    checkingDisabled: false,
    question: q.question!,
    edns: q.edns,
    proto: 'udp',
    remote,
    wire,
    internal: true,
  };
}

/** The answer section of whatever the chain replied, as dns-core records; undefined for SERVFAIL or garbage. */
export function answerOf(resp: DnsResponse): LookupResult | undefined {
  if (resp.rcode === Rcode.SERVFAIL) return undefined;
  if (resp.message) return { rcode: resp.rcode, truncated: resp.message.truncated, answer: resp.message.answer };
  try {
    return decodeAnswer(resp.wire, resp.rcode);
  } catch {
    return undefined;
  }
}
