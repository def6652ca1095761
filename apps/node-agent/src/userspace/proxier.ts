/**
 * userspace mode, the original kube-proxy mode: the agent itself proxies every Service port. A
 * sync checks out the changes, works out what each port proxies (a pure function of
 * @minimesh/proxy-core), opens a listener for each new port (and one more for external traffic
 * when its endpoints differ), hands the endpoints to the listeners' load balancers, then writes the
 * portal rules that redirect the Service's addresses to the listeners' ports with
 * `iptables-restore --noflush`, and closes the listeners nothing points at any more (their
 * connections finish or are closed after the grace period). Live connections survive every sync.
 * A restarted agent listens on the ports the rules it finds already name, so they stay as they were.
 */
import { adoptablePortals, adoptedPort, renderPortals, userspaceBackends, type EndpointInfo, type PortalRecord, type ProxyPorts, type UserspaceBackend, type UserspaceSchedulerName } from '@minimesh/proxy-core';
import type { Registry } from 'prom-client';
import { FAMILY, ProxierBase, type ProxierBaseOptions } from '../proxier-base.js';
import type { Iptables } from '../iptables/iptables.js';
import { LoadBalancer, type Backend } from './load-balancer.js';
import { TcpProxy } from './tcp-proxy.js';
import { UdpProxy } from './udp-proxy.js';
import { userspaceMetrics, type UserspaceMetrics } from './userspace-metrics.js';

export interface UserspaceProxierOptions extends ProxierBaseOptions {
  iptables: Iptables;
  /** Chain prefix (default KUBE-). */
  prefix: string;
  nodePortAddresses?: readonly string[];
  scheduler: UserspaceSchedulerName;
  /** A UDP flow ends after this long without traffic (--udp-timeout). */
  udpIdleTimeoutMs: number;
  /** Open connections per proxy port at most (0: no limit). */
  maxConnections: number;
  /** Connections to removed endpoints or Services are closed after this long (default 30 s). */
  drainGraceMs?: number;
  /** Where the metrics of the proxy itself go (the agent's registry). */
  registry: Registry;
  /** Address the listeners bind (default 0.0.0.0). */
  listenHost?: string;
}

type TrafficClass = 'internal' | 'external';

interface Listener {
  readonly protocol: 'TCP' | 'UDP';
  readonly lb: LoadBalancer;
  readonly proxy: TcpProxy | UdpProxy;
}

const DEFAULT_DRAIN_GRACE_MS = 30_000;

const toBackends = (eps: readonly EndpointInfo[]): Backend[] => eps.map((e) => ({ endpoint: e.endpoint, ip: e.ip, port: e.port }));

export class UserspaceProxier extends ProxierBase {
  private readonly listeners = new Map<string, Listener>();
  private readonly proxyMetrics: UserspaceMetrics;
  private readonly warnedSkipped = new Set<string>();
  private jumpsEnsured = false;
  /** The portals an earlier run left (read once, at the first sync). */
  private adopted?: readonly PortalRecord[];

  constructor(private readonly o: UserspaceProxierOptions) {
    super(o);
    this.proxyMetrics = userspaceMetrics(o.registry);
  }

  /** The port a Service port's traffic class is proxied on (tests and the metrics name it). */
  proxyPort(serviceKey: string, cls: TrafficClass = 'internal'): number | undefined {
    return this.listeners.get(`${serviceKey}#${cls}`)?.proxy.port;
  }

