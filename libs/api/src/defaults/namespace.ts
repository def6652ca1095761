/** SetDefaults_Namespace and SetDefaults_NamespaceStatus. */
import { isRecord, isSet, type JsonRecord } from '../validation/json-access.js';

/** The label every namespace carries with its own name. */
export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';

export function defaultNamespaceInPlace(ns: JsonRecord): void {
  const meta = ns.metadata;
  if (isRecord(meta) && typeof meta.name === 'string' && meta.name.length > 0) {
    if (!isSet(meta.labels)) meta.labels = {};
    if (isRecord(meta.labels)) meta.labels[LABEL_METADATA_NAME] = meta.name;
  }
  if (!isSet(ns.status)) ns.status = {};
  if (isRecord(ns.status) && (!isSet(ns.status.phase) || ns.status.phase === '')) ns.status.phase = 'Active';
}
