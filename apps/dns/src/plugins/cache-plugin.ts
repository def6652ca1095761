/**
 * The `cache` plugin: answers from the ResponseCache what was forwarded before, keyed like
 * CoreDNS (lower-case name, type, DO and CD bits). A hit keeps the client's id and the letter
 * case of its question. It sits behind kubernetes in the chain (plugin-chain.ts), so answers of
 * the cluster zones are never cached: they come from the snapshot, which is already in memory,
 * and stale cluster answers are what kubeadm's `disable success/denial cluster.local` prevents.
 * Only upstream messages (bytes) are stored. A hit may be given again by the server's
 * pre-encoded answers until its TTLs count down (`reuse`).
 */
import type { DnsRequest, Plugin } from '@minimesh/dns-core';
import type { DnsMetrics } from '../metrics.js';
import { HEADER_SIZE } from '../wire/query-decoder.js';
import { skipName } from '../wire/wire-names.js';
import { scanMessage, setId } from '../wire/wire-scan.js';
import type { ResponseCache } from './response-cache.js';

export const CACHE_PLUGIN = 'cache';

export function cacheKey(req: DnsRequest): string {
  const q = req.question;
  return `${q.name.toLowerCase()}|${q.type}|${q.class}|${req.edns?.dnssecOk ? 1 : 0}|${req.checkingDisabled ? 1 : 0}`;
}

export interface CachePluginOptions {
  cache: ResponseCache;
  metrics: DnsMetrics['cache'];
  /** The `server` label (`dns://:53`). */
  server: string;
  /** The `zones` label: the zones this cache serves. */
  zones?: string;
}

export function cachePlugin(o: CachePluginOptions): Plugin {
  const zones = o.zones ?? '.';
  const requests = o.metrics.requests.with(o.server, zones, '');
  const misses = o.metrics.misses.with(o.server, zones, '');
  const hits = { success: o.metrics.hits.with(o.server, 'success', zones, ''), denial: o.metrics.hits.with(o.server, 'denial', zones, '') };
  const gauge = () => {
    o.metrics.entries.set({ server: o.server, type: 'success', zones, view: '' }, o.cache.size('success'));
    o.metrics.entries.set({ server: o.server, type: 'denial', zones, view: '' }, o.cache.size('denial'));
  };
  return {
    name: CACHE_PLUGIN,
    setup: (next) => async (req) => {
      requests.inc();
      const key = cacheKey(req);
      const hit = o.cache.get(key);
      if (hit) {
        hits[hit.kind].inc();
        setId(hit.wire, req.id);
        const reqQuestionEnd = skipName(req.wire, HEADER_SIZE) + 4;
        if (reqQuestionEnd === hit.questionEnd) hit.wire.set(req.wire.subarray(HEADER_SIZE, reqQuestionEnd), HEADER_SIZE);
        const counted = hits[hit.kind];
        return { plugin: CACHE_PLUGIN, rcode: hit.rcode, wire: hit.wire, reuse: { until: hit.until, recount: () => (requests.inc(), counted.inc()) } };
      }
      misses.inc();
      const resp = await next(req);
      if (resp.wire) {
        try {
          o.cache.put(key, resp.wire, scanMessage(resp.wire));
          gauge();
        } catch {
          o.metrics.drops.inc({ server: o.server, zones, view: '' });
        }
      }
      return resp;
    },
  };
}
