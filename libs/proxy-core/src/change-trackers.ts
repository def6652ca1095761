/**
 * kube-proxy's change trackers (pkg/proxy/servicechangetracker.go, endpointschangetracker.go,
 * endpointslicecache.go). Informer handlers call `update(previous, current)`, which records what
 * changed per Service and says whether a sync is needed; the sync calls `checkoutChanges()`,
 * which folds the pending changes into the full maps (`serviceMap`, `endpointsMap`) and reports
 * which Services changed (for partial restores) and what conntrack state went stale.
 *
 * Both trackers keep full state, so the renderer always rebuilds the desired ruleset from the
 * complete maps (reconcile, don't react). Unlike kube-proxy, the service tracker takes the
 * "previous" state of a Service from its own applied map, not from the event, so a missed or
 * duplicated event cannot leave a stale port behind.
 */
import type { EndpointSlice, Service } from '@minimesh/api';
import { endpointInfoEqual, type EndpointInfo, type EndpointsMap } from './endpoint-info.js';
import { endpointsFromSliceInfos, isProxiedSlice, sliceInfo, sliceInfoEqual, sliceServiceName, type SliceInfo } from './endpoints-from-slices.js';
import { serviceNamespacedName, servicePortsFromService, type ServicePortInfo, type ServicePortMap } from './service-port.js';

export interface ServiceMapUpdate {
  /** "namespace/name" of every Service added, updated or deleted since the last checkout. */
  readonly updatedServices: ReadonlySet<string>;
  /** ClusterIPs of UDP service ports that went away (their conntrack entries are stale). */
  readonly deletedUdpClusterIPs: ReadonlySet<string>;
}

type PortsByKey = Map<string, ServicePortInfo>;

export class ServiceChangeTracker {
  private readonly ports = new Map<string, ServicePortInfo>();
  private readonly byService = new Map<string, PortsByKey>();
  private readonly pendingChanges = new Map<string, PortsByKey>();

  /** Every proxied service port (the full state the renderer reads). */
  get serviceMap(): ServicePortMap {
    return this.ports;
  }

  /** The checked-out ports of one Service ("ns/name"). */
  portsOfService(namespacedName: string): Iterable<ServicePortInfo> {
    return this.byService.get(namespacedName)?.values() ?? [];
  }

  /** The checked-out ports by Service: "ns/name" → key → port. */
  get portsByService(): ReadonlyMap<string, ReadonlyMap<string, ServicePortInfo>> {
    return this.byService;
  }

  /** Number of Services with uncommitted changes (kube-proxy's service_changes_pending). */
  get pending(): number {
    return this.pendingChanges.size;
  }

  /**
   * Records an add (previous undefined), update, or delete (current undefined). Returns true if
   * any change is pending, whether or not this call caused it (kube-proxy's contract).
   */
  update(previous: Service | undefined, current: Service | undefined): boolean {
    const svc = current ?? previous;
    if (svc === undefined) return false;
    const nn = serviceNamespacedName({ namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '' });
    const next: PortsByKey = new Map();
    if (current !== undefined) for (const p of servicePortsFromService(current)) next.set(p.key, p);
    if (portMapsEqual(this.byService.get(nn) ?? new Map(), next)) this.pendingChanges.delete(nn);
    else this.pendingChanges.set(nn, next);
    return this.pendingChanges.size > 0;
  }

  /** Applies pending changes to `serviceMap` and reports them. */
  checkoutChanges(): ServiceMapUpdate {
    const updatedServices = new Set<string>();
    const deletedUdpClusterIPs = new Set<string>();
    for (const [nn, next] of this.pendingChanges) {
      updatedServices.add(nn);
      for (const [key, old] of this.byService.get(nn) ?? []) {
        if (next.has(key)) continue;
        if (old.protocol === 'UDP') deletedUdpClusterIPs.add(old.clusterIP);
        this.ports.delete(key);
      }
      for (const [key, p] of next) this.ports.set(key, p);
      if (next.size > 0) this.byService.set(nn, next);
      else this.byService.delete(nn);
    }
    this.pendingChanges.clear();
    return { updatedServices, deletedUdpClusterIPs };
  }

  /** HealthCheckNodePorts: "namespace/name" → healthCheckNodePort, for Services that have one. */
  healthCheckNodePorts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of this.ports.values()) if (p.healthCheckNodePort !== 0) out.set(serviceNamespacedName(p.name), p.healthCheckNodePort);
    return out;
  }
}

function portMapsEqual(a: PortsByKey, b: PortsByKey): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || JSON.stringify(v) !== JSON.stringify(w)) return false;
  }
  return true;
}

