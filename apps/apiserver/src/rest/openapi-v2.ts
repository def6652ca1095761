/**
 * OpenAPI v2 (Swagger 2.0) at /openapi/v2, one document for every kind served: the same schemas
 * as v3 (openapi-schemas.ts) under `definitions`, and per kind its object path with the get, put,
 * patch and delete operations, each marked with `x-kubernetes-action` and
 * `x-kubernetes-group-version-kind`. kubectl and client-go ask for it as protobuf (gnostic's
 * openapi.v2.Document, openapi-v2-protobuf.ts); any other Accept gets JSON. kubectl's client-side
 * apply reads a kind's list merge keys from here (`x-kubernetes-patch-merge-key`), and `kubectl
 * explain --output plaintext-openapiv2` its fields.
 */
import { KINDS, type KindInfo } from '@minimesh/api';
import { groupVersionOf } from './discovery.js';
import { kindSchemaName, kindSchemas, V2 } from './openapi-schemas.js';

/** What client-go asks for (Accept). */
const OPENAPI_V2_PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** What kube-apiserver answers with, and older clients ask for: `@` is not allowed in a media type. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

function objectPath(k: KindInfo): string {
  const gv = groupVersionOf(k);
  const base = gv.group ? `/apis/${gv.group}/${gv.version}` : `/api/${gv.version}`;
  return k.namespaced ? `${base}/namespaces/{namespace}/${k.resource}/{name}` : `${base}/${k.resource}/{name}`;
}

function operation(k: KindInfo, id: string, action: string, extra: Record<string, unknown> = {}) {
  const gv = groupVersionOf(k);
  return {
    operationId: `${id}${k.kind}`,
    ...extra,
    responses: { '200': { description: 'OK', schema: V2.ref(kindSchemaName(k)) } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: gv.group, kind: k.kind, version: gv.version },
  };
}

let cached: Record<string, unknown> | undefined;

/** The document (the same for every caller: it only depends on the kinds this build serves). */
export function openApiV2Document(): Record<string, unknown> {
  if (cached) return cached;
  const kinds = Object.values(KINDS);
  const paths: Record<string, unknown> = {};
  for (const k of kinds) {
    paths[objectPath(k)] = {
      get: operation(k, 'read', 'get'),
      put: operation(k, 'replace', 'put', { consumes: ['application/json'] }),
      patch: operation(k, 'patch', 'patch', { consumes: PATCH_TYPES }),
      delete: operation(k, 'delete', 'delete'),
    };
  }
  cached = { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, definitions: kindSchemas(kinds, V2) };
  return cached;
}

/** True when the Accept header asks for the protobuf form. */
export function wantsOpenApiV2Protobuf(accept: string | undefined): boolean {
  return !!accept && (accept.includes(OPENAPI_V2_PROTOBUF_ACCEPT) || accept.includes(OPENAPI_V2_PROTOBUF));
}
