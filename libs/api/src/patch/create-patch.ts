/**
 * Patches that take one object to another, as kubectl computes them before it sends them:
 * `createMergePatch` (RFC 7386; kubectl label/annotate) and `createStrategicMergePatch`
 * (kubectl apply: merged lists get only their changed items, `$patch: delete` for removed ones,
 * `$deleteFromPrimitiveList/<field>` for removed set members and `$setElementOrder/<field>` to
 * keep the order). Applying the result to `from` gives `to`.
 */
import { isPlainObject, jsonEqual, type JsonValue } from './json.js';
import type { ListStrategy, PatchSchema } from './patch-schema.js';

/** The RFC 7386 patch from `from` to `to`; `{}` when they are equal. */
export function createMergePatch(from: unknown, to: unknown): JsonValue {
  if (!isPlainObject(from) || !isPlainObject(to)) return structuredClone(to) as JsonValue;
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(from)) if (!(k in to)) out[k] = null;
  for (const [k, v] of Object.entries(to)) {
    if (!(k in from)) out[k] = structuredClone(v);
    else if (!jsonEqual(from[k], v)) out[k] = isPlainObject(from[k]) && isPlainObject(v) ? createMergePatch(from[k], v) : structuredClone(v);
  }
  return out;
}

function keyOf(item: JsonValue, list: ListStrategy): string | undefined {
  if (!isPlainObject(item) || !list.mergeKey) return undefined;
  return list.mergeKey.map((k) => JSON.stringify(item[k] ?? list.keyDefaults?.[k] ?? null)).join('\u0000');
}

function keyFields(item: Record<string, JsonValue>, list: ListStrategy): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const k of list.mergeKey ?? []) if (item[k] !== undefined) out[k] = item[k]!;
  return out;
}

function diffList(field: string, from: JsonValue[], to: JsonValue[], list: ListStrategy, out: Record<string, JsonValue>): void {
  if (!list.mergeKey) {
    const added = to.filter((x) => !from.some((y) => jsonEqual(x, y)));
    const removed = from.filter((x) => !to.some((y) => jsonEqual(x, y)));
    if (added.length) out[field] = added;
    if (removed.length) out[`$deleteFromPrimitiveList/${field}`] = removed;
    if (added.length || removed.length || !jsonEqual(from, to)) out[`$setElementOrder/${field}`] = structuredClone(to);
    return;
  }
  const items: JsonValue[] = [];
  for (const t of to) {
    const f = from.find((x) => keyOf(x, list) === keyOf(t, list));
    if (f === undefined) items.push(structuredClone(t));
    else if (!jsonEqual(f, t)) items.push({ ...keyFields(t as Record<string, JsonValue>, list), ...(createStrategicMergePatch(f, t, list.item) as Record<string, JsonValue>) });
  }
  for (const f of from) {
    if (!to.some((t) => keyOf(t, list) === keyOf(f, list))) items.push({ ...keyFields(f as Record<string, JsonValue>, list), $patch: 'delete' });
  }
  const sameOrder = jsonEqual(
    from.filter((f) => to.some((t) => keyOf(t, list) === keyOf(f, list))).map((x) => keyOf(x, list)),
    to.filter((t) => from.some((f) => keyOf(f, list) === keyOf(t, list))).map((x) => keyOf(x, list)),
  );
  if (items.length) out[field] = items;
  if (items.length || !sameOrder) out[`$setElementOrder/${field}`] = to.map((t) => keyFields(t as Record<string, JsonValue>, list));
}

/** The strategic merge patch from `from` to `to` with the kind's schema; `{}` when they are equal. */
export function createStrategicMergePatch(from: unknown, to: unknown, schema: PatchSchema = {}): JsonValue {
  if (!isPlainObject(from) || !isPlainObject(to)) return structuredClone(to) as JsonValue;
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(from)) if (!(k in to)) out[k] = null;
  for (const [k, v] of Object.entries(to)) {
    const f = from[k];
    if (f === undefined) {
      out[k] = structuredClone(v);
      continue;
    }
    if (jsonEqual(f, v)) continue;
    const sub = schema.fields?.[k];
    if (Array.isArray(f) && Array.isArray(v) && sub?.list) diffList(k, f, v, sub.list, out);
    else if (isPlainObject(f) && isPlainObject(v)) out[k] = createStrategicMergePatch(f, v, sub);
    else out[k] = structuredClone(v);
  }
  return out;
}
