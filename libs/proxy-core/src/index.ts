// What every proxy mode shares: service ports and endpoints from the API objects, the change
// trackers, endpoint categorisation, the node's render options, conntrack cleanup, the runner.
export * from './service-port.js';
export * from './endpoint-info.js';
export * from './endpoints-from-slices.js';
export * from './change-trackers.js';
export * from './categorize-endpoints.js';
export * from './node-port-addresses.js';
export * from './render-options.js';
export * from './name-hash.js';
export * from './lines-fingerprint.js';
export * from './stale-conntrack.js';
export * from './bounded-frequency-runner.js';
export * from './adaptive-min-interval.js';
// iptables mode.
export * from './iptables/chain-names.js';
export * from './iptables/probability.js';
export * from './iptables/restore-table.js';
export * from './iptables/service-rules-cache.js';
export * from './iptables/iptables-jumps.js';
export * from './iptables/render-iptables.js';
export * from './iptables/chain-edits.js';
// nftables mode.
export * from './nftables/nftables-names.js';
export * from './nftables/render-nftables.js';
export * from './nftables/nftables-ruleset.js';
export * from './nftables/nft-service-rules.js';
export * from './nftables/nft-element-store.js';
export * from './nftables/nft-table-skeleton.js';

// IPVS mode.
export * from './ipvs/ipvs-table.js';
export * from './ipvs/ipset-format.js';
export * from './ipvs/kube-ipsets.js';
export * from './ipvs/ipvs-iptables.js';
export * from './ipvs/ipvs-sysctls.js';
export * from './ipvs/render-ipvs.js';
export * from './ipvs/ipvsadm-format.js';
export * from './ipvs/ipvs-plan.js';

export * from './userspace/schedulers.js';
export * from './userspace/userspace-backends.js';
export * from './userspace/render-portals.js';
export * from './userspace/adopt-portals.js';
export * from './kernel-names.js';
// ebpf mode (socket load balancing).
export * from './sock-lb/sock-lb-entries.js';
export * from './sock-lb/sock-lb-service-port.js';
export * from './sock-lb/sock-lb-tables.js';
