/**
 * Server-side apply and field ownership (KEP-555, sigs.k8s.io/structured-merge-diff), on the
 * field sets of field-set.ts:
 *
 * - applyConfiguration: a manager's applied configuration merged into the live object (keyed
 *   lists by key, other lists and atomic maps whole); the fields it applied last time and no
 *   longer applies are removed unless another manager owns them; a field another manager owns
 *   with a different value is a conflict (409 `Apply failed with 1 conflict: conflict with
 *   "kubectl-client-side-apply" using v1: .spec.selector`) unless `force`, which takes it over.
 * - recordUpdate: what any other write (create, update, patch) does to ownership: the fields it
 *   set or changed become its manager's (operation Update), and no longer anyone else's.
 */
import { ApiError } from '../errors/api-errors.js';
import { field, type FieldError } from '../errors/field-error.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.js';
import { jsonEqual } from '../patch/json.js';
import { PATCH_SCHEMAS } from '../patch/patch-schema.js';
import type { ManagedFieldsEntry } from '../types/meta.js';
import { KINDS, type Kind, type KubeObject } from '../types/object.js';
import { fieldSetOf, formatPath, fromFieldsV1, removeAt, toFieldsV1, valueAt, type FieldSet } from './field-set.js';

export interface OwnershipOptions {
  manager: string;
  /** RFC 3339 time of the write. */
  now: string;
}

const entrySet = (e: ManagedFieldsEntry): FieldSet => fromFieldsV1(e.fieldsV1);

function entry(kind: Kind, manager: string, operation: 'Apply' | 'Update', set: FieldSet, now: string): ManagedFieldsEntry {
  return { manager, operation, apiVersion: KINDS[kind].apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(set) };
}

/**
 * Replaces (in place of the old one) or appends `mine`; drops entries left owning nothing. An
 * entry whose fields did not change keeps its time, as kube-apiserver's managed-fields updater
 * keeps it: a write that changes nothing (the same apply again) then leaves the object as it was.
 */
function withEntry(entries: ManagedFieldsEntry[], mine: ManagedFieldsEntry): ManagedFieldsEntry[] {
  const same = (e: ManagedFieldsEntry) => e.manager === mine.manager && e.operation === mine.operation && !e.subresource;
  const kept = (e: ManagedFieldsEntry) => (e.apiVersion === mine.apiVersion && jsonEqual(e.fieldsV1, mine.fieldsV1) ? e : mine);
  const out = entries.some(same) ? entries.map((e) => (same(e) ? kept(e) : e)) : [...entries, mine];
  return out.filter((e) => Object.keys(e.fieldsV1 ?? {}).length > 0);
}

function without(e: ManagedFieldsEntry, remove: FieldSet): ManagedFieldsEntry {
  const set = entrySet(e);
  let changed = false;
  for (const p of remove) changed = set.delete(p) || changed;
  return changed ? { ...e, fieldsV1: toFieldsV1(set) } : e;
}

interface Conflict {
  manager: string;
  using: string;
  path: string;
}

