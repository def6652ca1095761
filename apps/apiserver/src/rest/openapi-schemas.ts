/**
 * OpenAPI v3 `components.schemas` for the kinds of a group/version, made from the same protobuf
 * schema the strict decoder reads (libs/wire): every field with its Kubernetes JSON name and type,
 * maps as `additionalProperties`, IntOrString as kube-apiserver writes it (SchemaDialect), nested types as
 * `$ref`s, each kind marked with `x-kubernetes-group-version-kind`, under Kubernetes' schema names
 * (`io.k8s.api.core.v1.Service`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`). What
 * `kubectl explain` reads. Descriptions come from the proto files' comments where they have one.
 */
import { objectSchemas, type FieldSchema, type MessageSchema } from '@minimesh/wire';
import { PATCH_SCHEMAS, type KindInfo, type ListStrategy, type PatchSchema } from '@minimesh/api';
import { groupVersionOf } from './discovery.js';

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const META_TYPES = new Set(['ObjectMeta', 'OwnerReference', 'ManagedFieldsEntry', 'LabelSelector', 'LabelSelectorRequirement', 'Condition']);

/** Kubernetes' package prefix of a kind's schemas: io.k8s.api.<group>.<version>, or the CRD form for metallb.io. */
function prefixOf(k: KindInfo): string {
  const gv = groupVersionOf(k);
  if (!gv.group) return `io.k8s.api.core.${gv.version}`;
  if (gv.group.endsWith('.k8s.io')) return `io.k8s.api.${gv.group.replace(/\.k8s\.io$/, '').replace('.authorization', '')}.${gv.version}`;
  return `${gv.group.split('.').reverse().join('.')}.${gv.version}`;
}

function schemaName(m: MessageSchema, prefix: string): string {
  return META_TYPES.has(m.name) ? `io.k8s.apimachinery.pkg.apis.meta.v1.${m.goName}` : `${prefix}.${m.goName}`;
}

const SCALARS: Record<string, Record<string, string>> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  sint32: { type: 'integer', format: 'int32' },
  sfixed32: { type: 'integer', format: 'int32' },
  uint32: { type: 'integer', format: 'int32' },
  fixed32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  sint64: { type: 'integer', format: 'int64' },
  sfixed64: { type: 'integer', format: 'int64' },
  uint64: { type: 'integer', format: 'int64' },
  fixed64: { type: 'integer', format: 'int64' },
  double: { type: 'number', format: 'double' },
  float: { type: 'number', format: 'double' },
  bytes: { type: 'string', format: 'byte' },
};

/**
 * What differs between the two OpenAPI versions kube-apiserver serves: v3 wraps a `$ref` in
 * `allOf` (so a description can sit beside it), v2 does not; IntOrString is `oneOf` integer or
 * string in v3 (kubectl explain prints `<IntOrString>`), a string in v2 (`<string>`).
 */
export interface SchemaDialect {
  ref(name: string): Record<string, unknown>;
  intOrString: Record<string, unknown>;
}
const INT_OR_STRING_DESCRIPTION = 'IntOrString is a type that can hold an int32 or a string.';
export const V3: SchemaDialect = {
  ref: (name) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] }),
  intOrString: { description: INT_OR_STRING_DESCRIPTION, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
};
export const V2: SchemaDialect = {
  ref: (name) => ({ $ref: `#/definitions/${name}` }),
  intOrString: { description: INT_OR_STRING_DESCRIPTION, format: 'int-or-string', type: 'string' },
};

/**
 * The extensions Kubernetes' schemas carry on a list that merges (its patchStrategy and
 * patchMergeKey tags, and the list type server-side apply reads), from the same table the
 * apiserver's strategic merge patch uses. kubectl's client-side apply computes its patches from them.
 */
function listExtensions(list: ListStrategy): Record<string, unknown> {
  if (!list.mergeKey) return { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' };
  return { 'x-kubernetes-list-map-keys': list.mergeKey, 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': list.mergeKey[0], 'x-kubernetes-patch-strategy': 'merge' };
}

export function kindSchemas(kinds: KindInfo[], dialect: SchemaDialect = V3): Record<string, unknown> {
  const ref = dialect.ref;
  const out: Record<string, unknown> = {};
  const visit = (m: MessageSchema, prefix: string, patch: PatchSchema | undefined, kind?: KindInfo): string => {
    const name = schemaName(m, prefix);
    if (name in out) return name;
    const schema: Record<string, unknown> = { type: 'object', properties: {} };
    out[name] = schema;
    const props = schema.properties as Record<string, unknown>;
    const one = (f: FieldSchema, inner: PatchSchema | undefined): Record<string, unknown> => {
      switch (f.shape.kind) {
        case 'scalar':
          return { ...SCALARS[f.shape.type] };
        case 'enum':
          return { type: 'string', enum: f.shape.values };
        case 'intOrString':
          out[INT_OR_STRING] ??= dialect.intOrString;
          return ref(INT_OR_STRING);
        case 'message':
          return ref(visit(f.shape.message, prefix, inner));
      }
    };
    for (const f of m.fields.values()) {
      const fieldPatch = patch?.fields?.[f.jsonName];
      if (f.map) props[f.jsonName] = { type: 'object', additionalProperties: one(f, undefined) };
      else if (f.repeated) props[f.jsonName] = { type: 'array', items: one(f, fieldPatch?.list?.item), ...(fieldPatch?.list ? listExtensions(fieldPatch.list) : {}) };
      else props[f.jsonName] = one(f, fieldPatch);
      if (f.description) (props[f.jsonName] as Record<string, unknown>).description = f.description;
    }
    if (m.description) schema.description = m.description;
    if (kind) {
      const gv = groupVersionOf(kind);
      props.apiVersion = { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' };
      props.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
      schema['x-kubernetes-group-version-kind'] = [{ group: gv.group, kind: kind.kind, version: gv.version }];
    }
    return name;
  };
  for (const k of kinds) visit(objectSchemas().forKind(k.kind), prefixOf(k), PATCH_SCHEMAS[k.kind], k);
  return out;
}

/** The schema name of a kind, as the operations' `$ref`s name it. */
export function kindSchemaName(k: KindInfo): string {
  return `${prefixOf(k)}.${objectSchemas().forKind(k.kind).goName}`;
}
