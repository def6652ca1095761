/**
 * The proxy load balancer's kernel side, inside its own network namespace (never a node's or the
 * root one): it owns every forwarded address on its interface (so it answers ARP for them), marks
 * packets to a forwarded address and port (nftables table `ip minimesh-lb`), and routes marked
 * packets by a table of their own to the healthy nodes, spread per flow by ECMP on the L4 hash.
 * Packets keep their addresses; the local routing table is consulted after the marks, so a marked
 * packet is forwarded even though its destination is local. An address without a healthy node is
 * `unreachable` (clients get ICMP at once). No redirects are sent: clients keep coming through here.
 */
import type { Exec, Logger } from '@minimesh/runtime';
import { AddressAnnouncer } from '../speaker/address-announcer.js';
import type { ForwardedPort } from './forwarding-plan.js';

export const NFT_TABLE = 'minimesh-lb';
export const FORWARD_MARK = '0x100';
export const ROUTE_TABLE = 100;
const RULE_PREF_MARK = 100;
const RULE_PREF_LOCAL = 200;

export interface DirectedAddress {
  ip: string;
  ports: readonly ForwardedPort[];
  /** Healthy node IPs; empty: unreachable. */
  nexthops: readonly string[];
}

export interface DirectorOptions {
  exec: Exec;
  log: Logger;
  /** This load balancer's own address (its interface is where addresses are owned). */
  ownIP: () => string | undefined;
}

/** The destinations of `ip -o route show` lines: `192.168.100.200 via ...`, `unreachable 192.168.100.201 ...`. */
export function parseRouteDestinations(text: string): string[] {
  return text
    .split('\n')
    .map((line) => {
      const words = line.trim().split(/\s+/);
      const dest = ['unreachable', 'blackhole', 'prohibit', 'throw'].includes(words[0] ?? '') ? words[1] : words[0];
      return dest?.replace(/\/32$/, '');
    })
    .filter((d): d is string => !!d && /^[\d.]+$/.test(d));
}

export class Director {
  private readonly addresses: AddressAnnouncer;
  private prepared = false;

  constructor(private readonly o: DirectorOptions) {
    this.addresses = new AddressAnnouncer({ exec: o.exec, log: o.log, nodeIP: o.ownIP });
  }

  private async run(file: string, args: string[], input?: string): Promise<string> {
    const r = await this.o.exec(file, args, input);
    if (r.code !== 0) throw new Error(`${file} ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Forwarding on, redirects off, L4 hashing, and the rule order (marks before the local table). */
  private async prepare(): Promise<void> {
    for (const [key, value] of [
      ['net.ipv4.ip_forward', '1'],
      ['net.ipv4.fib_multipath_hash_policy', '1'],
      ['net.ipv4.conf.all.send_redirects', '0'],
      ['net.ipv4.conf.default.send_redirects', '0'],
    ]) {
      await this.run('sysctl', ['-qw', `${key}=${value}`]);
    }
    for (const dev of (await this.run('ip', ['-o', 'link', 'show'])).split('\n').map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1]).filter((d): d is string => !!d)) {
      await this.o.exec('sysctl', ['-qw', `net.ipv4.conf.${dev}.send_redirects=0`]);
    }
    const rules = await this.run('ip', ['rule', 'show']);
    if (!new RegExp(`^${RULE_PREF_MARK}:.*fwmark ${FORWARD_MARK} lookup ${ROUTE_TABLE}`, 'm').test(rules)) {
      await this.run('ip', ['rule', 'add', 'pref', String(RULE_PREF_MARK), 'fwmark', FORWARD_MARK, 'lookup', String(ROUTE_TABLE)]);
    }
    if (!new RegExp(`^${RULE_PREF_LOCAL}:.*lookup local`, 'm').test(rules)) await this.run('ip', ['rule', 'add', 'pref', String(RULE_PREF_LOCAL), 'lookup', 'local']);
    if (/^0:.*lookup local/m.test(rules)) await this.run('ip', ['rule', 'del', 'pref', '0', 'lookup', 'local']);
    this.prepared = true;
  }

  /** The nftables table: marks for every forwarded address, protocol and port (one transaction). */
  static nftRuleset(addresses: readonly DirectedAddress[]): string {
    const elements = addresses.flatMap((a) => a.ports.map((p) => `${a.ip} . ${p.protocol.toLowerCase()} . ${p.port}`));
    return [
      `add table ip ${NFT_TABLE}`,
      `flush table ip ${NFT_TABLE}`,
      `add set ip ${NFT_TABLE} forwarded { type ipv4_addr . inet_proto . inet_service; }`,
      ...(elements.length ? [`add element ip ${NFT_TABLE} forwarded { ${elements.join(', ')} }`] : []),
      `add chain ip ${NFT_TABLE} prerouting { type filter hook prerouting priority mangle; }`,
      `add rule ip ${NFT_TABLE} prerouting ip daddr . meta l4proto . th dport @forwarded meta mark set ${FORWARD_MARK}`,
      '',
    ].join('\n');
  }

  /** `ip route replace` arguments of an address's route in the forwarding table. */
  static routeArgs(a: DirectedAddress): string[] {
    const base = ['route', 'replace'];
    if (a.nexthops.length === 0) return [...base, 'unreachable', `${a.ip}/32`, 'table', String(ROUTE_TABLE)];
    if (a.nexthops.length === 1) return [...base, `${a.ip}/32`, 'table', String(ROUTE_TABLE), 'via', a.nexthops[0]!];
    return [...base, `${a.ip}/32`, 'table', String(ROUTE_TABLE), ...a.nexthops.flatMap((n) => ['nexthop', 'via', n, 'weight', '1'])];
  }

  /** Makes the namespace forward exactly these addresses. */
  async apply(addresses: readonly DirectedAddress[]): Promise<void> {
    if (!this.prepared) await this.prepare();
    // Routes first, then marks, then the addresses: a packet is only ever marked for a route.
    const shown = await this.o.exec('ip', ['-o', '-4', 'route', 'show', 'table', String(ROUTE_TABLE)]);
    // A table that never had a route does not exist yet: nothing to remove.
    if (shown.code !== 0 && !/table does not exist/.test(shown.stderr)) throw new Error(`ip route show table ${ROUTE_TABLE}: ${shown.stderr.trim()}`);
    const present = shown.code === 0 ? parseRouteDestinations(shown.stdout) : [];
    for (const a of addresses) await this.run('ip', Director.routeArgs(a));
    await this.run('nft', ['-f', '-'], Director.nftRuleset(addresses));
    const wanted = new Set(addresses.map((a) => a.ip));
    for (const ip of present) if (!wanted.has(ip)) await this.o.exec('ip', ['route', 'del', `${ip}/32`, 'table', String(ROUTE_TABLE)]);
    await this.addresses.apply(wanted);
  }

  /** Stops forwarding and gives every address up. */
  async clear(): Promise<void> {
    await this.addresses.apply(new Set());
    await this.o.exec('nft', ['delete', 'table', 'ip', NFT_TABLE]);
    await this.o.exec('ip', ['route', 'flush', 'table', String(ROUTE_TABLE)]);
  }
}
