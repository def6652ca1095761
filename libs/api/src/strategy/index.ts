export { prepareForCreate } from './prepare-for-create.js';
export { prepareForUpdate } from './prepare-for-update.js';
export { prepareForStatusUpdate } from './prepare-for-status-update.js';
export { normalizeClusterIPs } from './normalize-cluster-ips.js';
export { patchAllocatedValues } from './patch-allocated-values.js';
export { dropTypeDependentFields } from './drop-type-dependent-fields.js';
export {
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  checkDeletePreconditions,
  deletesOnUpdate,
  gracePeriodFor,
  planDeletion,
  unsupportedPropagationPolicy,
  validateDeleteOptions,
  type DeleteOptions,
  type DeletionPlan,
} from './graceful-deletion.js';
