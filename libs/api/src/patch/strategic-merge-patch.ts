/**
 * Strategic merge patch (`application/strategic-merge-patch+json`, k8s.io/apimachinery
 * pkg/util/strategicpatch): a JSON merge patch that knows the kind's lists. Lists with a merge
 * strategy merge item by item on their merge key (items missing from the patch stay; a patch item
 * with `$patch: delete` removes its match); merged lists of primitives are unions; other lists are
 * replaced. Directives: `$patch: replace|delete` on maps and lists, `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
 */
import { BadRequestError } from '../errors/api-errors.js';
import { isPlainObject, jsonEqual, setMember, type JsonValue } from './json.js';
import type { ListStrategy, PatchSchema } from './patch-schema.js';

const DELETE_FROM = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';

/** Go's fmt %v of a map, as ErrNoMergeKey prints the offending item: `map[hostPath:map[path:/x]]`. */
function goMap(v: JsonValue): string {
  if (isPlainObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goMap(v[k]!)}`).join(' ')}]`;
  if (Array.isArray(v)) return `[${v.map(goMap).join(' ')}]`;
  return String(v);
}

function keyOf(item: JsonValue, list: ListStrategy): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const parts: string[] = [];
  for (const k of list.mergeKey!) {
    const v = item[k] ?? list.keyDefaults?.[k];
    if (v === undefined || v === null) return undefined;
    parts.push(JSON.stringify(v));
  }
  return parts.join('\u0000');
}

function mergeList(original: JsonValue | undefined, patch: JsonValue[], list: ListStrategy): JsonValue[] {
  const orig = Array.isArray(original) ? original : [];
  if (patch.some((p) => isPlainObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace'));
  }
  if (!list.mergeKey) {
    const out = [...orig];
    for (const p of patch) if (!out.some((o) => jsonEqual(o, p))) out.push(p);
    return normalizeOrder(out, patch, orig, (a, b) => jsonEqual(a, b));
  }
  const out = orig.map((o) => structuredClone(o));
  for (const p of patch) {
    const key = keyOf(p, list);
    if (key === undefined) {
      const absent = list.mergeKey.filter((k) => !isPlainObject(p) || ((p[k] ?? null) === null && list.keyDefaults?.[k] === undefined));
      throw new BadRequestError(`map: ${goMap(p)} does not contain declared merge key: ${absent.join(',')}`);
    }
    const i = out.findIndex((o) => keyOf(o, list) === key);
    if (isPlainObject(p) && p.$patch === 'delete') {
      if (i !== -1) out.splice(i, 1);
      continue;
    }
    if (i === -1) out.push(stripDirectives(p));
    else out[i] = applyStrategicMergePatch(out[i], p, list.item);
  }
  const kept = patch.filter((p) => !(isPlainObject(p) && p.$patch === 'delete'));
  return normalizeOrder(out, kept, orig, (a, b) => keyOf(a, list) === keyOf(b, list));
}

/**
 * The order apimachinery gives a merged list (normalizeElementOrder + mergeSortedSlice): the items
 * the patch names in the patch's order, the others in their original order, interleaved by their
 * original positions; an item new to the list goes before the server-only items that follow it.
 */
function normalizeOrder(merged: JsonValue[], patch: JsonValue[], original: JsonValue[], same: (a: JsonValue, b: JsonValue) => boolean): JsonValue[] {
  const indexIn = (list: JsonValue[], x: JsonValue) => list.findIndex((o) => same(o, x));
  const fromPatch = merged.filter((x) => indexIn(patch, x) !== -1).sort((a, b) => indexIn(patch, a) - indexIn(patch, b));
  const serverOnly = merged.filter((x) => indexIn(patch, x) === -1);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    if (j >= fromPatch.length) out.push(serverOnly[i++]!);
    else if (i >= serverOnly.length) out.push(fromPatch[j++]!);
    else {
      const left = indexIn(original, serverOnly[i]!);
      const right = indexIn(original, fromPatch[j]!);
      if (left >= 0 && right >= 0 && left < right) out.push(serverOnly[i++]!);
      else out.push(fromPatch[j++]!);
    }
  }
  return out;
}

function stripDirectives(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.filter((x) => !(isPlainObject(x) && '$patch' in x)).map(stripDirectives);
  if (!isPlainObject(v)) return v;
  const out: Record<string, JsonValue> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) setMember(out, k, stripDirectives(x));
  return out;
}

function orderBy(items: JsonValue[], order: JsonValue, list: ListStrategy | undefined): JsonValue[] {
  if (!Array.isArray(order)) return items;
  const rank = (x: JsonValue): number => {
    const i = order.findIndex((o) => (list?.mergeKey ? keyOf(o, list) === keyOf(x, list) : jsonEqual(o, x)));
    return i === -1 ? order.length : i;
  };
  return [...items].sort((a, b) => rank(a) - rank(b));
}

/** Applies a strategic merge patch to a copy of `original`, with the kind's schema. */
export function applyStrategicMergePatch(original: unknown, patch: unknown, schema: PatchSchema = {}): JsonValue {
  if (!isPlainObject(patch)) return structuredClone(patch) as JsonValue;
  if (patch.$patch === 'replace') return stripDirectives(patch);
  if (patch.$patch === 'delete') return null;
  if (patch.$patch !== undefined) throw new BadRequestError(`Unknown patch type: ${String(patch.$patch)} in map: ${goMap(patch)}`);
  const out: Record<string, JsonValue> = isPlainObject(original) ? structuredClone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(SET_ORDER)) continue;
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value)) out[field] = current.filter((x) => !value.some((d) => jsonEqual(d, x)));
      continue;
    }
    const sub = Object.prototype.hasOwnProperty.call(schema.fields ?? {}, key) ? schema.fields![key] : undefined;
    const current = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
    if (value === null) delete out[key];
    else if (Array.isArray(value) && sub?.list) setMember(out, key, mergeList(current, value, sub.list));
    else if (Array.isArray(value)) setMember(out, key, stripDirectives(value));
    else if (isPlainObject(value)) {
      const merged = applyStrategicMergePatch(current, value, sub);
      if (merged === null) delete out[key];
      else setMember(out, key, merged);
    } else setMember(out, key, value);
  }
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = key.slice(SET_ORDER.length);
    if (Array.isArray(out[field])) out[field] = orderBy(out[field] as JsonValue[], order, schema.fields?.[field]?.list);
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}
