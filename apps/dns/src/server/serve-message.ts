/**
 * One query, bytes in, bytes out (core/dnsserver ServeDNS with the ScrubWriter): decode, accept
 * or reject, run the plugin chain, encode within the client's size, and report to the metrics.
 */
import { NO_REPLY, Rcode, acceptQuery, reply, type DnsRequest, type DnsResponse, type Handler, type Remote } from '@minimesh/dns-core';
import type { Logger } from '@minimesh/runtime';
import { HEADER_SIZE, decodeHeader, decodeQuery, type DecodedQuery } from '../wire/query-decoder.js';
import { skipName } from '../wire/wire-names.js';
import { MAX_TCP_SIZE, MIN_UDP_SIZE, encodeResponse } from '../wire/response-encoder.js';
import { fitEdns, scanMessage, setId, truncatedReply } from '../wire/wire-scan.js';
import type { AnswerMemo } from './answer-memo.js';
import type { RequestMetrics } from './request-metrics.js';

export interface ServeContext {
  handler: Handler;
  metrics: RequestMetrics;
  log: Logger;
  /** The largest UDP answer (default DEFAULT_MAX_UDP_SIZE). */
  maxUdpSize?: number;
  /** Pre-encoded answers of the cluster snapshot, with the request metrics to count for each. */
  memo?: AnswerMemo<(seconds: number) => void>;
  /** What the chain counts for a query it lets through (the acl's allowed requests), for answers from the memo. */
  onMemoHit?: () => void;
}

/** The reply to send (undefined: none), at once when it was known, else when the chain made it. */
export type ServeResult = Uint8Array | undefined | Promise<Uint8Array | undefined>;

/**
 * The longest query taken, over UDP or TCP; a longer one is FORMERR (or, over TCP, closes the
 * connection before it is read). A query is one question and an OPT record with a few options;
 * even padded (RFC 8467) it stays far below this.
 */
export const MAX_QUERY_SIZE = 4096;

/** The largest UDP answer by default: 1232 bytes, the DNS Flag Day 2020 size (CoreDNS's bufsize default). */
export const DEFAULT_MAX_UDP_SIZE = 1232;

/**
 * What an answer may weigh: 65535 over TCP; over UDP the client's EDNS0 size (at least 512) but
 * never more than `maxUdp`, else 512. A bigger answer goes out truncated (TC) and the client
 * retries over TCP: large UDP answers are what reflection attacks are made of.
 */
export function sizeLimit(proto: 'udp' | 'tcp', edns?: { udpSize: number }, maxUdp = DEFAULT_MAX_UDP_SIZE): number {
  if (proto === 'tcp') return MAX_TCP_SIZE;
  return Math.min(Math.max(MIN_UDP_SIZE, maxUdp), Math.max(MIN_UDP_SIZE, edns?.udpSize ?? MIN_UDP_SIZE));
}

function encodeFor(q: DecodedQuery, proto: 'udp' | 'tcp', resp: DnsResponse, maxUdp: number): Uint8Array {
  const maxSize = sizeLimit(proto, q.edns, maxUdp);
  // The OPT record says what this server takes over UDP, min(client's size, maxUdp), as CoreDNS
  // with its bufsize plugin does (RFC 6891 §6.2.5; over TCP too, for the client's next UDP query).
  const edns = q.edns ? { udpSize: sizeLimit('udp', q.edns, maxUdp), dnssecOk: q.edns.dnssecOk } : undefined;
  if (resp.wire) {
    let out: Uint8Array = new Uint8Array(resp.wire);
    setId(out, q.id);
    try {
      out = fitEdns(out, scanMessage(out), edns);
    } catch {
      // An upstream message that does not scan goes on as it came (its size is still checked).
    }
    if (out.length <= maxSize) return out;
    return truncatedReply(out, skipName(out, HEADER_SIZE) + 4, edns);
  }
  return encodeResponse(resp.message, {
    id: q.id,
    opcode: q.header.opcode,
    recursionDesired: q.recursionDesired,
    checkingDisabled: q.checkingDisabled,
    question: q.question,
    edns,
    maxSize,
  });
}

/** Returns the reply to send, or undefined to send nothing: from the memo at once, else through the chain. */
export function serveMessage(ctx: ServeContext, wire: Uint8Array, proto: 'udp' | 'tcp', remote: Remote): ServeResult {
  if (!ctx.memo) return serveThroughChain(ctx, wire, proto, remote);
  const started = performance.now();
  const hit = ctx.memo.get(wire, proto, remote);
  if (!hit) return serveThroughChain(ctx, wire, proto, remote);
  ctx.onMemoHit?.();
  hit.data((performance.now() - started) / 1000);
  return hit.answer;
}

