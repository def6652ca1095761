/**
 * ebpf mode: socket-level load balancing (what Cilium's kube-proxy replacement does) for traffic
 * that starts on this node, nftables for the rest.
 *
 *  - East-west: cgroup programs (bpf/sock-lb.c) rewrite connect() and sendmsg() to a Service's
 *    ClusterIP, externalIPs or LoadBalancer IPs into the backend's address, so the connection goes
 *    straight to the pod: no NAT per packet, no conntrack entry for the virtual IP. A sync writes
 *    only the map entries that changed (SockLbTables) through one long-lived helper process.
 *  - North-south: NodePorts, externalIPs and LoadBalancer IPs reached from outside the node are
 *    balanced on the node's devices by tc programs (bpf/nodeport-lb.c) over the same maps, before
 *    netfilter sees the packet. nftables mode's rules stay for those ports underneath: for what the
 *    tc programs leave to the stack (a Service without endpoints, rejected; SCTP; a LoadBalancer IP
 *    with loadBalancerSourceRanges, whose firewall they do not implement), for the node's own
 *    connections to its NodePorts, and for everything when the tc programs cannot be attached
 *    (`--bpf-devices none`, not built, or refused: the agent says so in one line). SCTP Services
 *    are nftables' altogether (the socket programs do not rewrite SCTP's connect()).
 *
 * The programs stay attached and the maps pinned when the agent exits: traffic keeps its backends
 * while the agent restarts, and the new one adopts the maps' contents. `--cleanup` removes both.
 */
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { exec } from '@minimesh/runtime';
import { externallyAccessible, nodePortIPs, parseNodePortAddresses, SockLbTables, type ConntrackCleanup, type ServicePortInfo, type ServicePortMap } from '@minimesh/proxy-core';
import { FAMILY } from '../proxier-base.js';
import { NftablesProxier, type NftablesProxierOptions } from '../nftables/proxier.js';
import { attachNorthSouth, attachSockLb, detachNorthSouth, networkDevices, sweepAvailable, sweepStaleUdpSockets, type SockLbPaths } from './sock-lb-programs.js';
import { StaleUdpSockets } from './stale-udp-sockets.js';
import { chooseNorthSouthDevices, nodePortAddressesOn } from './north-south-devices.js';
import { SockLbSession } from './sock-lb-session.js';

export interface EbpfProxierOptions extends NftablesProxierOptions {
  sockLb: SockLbPaths;
  /**
   * The devices of this network namespace for the north-south programs (--bpf-devices): 'auto',
   * as north-south-devices.ts chooses them; 'none', detached from every device; undefined, not
   * looked at (the agent does not run in its node's namespace: nftables has that traffic).
   */
  northSouthDevices?: readonly string[] | 'auto' | 'none';
}

const samePick = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean => a.size === b.size && [...a].every(([d, ip]) => b.get(d) === ip);

export class EbpfProxier extends NftablesProxier {
  private readonly tables = new SockLbTables();
  private readonly session: SockLbSession;
  private attached = false;
  /** The node's addresses changed: the north-south programs are attached again (devices, sources). */
  private northSouthStale = false;
  /** The devices the north-south programs are attached to; undefined: none (nftables has that traffic). */
  private northSouth: readonly string[] | undefined;
  /** Those devices' sources, as attached. */
  private picked: ReadonlyMap<string, string> | undefined;
  /** The maps' contents are unknown (start, or a failed write): read and adopt them first. */
  private adopted = false;
  /** The ports nftables renders: those reachable from outside the node. */
  private readonly externalPorts = new Map<string, ServicePortInfo>();
  private readonly externalKeys = new Map<string, string[]>();
  /** Connected UDP sockets to abort: the sweep program is built here (sock-destroy.o). */
  private readonly sweep: boolean;
  private readonly staleUdp = new StaleUdpSockets();
  private sweepFailures = 0;

  constructor(private readonly e: EbpfProxierOptions) {
    super(e);
    this.session = new SockLbSession(e.sockLb.helper, e.sockLb.pinDir);
    this.sweep = sweepAvailable(e.sockLb);
    if (!this.sweep) e.log.info('the UDP sweep (sock-destroy.o) is not built here: connected UDP sockets keep an endpoint that went away until they reconnect');
  }

  /** The node's addresses changed: NodePort frontends (a full sync) and the tc programs' devices and sources follow. */
  override onNodeChange(): void {
    this.northSouthStale = true;
    super.onNodeChange();
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.session.close();
  }

