import type { Kind } from '@minimesh/api';
import { isNamespaced } from '../resources.js';

/** What kubectl writes to stderr when a listing is empty. */
export function noResourcesMessage(kinds: readonly Kind[], allNamespaces: boolean, namespace: string): string {
  if (!allNamespaces && kinds.some(isNamespaced)) return `No resources found in ${namespace} namespace.\n`;
  return 'No resources found\n';
}
