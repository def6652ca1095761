export { applyMergePatch } from './json-merge-patch.js';
export { applyJsonPatch, PatchTestFailedError, type JsonPatchOperation } from './json-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
export { createMergePatch, createStrategicMergePatch } from './create-patch.js';
export { PATCH_SCHEMAS, type PatchSchema, type ListStrategy } from './patch-schema.js';
export { decodePatch, jsonEqual, isPlainObject, type JsonValue } from './json.js';
export { applyPatch, parsePatchType, PATCH_TYPES, type PatchType } from './apply-patch.js';
