/**
 * Equality the way apimachinery's `equality.Semantic.DeepEqual` sees JSON objects: an absent
 * field, an empty string, an empty list and an empty map are all the same (Go's `omitempty`
 * cannot tell them apart after a round trip). `false` and `0` stay distinct from absent.
 */

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.values(v).every(isEmpty);
  return false;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** A copy of a string map without the given keys (CloneAndRemoveLabel for several keys). */
export function withoutKeys(m: Record<string, string> | undefined, ...keys: string[]): Record<string, string> {
  const out: Record<string, string> = { ...(m ?? {}) };
  for (const k of keys) delete out[k];
  return out;
}

/** Label or annotation maps: same keys with the same values (an empty value is a value); absent equals empty. */
export function stringMapsEqual(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a![k] === b![k]);
}
