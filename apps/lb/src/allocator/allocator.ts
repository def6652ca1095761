/**
 * MetalLB's address allocator (internal/allocator/allocator.go), IPv4: which Service holds which
 * address, from which pool, on which ports. An address may be shared by Services with the same
 * non-empty sharing key (`metallb.io/allow-shared-ip`) and the same backend key (the selector,
 * when externalTrafficPolicy is Local), on ports that do not overlap. Errors carry MetalLB's words.
 *
 * Allocation without a request tries the pools pinned to the Service (serviceAllocation, lowest
 * priority first), then the auto-assign pools nobody pinned, each from its first address on.
 */
import { ipv4Number, ipv4Text, poolAddresses, poolContains, poolServes, poolSize, type Pool } from './pool.js';

export interface PortKey {
  readonly protocol: string;
  readonly port: number;
}

/** What a Service asks for. */
export interface AllocationRequest {
  /** "namespace/name". */
  readonly key: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly namespaceLabels: Record<string, string>;
  readonly ports: readonly PortKey[];
  /** metallb.io/allow-shared-ip; '' does not share. */
  readonly sharingKey: string;
  /** The Service's selector when externalTrafficPolicy is Local, else ''. */
  readonly backendKey: string;
}

export class AllocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllocationError';
  }
}

interface Allocation {
  readonly ip: number;
  readonly pool: string;
  readonly ports: readonly PortKey[];
  readonly sharingKey: string;
  readonly backendKey: string;
}

const portText = (p: PortKey) => `${p.protocol}/${p.port}`;

function sharingProblem(existing: Allocation, req: AllocationRequest): string | undefined {
  if (existing.sharingKey === '') return 'existing service does not allow sharing';
  if (req.sharingKey === '') return 'new service does not allow sharing';
  if (existing.sharingKey !== req.sharingKey) return `sharing key "${req.sharingKey}" does not match existing sharing key "${existing.sharingKey}"`;
  if (existing.backendKey !== req.backendKey) return `backend key "${req.backendKey}" does not match existing sharing key "${existing.backendKey}"`;
  return undefined;
}

export class Allocator {
  private pools = new Map<string, Pool>();
  private readonly allocated = new Map<string, Allocation>();
  /** Address → the Services on it. */
  private readonly users = new Map<number, Set<string>>();

  constructor(pools: readonly Pool[] = []) {
    this.setPools(pools);
  }

  /**
   * New pools. Allocations the new pools still hold stay (moved to the pool that now owns them);
   * the others are released and their Services returned, to be allocated again.
   */
  setPools(pools: readonly Pool[]): string[] {
    this.pools = new Map(pools.map((p) => [p.name, p]));
    const evicted: string[] = [];
    for (const [key, a] of [...this.allocated]) {
      const owner = this.poolFor(a.ip);
      if (owner === undefined) {
        this.release(key);
        evicted.push(key);
      } else if (owner !== a.pool) {
        this.allocated.set(key, { ...a, pool: owner });
      }
    }
    return evicted.sort();
  }

  ipOf(key: string): string | undefined {
    const a = this.allocated.get(key);
    return a === undefined ? undefined : ipv4Text(a.ip);
  }

  poolOf(key: string): string | undefined {
    return this.allocated.get(key)?.pool;
  }

  /** The pool that owns an address (may hand it out), if any. */
  private poolFor(ip: number): string | undefined {
    for (const p of [...this.pools.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) if (poolContains(p, ip)) return p.name;
    return undefined;
  }

  /** Why `req` may not use `ip` now, or undefined if it may. */
  private conflict(req: AllocationRequest, ip: number): string | undefined {
    const others = [...(this.users.get(ip) ?? [])].filter((k) => k !== req.key);
    if (others.length === 0) return undefined;
    if (others.some((k) => sharingProblem(this.allocated.get(k)!, req) !== undefined)) {
      return `can't change sharing key for "${req.key}", address also in use by ${others.sort().join(',')}`;
    }
    for (const port of req.ports) {
      if (others.some((k) => this.allocated.get(k)!.ports.some((p) => p.protocol === port.protocol && p.port === port.port))) {
        return `port ${portText(port)} is already in use on "${ipv4Text(ip)}"`;
      }
    }
    return undefined;
  }

  private take(req: AllocationRequest, ip: number, pool: string): string {
    this.release(req.key);
    this.allocated.set(req.key, { ip, pool, ports: [...req.ports], sharingKey: req.sharingKey, backendKey: req.backendKey });
    let set = this.users.get(ip);
    if (!set) this.users.set(ip, (set = new Set()));
    set.add(req.key);
    return ipv4Text(ip);
  }

  /** The Service takes exactly `ip` (requested, or read back from its status). */
  assign(req: AllocationRequest, ipText: string, requestedPool?: string): string {
    const ip = ipv4Number(ipText);
    const pool = ip === undefined ? undefined : this.poolFor(ip);
    if (ip === undefined || pool === undefined) throw new AllocationError(`"${ipText}" is not allowed in config`);
    if (requestedPool !== undefined && !poolContains(this.requirePool(requestedPool), ip)) {
      throw new AllocationError(`requested loadBalancer IP(s) "${ipText}" is not compatible with requested address pool ${requestedPool}`);
    }
    const why = this.conflict(req, ip);
    if (why) throw new AllocationError(why);
    return this.take(req, ip, pool);
  }

  private requirePool(name: string): Pool {
    const p = this.pools.get(name);
    if (!p) throw new AllocationError(`unknown pool "${name}"`);
    return p;
  }

  /** Any free address of one pool (the Service's own, if it has one there). */
  allocateFromPool(req: AllocationRequest, poolName: string): string {
    const pool = this.requirePool(poolName);
    const current = this.allocated.get(req.key);
    if (current && poolContains(pool, current.ip) && !this.conflict(req, current.ip)) return this.take(req, current.ip, pool.name);
    for (const ip of poolAddresses(pool)) if (!this.conflict(req, ip)) return this.take(req, ip, pool.name);
    throw new AllocationError(`no available IPs in pool "${poolName}"`);
  }

  /** Any free address the Service may have. */
  allocate(req: AllocationRequest): string {
    const current = this.allocated.get(req.key);
    if (current && !this.conflict(req, current.ip)) return this.take(req, current.ip, current.pool);
    for (const pool of this.candidatePools(req)) {
      try {
        return this.allocateFromPool(req, pool.name);
      } catch (e) {
        if (!(e instanceof AllocationError)) throw e;
      }
    }
    throw new AllocationError('no available IPs');
  }

  /** Pinned pools serving the Service by priority, then the unpinned auto-assign pools, by name. */
  private candidatePools(req: AllocationRequest): Pool[] {
    const byName = [...this.pools.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const pinned = byName
      .filter((p) => p.pinned && p.autoAssign && poolServes(p, req.namespace, req.namespaceLabels, req.labels))
      .sort((a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity));
    return [...pinned, ...byName.filter((p) => !p.pinned && p.autoAssign)];
  }

  release(key: string): boolean {
    const a = this.allocated.get(key);
    if (!a) return false;
    this.allocated.delete(key);
    const set = this.users.get(a.ip);
    set?.delete(key);
    if (set?.size === 0) this.users.delete(a.ip);
    return true;
  }

  /** IPAddressPool status: addresses in use and still free. */
  poolStats(name: string): { assigned: number; available: number } {
    const pool = this.pools.get(name);
    if (!pool) return { assigned: 0, available: 0 };
    let assigned = 0;
    for (const ip of this.users.keys()) if (poolContains(pool, ip)) assigned++;
    return { assigned, available: poolSize(pool) - assigned };
  }
}
