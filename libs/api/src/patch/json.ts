/** JSON values as patches see them, and decoding a patch body with Kubernetes' error. */
import { BadRequestError } from '../errors/api-errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function isPlainObject(v: unknown): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a patch body (JSON text or bytes); malformed JSON is a 400, as the apiserver answers it. */
export function decodePatch(body: string | Uint8Array): JsonValue {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
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