function conflictError(kind: Kind, name: string, conflicts: Conflict[]): ApiError {
  const who = (c: Conflict) => `"${c.manager}"${c.using}`;
  let detail: string;
  if (conflicts.length === 1) detail = `conflict with ${who(conflicts[0]!)}: ${formatPath(conflicts[0]!.path)}`;
  else {
    const byManager = new Map<string, Conflict[]>();
    for (const c of conflicts) byManager.set(who(c), [...(byManager.get(who(c)) ?? []), c]);
    detail = [...byManager].map(([m, cs]) => [`conflicts with ${m}:`, ...cs.map((c) => `- ${formatPath(c.path)}`)].join('\n')).join('\n');
  }
  const resource = KINDS[kind].group ? `${KINDS[kind].resource}.${KINDS[kind].group}` : KINDS[kind].resource;
  return new ApiError({
    code: 409,
    reason: 'Conflict',
    message: `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${detail}`,
    details: { name, kind: resource, causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${who(c)}`, field: formatPath(c.path) })) },
  });
}

/**
 * The object after `manager` applies `config` to `current` (undefined: it does not exist yet),
 * with its managedFields. Throws the 409 Conflict when another manager owns a field the
 * configuration sets to another value, unless `force`.
 */
export function applyConfiguration(kind: Kind, current: KubeObject | undefined, config: KubeObject, o: OwnershipOptions & { force: boolean }): KubeObject {
  const applied = fieldSetOf(kind, config);
  const mine = entry(kind, o.manager, 'Apply', applied, o.now);
  if (!current) return { ...config, metadata: { ...config.metadata, managedFields: [mine] } } as KubeObject;

  let entries = current.metadata.managedFields ?? [];
  const isMine = (e: ManagedFieldsEntry) => e.manager === o.manager && e.operation === 'Apply' && !e.subresource;
  const conflicts: Conflict[] = [];
  for (const e of entries) {
    if (isMine(e)) continue;
    const theirs = entrySet(e);
    for (const p of applied) {
      if (!theirs.has(p) || p.endsWith('"."]')) continue;
      if (!jsonEqual(valueAt(current, p), valueAt(config, p))) conflicts.push({ manager: e.manager, using: e.operation === 'Update' ? ` using ${e.apiVersion}` : '', path: p });
    }
  }
  conflicts.sort((a, b) => (formatPath(a.path) < formatPath(b.path) ? -1 : 1));
  if (conflicts.length > 0 && !o.force) throw conflictError(kind, current.metadata.name ?? '', conflicts);
  if (conflicts.length > 0) {
    const taken = new Set(conflicts.map((c) => c.path));
    entries = entries.map((e) => (isMine(e) ? e : without(e, taken)));
  }

  // Merge, then drop what this manager applied before and applies no more (if nobody else owns it).
  const { managedFields: _drop, ...configMeta } = config.metadata;
  const merged = applyStrategicMergePatch(current, { ...config, metadata: configMeta }, PATCH_SCHEMAS[kind]) as unknown as KubeObject;
  const before = entries.find(isMine);
  if (before) {
    const others = new Set<string>();
    for (const e of entries) if (!isMine(e)) for (const p of entrySet(e)) others.add(p);
    const gone = [...entrySet(before)].filter((p) => !applied.has(p) && !others.has(p));
    // Deepest first, so an item's members go before the item.
    for (const p of gone.sort((a, b) => b.length - a.length)) removeAt(merged, p);
  }
  return { ...merged, metadata: { ...merged.metadata, managedFields: withEntry(entries, mine) } } as KubeObject;
}

/**
 * managedFields after a write that is not an apply, by `manager`: the fields it set or changed
 * (from `old`, undefined for a create, to `next`) become its Update entry's and leave the others'.
 * Unchanged when the write changed nothing.
 */
export function recordUpdate(kind: Kind, old: KubeObject | undefined, next: KubeObject, o: OwnershipOptions): ManagedFieldsEntry[] | undefined {
  const entries = old?.metadata.managedFields ?? [];
  const now = fieldSetOf(kind, next);
  const before = old ? fieldSetOf(kind, old) : new Set<string>();
  const changed = new Set([...now].filter((p) => !old || !before.has(p) || !jsonEqual(valueAt(old, p), valueAt(next, p))));
  const removed = new Set([...before].filter((p) => !now.has(p)));
  if (changed.size === 0 && removed.size === 0) return old?.metadata.managedFields;
  const gone = new Set([...changed, ...removed]);
  const isMine = (e: ManagedFieldsEntry) => e.manager === o.manager && e.operation === 'Update' && !e.subresource;
  const mineBefore = entries.find(isMine);
  const set = mineBefore ? entrySet(mineBefore) : new Set<string>();
  for (const p of changed) set.add(p);
  for (const p of removed) set.delete(p);
  const others = entries.map((e) => (isMine(e) ? e : without(e, gone)));
  return withEntry(others, entry(kind, o.manager, 'Update', set, o.now));
}

/** Checks managedFields a client wrote itself (a patch may replace them): the shape of each entry. */
export function validateManagedFields(v: unknown): FieldError[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return [field.invalid('metadata.managedFields', JSON.stringify(v), 'must be a list of managed fields entries')];
  const errors: FieldError[] = [];
  v.forEach((e: unknown, i) => {
    const at = `metadata.managedFields[${i}]`;
    const r = (typeof e === 'object' && e !== null ? e : {}) as Partial<ManagedFieldsEntry>;
    if (typeof r.manager !== 'string') errors.push(field.required(`${at}.manager`));
    if (r.operation !== 'Apply' && r.operation !== 'Update') errors.push(field.notSupported(`${at}.operation`, String(r.operation), ['Apply', 'Update']));
    if (r.fieldsType !== 'FieldsV1') errors.push(field.notSupported(`${at}.fieldsType`, String(r.fieldsType), ['FieldsV1']));
    if (typeof r.fieldsV1 !== 'object' || r.fieldsV1 === null || Array.isArray(r.fieldsV1)) errors.push(field.required(`${at}.fieldsV1`));
  });
  return errors;
}
