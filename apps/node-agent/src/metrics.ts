/** kube-proxy's metrics, with kube-proxy's names and buckets (finer below 0.25 s), so existing dashboards work; plus minimesh's own. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const SYNC_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i); // ExponentialBuckets(0.001, 2, 15)
// kube-proxy's buckets (0.25 s, 0.5 s, then whole seconds...), with finer ones below 0.25 s:
// trigger times here have millisecond precision and changes land in tens of milliseconds.
const NPL_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
  0.25, 0.5, 0.75,
  ...Array.from({ length: 59 }, (_, i) => i + 1), // 1..59 s
  ...Array.from({ length: 12 }, (_, i) => 60 + 5 * i), // 60..115 s
  ...Array.from({ length: 7 }, (_, i) => 120 + 30 * i), // 120..300 s
];

/** `processMetrics`: also the process's own (process_resident_memory_bytes, nodejs_heap_*), as kube-proxy exports Go's. */
export function proxyMetrics(opts: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  // The event-loop delay sampled every 100 ms (prom-client's default, 10 ms, wakes the agent 100 times a second).
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  const r = [registry];
  const fam = ['ip_family'];
  return {
    registry,
    syncDuration: new Histogram({ name: 'kubeproxy_sync_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds', labelNames: fam, buckets: SYNC_BUCKETS, registers: r }),
    fullSyncDuration: new Histogram({ name: 'kubeproxy_sync_full_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds for full resyncs', labelNames: fam, buckets: SYNC_BUCKETS, registers: r }),
    partialSyncDuration: new Histogram({ name: 'kubeproxy_sync_partial_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds for partial resyncs', labelNames: fam, buckets: SYNC_BUCKETS, registers: r }),
    lastSync: new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'The last time proxy rules were successfully synced', labelNames: fam, registers: r }),
    lastQueued: new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds', help: 'The last time a sync of proxy rules was queued', labelNames: fam, registers: r }),
    programmingLatency: new Histogram({ name: 'kubeproxy_network_programming_duration_seconds', help: 'In Cluster Network Programming Latency in seconds', labelNames: fam, buckets: NPL_BUCKETS, registers: r }),
    endpointChangesPending: new Gauge({ name: 'kubeproxy_sync_proxy_rules_endpoint_changes_pending', help: 'Pending proxy rules Endpoint changes', registers: r }),
    endpointChangesTotal: new Counter({ name: 'kubeproxy_sync_proxy_rules_endpoint_changes_total', help: 'Cumulative proxy rules Endpoint changes', registers: r }),
    serviceChangesPending: new Gauge({ name: 'kubeproxy_sync_proxy_rules_service_changes_pending', help: 'Pending proxy rules Service changes', registers: r }),
    serviceChangesTotal: new Counter({ name: 'kubeproxy_sync_proxy_rules_service_changes_total', help: 'Cumulative proxy rules Service changes', registers: r }),
    restoreFailures: new Counter({ name: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total', help: 'Cumulative proxy iptables restore failures', labelNames: fam, registers: r }),
    partialRestoreFailures: new Counter({ name: 'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total', help: 'Cumulative proxy iptables partial restore failures', labelNames: fam, registers: r }),
    nftablesSyncFailures: new Counter({ name: 'kubeproxy_sync_proxy_rules_nftables_sync_failures_total', help: 'Cumulative proxy nftables sync failures', labelNames: fam, registers: r }),
    rulesTotal: new Gauge({ name: 'kubeproxy_sync_proxy_rules_iptables_total', help: 'Total number of iptables rules owned by kube-proxy', labelNames: ['ip_family', 'table'], registers: r }),
    rulesLast: new Gauge({ name: 'kubeproxy_sync_proxy_rules_iptables_last', help: 'Number of iptables rules written by kube-proxy in last sync', labelNames: ['ip_family', 'table'], registers: r }),
    noLocalEndpoints: new Gauge({ name: 'kubeproxy_sync_proxy_rules_no_local_endpoints_total', help: 'Number of services with a Local traffic policy and no endpoints', labelNames: ['ip_family', 'traffic_policy'], registers: r }),
    conntrackDeleted: new Counter({ name: 'kubeproxy_conntrack_reconciler_deleted_entries_total', help: 'Cumulative conntrack flows deleted by conntrack reconciler', labelNames: fam, registers: r }),
    minSyncInterval: new Gauge({ name: 'minimesh_proxy_min_sync_interval_seconds', help: 'The wait between two syncs now in force (adaptive: twice the recent sync cost, at most --min-sync-period)', registers: r }),
    healthz: new Counter({ name: 'kubeproxy_proxy_healthz_total', help: 'Cumulative proxy healthz HTTP status', labelNames: ['code'], registers: r }),
    livez: new Counter({ name: 'kubeproxy_proxy_livez_total', help: 'Cumulative proxy livez HTTP status', labelNames: ['code'], registers: r }),
    // ebpf mode's socket load balancer.
    sockLbEntries: new Gauge({ name: 'minimesh_sock_lb_entries', help: 'Entries the socket load balancer holds: frontends (virtual IP, port, protocol) and backend sets', labelNames: ['map'], registers: r }),
    sockLbWrites: new Counter({ name: 'minimesh_sock_lb_map_writes_total', help: 'Cumulative map entries written or deleted by the socket load balancer', registers: r }),
    sockLbSocketsDestroyed: new Counter({ name: 'minimesh_sock_lb_udp_sockets_destroyed_total', help: 'Cumulative connected UDP sockets destroyed because their endpoint went away (ebpf mode)', registers: r }),
    sockLbSyncFailures: new Counter({ name: 'minimesh_sock_lb_sync_failures_total', help: 'Cumulative failed writes to the socket load balancer\'s maps', labelNames: fam, registers: r }),
  };
}

export type ProxyMetrics = ReturnType<typeof proxyMetrics>;
