/**
 * The `forward` plugin: sends what no other plugin answered to the upstream servers and returns
 * their reply as it is (CoreDNS plugin/forward). The client's transport is kept (a TCP query is
 * forwarded over TCP) unless `forceTcp`/`preferUdp` say otherwise; a truncated UDP reply goes
 * back truncated, for the client to retry over TCP. Each upstream gets `readTimeoutMs`; the next
 * one is tried until `deadlineMs`; then SERVFAIL. Over `maxConcurrent` queries in flight: REFUSED.
 *
 * `allowFrom`, when given, is who may have queries forwarded at all; anyone else gets REFUSED.
 * The default acl lets everyone ask the cluster zones, and names there can still end up here
 * (a reverse name in a `fallthrough` zone): this keeps forwarding for the cluster's networks.
 *
 * The query goes upstream with its EDNS0 payload size lowered to `maxUdpSize` (what CoreDNS's
 * bufsize plugin does, 1232 by default after DNS Flag Day 2020), so upstream answers avoid IP
 * fragmentation and fit what this server sends on.
 *
 * A query whose question name is compressed goes re-packed (header, question written out, OPT
 * record), as CoreDNS's forward packs the message it unpacked: the upstream's reply carries the
 * question uncompressed and must match it, and a name pointing into the id would read otherwise
 * once the id is replaced. Any other query goes as it came.
 */
import { Rcode, messageResponse, rcodeName, reply, type Plugin, type Remote } from '@minimesh/dns-core';
import type { Logger } from '@minimesh/runtime';
import type { DnsMetrics } from '../metrics.js';
import { HEADER_SIZE } from '../wire/query-decoder.js';
import { uncompressedQuery } from '../wire/query-repack.js';
import { nameIsCompressed } from '../wire/wire-names.js';
import { clampEdnsSize, scanMessage } from '../wire/wire-scan.js';
import type { UpstreamExchange } from './upstream-exchange.js';
import type { UpstreamPool } from './upstream-pool.js';

export const FORWARD_PLUGIN = 'forward';

export interface ForwardOptions {
  pool: UpstreamPool;
  exchange: UpstreamExchange;
  maxConcurrent: number;
  readTimeoutMs: number;
  deadlineMs: number;
  forceTcp: boolean;
  preferUdp: boolean;
  metrics: DnsMetrics['forward'];
  log: Logger;
  /** Who may have queries forwarded (the server's own probes always may); default: anyone. */
  allowFrom?: (remote: Remote) => boolean;
  /** The largest EDNS0 payload size asked of an upstream; default: the client's. */
  maxUdpSize?: number;
}

export function forwardPlugin(o: ForwardOptions): Plugin {
  let inflight = 0;
  return {
    name: FORWARD_PLUGIN,
    setup: (next) => async (req) => {
      if (o.pool.size === 0) return next(req);
      if (o.allowFrom && (!req.internal || req.forClient) && !o.allowFrom(req.remote)) return messageResponse(FORWARD_PLUGIN, reply(Rcode.REFUSED));
      if (inflight >= o.maxConcurrent) {
        o.metrics.maxConcurrentRejects.inc();
        return messageResponse(FORWARD_PLUGIN, reply(Rcode.REFUSED));
      }
      inflight++;
      try {
        const deadline = Date.now() + o.deadlineMs;
        const tcp = o.forceTcp || (req.proto === 'tcp' && !o.preferUdp);
        const wire = nameIsCompressed(req.wire, HEADER_SIZE) ? uncompressedQuery(req.wire) : req.wire;
        const query = o.maxUdpSize !== undefined && req.edns && req.edns.udpSize > o.maxUdpSize ? clampEdnsSize(wire, o.maxUdpSize) : wire;
        for (const up of o.pool.order()) {
          const timeout = Math.min(o.readTimeoutMs, deadline - Date.now());
          if (timeout <= 0) break;
          const started = performance.now();
          o.metrics.requests.with(up.label).inc();
          try {
            const wire = tcp ? await o.exchange.tcp(up, query, timeout) : await o.exchange.udp(up, query, timeout);
            const rcode = scanMessage(wire).rcode;
            const name = rcodeName(rcode);
            o.metrics.responses.with(name, up.label).inc();
            o.metrics.requestDuration.with(up.label, name).observe((performance.now() - started) / 1000);
            o.pool.succeeded(up);
            return { plugin: FORWARD_PLUGIN, rcode, wire };
          } catch (e) {
            o.pool.failed(up);
            o.log.debug('upstream failed', { to: up.label, qname: req.question.name, err: (e as Error).message });
          }
        }
        return messageResponse(FORWARD_PLUGIN, reply(Rcode.SERVFAIL));
      } finally {
        inflight--;
      }
    },
  };
}
