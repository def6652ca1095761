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

/**
 * True when `child` equals `parent` or lies under it, label by label (miekg's dns.IsSubDomain):
 * `a\.cluster.local.` is the labels `a.cluster` and `local`, so it is not under `cluster.local.`.
 * Both lower-case and fully qualified, in the presentation form the wire decoder gives.
 */
export function isSubdomain(parent: string, child: string): boolean {
  if (parent === '.') return true;
  if (child === parent) return true;
  const dot = child.length - parent.length - 1;
  if (dot < 1 || child[dot] !== '.' || !child.endsWith(parent)) return false;
  // The dot must end a label: not be escaped, i.e. follow an even run of backslashes (`\\` is one backslash).
  let backslashes = 0;
  for (let i = dot - 1; i >= 0 && child[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
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
