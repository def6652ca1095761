/**
 * MonitorModel: the map's elements and the rules kept follow what `nft -a monitor` printed (lines
 * as nft 1.0.6 prints the node agent's nftables transactions and its iptables-restore runs through
 * iptables-nft), and the latency benchmark's predicates read them as they should.
 */
import { describe, expect, it } from 'vitest';
import { servicePortChainName } from '@minimesh/proxy-core';
import { MonitorModel } from './monitor-model.js';
import { PREDICATES } from './workload.js';

const CHAIN = 'service-OB5ZVYA5-bench/flip/tcp/';

describe('MonitorModel', () => {
  it('monitor model - nftables: the service-ips elements and one chain\'s rules come and go with the lines', () => {
    const P = PREDICATES.nftables;
    const m = new MonitorModel({ table: 'ip kube-proxy', elementsOf: 'service-ips', keepRule: (chain) => chain === CHAIN });
    const el = (name: string) => `10.96.1.9 . tcp . 80 comment "bench/${name}" : goto service-OB5ZVYA5-bench/${name}/tcp/`;
    const lines = [
      'add table ip kube-proxy { comment "rules for kube-proxy" }',
      `add element ip kube-proxy service-ips { ${el('svc-9')} }`,
      `add element ip kube-proxy service-ips { ${el('svc-1')}, 10.96.1.2 . udp . 53 comment "bench/svc-2:dns" : goto service-X-bench/svc-2/udp/dns }`,
      'add element ip kube-proxy cluster-ips { 10.96.1.9 }',
      `add rule ip kube-proxy ${CHAIN} ip daddr 10.96.1.9 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade # handle 86`,
      `add rule ip kube-proxy ${CHAIN} handle 86 numgen random mod 2 vmap { 0 : goto endpoint-U-bench/flip/tcp/__10.244.1.18/80, 1 : goto endpoint-H-bench/flip/tcp/__10.244.2.19/80 } # handle 87`,
      'add rule ip kube-proxy endpoint-U-bench/flip/tcp/__10.244.1.18/80 meta l4proto tcp dnat to 10.244.1.18:80 # handle 88',
    ];
    expect(lines.map((l) => m.apply(l))).toEqual([false, true, true, false, true, true, false]);
    expect(P.serviceLive('svc-9')(m.text())).toBe(true);
    expect(P.serviceLive('svc-1')(m.text())).toBe(true);
    expect(m.text()).toContain('comment "bench/svc-2:dns"');
    expect(P.dnatTo('10.244.1.18')(m.text())).toBe(true);
    expect(P.dnatTo('10.244.2.19')(m.text())).toBe(true);
    expect(m.text()).not.toContain('dnat to'); // another chain's rule
    expect(m.text()).not.toContain('handle');

    // 10.244.2.19 unready: the chain flushed and written again; svc-9 deleted.
    for (const line of [
      `delete element ip kube-proxy service-ips { ${el('svc-9')} }`,
      `delete rule ip kube-proxy ${CHAIN} handle 86`,
      `delete rule ip kube-proxy ${CHAIN} handle 87`,
      `add rule ip kube-proxy ${CHAIN} ip daddr 10.96.1.9 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade # handle 90`,
      `add rule ip kube-proxy ${CHAIN} goto endpoint-U-bench/flip/tcp/__10.244.1.18/80 # handle 91`,
      'add element ip kube-proxy other-map { 10.96.1.9 . tcp . 80 comment "bench/svc-9" : goto x }',
      'add element ip other service-ips { 10.96.1.9 . tcp . 80 comment "bench/svc-9" : goto x }',
      `add rule ip other ${CHAIN} goto endpoint-U-bench/flip/tcp/__10.244.2.19/80 # handle 3`,
    ]) {
      m.apply(line);
    }
    expect(P.serviceGone('svc-9')(m.text())).toBe(true);
    expect(P.serviceLive('svc-1')(m.text())).toBe(true);
    expect(P.dnatTo('10.244.1.18')(m.text())).toBe(true);
    expect(P.dnatTo('10.244.2.19')(m.text())).toBe(false);

    expect(m.apply(`delete chain ip kube-proxy ${CHAIN}`)).toBe(true);
    expect(P.dnatTo('10.244.1.18')(m.text())).toBe(false);
    // As `nft -a monitor` prints them: table, map and chain lines with their handle.
    expect(m.apply('delete map ip kube-proxy service-ips # handle 12')).toBe(true);
    expect(P.serviceGone('svc-1')(m.text())).toBe(true);
    m.apply(`add element ip kube-proxy service-ips { ${el('svc-1')},\t\t\t     10.96.1.2 . udp . 53 comment "bench/svc-2:dns" : goto service-X }`);
    expect(P.serviceLive('svc-1')(m.text())).toBe(true);
    expect(m.text()).toContain('comment "bench/svc-2:dns"');
    expect(m.apply('delete table ip kube-proxy # handle 4')).toBe(true);
    expect(m.text()).toBe('');
  });

  it('monitor model - iptables-nft: KUBE-SERVICES and DNAT rules, kept by handle through in-place edits and flushes', () => {
    const P = PREDICATES.iptables;
    const m = new MonitorModel({ table: 'ip nat', keepRule: (chain, rule) => chain === 'KUBE-SERVICES' || rule.includes('dnat to ') });
    const svc = servicePortChainName('bench/svc-5', 'TCP');
    const flip = servicePortChainName('bench/flip', 'TCP');
    // As printed for a Service added by an in-place edit of KUBE-SERVICES, and an endpoint moved.
    for (const line of [
      'create chain ip nat KUBE-SEP-TG755QSJAECMLIPC # handle 47',
      `create chain ip nat ${svc} # handle 49`,
      'add rule ip nat KUBE-SEP-TG755QSJAECMLIPC ip saddr 10.244.1.11  counter packets 0 bytes 0 jump KUBE-MARK-MASQ # handle 50',
      'add rule ip nat KUBE-SEP-TG755QSJAECMLIPC meta l4proto tcp   counter packets 0 bytes 0 dnat to 10.244.1.11:80 # handle 51',
      `add rule ip nat ${svc} handle 54  meta random & 2147483647 < 1073741824 counter packets 0 bytes 0 jump KUBE-SEP-TG755QSJAECMLIPC # handle 55`,
      `insert rule ip nat KUBE-SERVICES handle 19 meta l4proto tcp ip daddr 10.96.1.5  tcp dport 80 counter packets 0 bytes 0 jump ${svc} # handle 57`,
      `add rule ip nat KUBE-SERVICES meta l4proto tcp ip daddr 10.96.1.6  tcp dport 80 counter packets 0 bytes 0 jump ${flip} # handle 58`,
      '# new generation 30 by process 1361 (iptables-restor)',
      'add rule ip filter KUBE-SERVICES meta l4proto tcp ip daddr 10.96.1.7 counter packets 0 bytes 0 jump KUBE-SVC-OTHERTABLE # handle 9',
    ]) {
      m.apply(line);
    }
    expect(P.serviceLive('svc-5')(m.text())).toBe(true);
    expect(P.serviceLive('svc-6')(m.text())).toBe(false);
    expect(P.serviceLive('flip')(m.text())).toBe(true);
    expect(P.dnatTo('10.244.1.11')(m.text())).toBe(true);
    expect(m.text()).not.toContain('KUBE-MARK-MASQ'); // not a rule the predicates read
    expect(m.text()).not.toContain('OTHERTABLE');

    for (const line of ['delete rule ip nat KUBE-SEP-TG755QSJAECMLIPC handle 50', 'delete rule ip nat KUBE-SEP-TG755QSJAECMLIPC handle 51', 'delete rule ip nat KUBE-SERVICES handle 57', `delete chain ip nat ${svc}`]) m.apply(line);
    expect(P.serviceGone('svc-5')(m.text())).toBe(true);
    expect(P.serviceLive('flip')(m.text())).toBe(true);
    expect(P.dnatTo('10.244.1.11')(m.text())).toBe(false);
    expect(m.apply('delete table ip nat')).toBe(true);
    expect(P.serviceGone('flip')(m.text())).toBe(true);
  });
});
