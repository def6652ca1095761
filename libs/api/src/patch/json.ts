/** JSON values as patches see them, and decoding a patch body with Kubernetes' error. */
import { BadRequestError } from '../errors/api-errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Sets a member as JSON.parse would, whatever its name: `obj['__proto__'] = v` would replace the
 * object's prototype (or do nothing) instead of adding the key, and the key would be lost before
 * validation could refuse it.
 */
export function setMember(obj: Record<string, JsonValue>, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isPlainObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * How deeply a patch may nest objects and arrays. Kubernetes' JSON decoding stops at 10000
 * (k8s.io/apimachinery/pkg/util/json, "exceeded max depth of 10000"); the patch algorithms here
 * recurse once per level and V8's stack ends near 2000 levels in the deepest of them
 * (structuredClone), so minimesh stops at 1000: no Kubernetes object comes near it.
 */
export const MAX_PATCH_DEPTH = 1000;

/** The deepest nesting of `[` and `{` in JSON text, counted without recursing (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** Parses a patch body (JSON text or bytes); malformed JSON is a 400, as the apiserver answers it. */
export function decodePatch(body: string | Uint8Array): JsonValue {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  if (jsonDepth(text) > MAX_PATCH_DEPTH) throw new BadRequestError(`error decoding patch: exceeded max depth of ${MAX_PATCH_DEPTH}`);
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new BadRequestError(`error decoding patch: ${(e as Error).message}`);
  }
}

/** Deep equality of JSON values (object member order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
