/**
 * kubectl apply's client-side three-way merge (a strategic merge, as kubectl computes it):
 *
 * - original: the last-applied configuration (what the user applied last time), may be absent;
 * - modified: the manifest being applied now;
 * - current:  the live object.
 *
 * Maps merge key by key: a key in original but no longer in modified is removed; a key in modified
 * wins; keys only in current (server defaults, allocations, other writers) stay.
 *
 * Lists the kind's patch schema marks as merged (`patchStrategy: merge`) merge item by item:
 * - lists of maps match items on the merge key (Service `spec.ports` by port and protocol, Pod
 *   `spec.containers` by name, `metadata.ownerReferences` by uid), lists of primitives on the value
 *   (`metadata.finalizers`);
 * - an item of the manifest is merged three-way into its live match (or added);
 * - a live item the manifest lacks is removed only when the last-applied configuration had it;
 *   items other writers added stay;
 * - the order is the manifest's, followed by the live-only items in their live order (where the
 *   `$setElementOrder` kubectl sends puts them on minimesh's apiserver).
 *
 * Other lists are atomic: replaced as a whole by the manifest's, unless the manifest's list still
 * matches the live one (same length, and each manifest item agrees with the live item on every field
 * the manifest sets, while fields dropped since the last apply are absent live). Then the live
 * list, with its server-filled defaults, is kept, so re-applying an unchanged manifest changes
 * nothing. Without a schema (custom resources, which kubectl merges with a JSON merge patch) every
 * list is atomic.
 */
import type { ListStrategy, PatchSchema } from '@minimesh/api';

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

/**
 * The identity of a merged list's item: its merge key members (with their defaults, so that a
 * manifest's port without `protocol` is the live `protocol: TCP` one), or the value itself for a
 * list of primitives. Undefined when a map lacks its key: such an item cannot be matched.
 */
function identity(item: unknown, list: ListStrategy): string | undefined {
  if (!list.mergeKey) return isMap(item) || Array.isArray(item) ? undefined : JSON.stringify(item);
  if (!isMap(item)) return undefined;
  const parts: string[] = [];
  for (const k of list.mergeKey) {
    const v = item[k] ?? list.keyDefaults?.[k];
    if (v === undefined || v === null) return undefined;
    parts.push(JSON.stringify(v));
  }
  return parts.join('\u0000');
}

function mergeList(original: unknown, modified: unknown[], current: unknown, list: ListStrategy): unknown[] {
  const live = Array.isArray(current) ? current : [];
  const orig = Array.isArray(original) ? original : [];
  // An item without its merge key, or two items with one key, cannot be matched: send the
  // manifest's list as it is and let the apiserver validate it.
  const ids = modified.map((m) => identity(m, list));
  if (ids.some((id) => id === undefined) || new Set(ids).size !== ids.length) return clone(modified);
  const find = (items: unknown[], id: string) => items.find((x) => identity(x, list) === id);
  const out: unknown[] = [];
  const taken = new Set(ids as string[]);
  for (const [i, m] of modified.entries()) {
    const id = ids[i]!;
    const c = find(live, id);
    out.push(c === undefined ? clone(m) : mergeValue(find(orig, id), m, c, list.item));
  }
  for (const c of live) {
    const id = identity(c, list);
    if (id !== undefined && taken.has(id)) continue;
    // Removed from the manifest since the last apply: delete it. Otherwise another writer's: keep it.
    if (id !== undefined && find(orig, id) !== undefined) continue;
    out.push(clone(c));
  }
  return out;
}

function mergeValue(original: unknown, modified: unknown, current: unknown, schema: PatchSchema | undefined): unknown {
  if (isMap(modified) && isMap(current)) return mergeMaps(isMap(original) ? original : undefined, modified, current, schema);
  return clone(modified);
}

function mergeMaps(
  original: Record<string, unknown> | undefined,
  modified: Record<string, unknown>,
  current: Record<string, unknown>,
  schema: PatchSchema | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = clone(current);
  if (original) {
    for (const k of Object.keys(original)) if (!(k in modified)) delete out[k];
  }
  for (const [k, mv] of Object.entries(modified)) {
    if (mv === undefined) continue;
    const sub = Object.prototype.hasOwnProperty.call(schema?.fields ?? {}, k) ? schema!.fields![k] : undefined;
    const ov = original?.[k];
    const cv = current[k];
    if (Array.isArray(mv) && sub?.list) out[k] = mergeList(ov, mv, cv, sub.list);
    else if (Array.isArray(mv)) out[k] = agrees(ov, mv, cv) ? clone(cv) : clone(mv);
    else out[k] = mergeValue(ov, mv, cv, sub);
  }
  return out;
}

/**
 * The object to write. `original` undefined means no last-applied configuration: nothing is
 * removed. `schema` is the kind's patch schema (`PATCH_SCHEMAS`); without one every list is atomic.
 */
export function threeWayMerge<T extends object>(original: object | undefined, modified: T, current: T, schema?: PatchSchema): T {
  return mergeMaps(
    original as Record<string, unknown> | undefined,
    modified as Record<string, unknown>,
    current as Record<string, unknown>,
    schema,
  ) as T;
}
