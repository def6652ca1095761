/**
 * The socket load balancer's two maps (entries: sock-lb-entries.ts) as this node wants them, kept between syncs so a sync sends
 * the kernel only what changed (kube-proxy's nftables mode does the same with its transactions):
 *
 *   frontends  ip:port/protocol -> backend set id, backend count, flags, affinity timeout
 *   backends   set id, slot     -> backend ip:port
 *
 * A backend keeps its slot while it stays, and new backends fill the holes removed ones leave, so
 * ClientIP affinity, which remembers a slot and its backend, survives other backends coming and
 * going (a hole no new backend fills takes the last backend, whose clients then choose again).
 * An address two ports claim stays with the first; when it lets go, the next one gets it in the
 * same delta. A delta is ordered so that no lookup in between finds a hole: new slots first, then the
 * frontends (with their new counts), then removed frontends, then slots no count reaches any more.
 * Set ids freed by a delta are reused only by a later one.
 *
 * With the node's north-south addresses in the input, the ports' north-south frontends (NodePorts,
 * externalIPs and LoadBalancer IPs as the tc programs see them) are kept the same way, beside the
 * socket ones, with a third set for externalTrafficPolicy Local.
 *
 * SCTP ports are left out (ebpf mode renders nftables rules for them). A first sync of a large
 * cluster comes in chunks (`steps`), so the kernel can take one chunk while the next is computed.
 *
 * After a restart the maps are still in the kernel (pinned): `adopt` takes over their contents, so
 * the first sync keeps every set's id and slots and changes only what changed meanwhile.
 */
import type { TopologyOptions } from '../categorize-endpoints.js';
import type { EndpointsMap } from '../endpoint-info.js';
import { portsByService, serviceOfPortKey, type ServicePortInfo, type ServicePortMap } from '../service-port.js';
import type { EndpointInfo } from '../endpoint-info.js';
import { sockLbServicePort, type SockLbFrontend } from './sock-lb-service-port.js';
import { SOCK_LB_AFFINITY, SOCK_LB_DROP, SOCK_LB_KEEP_SOURCE, frontendId, type BackendEntry, type BackendSlot, type FrontendAddress, type FrontendEntry, type SockLbDelta } from './sock-lb-entries.js';

export interface SockLbSyncInput {
  services: ServicePortMap;
  endpoints: EndpointsMap;
  node: TopologyOptions;
  /**
   * The node's addresses for north-south traffic (NodePorts) when the tc programs are attached;
   * undefined: no north-south frontends (nftables has that traffic).
   */
  northSouthAddresses?: readonly string[];
  /** "ns/name" of the Services that changed; undefined: look at every service port. */
  changedServices?: ReadonlySet<string>;
  /** The same ports by Service, "ns/name" → key → port (the change tracker's index; default: grouped here). */
  byService?: ReadonlyMap<string, ReadonlyMap<string, ServicePortInfo>>;
}

/** Services per chunk of a first sync's writes. */
export const SOCK_LB_CHUNK = 5000;

interface SetState {
  id: number;
  /** The backend ("ip:port") in each slot; after adopt() a slot may be empty. */
  slots: (string | undefined)[];
}

interface PortState {
  /** The service port's key. */
  key: string;
  /** The frontends this port holds (frontendId of each). */
  frontends: FrontendId[];
  internal: SetState;
  external?: SetState;
  /** externalTrafficPolicy Local's set (north-south frontends only). */
  local?: SetState;
}

type FrontendId = number | string;

interface Written {
  entry: FrontendEntry;
  /** The service port that wrote it; undefined for one adopted and not yet claimed. */
  owner?: string;
}


const addressOf = (f: FrontendEntry): FrontendAddress => (f.northSouth ? { ip: f.ip, port: f.port, protocol: f.protocol, northSouth: true } : { ip: f.ip, port: f.port, protocol: f.protocol });

function sameFrontend(a: FrontendEntry | undefined, b: FrontendEntry): boolean {
  return a !== undefined && a.set === b.set && a.count === b.count && a.flags === b.flags && a.affinitySeconds === b.affinitySeconds;
}

export class SockLbTables {
  /** The ports held for each Service ("ns/name"). */
  private readonly services = new Map<string, PortState[]>();
  /** What the kernel holds, by frontendId, and which service port owns each frontend. */
  private readonly written = new Map<FrontendId, Written>();
  private readonly freeIds: number[] = [];
  private releasedIds: number[] = [];
  private nextId = 1;
  private setTotal = 0;
  /** Set ids found in the kernel by adopt() and not yet claimed: their slots, by id. */
  private readonly orphans = new Map<number, (string | undefined)[]>();
  /** Slots adopt() found beyond their set's count: deleted by the next delta unless it writes them again. */
  private strays: BackendSlot[] = [];
  /** Ports refused an address another port held, by frontendId; and addresses let go in this update. */
  private readonly wanting = new Map<FrontendId, Set<string>>();
  private released: FrontendId[] = [];
  /** Frontends deleted by the delta being built (a claim in the same delta must cancel the delete). */
  private readonly deletedNow = new Set<FrontendId>();

