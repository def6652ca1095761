export { fieldSetOf, formatPath, fromFieldsV1, toFieldsV1, type FieldSet } from './field-set.js';
export { applyConfiguration, recordUpdate, validateManagedFields, type OwnershipOptions } from './server-side-apply.js';
