/**
 * Prometheus metrics under CoreDNS's names and labels (plugin/metrics/vars, plugin/acl, plugin/cache,
 * plugin/forward + pkg/proxy, plugin/health, plugin/kubernetes), so its dashboards and alerts work.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.js';

/** plugin.TimeBuckets: 0.25 ms to 8 s. */
export const TIME_BUCKETS = exponentialBuckets(0.00025, 2, 16);
/** plugin/metrics/vars: request and response sizes. */
export const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];
/** Types with their own `type` label value; everything else counts as "other". */
export const MONITORED_TYPES = new Set(['A', 'AAAA', 'MX', 'SOA', 'CNAME', 'PTR', 'TXT', 'NS', 'SRV', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'HTTPS', 'IXFR', 'AXFR', 'ANY']);

export function typeLabel(type: string): string {
  return MONITORED_TYPES.has(type) ? type : 'other';
}

export type DnsMetrics = ReturnType<typeof dnsMetrics>;

export function dnsMetrics(opts: { version: string; defaultMetrics?: boolean }) {
  const registry = new Registry();
  const registers = [registry];
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  // aggregator: what the sum over --workers is (prom-client's AggregatorRegistry; sum when unset).
  const buildInfo = new Gauge({ name: 'coredns_build_info', help: 'A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.', labelNames: ['version', 'revision', 'goversion'], registers, aggregator: 'first' });
  buildInfo.set({ version: opts.version, revision: 'minimesh', goversion: process.version }, 1);
  return {
    registry,
    panics: new Counter({ name: 'coredns_panics_total', help: 'A metrics that counts the number of panics.', registers }),
    pluginEnabled: new Gauge({ name: 'coredns_plugin_enabled', help: 'A metric that indicates whether a plugin is enabled on per server and zone basis.', labelNames: ['server', 'zone', 'view', 'name'], registers, aggregator: 'first' }),
    requests: new FastCounter('coredns_dns_requests_total', 'Counter of DNS requests made per zone, protocol and family.', ['server', 'zone', 'view', 'proto', 'family', 'type'], registry),
    doRequests: new FastCounter('coredns_dns_do_requests_total', 'Counter of DNS requests with DO bit set per zone.', ['server', 'zone', 'view'], registry),
    requestDuration: new FastHistogram('coredns_dns_request_duration_seconds', 'Histogram of the time (in seconds) each request took per zone.', ['server', 'zone', 'view', 'type'], registry, TIME_BUCKETS),
    requestSize: new FastHistogram('coredns_dns_request_size_bytes', 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.', ['server', 'zone', 'view', 'proto'], registry, SIZE_BUCKETS),
    responseSize: new FastHistogram('coredns_dns_response_size_bytes', 'Size of the returned response in bytes.', ['server', 'zone', 'view', 'proto'], registry, SIZE_BUCKETS),
    responses: new FastCounter('coredns_dns_responses_total', 'Counter of response status codes.', ['server', 'zone', 'view', 'rcode', 'plugin'], registry),
    acl: {
      blocked: new FastCounter('coredns_acl_blocked_requests_total', 'Counter of DNS requests being blocked.', ['server', 'zone', 'view'], registry),
      filtered: new FastCounter('coredns_acl_filtered_requests_total', 'Counter of DNS requests being filtered.', ['server', 'zone', 'view'], registry),
      allowed: new FastCounter('coredns_acl_allowed_requests_total', 'Counter of DNS requests being allowed.', ['server', 'view'], registry),
      dropped: new FastCounter('coredns_acl_dropped_requests_total', 'Counter of DNS requests being dropped.', ['server', 'zone', 'view'], registry),
    },
    cache: {
      entries: new Gauge({ name: 'coredns_cache_entries', help: 'The number of elements in the cache.', labelNames: ['server', 'type', 'zones', 'view'], registers }),
      requests: new FastCounter('coredns_cache_requests_total', 'The count of cache requests.', ['server', 'zones', 'view'], registry),
      hits: new FastCounter('coredns_cache_hits_total', 'The count of cache hits.', ['server', 'type', 'zones', 'view'], registry),
      misses: new FastCounter('coredns_cache_misses_total', 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.', ['server', 'zones', 'view'], registry),
      evictions: new Counter({ name: 'coredns_cache_evictions_total', help: 'The count of cache evictions.', labelNames: ['server', 'type', 'zones', 'view'], registers }),
      drops: new Counter({ name: 'coredns_cache_drops_total', help: 'The number responses that are not cached, because the reply is malformed.', labelNames: ['server', 'zones', 'view'], registers }),
    },
    forward: {
      requests: new FastCounter('coredns_forward_requests_total', 'Counter of requests made per upstream.', ['to'], registry),
      responses: new FastCounter('coredns_forward_responses_total', 'Counter of responses received per upstream.', ['rcode', 'to'], registry),
      requestDuration: new FastHistogram('coredns_forward_request_duration_seconds', 'Histogram of the time each request took.', ['to', 'rcode'], registry, TIME_BUCKETS),
      healthcheckFailures: new Counter({ name: 'coredns_forward_healthcheck_failures_total', help: 'Counter of the number of failed healthchecks.', labelNames: ['to'], registers }),
      healthcheckBroken: new Counter({ name: 'coredns_forward_healthcheck_broken_total', help: 'Counter of the number of complete failures of the healthchecks.', registers }),
      maxConcurrentRejects: new Counter({ name: 'coredns_forward_max_concurrent_rejects_total', help: 'Counter of the number of queries rejected because the concurrent queries were at maximum.', registers }),
    },
    health: {
      duration: new Histogram({ name: 'coredns_health_request_duration_seconds', help: 'Histogram of the time (in seconds) each request took.', buckets: [0.00025, 0.0025, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.5, 3, 6, 12, 24, 48], registers }),
      failures: new Counter({ name: 'coredns_health_request_failures_total', help: 'The number of times the health check failed.', registers }),
    },
    kubernetes: {
      programmingDuration: new Histogram({
        name: 'coredns_kubernetes_dns_programming_duration_seconds',
        help: 'Histogram of the time (in seconds) it took to program a dns instance.',
        labelNames: ['service_kind'],
        buckets: exponentialBuckets(0.001, 2, 20),
        registers,
      }),
    },
  };
}