/** An endpoint that received UDP traffic and is gone (or no longer serving). */
export interface StaleUdpEndpoint {
  readonly servicePortKey: string;
  /** "ip:port" */
  readonly endpoint: string;
  readonly ip: string;
}

export interface EndpointsMapUpdate {
  /** "namespace/name" of every Service whose endpoints changed since the last checkout. */
  readonly updatedServices: ReadonlySet<string>;
  /** Serving endpoints removed from UDP service ports (DeletedUDPEndpoints). */
  readonly deletedUdpEndpoints: readonly StaleUdpEndpoint[];
  /** UDP service-port keys that went from 0 to >0 serving endpoints (NewlyActiveUDPServices). */
  readonly newlyActiveUdpServices: readonly string[];
  /** "namespace/name" → endpoints.kubernetes.io/last-change-trigger-time values (epoch ms). */
  readonly lastChangeTriggerTimes: ReadonlyMap<string, readonly number[]>;
}

export const LAST_CHANGE_TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

/**
 * One Service's slices. They are kept as given (the informer's frozen objects, which its cache
 * holds anyway) rather than as SliceInfo copies: what the proxy needs of them is derived again
 * when a sync takes the change, which at 10,000 Services saves ~10 MiB of copies.
 */
interface SliceTracker {
  readonly applied: Map<string, EndpointSlice>;
  /** null marks a removal; undefined while nothing is pending (no empty map per Service between syncs). */
  pending: Map<string, EndpointSlice | null> | undefined;
}

export interface EndpointsChangeTrackerOptions {
  /** This node's name: endpoints with the same nodeName are local. */
  nodeName: string;
  /** Trigger times at or before this instant (epoch ms) are ignored (default: construction time). */
  startTime?: number;
}

export class EndpointsChangeTracker {
  private readonly nodeName: string;
  private readonly startTime: number;
  private readonly slices = new Map<string, SliceTracker>();
  /** The Services whose slices have pending changes, and how many slices that is. */
  private readonly withPending = new Set<string>();
  private pendingSlices = 0;
  private readonly eps = new Map<string, readonly EndpointInfo[]>();
  /** The service port keys of each Service with endpoints (their lists are in `eps`). */
  private readonly byService = new Map<string, readonly string[]>();
  private triggerTimes = new Map<string, number[]>();

  constructor(opts: EndpointsChangeTrackerOptions) {
    this.nodeName = opts.nodeName;
    this.startTime = opts.startTime ?? Date.now();
  }

  /** Every service port's endpoints (the full state the renderer reads). */
  get endpointsMap(): EndpointsMap {
    return this.eps;
  }

  /** Number of slices with uncommitted changes (the agent's endpoint_changes_pending gauge counts changes instead, as kube-proxy). */
  get pending(): number {
    return this.pendingSlices;
  }

  /**
   * Records an EndpointSlice add (previous undefined), update, or delete (current undefined).
   * Returns true if this call changed what is pending (kube-proxy's EndpointSliceUpdate contract).
   * Slices that are not IPv4 or carry no kubernetes.io/service-name label are ignored.
   */
  update(previous: EndpointSlice | undefined, current: EndpointSlice | undefined): boolean {
    const prevSvc = previous !== undefined && isProxiedSlice(previous) ? sliceServiceName(previous) : undefined;
    const curSvc = current !== undefined && isProxiedSlice(current) ? sliceServiceName(current) : undefined;
    let changed = false;
    // A deleted slice, or one relabelled to another Service, leaves its old Service.
    if (previous !== undefined && prevSvc !== undefined && prevSvc !== curSvc) changed = this.sliceUpdate(previous, prevSvc, true);
    if (current !== undefined && curSvc !== undefined) changed = this.sliceUpdate(current, curSvc, false) || changed;
    return changed;
  }

  private sliceUpdate(slice: EndpointSlice, svc: string, remove: boolean): boolean {
    const name = slice.metadata.name ?? '';
    // What the proxy reads of the new slice (a slice it cannot read throws here, in the event
    // handler, never in a later sync); the tracker keeps the slice itself.
    const info = remove ? null : sliceInfo(slice);
    let t = this.slices.get(svc);
    const held = t?.pending?.has(name) ? t.pending.get(name)! : t?.applied.get(name);
    const changed = held === undefined ? !remove : !sameSlice(held, info);
    if (!changed) {
      // The same for the proxy: keep the new object, which the informer's cache holds, not the old one.
      if (held && !remove) (t!.pending?.has(name) ? t!.pending : t!.applied).set(name, slice);
      return false;
    }
    if (!t) this.slices.set(svc, (t = { applied: new Map(), pending: undefined }));
    if (t.pending === undefined) {
      t.pending = new Map();
      this.withPending.add(svc);
    }
    if (!t.pending.has(name)) this.pendingSlices++;
    t.pending.set(name, remove ? null : slice);
    if (remove) this.triggerTimes.delete(svc);
    else {
      const raw = slice.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
      const at = raw === undefined ? NaN : Date.parse(raw);
      if (!Number.isNaN(at) && at > this.startTime) this.triggerTimes.set(svc, [...(this.triggerTimes.get(svc) ?? []), at]);
    }
    return true;
  }

