/**
 * OpenAPI v3 as far as kubectl reads it to decide how to send writes: the index at /openapi/v3
 * (one entry per group/version, `serverRelativeURL` with a hash) and per group/version a document
 * whose paths carry, on each kind's PATCH operation, the `x-kubernetes-group-version-kind`
 * extension and the `fieldValidation` query parameter. kubectl then leaves field validation to
 * the server (it sends `fieldValidation=Strict`) instead of downloading schemas to validate on the
 * client. Without a request body content list the PATCH operation announces no strategic merge
 * schema, so kubectl computes strategic merge patches of built-in kinds from its compiled-in
 * types, and merge patches for the others (metallb.io, as for a CRD).
 *
 * `components.schemas` (openapi-schemas.ts) is what `kubectl explain` reads. /openapi/v2: openapi-v2.ts.
 */
import { createHash } from 'node:crypto';
import { KINDS, type KindInfo } from '@minimesh/api';
import { groupVersionOf, kindsAt, type GroupVersion } from './discovery.js';
import { kindSchemas } from './openapi-schemas.js';

const QUERY = (name: string, description: string) => ({ name, in: 'query', description, schema: { type: 'string', uniqueItems: true } });

const PARAMETERS = {
  fieldValidation: QUERY('fieldValidation', 'How the server treats unknown or duplicate fields: Ignore, Warn or Strict.'),
  fieldManager: QUERY('fieldManager', 'A name for the actor making the change.'),
  dryRun: QUERY('dryRun', 'When present, the change is not persisted.'),
};

/** The path of a group/version in the index: `api/v1`, `apis/discovery.k8s.io/v1`. */
function gvPath(gv: GroupVersion): string {
  return gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
}

function allGroupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const k of Object.values(KINDS)) {
    const gv = groupVersionOf(k);
    seen.set(gvPath(gv), gv);
  }
  return [...seen.values()];
}

function objectPath(k: KindInfo): string {
  const base = `/${gvPath(groupVersionOf(k))}`;
  return k.namespaced ? `${base}/namespaces/{namespace}/${k.resource}/{name}` : `${base}/${k.resource}/{name}`;
}

function gvk(k: KindInfo) {
  const gv = groupVersionOf(k);
  return { group: gv.group, version: gv.version, kind: k.kind };
}

export function openApiV3Document(gv: GroupVersion) {
  const paths: Record<string, unknown> = {};
  for (const k of kindsAt(gv)) {
    const ext = { 'x-kubernetes-group-version-kind': gvk(k) };
    paths[objectPath(k)] = {
      get: { operationId: `read${k.kind}`, 'x-kubernetes-action': 'get', ...ext, responses: { '200': { description: 'OK' } } },
      put: { operationId: `replace${k.kind}`, 'x-kubernetes-action': 'put', ...ext, parameters: Object.values(PARAMETERS), responses: { '200': { description: 'OK' } } },
      patch: { operationId: `patch${k.kind}`, 'x-kubernetes-action': 'patch', ...ext, parameters: Object.values(PARAMETERS), responses: { '200': { description: 'OK' } } },
      delete: { operationId: `delete${k.kind}`, 'x-kubernetes-action': 'delete', ...ext, responses: { '200': { description: 'OK' } } },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: kindSchemas(kindsAt(gv)) } };
}

function hashOf(doc: unknown): string {
  return createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase().slice(0, 128);
}

export function openApiV3Index() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of allGroupVersions()) paths[gvPath(gv)] = { serverRelativeURL: `/openapi/v3/${gvPath(gv)}?hash=${hashOf(openApiV3Document(gv))}` };
  return { paths };
}

/** The group/version an /openapi/v3/<...> path names, if it is one served. */
export function openApiGroupVersion(path: string): GroupVersion | undefined {
  const rest = path.replace(/^\/openapi\/v3\//, '');
  return allGroupVersions().find((gv) => gvPath(gv) === rest);
}