async function serveThroughChain(ctx: ServeContext, wire: Uint8Array, proto: 'udp' | 'tcp', remote: Remote): Promise<Uint8Array | undefined> {
  const started = performance.now();
  const snapshot = ctx.memo?.current();
  if (wire.length < HEADER_SIZE) return undefined;
  // The header first, as miekg/dns does (its MsgAcceptFunc sees the header alone): a response is
  // ignored and an opcode other than QUERY is NOTIMP, whatever follows. miekg takes NOTIFY as
  // well; here it stays NOTIMP, since nothing in this chain acts on one, and the cache and the
  // pre-encoded answers, keyed without the opcode, must not hold a NOTIFY's reply.
  const head = decodeHeader(wire);
  const early = acceptQuery(head.header);
  if (early === 'drop') return undefined;
  if (early !== 'accept') return rejected(ctx, head, early, proto, remote, wire.length);
  let q: DecodedQuery;
  try {
    if (wire.length > MAX_QUERY_SIZE) throw new Error('query too long');
    q = decodeQuery(wire);
  } catch {
    // The header is readable: FORMERR, as miekg/dns does for a message that does not unpack.
    ctx.metrics.dropped(proto, remote.family, wire.length);
    return encodeResponse(reply(Rcode.FORMERR), { id: head.id, opcode: head.header.opcode, recursionDesired: false, checkingDisabled: false, maxSize: MIN_UDP_SIZE });
  }
  // The EDNS version (BADVERS) is known now.
  const verdict = acceptQuery(q.header);
  if (verdict === 'drop') return undefined;
  if (verdict !== 'accept' || !q.question) return rejected(ctx, q, verdict, proto, remote, wire.length);
  const req: DnsRequest = {
    id: q.id,
    opcode: q.header.opcode,
    recursionDesired: q.recursionDesired,
    checkingDisabled: q.checkingDisabled,
    question: q.question,
    edns: q.edns,
    proto,
    remote,
    wire,
    internal: false,
  };
  let resp: DnsResponse;
  try {
    resp = await ctx.handler(req);
  } catch (e) {
    ctx.metrics.panic();
    ctx.log.error('plugin chain failed', { qname: q.question.name, qtype: q.question.type, err: (e as Error).stack ?? String(e) });
    resp = { plugin: '', rcode: Rcode.SERVFAIL, message: reply(Rcode.SERVFAIL) };
  }
  let out: Uint8Array;
  try {
    if (resp.rcode === NO_REPLY) return undefined;
    out = encodeFor(q, proto, resp, ctx.maxUdpSize ?? DEFAULT_MAX_UDP_SIZE);
  } catch (e) {
    ctx.log.error('encoding the reply failed', { qname: q.question.name, err: (e as Error).message });
    resp = { plugin: '', rcode: Rcode.SERVFAIL, message: reply(Rcode.SERVFAIL) };
    out = encodeFor(q, proto, resp, ctx.maxUdpSize ?? DEFAULT_MAX_UDP_SIZE);
  }
  ctx.metrics.observe(req, resp, wire.length, out.length, (performance.now() - started) / 1000);
  if (ctx.memo && snapshot && resp.reuse) {
    const observe = ctx.metrics.bind(req, resp, wire.length, out.length);
    const recount = resp.reuse.recount;
    ctx.memo.put(wire, proto, remote, out, snapshot, recount ? (s) => (recount(), observe(s)) : observe, resp.reuse.until);
  }
  return out;
}

/** The reply to a query refused before the chain: its rcode, the question only with BADVERS. */
function rejected(ctx: ServeContext, q: DecodedQuery, verdict: number | 'accept', proto: 'udp' | 'tcp', remote: Remote, size: number): Uint8Array {
  ctx.metrics.dropped(proto, remote.family, size);
  const rcode = typeof verdict === 'number' ? verdict : Rcode.FORMERR;
  const withQuestion = rcode === Rcode.BADVERS;
  return encodeResponse(reply(rcode), {
    id: q.id,
    opcode: q.header.opcode,
    recursionDesired: q.recursionDesired,
    checkingDisabled: q.checkingDisabled,
    question: withQuestion ? q.question : undefined,
    edns: withQuestion && q.edns ? { udpSize: q.edns.udpSize, dnssecOk: false } : undefined,
    maxSize: MIN_UDP_SIZE,
  });
}
