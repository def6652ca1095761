/**
 * The DNS server as app.ts assembles it (acl, kubernetes over a fixture snapshot with a big
 * headless Service, a stand-in or real forward), on 127.0.0.1; a client that can send from
 * another loopback address (an outside client); an upstream that records what reaches it.
 */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { Rcode, messageResponse, reply, type DnsRequest, type Handler, type Plugin, type Remote } from '@minimesh/dns-core';
import { FIXTURE_SERVICES, FIXTURE_SLICES, coreDnsConfig, ep, fixtureSnapshot, service, slice } from '@minimesh/dns-core/testing';
import { createLogger } from '@minimesh/runtime';
import { answerOf, internalRequest } from '../internal-query.js';
import { dnsMetrics } from '../metrics.js';
import { assembleChain } from '../plugin-chain.js';
import { forwardPlugin } from '../plugins/forward-plugin.js';
import { UpstreamExchange, parseUpstream } from '../plugins/upstream-exchange.js';
import { UpstreamPool } from '../plugins/upstream-pool.js';
import { AnswerMemo } from '../server/answer-memo.js';
import { startListeners, type DnsListeners, type TcpLimits } from '../server/dns-listeners.js';
import { requestMetrics } from '../server/request-metrics.js';
import { serveMessage } from '../server/serve-message.js';

const log = createLogger('dns', { level: 'error' });
const many = Array.from({ length: 60 }, (_, i) => ep(`10.244.0.${i + 1}`));
const snap = fixtureSnapshot({
  services: [...FIXTURE_SERVICES, service('big', 'testns', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] })],
  slices: [...FIXTURE_SLICES, slice('big', 'testns', many)],
});
/** What the stand-in for forward saw (names, most at once); `delayMs` makes it slow. */
export const standIn = { forwarded: [] as string[], delayMs: 0, inFlight: 0, maxInFlight: 0 };
/** Stands in for forward: every name has one A record. */
export const standInForward: Plugin = {
  name: 'forward',
  setup: () => async (req) => {
    standIn.forwarded.push(req.question.name);
    standIn.maxInFlight = Math.max(standIn.maxInFlight, ++standIn.inFlight);
    if (standIn.delayMs) await new Promise((r) => setTimeout(r, standIn.delayMs));
    standIn.inFlight--;
    return messageResponse('forward', reply(Rcode.NOERROR, { recursionAvailable: true, answer: [{ name: req.question.name, type: 'A', ttl: 30, data: '93.184.216.34' }] }));
  },
};

export interface ServerOptions {
  acl?: Plugin;
  maxUdpSize?: number;
  tcp?: TcpLimits;
  /** A real forward plugin to this upstream (host:port) instead of the stand-in. */
  upstream?: string;
  forwardFrom?: (r: DnsRequest['remote']) => boolean;
  fallthrough?: string[];
  /** What the acl sees of a client (aclClientClass); default: every address its own class. */
  clientClass?: (remote: Remote) => string;
}

/** The server as app.ts assembles it (the chain's own lookups included), on 127.0.0.1. */
export async function chainServer(o: ServerOptions = {}): Promise<DnsListeners> {
  const metrics = dnsMetrics({ version: 'test', defaultMetrics: false });
  let exchange: UpstreamExchange | undefined;
  let fwd = standInForward;
  if (o.upstream) {
    exchange = new UpstreamExchange();
    const pool = new UpstreamPool({ upstreams: [parseUpstream(o.upstream)], policy: 'random', maxFails: 100, healthCheckMs: 1000, exchange, metrics: metrics.forward });
    fwd = forwardPlugin({ pool, exchange, maxConcurrent: 100, readTimeoutMs: 1000, deadlineMs: 2000, forceTcp: false, preferUdp: false, metrics: metrics.forward, log, allowFrom: o.forwardFrom, maxUdpSize: o.maxUdpSize ?? 1232 });
  }
  let head: Handler = async () => messageResponse('', reply(Rcode.SERVFAIL));
  const { handler } = assembleChain(
    { acl: o.acl, kubernetes: { config: coreDnsConfig({ fallthrough: o.fallthrough ?? [] }), snapshot: () => snap }, forward: fwd },
    { lookup: async (name, type, parent) => answerOf(await head(internalRequest(name, type, parent.remote))) },
  );
  head = handler;
  // Pre-encoded answers as app.ts keeps them; a client is its own class unless the test says more.
  const memo = new AnswerMemo<(seconds: number) => void>({ current: () => snap, clientClass: o.clientClass ?? ((r) => r.address) });
  const ctx = { handler, metrics: requestMetrics(metrics, 'dns://127.0.0.1:0'), log, maxUdpSize: o.maxUdpSize, memo };
  const l = await startListeners('127.0.0.1:0', (w, p, r) => serveMessage(ctx, w, p, r), log, o.tcp, (reply) => memo.held(reply));
  return { ...l, close: async () => (await l.close(), await exchange?.close()) };
}

/** One UDP query from `from` (a loopback address other than 127.0.0.1 stands for an outside client). */
export function udpFrom(from: string, port: number, name: string, type = 'A', bytes?: Uint8Array): Promise<dnsPacket.Packet | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), resolve(undefined)), 500);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      try {
        resolve(dnsPacket.decode(m));
      } catch {
        resolve({ type: 'response', id: -1 } as dnsPacket.Packet);
      }
    });
    s.bind(0, from, () => s.send(bytes ?? dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }] }), port, '127.0.0.1'));
  });
}

export interface Recorded {
  name: string;
  type: string;
  id: number;
  address: string;
  port: number;
  /** The OPT record's payload size, when the query had one. */
  udpSize?: number;
}

/**
 * A UDP upstream on 127.0.0.1 that records every query (and where it came from, and its bytes) and answers it:
 * one A record, or 100 for `big.example.org`, always with an OPT record of 4096 (as a cached
 * answer first asked for by an EDNS0 client has one).
 */
export async function recordingUpstream(): Promise<{ address: string; port: number; queries: Recorded[]; raw: Buffer[]; sock: dgram.Socket; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const queries: Recorded[] = [];
  const raw: Buffer[] = [];
  sock.on('message', (m, rinfo) => {
    raw.push(m);
    const q = dnsPacket.decode(m);
    const question = q.questions![0]!;
    const opt = q.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    queries.push({ name: question.name, type: question.type, id: q.id!, address: rinfo.address, port: rinfo.port, udpSize: opt?.udpPayloadSize });
    const n = question.name === 'big.example.org' ? 100 : question.type === 'A' ? 1 : 0;
    const answers = Array.from({ length: n }, (_, i) => ({ name: question.name, type: 'A' as const, ttl: 60, data: `192.0.2.${i + 1}` }));
    const additionals = [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as dnsPacket.Answer];
    sock.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: q.questions, answers, additionals }), rinfo.port, rinfo.address);
  });
  const port = sock.address().port;
  return { address: `127.0.0.1:${port}`, port, queries, raw, sock, close: () => new Promise<void>((r) => sock.close(() => r())) };
}
