/** The server-level metrics of CoreDNS's prometheus plugin (plugin/metrics/vars/report.go), fed once per query. */
import { rcodeName, type DnsRequest, type DnsResponse } from '@minimesh/dns-core';
import type { CounterSeries, HistogramSeries } from '../fast-metrics.js';
import { typeLabel, type DnsMetrics } from '../metrics.js';

export interface RequestMetrics {
  observe(req: DnsRequest, resp: DnsResponse, requestBytes: number, responseBytes: number, seconds: number): void;
  /** `observe` with all but the duration fixed: for an answer given again from memory. */
  bind(req: DnsRequest, resp: DnsResponse, requestBytes: number, responseBytes: number): (seconds: number) => void;
  /** A message that never reached the plugin chain (malformed, rejected): zone "dropped". */
  dropped(proto: 'udp' | 'tcp', family: 4 | 6, requestBytes: number): void;
  panic(): void;
}

interface PerQuery {
  requests: CounterSeries;
  requestSize: HistogramSeries;
  responseSize: HistogramSeries;
  duration: HistogramSeries;
}

/** `server` is CoreDNS's label (`dns://:53`); minimesh serves one server block, zone ".". */
export function requestMetrics(m: DnsMetrics, server: string, zone = '.'): RequestMetrics {
  const family = (f: 4 | 6) => (f === 6 ? '2' : '1');
  // Series handles by label values, so a query costs a few Map lookups and field updates.
  const perQuery = new Map<string, PerQuery>();
  const responses = new Map<string, CounterSeries>();
  const doRequests = m.doRequests.with(server, zone, '');
  const series = (z: string, proto: string, fam: string, type: string): PerQuery => {
    const key = `${z}|${proto}|${fam}|${type}`;
    let s = perQuery.get(key);
    if (!s) {
      s = {
        requests: m.requests.with(server, z, '', proto, fam, type),
        requestSize: m.requestSize.with(server, z, '', proto),
        responseSize: m.responseSize.with(server, z, '', proto),
        duration: m.requestDuration.with(server, z, '', type),
      };
      perQuery.set(key, s);
    }
    return s;
  };
  const responseSeries = (resp: DnsResponse): CounterSeries => {
    const rkey = `${resp.rcode}|${resp.plugin}`;
    let r = responses.get(rkey);
    if (!r) responses.set(rkey, (r = m.responses.with(server, zone, '', rcodeName(resp.rcode), resp.plugin)));
    return r;
  };
  return {
    observe(req, resp, requestBytes, responseBytes, seconds) {
      const s = series(zone, req.proto, family(req.remote.family), typeLabel(req.question.type));
      s.requests.inc();
      if (req.edns?.dnssecOk) doRequests.inc();
      s.requestSize.observe(requestBytes);
      s.responseSize.observe(responseBytes);
      s.duration.observe(seconds);
      responseSeries(resp).inc();
    },
    bind(req, resp, requestBytes, responseBytes) {
      const s = series(zone, req.proto, family(req.remote.family), typeLabel(req.question.type));
      const r = responseSeries(resp);
      const dnssecOk = req.edns?.dnssecOk === true;
      return (seconds) => {
        s.requests.inc();
        if (dnssecOk) doRequests.inc();
        s.requestSize.observe(requestBytes);
        s.responseSize.observe(responseBytes);
        s.duration.observe(seconds);
        r.inc();
      };
    },
    dropped(proto, f, requestBytes) {
      const s = series('dropped', proto, family(f), 'other');
      s.requests.inc();
      s.requestSize.observe(requestBytes);
    },
    panic() {
      m.panics.inc();
    },
  };
}
