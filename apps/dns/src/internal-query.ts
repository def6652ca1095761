/** Queries the server asks its own chain (CoreDNS's upstream.Lookup): ExternalName targets, the loop probe. */
import { NO_REPLY, Rcode, type DnsRequest, type DnsResponse, type LookupResult, type Remote } from '@minimesh/dns-core';
import { decodeAnswer } from './wire/answer-decoder.js';
import { decodeQuery } from './wire/query-decoder.js';
import { encodeQuery } from './wire/query-encoder.js';

const SELF: Remote = { address: '127.0.0.1', port: 0, family: 4 };
export const INTERNAL_UDP_SIZE = 4096;

/** A query of the server's own; with `client`, one made for that client's query. */
export function internalRequest(name: string, type: string, client?: Remote): DnsRequest {
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
    remote: client ?? SELF,
    wire,
    internal: true,
    forClient: client !== undefined,
  };
}

/** The answer section of whatever the chain replied, as dns-core records; undefined for SERVFAIL, no reply (acl drop) or garbage. */
export function answerOf(resp: DnsResponse): LookupResult | undefined {
  if (resp.rcode === Rcode.SERVFAIL || resp.rcode === NO_REPLY) return undefined;
  if (resp.message) return { rcode: resp.rcode, truncated: resp.message.truncated, answer: resp.message.answer };
  try {
    return decodeAnswer(resp.wire, resp.rcode);
  } catch {
    return undefined;
  }
}
