/** Go decodes a `null` entry of a list of structs as the zero struct; the defaulters do the same first. */
import { isRecord, type JsonRecord } from '../validation/json-access.js';

/** Replaces `null` entries of an object list by `{}` (in place) and returns the list's objects. */
export function zeroNullEntries(v: unknown): JsonRecord[] {
  if (!Array.isArray(v)) return [];
  for (let i = 0; i < v.length; i++) if (v[i] === null || v[i] === undefined) v[i] = {};
  return v.filter(isRecord);
}
