/**
 * JSON with object keys in sorted order, at every depth: Go marshals maps that way (kubectl's
 * last-applied annotation, `-o json` of a map), and two objects that differ only in key order
 * compare equal in this form.
 */

/** A copy of `v` whose objects have their keys sorted; arrays keep their order. */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeysDeep((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Compact JSON with sorted keys; undefined members are left out, as JSON.stringify leaves them. */
export function stableStringify(v: unknown): string {
  return JSON.stringify(sortKeysDeep(v)) ?? 'undefined';
}
