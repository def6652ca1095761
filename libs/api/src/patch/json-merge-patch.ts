/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`): objects merge member by member,
 * `null` removes a member, anything else (arrays included) replaces what was there.
 */
import { isPlainObject, setMember, type JsonValue } from './json.js';

export function applyMergePatch(target: unknown, patch: unknown): JsonValue {
  if (!isPlainObject(patch)) return structuredClone(patch) as JsonValue;
  const out: Record<string, JsonValue> = isPlainObject(target) ? { ...(target as Record<string, JsonValue>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    const has = Object.prototype.hasOwnProperty.call(out, key);
    if (value === null) delete out[key];
    else setMember(out, key, applyMergePatch(has ? out[key] : undefined, value));
  }
  return out;
}
