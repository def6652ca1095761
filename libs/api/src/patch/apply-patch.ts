/**
 * One entry for the apiserver's PATCH verb: the patch type (by its Kubernetes content type or
 * short name) picks the algorithm; the kind picks the strategic-merge schema.
 */
import { BadRequestError, UnsupportedMediaTypeError } from '../errors/api-errors.js';
import { KINDS, type Kind } from '../types/object.js';
import { decodePatch, type JsonValue } from './json.js';
import { applyMergePatch } from './json-merge-patch.js';
import { applyJsonPatch } from './json-patch.js';
import { PATCH_SCHEMAS } from './patch-schema.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

export type PatchType = 'json' | 'merge' | 'strategic';

/** Content types as the apiserver accepts them (kubectl `--type` names in parentheses). */
export const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  json: 'json',
  merge: 'merge',
  strategic: 'strategic',
};

export function parsePatchType(name: string): PatchType {
  const t = PATCH_TYPES[name];
  if (!t) {
    throw new BadRequestError(
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
    );
  }
  return t;
}

/** The object (as JSON) after the patch. */
export function applyPatch(kind: Kind, object: unknown, type: PatchType, body: string | Uint8Array): JsonValue {
  const patch = decodePatch(body);
  switch (type) {
    case 'json':
      return applyJsonPatch(object, patch);
    case 'merge':
      return applyMergePatch(object, patch);
    case 'strategic':
      if (KINDS[kind].custom) {
        throw new UnsupportedMediaTypeError(
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        );
      }
      return applyStrategicMergePatch(object, patch, PATCH_SCHEMAS[kind]);
  }
}
