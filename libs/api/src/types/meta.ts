/** metav1.ObjectMeta, as Kubernetes writes it in JSON. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  /** Opaque: compare for equality only. The cluster-wide revision of the write that made this version. */
  resourceVersion?: string;
  /** RFC 3339, UTC, seconds precision (as Kubernetes prints it). */
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  /** Keys that must be removed before a deleted object goes away. */
  finalizers?: string[];
  /** Seconds the object has to go gracefully once deletionTimestamp is set. */
  deletionGracePeriodSeconds?: number;
  /** Bumped by the server on every spec change. */
  generation?: number;
  /** Who owns which fields (server-side apply); kept by the server, served over REST. */
  managedFields?: ManagedFieldsEntry[];
}

/** metav1.ManagedFieldsEntry: the fields one manager owns, as a fieldsV1 trie. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** metav1.Condition. */
export interface Condition {
  type: string;
  /** True, False or Unknown. */
  status: string;
  observedGeneration?: number;
  /** RFC 3339. */
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  /** A part of the object (`spec.containers{web}`); absent: the whole object. */
  fieldPath?: string;
}

/** intstr.IntOrString: a port number or an IANA port name. */
export type IntOrString = number | string;
