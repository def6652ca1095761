/**
 * An IPAddressPool as the allocator sees it (MetalLB's config.Pool): its IPv4 addresses in order
 * (minimesh is single-stack IPv4; IPv6 entries are kept out), whether Services that ask for no pool
 * may get them, whether .0 and .255 are skipped, and whom `serviceAllocation` pins it to.
 */
import { addressToBig, formatBigIP, parseAddressRange, selectorFromLabelSelector, type IPAddressPool, type Selector } from '@minimesh/api';

export interface Pool {
  readonly name: string;
  /** Inclusive IPv4 ranges as numbers, in the order the pool lists them. */
  readonly ranges: readonly { readonly first: number; readonly last: number }[];
  readonly autoAssign: boolean;
  readonly avoidBuggyIPs: boolean;
  /** serviceAllocation is set: the pool serves the Services it selects (first), and no others. */
  readonly pinned: boolean;
  /** serviceAllocation.priority: lower first; undefined last. */
  readonly priority?: number;
  readonly namespaces: readonly string[];
  readonly namespaceSelectors: readonly Selector[];
  readonly serviceSelectors: readonly Selector[];
}

export function ipv4Number(ip: string): number | undefined {
  const a = addressToBig(ip);
  return a?.family === 'IPv4' ? Number(a.value) : undefined;
}

export function ipv4Text(n: number): string {
  return formatBigIP(BigInt(n), 'IPv4');
}

/** IPv4 addresses ending in .0 or .255, which confuse the smurf protection of some old routers. */
export function confusesBuggyFirmware(n: number): boolean {
  const last = n & 0xff;
  return last === 0 || last === 0xff;
}

const selectors = (list: readonly Parameters<typeof selectorFromLabelSelector>[0][] | undefined) => (list ?? []).map((s) => selectorFromLabelSelector(s)).filter((s): s is Selector => s !== null);

export function poolFromObject(obj: IPAddressPool): Pool {
  const ranges: { first: number; last: number }[] = [];
  for (const text of obj.spec?.addresses ?? []) {
    const r = parseAddressRange(text);
    if (typeof r === 'string' || r.family !== 'IPv4') continue;
    ranges.push({ first: Number(r.first), last: Number(r.last) });
  }
  const alloc = obj.spec?.serviceAllocation;
  return {
    name: obj.metadata.name ?? '',
    ranges,
    autoAssign: obj.spec?.autoAssign ?? true,
    avoidBuggyIPs: obj.spec?.avoidBuggyIPs ?? false,
    pinned: alloc !== undefined,
    ...(alloc?.priority !== undefined ? { priority: alloc.priority } : {}),
    namespaces: alloc?.namespaces ?? [],
    namespaceSelectors: selectors(alloc?.namespaceSelectors),
    serviceSelectors: selectors(alloc?.serviceSelectors),
  };
}

/** The pool holds the address (and may hand it out). */
export function poolContains(pool: Pool, n: number): boolean {
  if (pool.avoidBuggyIPs && confusesBuggyFirmware(n)) return false;
  return pool.ranges.some((r) => n >= r.first && n <= r.last);
}

/** The pool's addresses, in order. */
export function* poolAddresses(pool: Pool): Generator<number> {
  for (const r of pool.ranges) {
    for (let n = r.first; n <= r.last; n++) if (!(pool.avoidBuggyIPs && confusesBuggyFirmware(n))) yield n;
  }
}

/** How many n in [first, last] have n mod 256 == rem. */
function countResidue(first: number, last: number, rem: number): number {
  const upTo = (x: number) => (x < rem ? 0 : Math.floor((x - rem) / 256) + 1);
  return upTo(last) - (first === 0 ? 0 : upTo(first - 1));
}

export function poolSize(pool: Pool): number {
  let n = 0;
  for (const r of pool.ranges) {
    n += r.last - r.first + 1;
    if (pool.avoidBuggyIPs) n -= countResidue(r.first, r.last, 0) + countResidue(r.first, r.last, 255);
  }
  return n;
}

/** The Service (its namespace and labels) is one a pinned pool serves. */
export function poolServes(pool: Pool, namespace: string, namespaceLabels: Record<string, string>, serviceLabels: Record<string, string>): boolean {
  const nsRestricted = pool.namespaces.length > 0 || pool.namespaceSelectors.length > 0;
  if (nsRestricted && !pool.namespaces.includes(namespace) && !pool.namespaceSelectors.some((s) => s.matches(namespaceLabels))) return false;
  if (pool.serviceSelectors.length > 0 && !pool.serviceSelectors.some((s) => s.matches(serviceLabels))) return false;
  return true;
}
