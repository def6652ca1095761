/**
 * Field sets as server-side apply keeps them in `metadata.managedFields[].fieldsV1`
 * (sigs.k8s.io/structured-merge-diff): paths of path elements, `f:<field>` for an object member,
 * `k:{"port":80,"protocol":"TCP"}` for an item of a list keyed by some of its members, `v:<json>`
 * for a member of a set of primitives, and `.` for a keyed item itself. Which lists are keyed
 * comes from the kinds' strategic merge schema (their merge keys are the list-map keys); every
 * other list, and the maps Kubernetes marks atomic, is one field.
 *
 * A path is kept as the JSON text of its elements, so a set is a plain Set<string>.
 */
import { PATCH_SCHEMAS, type PatchSchema } from '../patch/patch-schema.js';
import type { Kind } from '../types/object.js';

export type FieldSet = Set<string>;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Fields never owned by anyone: identity and server-kept metadata, and status on the main resource. */
const UNOWNED_TOP = new Set(['apiVersion', 'kind', 'status']);
const UNOWNED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

/** Maps Kubernetes marks `+mapType=atomic`: owned whole. */
const ATOMIC_MAPS: Partial<Record<Kind, string[]>> = { Service: ['spec.selector'] };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The canonical key of an item of a keyed list: its key members (defaults filled in), sorted. */
export function itemKey(item: Record<string, Json>, keys: string[], defaults: Record<string, string> = {}): string {
  const k: Record<string, Json> = {};
  for (const name of [...keys].sort()) k[name] = item[name] ?? defaults[name] ?? null;
  return `k:${JSON.stringify(k)}`;
}

/** Every field of `obj`, as the owner of all of it would own them. */
export function fieldSetOf(kind: Kind, obj: unknown): FieldSet {
  const out: FieldSet = new Set();
  const atomic = new Set(ATOMIC_MAPS[kind] ?? []);
  const walk = (value: Json, schema: PatchSchema | undefined, path: string[], dotted: string) => {
    if (isObject(value) && !atomic.has(dotted) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) {
        if (v === null || v === undefined) continue;
        if (path.length === 0 && UNOWNED_TOP.has(k)) continue;
        if (dotted === 'metadata' && UNOWNED_META.has(k)) continue;
        walk(v, schema?.fields?.[k], [...path, `f:${k}`], dotted ? `${dotted}.${k}` : k);
      }
      return;
    }
    const list = schema?.list;
    if (Array.isArray(value) && list) {
      for (const item of value) {
        if (list.mergeKey && isObject(item)) {
          const el = itemKey(item, list.mergeKey, list.keyDefaults);
          out.add(JSON.stringify([...path, el, '.']));
          for (const [k, v] of Object.entries(item)) {
            if (v !== null && v !== undefined) walk(v, list.item?.fields?.[k], [...path, el, `f:${k}`], `${dotted}[].${k}`);
          }
        } else if (!list.mergeKey) {
          out.add(JSON.stringify([...path, `v:${JSON.stringify(item)}`]));
        }
      }
      return;
    }
    out.add(JSON.stringify(path));
  };
  walk(obj as Json, PATCH_SCHEMAS[kind], [], '');
  return out;
}

/** The value at a path, or undefined. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const el of JSON.parse(path) as string[]) {
    if (cur === undefined) return undefined;
    if (el === '.') continue;
    if (el.startsWith('f:')) cur = isObject(cur) ? cur[el.slice(2)] : undefined;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(el.slice(2)) as Record<string, Json>;
      // A member left out matches its key's default (protocol TCP), as itemKey filled it in.
      cur = Array.isArray(cur) ? cur.find((i) => isObject(i) && Object.entries(key).every(([k, v]) => i[k] === undefined || i[k] === v)) : undefined;
    } else if (el.startsWith('v:')) {
      const want = el.slice(2);
      cur = Array.isArray(cur) ? cur.find((i) => JSON.stringify(i) === want) : undefined;
    }
  }
  return cur;
}

/** Removes the field (or keyed item, or set member) at `path` from `obj`, in place. */
export function removeAt(obj: unknown, path: string): void {
  const els = (JSON.parse(path) as string[]).filter((e) => e !== '.');
  const last = els.pop();
  if (last === undefined) return;
  const parent = els.length ? valueAt(obj, JSON.stringify(els)) : obj;
  if (last.startsWith('f:') && isObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const item = valueAt(parent, JSON.stringify([last]));
    const i = parent.indexOf(item as Json);
    if (i >= 0) parent.splice(i, 1);
  }
}

/** `.spec.ports[port=80,protocol="TCP"].targetPort`, as conflicts name a field. */
export function formatPath(path: string): string {
  let out = '';
  for (const el of JSON.parse(path) as string[]) {
    if (el === '.') continue;
    if (el.startsWith('f:')) out += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) out += `[${Object.entries(JSON.parse(el.slice(2)) as Record<string, Json>).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    else if (el.startsWith('v:')) out += `[=${el.slice(2)}]`;
  }
  return out;
}

/** The fieldsV1 trie of a set: `{"f:spec":{"f:ports":{"k:{...}":{".":{},"f:port":{}}}}}`. */
export function toFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const path of [...set].sort()) {
    let node = root;
    for (const el of JSON.parse(path) as string[]) node = (node[el] ??= {}) as Record<string, unknown>;
  }
  return root;
}

/** The set a fieldsV1 trie holds (its leaves). */
export function fromFieldsV1(trie: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: unknown, path: string[]) => {
    const entries = isObject(node) ? Object.entries(node) : [];
    if (entries.length === 0) {
      if (path.length) out.add(JSON.stringify(path));
      return;
    }
    for (const [el, child] of entries) walk(child, [...path, el]);
  };
  walk(trie, []);
  return out;
}