  /** What the kernel's maps hold (the agent's /sock-lb page). */
  dumpMaps(): ReturnType<SockLbSession['dump']> {
    return this.session.dump();
  }

  /** Notes the connected UDP sockets a checkout's changes make stale (swept after the rules are in). */
  protected override checkout(): ReturnType<NftablesProxier['checkout']> {
    const r = super.checkout();
    if (this.sweep) this.staleUdp.note(r.svcUpdate, r.epUpdate, (nn) => this.services.portsOfService(nn));
    return r;
  }

  /**
   * Stale UDP flows: besides the conntrack entries (the nftables part's NodePorts), the connected
   * UDP sockets the socket load balancer sent to an endpoint now gone are destroyed, so that their
   * applications connect again and choose anew (as conntrack deletion makes a client's next
   * datagram choose anew in the other modes). A failed sweep is tried again with the next sync;
   * after three failures in a row it is given up, and the agent says so.
   */
  protected override async clearStaleUdp(cleanup: ConntrackCleanup): Promise<number> {
    const stale = this.sweep ? this.staleUdp.take(this.endpoints.endpointsMap) : [];
    if (stale.length > 0) {
      try {
        const destroyed = await sweepStaleUdpSockets(this.e.sockLb, stale);
        this.staleUdp.done(stale);
        this.sweepFailures = 0;
        if (destroyed > 0) {
          this.e.metrics.sockLbSocketsDestroyed.inc(destroyed);
          this.e.log.info('destroyed UDP sockets connected to endpoints that are gone', { sockets: destroyed });
        }
      } catch (e) {
        const giveUp = ++this.sweepFailures >= 3;
        if (giveUp) {
          this.staleUdp.done(stale);
          this.sweepFailures = 0;
        }
        this.e.log.warn(`could not destroy UDP sockets connected to endpoints that are gone${giveUp ? '; given up' : '; will retry'}`, { err: (e as Error).message });
      }
    }
    return super.clearStaleUdp(cleanup);
  }

  protected override async beforeRules(changed: ReadonlySet<string> | undefined): Promise<void> {
    const { metrics } = this.e;
    try {
      if (this.attached && this.northSouthStale) {
        this.northSouthStale = false;
        await this.attachNorthSouth().catch((e: Error) => this.e.log.warn(`north-south traffic stays with nftables: ${e.message.trim().split('\n').pop()}`));
      }
      if (!this.attached) {
        this.northSouthStale = false;
        await attachSockLb(this.e.sockLb);
        await this.attachNorthSouth().catch((e: Error) => this.e.log.warn(`north-south traffic stays with nftables: ${e.message.trim().split('\n').pop()}`));
        this.attached = true;
      }
      let look = changed;
      if (!this.adopted) {
        const kernel = await this.session.dump();
        this.tables.adopt(kernel.frontends, kernel.backends);
        this.adopted = true;
        look = undefined;
      }
      // A first sync's writes go in chunks: the helper writes one while the next is computed
      // (each chunk is sent, then the event loop runs once so the pipe takes it); a chunk after a
      // failed one is skipped.
      const sent: Promise<void>[] = [];
      let writes = 0;
      for (const delta of this.tables.steps({
        services: this.services.serviceMap,
        endpoints: this.endpoints.endpointsMap,
        node: { nodeName: this.e.nodeName },
        northSouthAddresses: this.northSouthAddresses(),
        changedServices: look,
        byService: this.services.portsByService,
      })) {
        writes += delta.backends.length + delta.frontends.length + delta.frontendDeletes.length + delta.backendDeletes.length;
        const done = this.session.apply(delta, { continues: sent.length > 0 });
        let failed = false;
        done.catch(() => (failed = true));
        sent.push(done);
        if (look === undefined) await new Promise((resolve) => setImmediate(resolve));
        // A chunk failed: the rest would not be written; the tables are reset below.
        if (failed) break;
      }
      await Promise.all(sent);
      metrics.sockLbWrites.inc(writes);
      metrics.sockLbEntries.set({ map: 'frontends' }, this.tables.frontendCount);
      metrics.sockLbEntries.set({ map: 'backend_sets' }, this.tables.setCount);
    } catch (e) {
      metrics.sockLbSyncFailures.inc(FAMILY);
      this.tables.reset();
      this.adopted = false;
      // The checked-out changes did not reach nftables either: the next sync looks at everything.
      this.requestFullSync();
      throw e;
    }
  }

