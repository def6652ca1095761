/**
 * The six schedulers the documents name, with the meaning IPVS gives them (linux
 * net/netfilter/ipvs/ip_vs_{rr,lc,dh,sh,sed,nq}.c), for a proxy that counts its own connections:
 *
 * - rr  round robin: the endpoint after the one chosen last.
 * - lc  least connections: the least active * 256 + inactive (IPVS's overhead: connections closed
 *       recently still count a little, so back-to-back short connections spread), the first of equals.
 * - dh  destination hashing: the address the client asked for (the Service's VIP) picks a bucket
 *       of a 256-bucket table filled with the endpoints in turn, so one VIP maps to one endpoint.
 * - sh  source hashing: the same with the client's address, so one client maps to one endpoint.
 * - sed shortest expected delay: the smallest (active + 1) / weight.
 * - nq  never queue: an idle endpoint if there is one, else as sed.
 *
 * Endpoints that cannot be used (failing, or weight 0) are passed over: dh and sh then walk on to
 * the next bucket, as IPVS's sh does with its fallback flag. Pure apart from rr's position.
 */

export const USERSPACE_SCHEDULERS = ['rr', 'lc', 'dh', 'sh', 'sed', 'nq'] as const;
export type UserspaceSchedulerName = (typeof USERSPACE_SCHEDULERS)[number];

export interface Candidate {
  /** "ip:port", the identity of the endpoint. */
  readonly endpoint: string;
  readonly ip: string;
  /** Connections open to it now (the proxy's own count). */
  readonly active: number;
  /** Connections closed recently (IPVS's InActConn: in TIME_WAIT and the like). */
  readonly inactive?: number;
  /** Relative capacity (default 1; 0 takes no new connections). */
  readonly weight?: number;
  /** Failing recently: passed over while another one is usable. */
  readonly failing?: boolean;
}

export interface PickContext {
  /** The client's address. */
  readonly clientIP: string;
  /** The address the client connected to (the Service's ClusterIP, external IP or node IP). */
  readonly destinationIP: string;
}

export interface Scheduler {
  readonly name: UserspaceSchedulerName;
  /** One of `candidates` (listed in a stable order, e.g. by "ip:port"), or undefined when none is usable. */
  pick(candidates: readonly Candidate[], ctx: PickContext): Candidate | undefined;
}

export class UnknownSchedulerError extends Error {
  constructor(readonly scheduler: string) {
    super(`unknown scheduler "${scheduler}": must be one of ${USERSPACE_SCHEDULERS.join(', ')}`);
    this.name = 'UnknownSchedulerError';
  }
}

export function parseUserspaceScheduler(raw: string): UserspaceSchedulerName {
  const v = raw.trim();
  if (!(USERSPACE_SCHEDULERS as readonly string[]).includes(v)) throw new UnknownSchedulerError(raw);
  return v as UserspaceSchedulerName;
}

const weightOf = (c: Candidate) => c.weight ?? 1;
const usable = (c: Candidate) => weightOf(c) > 0 && !c.failing;

/** The usable candidates; when every one is failing, the failing ones with weight (better a retry than nothing). */
function usableOf(candidates: readonly Candidate[]): readonly Candidate[] {
  const ok = candidates.filter(usable);
  return ok.length > 0 ? ok : candidates.filter((c) => weightOf(c) > 0);
}

/** The first candidate with the least `cost` (IPVS keeps the first of equal ones). */
function leastBy(candidates: readonly Candidate[], cost: (c: Candidate) => number): Candidate | undefined {
  let best: Candidate | undefined;
  let bestCost = Infinity;
  for (const c of candidates) {
    const v = cost(c);
    if (v < bestCost) {
      best = c;
      bestCost = v;
    }
  }
  return best;
}

function ipv4Number(ip: string): number {
  const p = ip.split('.');
  if (p.length !== 4) return 0;
  return p.reduce((n, x) => ((n * 256) >>> 0) + (Number(x) & 255), 0) >>> 0;
}

/** The kernel's hash_32(val, 8): (val * GOLDEN_RATIO_32) >> 24. */
export function hash32to8(val: number): number {
  return Math.imul(val >>> 0, 0x61c88647) >>> 24;
}

const BUCKETS = 256;

/** IPVS's 256-bucket table walk: bucket `start` first, then the next ones, until a usable endpoint. */
function hashPick(candidates: readonly Candidate[], start: number): Candidate | undefined {
  // The table holds every endpoint in turn, each `weight` times (IPVS fills it in list order).
  const slots: Candidate[] = [];
  for (const c of candidates) for (let w = 0; w < Math.max(1, weightOf(c)); w++) slots.push(c);
  if (slots.length === 0) return undefined;
  const anyUsable = candidates.some(usable);
  for (let i = 0; i < BUCKETS; i++) {
    const c = slots[(start + i) % BUCKETS % slots.length]!;
    if (anyUsable ? usable(c) : weightOf(c) > 0) return c;
  }
  return undefined;
}

class RoundRobin implements Scheduler {
  readonly name = 'rr';
  private last: string | undefined;

  pick(candidates: readonly Candidate[]): Candidate | undefined {
    const list = usableOf(candidates);
    if (list.length === 0) return undefined;
    // The first endpoint that sorts after the last one chosen (stable when endpoints come and go).
    const next = this.last === undefined ? undefined : list.find((c) => c.endpoint > this.last!);
    const chosen = next ?? list[0]!;
    this.last = chosen.endpoint;
    return chosen;
  }
}

const SCHEDULERS: Record<UserspaceSchedulerName, () => Scheduler> = {
  rr: () => new RoundRobin(),
  lc: () => ({ name: 'lc', pick: (cands) => leastBy(usableOf(cands), (c) => c.active * 256 + (c.inactive ?? 0)) }),
  dh: () => ({ name: 'dh', pick: (cands, ctx) => hashPick(cands, hash32to8(ipv4Number(ctx.destinationIP))) }),
  sh: () => ({ name: 'sh', pick: (cands, ctx) => hashPick(cands, hash32to8(ipv4Number(ctx.clientIP))) }),
  sed: () => ({ name: 'sed', pick: (cands) => leastBy(usableOf(cands), (c) => (c.active + 1) / weightOf(c)) }),
  nq: () => ({
    name: 'nq',
    pick: (cands) => {
      const list = usableOf(cands);
      return list.find((c) => c.active === 0) ?? leastBy(list, (c) => (c.active + 1) / weightOf(c));
    },
  }),
};

/** A new scheduler (each Service port has its own: rr keeps its position). */
export function newScheduler(name: UserspaceSchedulerName): Scheduler {
  return SCHEDULERS[name]();
}
