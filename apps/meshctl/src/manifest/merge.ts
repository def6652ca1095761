/**
 * kubectl apply's three-way merge, simplified to merge-patch semantics:
 *
 * - original: the last-applied configuration (what the user applied last time), may be absent;
 * - modified: the manifest being applied now;
 * - current:  the live object.
 *
 * Maps merge key by key: a key in original but no longer in modified is removed; a key in modified
 * wins; keys only in current (server defaults, allocations, other writers) stay. Lists are atomic:
 * a list is replaced as a whole by the manifest's, unless the manifest's list still matches the
 * live one (same length, and each manifest item agrees with the live item on every field the
 * manifest sets, while fields dropped since the last apply are absent live). Then the live list,
 * with its server-filled defaults, is kept, so re-applying an unchanged manifest changes nothing.
 */

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Does the live value still say what the manifest says (ignoring fields only the server set)? */
function agrees(original: unknown, modified: unknown, current: unknown): boolean {
  if (isMap(modified)) {
    if (!isMap(current)) return false;
    for (const [k, mv] of Object.entries(modified)) {
      if (!agrees(isMap(original) ? original[k] : undefined, mv, current[k])) return false;
    }
    if (isMap(original)) {
      for (const k of Object.keys(original)) {
        if (!(k in modified) && current[k] !== undefined) return false;
      }
    }
    return true;
  }
  if (Array.isArray(modified)) {
    if (!Array.isArray(current) || current.length !== modified.length) return false;
    const orig = Array.isArray(original) ? original : [];
    return modified.every((m, i) => agrees(orig[i], m, current[i]));
  }
  return deepEqual(modified, current);
}

function mergeValue(original: unknown, modified: unknown, current: unknown): unknown {
  if (isMap(modified) && isMap(current)) return mergeMaps(isMap(original) ? original : undefined, modified, current);
  if (Array.isArray(modified) && agrees(original, modified, current)) return clone(current);
  return clone(modified);
}

function mergeMaps(original: Record<string, unknown> | undefined, modified: Record<string, unknown>, current: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = clone(current);
  if (original) {
    for (const k of Object.keys(original)) if (!(k in modified)) delete out[k];
  }
  for (const [k, mv] of Object.entries(modified)) {
    if (mv === undefined) continue;
    out[k] = mergeValue(original?.[k], mv, current[k]);
  }
  return out;
}

/** The object to write. `original` undefined means no last-applied configuration: nothing is removed. */
export function threeWayMerge<T extends object>(original: object | undefined, modified: T, current: T): T {
  return mergeMaps(original as Record<string, unknown> | undefined, modified as Record<string, unknown>, current as Record<string, unknown>) as T;
}