  get frontendCount(): number {
    return this.written.size;
  }

  get setCount(): number {
    return this.setTotal;
  }

  /** Forgets everything (after a failed write: the next sync adopts what the kernel holds). */
  reset(): void {
    this.services.clear();
    this.written.clear();
    this.freeIds.length = 0;
    this.releasedIds = [];
    this.nextId = 1;
    this.setTotal = 0;
    this.orphans.clear();
    this.strays = [];
    this.wanting.clear();
    this.released = [];
    this.deletedNow.clear();
  }

  /** Takes over the kernel's maps (a restarted agent); the next sync must look at every port. */
  adopt(frontends: readonly FrontendEntry[], backends: readonly BackendEntry[]): void {
    this.reset();
    for (const f of frontends) this.written.set(frontendId(f), { entry: f });
    for (const b of backends) {
      let slots = this.orphans.get(b.set);
      if (slots === undefined) this.orphans.set(b.set, (slots = []));
      slots[b.slot] = `${b.ip}:${b.port}`;
      this.nextId = Math.max(this.nextId, b.set + 1);
    }
    for (const f of frontends) {
      this.nextId = Math.max(this.nextId, f.set + 1);
      if (!this.orphans.has(f.set)) this.orphans.set(f.set, []);
    }
    // A slot beyond its frontend's count is not in use: leave it out, so it is deleted or rewritten.
    for (const f of frontends) {
      const slots = this.orphans.get(f.set)!;
      for (let i = f.count; i < slots.length; i++) if (slots[i] !== undefined) this.strays.push({ set: f.set, slot: i });
      if (slots.length > f.count) slots.length = f.count;
    }
  }

  /** The writes that bring the kernel from the last state to the one of `input`, in one delta. */
  update(input: SockLbSyncInput): SockLbDelta {
    const all: SockLbDelta = { backends: [], frontends: [], frontendDeletes: [], backendDeletes: [] };
    for (const d of this.steps(input)) {
      for (const k of ['backends', 'frontends', 'frontendDeletes', 'backendDeletes'] as const) for (const x of d[k]) (all[k] as unknown[]).push(x);
    }
    return all;
  }

  /**
   * The same writes as deltas to apply one after the other: when looking at every port, one per
   * SOCK_LB_CHUNK Services (new slots and frontends only) and a last one with the rest, so the
   * kernel can take a chunk while the next is computed; otherwise one.
   */
  *steps(input: SockLbSyncInput): Generator<SockLbDelta> {
    let delta: SockLbDelta = { backends: [], frontends: [], frontendDeletes: [], backendDeletes: [] };
    for (const id of this.releasedIds) this.freeIds.push(id);
    this.releasedIds = [];
    const byService = input.byService ?? portsByService(input.services);
    this.deletedNow.clear();
    if (input.changedServices !== undefined) {
      for (const nn of input.changedServices) this.syncService(nn, byService.get(nn)?.values() ?? [], input, delta);
      this.handOver(input, byService, delta);
    } else {
      let n = 0;
      for (const [nn, ports] of byService) {
        this.syncService(nn, ports.values(), input, delta);
        if (++n % SOCK_LB_CHUNK === 0) {
          // Deletions wait for the last delta: only then can nothing point at what they remove.
          yield { backends: delta.backends, frontends: delta.frontends, frontendDeletes: [], backendDeletes: [] };
          delta = { backends: [], frontends: [], frontendDeletes: delta.frontendDeletes, backendDeletes: delta.backendDeletes };
        }
      }
      for (const nn of this.services.keys()) if (!byService.has(nn)) this.syncService(nn, [], input, delta);
      this.handOver(input, byService, delta);
      this.dropLeftovers(delta);
    }
    if (this.strays.length > 0) {
      // A stray slot that its set has grown back into was written again: it stays.
      const lengths = new Map<number, number>();
      for (const ports of this.services.values()) {
        for (const p of ports) for (const set of [p.internal, p.external, p.local]) if (set) lengths.set(set.id, set.slots.length);
      }
      for (const stray of this.strays) if (stray.slot >= (lengths.get(stray.set) ?? 0)) delta.backendDeletes.push(stray);
      this.strays = [];
    }
    this.deletedNow.clear();
    yield delta;
  }

