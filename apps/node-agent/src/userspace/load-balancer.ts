/**
 * The endpoint choice of one userspace proxy port (kube-proxy's LoadBalancerRR, with any of the
 * six schedulers): ClientIP session affinity with its timeout, the proxy's own count of open
 * connections per endpoint (lc, sed and nq read it) and of the ones closed in the last two minutes
 * (IPVS's inactive connections, which lc weighs too), and endpoints that failed to connect passed
 * over for a while (doubling from 1 s to 30 s while they keep failing; one success clears it).
 */
import { newScheduler, type Candidate, type Scheduler, type UserspaceSchedulerName } from '@minimesh/proxy-core';

export interface Backend {
  /** "ip:port". */
  readonly endpoint: string;
  readonly ip: string;
  readonly port: number;
}

export interface LoadBalancerOptions {
  scheduler: UserspaceSchedulerName;
  /** ClientIP affinity timeout in seconds; 0 without affinity. */
  affinitySeconds: number;
  /** The address dh hashes: the Service's ClusterIP. */
  destinationIP: string;
  now?: () => number;
}

const FIRST_PENALTY_MS = 1000;
/** How long a closed connection counts as inactive: IPVS's TCP TIME_WAIT timeout (2 min). */
export const INACTIVE_MS = 120_000;
const MAX_PENALTY_MS = 30_000;

interface Failure {
  until: number;
  penaltyMs: number;
}

export class LoadBalancer {
  private backends: readonly Backend[] = [];
  private readonly scheduler: Scheduler;
  private readonly active = new Map<string, number>();
  /** Closing times per endpoint, oldest first. */
  private readonly recentlyClosed = new Map<string, number[]>();
  private readonly affinity = new Map<string, { endpoint: string; lastUsed: number }>();
  private readonly failures = new Map<string, Failure>();
  private readonly now: () => number;

  constructor(private o: LoadBalancerOptions) {
    this.scheduler = newScheduler(o.scheduler);
    this.now = o.now ?? Date.now;
  }

  get endpoints(): readonly Backend[] {
    return this.backends;
  }

  /** next() looks at the client's address (ClientIP affinity, source hashing). */
  get needsClientIP(): boolean {
    return this.o.affinitySeconds > 0 || this.o.scheduler === 'sh';
  }

  /** New endpoints (sorted by "ip:port"); returns the ones that went away. */
  setEndpoints(backends: readonly Backend[]): Backend[] {
    const keep = new Set(backends.map((b) => b.endpoint));
    const gone = this.backends.filter((b) => !keep.has(b.endpoint));
    this.backends = [...backends].sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
    for (const b of gone) {
      this.failures.delete(b.endpoint);
      this.recentlyClosed.delete(b.endpoint);
    }
    for (const [client, a] of this.affinity) if (!keep.has(a.endpoint)) this.affinity.delete(client);
    return gone;
  }

  /** Affinity or destination changed on a live Service. */
  reconfigure(o: Pick<LoadBalancerOptions, 'affinitySeconds' | 'destinationIP'>): void {
    if (o.affinitySeconds !== this.o.affinitySeconds) this.affinity.clear();
    this.o = { ...this.o, ...o };
  }

  /**
   * The endpoint for a new connection from `clientIP`: its affinity if still fresh (unless
   * `resetAffinity`, after a failed attempt), else the scheduler's pick among the others.
   */
  next(clientIP: string, resetAffinity = false, exclude: ReadonlySet<string> = new Set()): Backend | undefined {
    const now = this.now();
    if (this.o.affinitySeconds > 0 && !resetAffinity) {
      const a = this.affinity.get(clientIP);
      if (a && now - a.lastUsed <= this.o.affinitySeconds * 1000 && !exclude.has(a.endpoint)) {
        const b = this.backends.find((x) => x.endpoint === a.endpoint);
        if (b) {
          a.lastUsed = now;
          return b;
        }
      }
    }
    const candidates: Candidate[] = this.backends
      .filter((b) => !exclude.has(b.endpoint))
      .map((b) => ({
        endpoint: b.endpoint,
        ip: b.ip,
        active: this.active.get(b.endpoint) ?? 0,
        inactive: this.inactiveConnections(b.endpoint),
        failing: (this.failures.get(b.endpoint)?.until ?? 0) > now,
      }));
    const chosen = this.scheduler.pick(candidates, { clientIP, destinationIP: this.o.destinationIP });
    const backend = chosen && this.backends.find((b) => b.endpoint === chosen.endpoint);
    if (backend && this.o.affinitySeconds > 0) this.affinity.set(clientIP, { endpoint: backend.endpoint, lastUsed: now });
    return backend;
  }

  opened(endpoint: string): void {
    this.active.set(endpoint, (this.active.get(endpoint) ?? 0) + 1);
  }

  closed(endpoint: string): void {
    const n = (this.active.get(endpoint) ?? 0) - 1;
    if (n > 0) this.active.set(endpoint, n);
    else this.active.delete(endpoint);
    const closedAt = this.recentlyClosed.get(endpoint) ?? [];
    closedAt.push(this.now());
    this.recentlyClosed.set(endpoint, closedAt);
  }

  activeConnections(endpoint: string): number {
    return this.active.get(endpoint) ?? 0;
  }

  /** Connections to `endpoint` closed within INACTIVE_MS. */
  inactiveConnections(endpoint: string): number {
    const closedAt = this.recentlyClosed.get(endpoint);
    if (!closedAt) return 0;
    const horizon = this.now() - INACTIVE_MS;
    let expired = 0;
    while (expired < closedAt.length && closedAt[expired]! <= horizon) expired++;
    if (expired) closedAt.splice(0, expired);
    if (closedAt.length === 0) this.recentlyClosed.delete(endpoint);
    return closedAt.length;
  }

  failed(endpoint: string): void {
    const prev = this.failures.get(endpoint);
    const penaltyMs = prev ? Math.min(prev.penaltyMs * 2, MAX_PENALTY_MS) : FIRST_PENALTY_MS;
    this.failures.set(endpoint, { until: this.now() + penaltyMs, penaltyMs });
  }

  succeeded(endpoint: string): void {
    this.failures.delete(endpoint);
  }

  isFailing(endpoint: string): boolean {
    return (this.failures.get(endpoint)?.until ?? 0) > this.now();
  }

  /** Drops affinity entries older than the timeout (called now and then). */
  expireAffinity(): void {
    const now = this.now();
    for (const [client, a] of this.affinity) if (now - a.lastUsed > this.o.affinitySeconds * 1000) this.affinity.delete(client);
  }
}
