/**
 * NftMonitorModel: the map's elements and the chain's rules follow what `nft -a monitor` printed
 * (lines as nft 1.0.6 prints the node agent's transactions), and the benchmark's predicates read
 * the same in its text as in a dump.
 */
import { describe, expect, it } from 'vitest';
import { NftMonitorModel } from './nft-monitor-model.js';
import { PREDICATES } from './workload.js';

const CHAIN = 'service-OB5ZVYA5-bench/flip/tcp/';
const P = PREDICATES.nftables;

describe('NftMonitorModel', () => {
  it('nft monitor model - elements and one chain\'s rules come and go with the monitor\'s lines', () => {
    const m = new NftMonitorModel('kube-proxy', CHAIN);
    const el = (name: string) => `10.96.1.9 . tcp . 80 comment "bench/${name}" : goto service-OB5ZVYA5-bench/${name}/tcp/`;
    for (const line of [
      'add table ip kube-proxy { comment "rules for kube-proxy" }',
      `add element ip kube-proxy service-ips { ${el('svc-9')} }`,
      `add element ip kube-proxy service-ips { ${el('svc-1')}, 10.96.1.2 . udp . 53 comment "bench/svc-2:dns" : goto service-X-bench/svc-2/udp/dns }`,
      `add element ip kube-proxy cluster-ips { 10.96.1.9 }`,
      `add rule ip kube-proxy ${CHAIN} ip daddr 10.96.1.9 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade # handle 86`,
      `add rule ip kube-proxy ${CHAIN} numgen random mod 2 vmap { 0 : goto endpoint-U-bench/flip/tcp/__10.244.1.18/80, 1 : goto endpoint-H-bench/flip/tcp/__10.244.2.19/80 } # handle 87`,
      'add rule ip kube-proxy endpoint-U-bench/flip/tcp/__10.244.1.18/80 meta l4proto tcp dnat to 10.244.1.18:80 # handle 88',
    ]) {
      m.apply(line);
    }
    expect(P.serviceLive('svc-9')(m.text())).toBe(true);
    expect(P.serviceLive('svc-1')(m.text())).toBe(true);
    expect(m.text()).toContain('comment "bench/svc-2:dns"');
    expect(P.dnatTo('10.244.1.18')(m.text())).toBe(true);
    expect(P.dnatTo('10.244.2.19')(m.text())).toBe(true);
    expect(m.text()).not.toContain('dnat to'); // another chain's rule

    // 10.244.2.19 unready: the chain flushed and written again; svc-9 deleted.
    for (const line of [
      `delete element ip kube-proxy service-ips { ${el('svc-9')} }`,
      `delete rule ip kube-proxy ${CHAIN} handle 86`,
      `delete rule ip kube-proxy ${CHAIN} handle 87`,
      `add rule ip kube-proxy ${CHAIN} ip daddr 10.96.1.9 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade # handle 90`,
      `add rule ip kube-proxy ${CHAIN} goto endpoint-U-bench/flip/tcp/__10.244.1.18/80 # handle 91`,
      'add element ip kube-proxy other-map { 10.96.1.9 . tcp . 80 comment "bench/svc-9" : goto x }',
    ]) {
      m.apply(line);
    }
    expect(P.serviceGone('svc-9')(m.text())).toBe(true);
    expect(P.serviceLive('svc-1')(m.text())).toBe(true);
    expect(P.dnatTo('10.244.1.18')(m.text())).toBe(true);
    expect(P.dnatTo('10.244.2.19')(m.text())).toBe(false);

    m.apply(`delete chain ip kube-proxy ${CHAIN}`);
    expect(P.dnatTo('10.244.1.18')(m.text())).toBe(false);
    m.apply('delete table ip kube-proxy');
    expect(m.text()).toBe('');
  });

  it('nft monitor model - another table\'s lines change nothing', () => {
    const m = new NftMonitorModel('kube-proxy', CHAIN);
    m.apply('add element ip other service-ips { 10.96.1.9 . tcp . 80 comment "bench/svc-9" : goto service-x }');
    m.apply(`add rule ip other ${CHAIN} goto endpoint-U-bench/flip/tcp/__10.244.1.18/80 # handle 3`);
    expect(m.text()).toBe('');
  });
});
