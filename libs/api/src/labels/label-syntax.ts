/**
 * Label key and value syntax for the selector parser: the same checks (and words) as metadata
 * validation, apimachinery's IsQualifiedName and IsValidLabelValue, so they live there.
 */
import { isQualifiedName, isValidLabelValue } from '../validation/label-validation.js';

/** Problems with a label key (`[prefix/]name`), as Kubernetes' IsQualifiedName reports them. */
export function labelKeyErrors(key: string): string[] {
  return isQualifiedName(key);
}

/** Problems with a label value, as Kubernetes' IsValidLabelValue reports them. */
export function labelValueErrors(value: string): string[] {
  return isValidLabelValue(value);
}
