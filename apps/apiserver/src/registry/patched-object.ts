/**
 * PATCH's result: the patch applied to the stored object, read as an update's body is (`decode`,
 * else the strict decoder with unknown fields dropped), with kind, name and namespace unchanged.
 * managedFields the patch left alone are cleared (the write recomputes them); ones it changed are
 * kept once well-formed. A result that is not an object is a 400; a changed identity a 422.
 */
import { applyPatch, jsonEqual, pushAll, validateManagedFields, BadRequestError, InvalidError, field, type FieldError, type Kind, type KubeObject, type PatchType } from '@minimesh/api';
import { decodeKnownFields } from '@minimesh/wire';

export function patchedObject(kind: Kind, name: string, old: KubeObject, type: PatchType, body: string | Uint8Array, decode?: (doc: Record<string, unknown>) => KubeObject): KubeObject {
  const result = applyPatch(kind, old, type, body) as unknown as KubeObject;
  const errors: FieldError[] = [];
  if (!result || typeof result !== 'object' || Array.isArray(result) || typeof result.metadata !== 'object' || result.metadata === null || Array.isArray(result.metadata)) {
    throw new BadRequestError('the patch does not leave an object');
  }
  // Decoded as an update's body is; managedFields, which decoding leaves out, are judged below.
  const doc = result as unknown as Record<string, unknown>;
  const patched = decode ? decode(doc) : decodeKnownFields(kind, doc).object;
  if (result.metadata.managedFields !== undefined) patched.metadata = { ...patched.metadata, managedFields: result.metadata.managedFields };
  else delete patched.metadata.managedFields;
  if (patched.kind !== kind) errors.push(field.invalid('kind', patched.kind, 'field is immutable'));
  if (patched.metadata.name !== name) errors.push(field.invalid('metadata.name', patched.metadata.name ?? '', 'field is immutable'));
  if ((patched.metadata.namespace ?? '') !== (old.metadata.namespace ?? '')) errors.push(field.invalid('metadata.namespace', patched.metadata.namespace ?? '', 'field is immutable'));
  // managedFields the patch left alone are recomputed for this write; ones it changed (kubectl
  // migrating client-side managers to server-side apply) are taken as given, once well-formed.
  if (jsonEqual(patched.metadata.managedFields, old.metadata.managedFields)) delete patched.metadata.managedFields;
  else pushAll(errors, validateManagedFields(patched.metadata.managedFields));
  if (errors.length) throw new InvalidError(kind, name, errors);
  return patched;
}
