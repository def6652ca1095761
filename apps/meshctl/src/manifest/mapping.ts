/**
 * From a manifest document to what to send: its kind (only the kinds minimesh serves, in their
 * apiVersion), its namespace, and the strictly decoded object. Failures are worded as kubectl's
 * resource builder words them, and concern that document only.
 */
import { ALL_KINDS, BadRequestError, KINDS, type Kind, type KubeObject } from '@minimesh/api';
import { decodeStrict } from '@minimesh/wire';
import { CliError, StatusError } from '../cli/errors.js';

import type { ManifestDocument } from './load.js';

export interface MappedObject {
  kind: Kind;
  source: string;
  /** '' for cluster-scoped kinds. */
  namespace: string;
  name: string;
  /** The decoded object, with metadata.namespace set for namespaced kinds; absent when decoding failed. */
  object?: KubeObject;
  /** Why the document cannot be decoded (BadRequest, as the apiserver reports it on the write). */
  decodeError?: StatusError;
}

export interface NamespaceChoice {
  /** `-n` or the default (`default`). */
  namespace: string;
  /** True when `-n` was given: a document in another namespace is then an error. */
  enforce: boolean;
}

function kindFor(apiVersion: string, kind: string): Kind | undefined {
  return ALL_KINDS.find((k) => k === kind && KINDS[k].apiVersion === apiVersion);
}

function compactJSON(v: unknown): string {
  return JSON.stringify(v);
}

/**
 * Maps and decodes one document. Throws CliError for mapping failures (unknown kind, namespace
 * mismatch); a decoding failure is kept on the result, to be reported when the object is written
 * (in kubectl it comes from the server's strict field validation).
 */
export function mapDocument(doc: ManifestDocument, ns: NamespaceChoice): MappedObject {
  const value = doc.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`unable to decode "${doc.source}": json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type map[string]interface {}`);
  }
  const v = value as Record<string, unknown>;
  if (typeof v.kind !== 'string' || v.kind === '') {
    throw new CliError(`unable to decode "${doc.source}": Object 'Kind' is missing in '${compactJSON(v)}'`);
  }
  if (typeof v.apiVersion !== 'string' || v.apiVersion === '') {
    throw new CliError(`unable to decode "${doc.source}": Object 'apiVersion' is missing in '${compactJSON(v)}'`);
  }
  const meta = (typeof v.metadata === 'object' && v.metadata !== null ? v.metadata : {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : '';
  const docNamespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  const kind = kindFor(v.apiVersion, v.kind);
  if (!kind) {
    throw new CliError(
      `resource mapping not found for name: "${name}" namespace: "${docNamespace}" from "${doc.source}": ` +
        `no matches for kind "${v.kind}" in version "${v.apiVersion}"\nensure CRDs are installed first`,
    );
  }
  let namespace = '';
  if (KINDS[kind].namespaced) {
    if (docNamespace && ns.enforce && docNamespace !== ns.namespace) {
      throw new CliError(
        `the namespace from the provided object "${docNamespace}" does not match the namespace "${ns.namespace}". ` +
          `You must pass '--namespace=${docNamespace}' to perform this operation.`,
      );
    }
    namespace = docNamespace || ns.namespace;
  }
  try {
    const object = decodeStrict(kind, v);
    if (namespace) object.metadata = { ...object.metadata, namespace };
    return { kind, source: doc.source, namespace, name, object };
  } catch (e) {
    if (e instanceof BadRequestError) return { kind, source: doc.source, namespace, name, decodeError: new StatusError(e.status) };
    throw e;
  }
}