  /** The node's addresses that serve NodePorts (--nodeport-addresses). */
  private nodePortIPs(): string[] {
    return nodePortIPs(parseNodePortAddresses(this.e.render.nodePortAddresses), this.e.nodeAddresses());
  }

  /** The addresses whose NodePorts the north-south programs serve; undefined when they are not attached. */
  northSouthAddresses(): string[] | undefined {
    if (this.northSouth === undefined) return undefined;
    const interfaces = networkInterfaces();
    const wanted = this.nodePortIPs();
    return this.northSouth.flatMap((device) => nodePortAddressesOn(interfaces, device, wanted));
  }

  /**
   * Attaches the north-south programs to the devices (each with one of its addresses as the
   * source of what it sends to other nodes), detaching them from every other device first (an
   * earlier agent's choice). Where that fails, nftables keeps the traffic and the agent says why.
   */
  private async attachNorthSouth(): Promise<void> {
    const { sockLb, northSouthDevices: want, log } = this.e;
    const off = (why: string) => {
      this.northSouth = undefined;
      this.picked = undefined;
      log.info(`north-south traffic (NodePorts, externalIPs, LoadBalancer IPs from outside) stays with nftables: ${why}`);
    };
    if (want === undefined) return;
    const all = await networkDevices();
    if (want === 'none') {
      await detachNorthSouth(sockLb, all);
      return off('--bpf-devices none');
    }
    if (sockLb.northSouth === undefined || !existsSync(sockLb.northSouth)) {
      await detachNorthSouth(sockLb, all);
      return off(`the tc programs are not built (${sockLb.northSouth ?? 'nodeport-lb.o'}; bash tools/setup.sh builds them)`);
    }
    const missing = want === 'auto' ? [] : want.filter((d) => !all.includes(d));
    if (missing.length > 0) log.warn('--bpf-devices names devices this node does not have', { devices: missing.join(',') });
    const routes = await exec('ip', ['-j', '-4', 'route', 'show', 'default']);
    const picked = chooseNorthSouthDevices({
      want,
      interfaces: networkInterfaces(),
      nodeIPs: this.e.nodeIPs?.() ?? [],
      nodePortIPs: this.nodePortIPs(),
      defaultRouteDevices: routes.code === 0 ? (JSON.parse(routes.stdout || '[]') as { dev?: string }[]).flatMap((r) => (r.dev ? [r.dev] : [])) : [],
    });
    // Attached already to these devices with these sources (the Node changed otherwise): nothing to do.
    if (this.northSouth !== undefined && this.picked !== undefined && samePick(this.picked, picked)) return;
    this.northSouth = undefined;
    await detachNorthSouth(sockLb, all.filter((d) => !picked.has(d)));
    if (picked.size === 0) return off(want === 'auto' ? 'no device holds the Node\'s address (or a default route) with a NodePort address' : 'none of --bpf-devices holds a NodePort address of this node');
    try {
      for (const [device, ip] of picked) await attachNorthSouth(sockLb, device, ip);
    } catch (e) {
      await detachNorthSouth(sockLb, [...picked.keys()]).catch(() => undefined);
      return off((e as Error).message.trim().split('\n').pop() ?? 'the tc programs could not be attached');
    }
    this.northSouth = [...picked.keys()];
    this.picked = picked;
    log.info('north-south traffic (NodePorts, externalIPs, LoadBalancer IPs from outside) is balanced by the tc programs', { devices: this.northSouth.join(',') });
  }

  /** NodePort, externalIPs and LoadBalancer ports, and SCTP ones: other east-west traffic never meets a rule. */
  protected override ruleServices(changed: ReadonlySet<string> | undefined): ServicePortMap {
    if (changed === undefined) {
      this.externalPorts.clear();
      this.externalKeys.clear();
    }
    const services = changed ?? this.services.portsByService.keys();
    for (const nn of services) {
      for (const key of this.externalKeys.get(nn) ?? []) this.externalPorts.delete(key);
      const keys: string[] = [];
      for (const sp of this.services.portsOfService(nn)) {
        if (!externallyAccessible(sp) && sp.protocol !== 'SCTP') continue;
        this.externalPorts.set(sp.key, sp);
        keys.push(sp.key);
      }
      if (keys.length > 0) this.externalKeys.set(nn, keys);
      else this.externalKeys.delete(nn);
    }
    return this.externalPorts;
  }
}