  private syncService(nn: string, ports: Iterable<ServicePortInfo>, input: SockLbSyncInput, delta: SockLbDelta): void {
    const old = this.services.get(nn);
    if (old === undefined) {
      // A new Service (every one in a first sync): nothing to let go first.
      const next: PortState[] = [];
      for (const sp of ports) if (sp.protocol !== 'SCTP') next.push(this.syncPort(undefined, sp, input, delta));
      if (next.length > 0) this.services.set(nn, next);
      return;
    }
    // SCTP's connect() is not one the socket programs can rewrite: its Services stay with nftables.
    const wanted = [...ports].filter((sp) => sp.protocol !== 'SCTP');
    // Ports that went first, so what they held is free for the ports that stay or come.
    const kept = old.filter((p) => wanted.some((sp) => sp.key === p.key));
    for (const p of old) if (!kept.includes(p)) this.removePort(p, delta);
    if (kept.length > 0 || wanted.length > 0) this.services.set(nn, kept);
    const next = wanted.map((sp) => this.syncPort(kept.find((p) => p.key === sp.key), sp, input, delta));
    if (next.length > 0) this.services.set(nn, next);
    else this.services.delete(nn);
  }

  /** Services whose ports wanted an address another port held, when that port lets it go. */
  private handOver(input: SockLbSyncInput, byService: ReadonlyMap<string, ReadonlyMap<string, ServicePortInfo>>, delta: SockLbDelta): void {
    for (let round = 0; this.released.length > 0 && round < 8; round++) {
      const services = new Set<string>();
      for (const fk of this.released.splice(0)) {
        for (const portKey of this.wanting.get(fk) ?? []) services.add(serviceOfPortKey(portKey));
        this.wanting.delete(fk);
      }
      for (const nn of services) this.syncService(nn, byService.get(nn)?.values() ?? [], input, delta);
    }
  }

  private removePort(state: PortState, delta: SockLbDelta): void {
    for (const fk of state.frontends) this.deleteFrontend(fk, state.key, delta);
    this.removeSet(state.internal, delta);
    if (state.external) this.removeSet(state.external, delta);
    if (state.local) this.removeSet(state.local, delta);
  }

  private syncPort(old: PortState | undefined, sp: ServicePortInfo, input: SockLbSyncInput, delta: SockLbDelta): PortState {
    const key = sp.key;
    const next = sockLbServicePort(sp, input.endpoints.get(key) ?? [], input.node, input.northSouthAddresses);
    const state: PortState = old ?? { key, frontends: [], internal: this.newSet(next.frontends, 'internal') };
    const internal = this.syncSet(state.internal, next.internal.backends, delta);
    let external = internal;
    if (next.external !== undefined) {
      state.external ??= this.newSet(next.frontends, 'external');
      external = this.syncSet(state.external, next.external.backends, delta);
    } else if (state.external !== undefined) {
      this.removeSet(state.external, delta);
      state.external = undefined;
    }
    let local: SetState | undefined;
    if (next.local !== undefined) {
      state.local ??= this.newSet(next.frontends, 'local');
      local = this.syncSet(state.local, next.local.backends, delta);
    } else if (state.local !== undefined) {
      this.removeSet(state.local, delta);
      state.local = undefined;
    }

    const held: FrontendId[] = [];
    for (const f of next.frontends) {
      const fk = frontendId(f);
      const w = this.written.get(fk);
      if (w?.owner !== undefined && w.owner !== key && this.holds(w.owner)) {
        // Another port's address: the first one keeps it; this one gets it when it is let go.
        let ports = this.wanting.get(fk);
        if (ports === undefined) this.wanting.set(fk, (ports = new Set()));
        ports.add(key);
        continue;
      }
      // Deleted earlier in this delta (by the port that let it go): written again, not deleted.
      if (w === undefined && this.deletedNow.size > 0 && this.deletedNow.delete(fk)) {
        const i = delta.frontendDeletes.findIndex((d) => frontendId(d) === fk);
        if (i >= 0) delta.frontendDeletes.splice(i, 1);
      }
      held.push(fk);
      const set = f.uses === 'internal' ? internal : f.uses === 'local' ? local! : external;
      const count = set.slots.length;
      const drop = count === 0 && ((f.uses === 'internal' && next.internal.drop) || (f.uses === 'local' && next.local!.drop));
      const flags = (f.affinitySeconds > 0 ? SOCK_LB_AFFINITY : 0) | (drop ? SOCK_LB_DROP : 0) | (f.uses === 'local' ? SOCK_LB_KEEP_SOURCE : 0);
      const entry: FrontendEntry = f.northSouth
        ? { ip: f.ip, port: f.port, protocol: f.protocol, northSouth: true, set: set.id, count, flags, affinitySeconds: f.affinitySeconds }
        : { ip: f.ip, port: f.port, protocol: f.protocol, set: set.id, count, flags, affinitySeconds: f.affinitySeconds };
      if (!sameFrontend(w?.entry, entry)) delta.frontends.push(entry);
      if (w === undefined) this.written.set(fk, { entry, owner: key });
      else {
        w.entry = entry;
        w.owner = key;
      }
    }
    if (old !== undefined) for (const fk of state.frontends) if (!held.includes(fk)) this.deleteFrontend(fk, key, delta);
    state.frontends = held;
    return state;
  }

