/**
 * Domain-name helpers over fully qualified presentation names (`a.b.c.` with the trailing dot).
 * Comparisons are case-insensitive (RFC 4343, and "all comparisons between query data and
 * Kubernetes data are case-insensitive" in the Kubernetes DNS spec); callers lower-case once.
 */

export function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/** The labels of a name, leftmost first; the root has none. Backslash-escaped dots stay inside their label. */
export function labels(name: string): string[] {
  if (name === '.' || name === '') return [];
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '\\' && i + 1 < name.length) {
      cur += c + name[i + 1];
      i++;
    } else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/** True when `child` equals `parent` or lies under it. Both lower-case and fully qualified. */
export function isSubdomain(parent: string, child: string): boolean {
  if (parent === '.') return true;
  if (child === parent) return true;
  return child.endsWith(parent) && child[child.length - parent.length - 1] === '.';
}

/** The longest of `zones` that `name` lies in (both lower-case, fully qualified), or undefined. */
export function matchZone(zones: readonly string[], name: string): string | undefined {
  let best: string | undefined;
  for (const z of zones) {
    if (isSubdomain(z, name) && (best === undefined || z.length > best.length)) best = z;
  }
  return best;
}

/** `name` without `zone` and without the joining dot: `web.study.svc` from `web.study.svc.cluster.local.`; '' at the apex. */
export function trimZone(name: string, zone: string): string {
  if (name.length === zone.length) return '';
  if (zone === '.') return name.slice(0, -1);
  return name.slice(0, name.length - zone.length - 1);
}

/** Joins labels and a fully qualified suffix: `join(['ns', 'dns'], 'cluster.local.')` → `ns.dns.cluster.local.`. */
export function joinName(parts: readonly string[], zone: string): string {
  const head = parts.filter((p) => p !== '').join('.');
  if (!head) return zone;
  return zone === '.' ? `${head}.` : `${head}.${zone}`;
}
