/** Pieces of hand-written expected nftables scripts (table kube-proxy, mark 0x4000, every local address serves NodePorts). */

const T = 'ip kube-proxy';

/** Table, base chains, top-level chains and maps of a fresh load; `flush` adds the in-place form. */
export function nftPreamble(o: { fresh?: boolean; localhostNodePorts?: boolean; masquerade?: string } = {}): string {
  const fresh = o.fresh ?? true;
  const flush = (kind: string, name: string) => (fresh ? '' : `flush ${kind} ${T} ${name}\n`);
  const base = [
    ['filter-prerouting-pre-dnat', 'filter hook prerouting priority -110'],
    ['filter-output-pre-dnat', 'filter hook output priority -110'],
    ['filter-forward', 'filter hook forward priority 0'],
    ['filter-input', 'filter hook input priority 0'],
    ['filter-output', 'filter hook output priority 0'],
    ['nat-prerouting', 'nat hook prerouting priority -100'],
    ['nat-output', 'nat hook output priority -100'],
    ['nat-postrouting', 'nat hook postrouting priority 100'],
  ];
  const top = ['services', 'service-endpoints-check', 'nodeport-endpoints-check', 'firewall-check', 'cluster-ips-check', 'reject-chain', 'mark-for-masquerade', 'masquerading'];
  const noLocalhost = o.localhostNodePorts === false ? 'ip daddr != 127.0.0.0/8 ' : '';
  return (
    `add table ${T} { comment "rules for kube-proxy" ; }\n` +
    (fresh ? `delete table ${T}\nadd table ${T} { comment "rules for kube-proxy" ; }\n` : '') +
    base.map(([n, spec]) => `add chain ${T} ${n} { type ${spec} ; }\n${flush('chain', n!)}`).join('') +
    top.map((n) => `add chain ${T} ${n}\n${flush('chain', n)}`).join('') +
    `add set ${T} cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }\n${flush('set', 'cluster-ips')}` +
    `add map ${T} service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }\n${flush('map', 'service-ips')}` +
    `add map ${T} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }\n${flush('map', 'service-nodeports')}` +
    `add map ${T} no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }\n${flush('map', 'no-endpoint-services')}` +
    `add map ${T} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }\n${flush('map', 'no-endpoint-nodeports')}` +
    `add map ${T} firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }\n${flush('map', 'firewall-ips')}` +
    `add rule ${T} filter-prerouting-pre-dnat ct state new jump firewall-check
    add rule ${T} filter-output-pre-dnat ct state new jump firewall-check
    add rule ${T} filter-forward ct state new jump service-endpoints-check
    add rule ${T} filter-forward ct state new jump cluster-ips-check
    add rule ${T} filter-input ct state new jump nodeport-endpoints-check
    add rule ${T} filter-input ct state new jump service-endpoints-check
    add rule ${T} filter-output ct state new jump service-endpoints-check
    add rule ${T} filter-output ct state new jump cluster-ips-check
    add rule ${T} nat-prerouting jump services
    add rule ${T} nat-output jump services
    add rule ${T} nat-postrouting jump masquerading
    ${o.localhostNodePorts === false ? '' : `add rule ${T} filter-input ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status != dnat drop comment "block incoming localnet connections"`}
    add rule ${T} reject-chain reject comment "helper for @no-endpoint-services / @no-endpoint-nodeports"
    add rule ${T} mark-for-masquerade meta mark set meta mark | 0x4000
    add rule ${T} masquerading meta mark & 0x4000 == 0 return
    add rule ${T} masquerading meta mark set meta mark ^ 0x4000
    add rule ${T} masquerading ${o.masquerade ?? 'masquerade fully-random'}
    add rule ${T} services ip daddr . meta l4proto . th dport vmap @service-ips
    add rule ${T} service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
    add rule ${T} firewall-check ip daddr . meta l4proto . th dport vmap @firewall-ips
    add rule ${T} cluster-ips-check ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"
    add rule ${T} services fib daddr type local ${noLocalhost}meta l4proto . th dport vmap @service-nodeports
    add rule ${T} nodeport-endpoints-check fib daddr type local ${noLocalhost}meta l4proto . th dport vmap @no-endpoint-nodeports
    `
  );
}