  async sync(): Promise<void> {
    if (!this.initialized) return;
    const start = process.hrtime.bigint();
    const { iptables, metrics } = this.o;
    const { epUpdate } = this.checkout();
    this.adopted ??= await this.readAdoptable();
    const node = { name: this.o.nodeName, addresses: this.o.nodeAddresses() };
    const { backends, skipped } = userspaceBackends(this.services.serviceMap, this.endpoints.endpointsMap, node);
    for (const key of skipped) {
      if (this.warnedSkipped.has(key)) continue;
      this.warnedSkipped.add(key);
      this.o.log.warn('the userspace proxy serves TCP and UDP only; this Service port gets no rules', { service: key });
    }

    const wanted = new Set<string>();
    const ports = new Map<string, ProxyPorts>();
    for (const b of backends) {
      const internal = await this.ensureListener(b, 'internal', b.internal);
      wanted.add(`${b.service.key}#internal`);
      let external: number | undefined;
      if (b.external) {
        external = await this.ensureListener(b, 'external', b.external);
        wanted.add(`${b.service.key}#external`);
      }
      ports.set(b.service.key, external === undefined ? { internal } : { internal, external });
    }

    const result = renderPortals({ backends, ports, node, prefix: this.o.prefix, nodePortAddresses: this.o.nodePortAddresses });
    try {
      if (!this.jumpsEnsured) {
        for (const j of result.ensureJumps) await iptables.ensureJump(j);
        this.jumpsEnsured = true;
      }
      await iptables.restore(result.restore);
    } catch (e) {
      metrics.restoreFailures.inc(FAMILY);
      this.jumpsEnsured = false;
      throw e;
    }
    // Nothing redirects to these any more: stop them (their connections drain).
    for (const [key, l] of this.listeners) {
      if (wanted.has(key)) continue;
      this.listeners.delete(key);
      if (l.proxy instanceof TcpProxy) l.proxy.close(this.o.drainGraceMs ?? DEFAULT_DRAIN_GRACE_MS);
      else l.proxy.close();
    }

    await this.cleanConntrack();
    metrics.rulesTotal.set({ ...FAMILY, table: 'nat' }, result.ruleCounts.nat);
    metrics.rulesTotal.set({ ...FAMILY, table: 'filter' }, result.ruleCounts.filter);
    metrics.rulesLast.set({ ...FAMILY, table: 'nat' }, result.ruleCounts.nat);
    const seconds = this.recordSync(start, epUpdate, { full: true, noLocalEndpoints: { internal: 0, external: 0 } });
    this.o.log.debug('synced', { seconds, listeners: this.listeners.size, natRules: result.ruleCounts.nat });
  }

  /** The listener of one traffic class of a Service port, opened if new, with its endpoints now; returns its port. */
  private async ensureListener(b: UserspaceBackend, cls: TrafficClass, endpoints: readonly EndpointInfo[]): Promise<number> {
    const key = `${b.service.key}#${cls}`;
    const svc = b.service;
    const lbOptions = { affinitySeconds: svc.sessionAffinityClientIP ? svc.stickyMaxAgeSeconds : 0, destinationIP: svc.clusterIP };
    let l = this.listeners.get(key);
    if (!l) {
      const lb = new LoadBalancer({ scheduler: this.o.scheduler, ...lbOptions });
      const common = { service: svc.nameString, lb, metrics: this.proxyMetrics, log: this.o.log, host: this.o.listenHost };
      const open = (port: number): Promise<TcpProxy | UdpProxy> =>
        b.protocol === 'TCP' ? TcpProxy.listen({ ...common, port, maxConnections: this.o.maxConnections }) : UdpProxy.listen({ ...common, port, idleTimeoutMs: this.o.udpIdleTimeoutMs });
      const previous = adoptedPort(this.adopted ?? [], svc.nameString, b.protocol, svc.clusterIP, cls);
      const proxy = previous === undefined ? await open(0) : await open(previous).catch(() => open(0));
      l = { protocol: b.protocol, lb, proxy };
      this.listeners.set(key, l);
    } else {
      l.lb.reconfigure(lbOptions);
    }
    const gone = l.lb.setEndpoints(toBackends(endpoints)).map((x) => x.endpoint);
    if (gone.length) {
      if (l.proxy instanceof TcpProxy) l.proxy.drain(gone, this.o.drainGraceMs ?? DEFAULT_DRAIN_GRACE_MS);
      else l.proxy.drain(gone);
    }
    return l.proxy.port;
  }

  private async readAdoptable(): Promise<PortalRecord[]> {
    try {
      return adoptablePortals(await this.o.iptables.save('nat'), this.o.prefix);
    } catch (e) {
      this.o.log.warn('cannot read the portals of an earlier run; listening on new ports', { err: (e as Error).message });
      return [];
    }
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.o.iptables.close();
    for (const l of this.listeners.values()) {
      if (l.proxy instanceof TcpProxy) l.proxy.close(0);
      else l.proxy.close();
    }
    this.listeners.clear();
  }
}
