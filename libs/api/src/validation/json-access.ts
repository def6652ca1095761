/**
 * Tolerant readers for objects that arrived as JSON and may not match their declared types
 * (missing `spec`, `null` entries, a string where a number belongs). Validation, defaulting and
 * the strategy read through these so that malformed input yields field errors, never a throw.
 *
 * The readers follow Go's decoding of the same JSON: `null` and absent are the zero value
 * (`''`, `0`, empty list, empty struct).
 */

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string field: '' unless it is a string. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** An integer field: 0 unless it is a number. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** A list field: [] unless it is an array. */
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A struct field or list entry: {} unless it is an object (so `null` entries read as zero structs). */
export function rec(v: unknown): JsonRecord {
  return isRecord(v) ? v : {};
}

/** A list of strings: non-strings read as ''. */
export function strings(v: unknown): string[] {
  return list(v).map(str);
}

/** A map[string]string: entries in insertion order, non-string values read as ''. */
export function stringMap(v: unknown): [string, string][] {
  return isRecord(v) ? Object.entries(v).map(([k, x]) => [k, str(x)]) : [];
}

/** Whether a pointer-like field is set (Go: non-nil). */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** Go's len() of a string: its length in UTF-8 bytes. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