  /** Some Service still holds this service port. */
  private holds(portKey: string): boolean {
    return this.services.get(serviceOfPortKey(portKey))?.some((p) => p.key === portKey) ?? false;
  }

  private deleteFrontend(fk: FrontendId, owner: string, delta: SockLbDelta): void {
    const w = this.written.get(fk);
    if (w === undefined || w.owner !== owner) return;
    this.written.delete(fk);
    delta.frontendDeletes.push(addressOf(w.entry));
    this.deletedNow.add(fk);
    if (this.wanting.has(fk)) this.released.push(fk);
  }

  /** A new set: after adopt() the kernel's set one of these frontends used, else a fresh id. */
  private newSet(frontends: readonly SockLbFrontend[], uses: SockLbFrontend['uses']): SetState {
    this.setTotal++;
    if (this.orphans.size > 0) {
      for (const f of frontends) {
        if (f.uses !== uses) continue;
        const id = this.written.get(frontendId(f))?.entry.set;
        const slots = id === undefined ? undefined : this.orphans.get(id);
        if (slots === undefined) continue;
        this.orphans.delete(id!);
        return { id: id!, slots };
      }
    }
    return { id: this.freeIds.pop() ?? this.nextId++, slots: [] };
  }

  /** A set's slots after the change (as long as its backends: the count): the ones kept stay, new ones fill the holes, the last fill what is left. */
  private syncSet(state: SetState, backends: readonly EndpointInfo[], delta: SockLbDelta): SetState {
    const old = state.slots;
    if (old.length === backends.length && backends.every((b, i) => old[i] === b.endpoint)) return state;
    if (old.length === 0) {
      // A new set (the common case of a first sync): every backend in its sorted place.
      const slots: string[] = [];
      for (let slot = 0; slot < backends.length; slot++) {
        const b = backends[slot]!;
        delta.backends.push(b.isLocal ? { set: state.id, slot, ip: b.ip, port: b.port, local: true } : { set: state.id, slot, ip: b.ip, port: b.port });
        slots.push(b.endpoint);
      }
      state.slots = slots;
      return state;
    }
    const want = new Map(backends.map((b) => [b.endpoint, b]));
    const kept = new Set<string>();
    for (const b of old) if (b !== undefined && want.has(b)) kept.add(b);
    const fresh = backends.filter((b) => !kept.has(b.endpoint)).map((b) => b.endpoint);
    // Holes (a backend gone, or a duplicate) take new backends first: nobody moves.
    const slots: (string | undefined)[] = [];
    const placed = new Set<string>();
    let next = 0;
    for (const b of old) {
      if (b !== undefined && kept.has(b) && !placed.has(b)) {
        slots.push(b);
        placed.add(b);
      } else slots.push(fresh[next++]);
    }
    while (next < fresh.length) slots.push(fresh[next++]);
    // Holes left: the last backends move into them, and the set is as long as its backends.
    for (let i = 0; i < slots.length; ) {
      if (slots[i] !== undefined) {
        i++;
        continue;
      }
      const last = slots.pop();
      if (i < slots.length) slots[i] = last;
    }
    for (let i = 0; i < slots.length; i++) {
      if (slots[i] === old[i]) continue;
      const b = want.get(slots[i]!)!;
      delta.backends.push(b.isLocal ? { set: state.id, slot: i, ip: b.ip, port: b.port, local: true } : { set: state.id, slot: i, ip: b.ip, port: b.port });
    }
    for (let i = slots.length; i < old.length; i++) if (old[i] !== undefined) delta.backendDeletes.push({ set: state.id, slot: i });
    state.slots = slots;
    return state;
  }

  private removeSet(state: SetState, delta: SockLbDelta): void {
    for (let i = 0; i < state.slots.length; i++) if (state.slots[i] !== undefined) delta.backendDeletes.push({ set: state.id, slot: i });
    this.releasedIds.push(state.id);
    this.setTotal--;
  }

  /** After a look at every port: what the kernel held that no port wants (after adopt()). */
  private dropLeftovers(delta: SockLbDelta): void {
    for (const [fk, w] of this.written) {
      if (w.owner !== undefined) continue;
      this.written.delete(fk);
      delta.frontendDeletes.push(addressOf(w.entry));
    }
    for (const [id, slots] of this.orphans) {
      for (let i = 0; i < slots.length; i++) if (slots[i] !== undefined) delta.backendDeletes.push({ set: id, slot: i });
    }
    this.orphans.clear();
  }
}
