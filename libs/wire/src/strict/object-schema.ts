/**
 * The object schema, read at runtime from the protobuf contract (proto/minimesh/v1/*.proto). Field
 * JSON names are the Kubernetes names (json_name where Kubernetes is not plain lowerCamelCase), so
 * a manifest maps onto these messages field for field.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kind } from '@minimesh/api';
import protobuf from 'protobufjs';

export type ScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64' | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64' | 'double' | 'float' | 'bytes';

export type FieldShape =
  | { kind: 'scalar'; type: ScalarType }
  | { kind: 'message'; message: MessageSchema }
  | { kind: 'intOrString' }
  | { kind: 'enum'; values: string[] };

export interface FieldSchema {
  /** The Kubernetes (JSON) name. */
  jsonName: string;
  repeated: boolean;
  /** map<string, V>: `shape` describes V. */
  map: boolean;
  shape: FieldShape;
  /** The proto file's comment on the field, if any. */
  description?: string;
}

export interface MessageSchema {
  /** The message name (`ServicePort`). */
  name: string;
  /** The Go struct name (`ServicePort`; `EndpointPort` for EndpointSlicePort). */
  goName: string;
  /** The Go type as encoding/json names it in errors (`v1.ServicePort`). */
  goType: string;
  /** The proto file's comment on the message, if any. */
  description?: string;
  fields: Map<string, FieldSchema>;
}

const MESSAGE_OF_KIND: Record<Kind, string> = {
  Namespace: 'Namespace',
  Node: 'Node',
  Pod: 'Pod',
  Service: 'Service',
  Endpoints: 'Endpoints',
  EndpointSlice: 'EndpointSlice',
  Lease: 'Lease',
  IPAddressPool: 'IPAddressPool',
  L2Advertisement: 'L2Advertisement',
  Role: 'Role',
  ClusterRole: 'ClusterRole',
  RoleBinding: 'RoleBinding',
  ClusterRoleBinding: 'ClusterRoleBinding',
  Event: 'Event',
};

/** Proto messages whose Go struct has another name. */
const GO_NAMES: Record<string, string> = { EndpointSlicePort: 'EndpointPort' };

/** The proto root: $MINIMESH_PROTO_DIR, else the repository's proto/ directory. */
export function defaultProtoDir(): string {
  if (process.env.MINIMESH_PROTO_DIR) return process.env.MINIMESH_PROTO_DIR;
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '../../../../proto');
}

function lowerCamel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export class ObjectSchemas {
  private readonly byKind = new Map<Kind, MessageSchema>();

  constructor(protoDir: string = defaultProtoDir()) {
    const entry = path.join(protoDir, 'minimesh/v1/api.proto');
    if (!existsSync(entry)) throw new Error(`protobuf schemas not found: ${entry} (set MINIMESH_PROTO_DIR)`);
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(protoDir, target));
    root.loadSync(entry, { keepCase: true, alternateCommentMode: true });
    root.resolveAll();
    const cache = new Map<string, MessageSchema>();
    for (const [kind, message] of Object.entries(MESSAGE_OF_KIND) as [Kind, string][]) {
      this.byKind.set(kind, this.convert(root.lookupType(`minimesh.v1.${message}`), cache));
    }
  }

  forKind(kind: Kind): MessageSchema {
    return this.byKind.get(kind)!;
  }

  private convert(type: protobuf.Type, cache: Map<string, MessageSchema>): MessageSchema {
    const cached = cache.get(type.fullName);
    if (cached) return cached;
    const goName = GO_NAMES[type.name] ?? type.name;
    const schema: MessageSchema = { name: type.name, goName, goType: `v1.${goName}`, fields: new Map(), ...(type.comment ? { description: type.comment } : {}) };
    cache.set(type.fullName, schema);
    for (const f of type.fieldsArray) {
      const jsonName = (f.options?.json_name as string | undefined) ?? lowerCamel(f.name);
      let shape: FieldShape;
      const resolved = f.resolvedType;
      if (resolved instanceof protobuf.Type) {
        shape = resolved.name === 'IntOrString' ? { kind: 'intOrString' } : { kind: 'message', message: this.convert(resolved, cache) };
      } else if (resolved instanceof protobuf.Enum) {
        shape = { kind: 'enum', values: Object.keys(resolved.values) };
      } else {
        shape = { kind: 'scalar', type: f.type as ScalarType };
      }
      schema.fields.set(jsonName, { jsonName, repeated: f.repeated, map: f.map, shape, ...(f.comment ? { description: f.comment } : {}) });
    }
    return schema;
  }
}

let shared: ObjectSchemas | undefined;

/** The schemas, loaded once per process. */
export function objectSchemas(): ObjectSchemas {
  shared ??= new ObjectSchemas();
  return shared;
}