  /** Applies pending slice changes to `endpointsMap` and reports them. */
  checkoutChanges(): EndpointsMapUpdate {
    const updatedServices = new Set<string>();
    const deletedUdpEndpoints: StaleUdpEndpoint[] = [];
    const newlyActiveUdpServices: string[] = [];
    for (const svc of this.withPending) {
      const t = this.slices.get(svc)!;
      updatedServices.add(svc);
      for (const [name, info] of t.pending!) {
        if (info === null) t.applied.delete(name);
        else t.applied.set(name, info);
      }
      t.pending = undefined;
      const previous = new Map<string, readonly EndpointInfo[]>((this.byService.get(svc) ?? []).map((key) => [key, this.eps.get(key)!]));
      const ordered = [...t.applied.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => sliceInfo(s));
      const current = reuseUnchanged(endpointsFromSliceInfos(svc, ordered, this.nodeName), previous);
      detectStaleUdp(previous, current, deletedUdpEndpoints, newlyActiveUdpServices);
      for (const key of previous.keys()) this.eps.delete(key);
      for (const [key, list] of current) this.eps.set(key, list);
      if (current.size > 0) this.byService.set(svc, [...current.keys()]);
      else this.byService.delete(svc);
      if (t.applied.size === 0) this.slices.delete(svc);
    }
    this.withPending.clear();
    this.pendingSlices = 0;
    const lastChangeTriggerTimes = this.triggerTimes;
    this.triggerTimes = new Map();
    return { updatedServices, deletedUdpEndpoints, newlyActiveUdpServices, lastChangeTriggerTimes };
  }

  /** LocalReadyEndpoints: "namespace/name" → number of distinct local ready endpoint IPs. */
  localReadyEndpoints(): Map<string, number> {
    const ips = new Map<string, Set<string>>();
    for (const [svc, keys] of this.byService) {
      for (const key of keys) {
        for (const ep of this.eps.get(key) ?? []) {
          if (!ep.ready || !ep.isLocal) continue;
          const set = ips.get(svc) ?? new Set<string>();
          set.add(ep.ip);
          ips.set(svc, set);
        }
      }
    }
    return new Map([...ips].map(([svc, set]) => [svc, set.size]));
  }
}

/** The same slice for the proxy: what it reads of them (SliceInfo) is equal. */
function sameSlice(held: EndpointSlice | null, info: SliceInfo | null): boolean {
  if (held === null || info === null) return held === info;
  return sliceInfoEqual(sliceInfo(held), info);
}

/** Keeps the previous EndpointInfo objects that did not change (cheap equality, stable identity). */
function reuseUnchanged(current: Map<string, EndpointInfo[]>, previous: ReadonlyMap<string, readonly EndpointInfo[]>): Map<string, readonly EndpointInfo[]> {
  const out = new Map<string, readonly EndpointInfo[]>();
  for (const [key, list] of current) {
    const old = new Map((previous.get(key) ?? []).map((e) => [e.endpoint, e]));
    out.set(
      key,
      list.map((e) => {
        const o = old.get(e.endpoint);
        return o !== undefined && endpointInfoEqual(o, e) ? o : e;
      }),
    );
  }
  return out;
}

/**
 * detectStaleConntrackEntries (kube-proxy ≤ v1.31, event based): serving UDP endpoints that
 * disappeared or stopped serving, and UDP service ports that went from 0 to >0 serving endpoints.
 */
function detectStaleUdp(
  previous: ReadonlyMap<string, readonly EndpointInfo[]>,
  current: ReadonlyMap<string, readonly EndpointInfo[]>,
  deleted: StaleUdpEndpoint[],
  newlyActive: string[],
): void {
  for (const [key, list] of previous) {
    if (!key.endsWith('/UDP')) continue;
    const now = current.get(key) ?? [];
    for (const ep of list) {
      if (!ep.serving) continue;
      if (!now.some((n) => n.endpoint === ep.endpoint && n.serving === ep.serving)) deleted.push({ servicePortKey: key, endpoint: ep.endpoint, ip: ep.ip });
    }
  }
  for (const [key, list] of current) {
    if (!key.endsWith('/UDP')) continue;
    const serving = list.filter((e) => e.serving).length;
    const before = (previous.get(key) ?? []).filter((e) => e.serving).length;
    if (serving > 0 && before === 0) newlyActive.push(key);
  }
}
