/**
 * Kubernetes' protobuf encoding of request bodies (`application/vnd.kubernetes.protobuf`), for the
 * kinds kubectl's typed commands send that way (`kubectl create service ...`, `kubectl create
 * namespace`, `kubectl create role|clusterrole|rolebinding|clusterrolebinding`): the envelope is
 * the magic `k8s\0` then a runtime.Unknown {typeMeta {apiVersion, kind}, raw, contentEncoding,
 * contentType}, and raw is the object in k8s.io/api's generated.proto numbering
 * (k8s.io/api/core/v1, rbac/v1, k8s.io/apimachinery/pkg/apis/meta/v1). Decoded into the object's
 * JSON form, which then goes through the same checks as a JSON body. Only the fields minimesh
 * models are read; the others are skipped, as unknown protobuf fields are.
 */
import { BadRequestError, UnsupportedMediaTypeError } from '@minimesh/api';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

/** One protobuf field of a message: wire-format reading, proto2. */
interface Field {
  no: number;
  wire: number;
  /** The varint (wire 0), or the bytes (wire 2). */
  value: bigint | Buffer;
}

function* fields(buf: Buffer): Generator<Field> {
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated varint');
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error('truncated field');
      yield { no, wire, value: buf.subarray(i, i + len) };
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

type Shape = 'string' | 'bytes' | 'int' | 'bool' | 'strings' | 'map' | 'intOrString' | 'time' | { message: Schema; repeated?: boolean };
type Schema = Record<number, [string, Shape]>;

const INT_OR_STRING_TYPE = 1;

const TIME: Schema = { 1: ['seconds', 'int'], 2: ['nanos', 'int'] };
const OWNER_REFERENCE: Schema = { 5: ['apiVersion', 'string'], 1: ['kind', 'string'], 3: ['name', 'string'], 4: ['uid', 'string'], 6: ['controller', 'bool'], 7: ['blockOwnerDeletion', 'bool'] };
const OBJECT_META: Schema = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  5: ['uid', 'string'],
  6: ['resourceVersion', 'string'],
  7: ['generation', 'int'],
  8: ['creationTimestamp', 'time'],
  11: ['labels', 'map'],
  12: ['annotations', 'map'],
  13: ['ownerReferences', { message: OWNER_REFERENCE, repeated: true }],
  14: ['finalizers', 'strings'],
};
const SERVICE_PORT: Schema = { 1: ['name', 'string'], 2: ['protocol', 'string'], 3: ['port', 'int'], 4: ['targetPort', 'intOrString'], 5: ['nodePort', 'int'], 6: ['appProtocol', 'string'] };
const CLIENT_IP_CONFIG: Schema = { 1: ['timeoutSeconds', 'int'] };
const SESSION_AFFINITY_CONFIG: Schema = { 1: ['clientIP', { message: CLIENT_IP_CONFIG }] };
const SERVICE_SPEC: Schema = {
  1: ['ports', { message: SERVICE_PORT, repeated: true }],
  2: ['selector', 'map'],
  3: ['clusterIP', 'string'],
  18: ['clusterIPs', 'strings'],
  4: ['type', 'string'],
  5: ['externalIPs', 'strings'],
  7: ['sessionAffinity', 'string'],
  8: ['loadBalancerIP', 'string'],
  9: ['loadBalancerSourceRanges', 'strings'],
  10: ['externalName', 'string'],
  11: ['externalTrafficPolicy', 'string'],
  12: ['healthCheckNodePort', 'int'],
  13: ['publishNotReadyAddresses', 'bool'],
  14: ['sessionAffinityConfig', { message: SESSION_AFFINITY_CONFIG }],
  17: ['ipFamilyPolicy', 'string'],
  19: ['ipFamilies', 'strings'],
  20: ['allocateLoadBalancerNodePorts', 'bool'],
  21: ['loadBalancerClass', 'string'],
  22: ['internalTrafficPolicy', 'string'],
  23: ['trafficDistribution', 'string'],
};
const NAMESPACE_SPEC: Schema = { 1: ['finalizers', 'strings'] };
const LABEL_SELECTOR_REQUIREMENT: Schema = { 1: ['key', 'string'], 2: ['operator', 'string'], 3: ['values', 'strings'] };
const LABEL_SELECTOR: Schema = { 1: ['matchLabels', 'map'], 2: ['matchExpressions', { message: LABEL_SELECTOR_REQUIREMENT, repeated: true }] };
// k8s.io/api/rbac/v1: what `kubectl create role|clusterrole|rolebinding|clusterrolebinding` send.
const POLICY_RULE: Schema = { 1: ['verbs', 'strings'], 2: ['apiGroups', 'strings'], 3: ['resources', 'strings'], 4: ['resourceNames', 'strings'], 5: ['nonResourceURLs', 'strings'] };
const AGGREGATION_RULE: Schema = { 1: ['clusterRoleSelectors', { message: LABEL_SELECTOR, repeated: true }] };
const SUBJECT: Schema = { 1: ['kind', 'string'], 2: ['apiGroup', 'string'], 3: ['name', 'string'], 4: ['namespace', 'string'] };
const ROLE_REF: Schema = { 1: ['apiGroup', 'string'], 2: ['kind', 'string'], 3: ['name', 'string'] };
const METADATA: [string, Shape] = ['metadata', { message: OBJECT_META }];
const ROLE: Schema = { 1: METADATA, 2: ['rules', { message: POLICY_RULE, repeated: true }] };
const BINDING: Schema = { 1: METADATA, 2: ['subjects', { message: SUBJECT, repeated: true }], 3: ['roleRef', { message: ROLE_REF }] };

/** The kinds whose protobuf form is read: k8s.io/api's message of each. */
const SCHEMAS: Record<string, Schema> = {
  'v1/Service': { 1: METADATA, 2: ['spec', { message: SERVICE_SPEC }] },
  'v1/Namespace': { 1: METADATA, 2: ['spec', { message: NAMESPACE_SPEC }] },
  'rbac.authorization.k8s.io/v1/Role': ROLE,
  'rbac.authorization.k8s.io/v1/ClusterRole': { ...ROLE, 3: ['aggregationRule', { message: AGGREGATION_RULE }] },
  'rbac.authorization.k8s.io/v1/RoleBinding': BINDING,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': BINDING,
};

function signed(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function decodeTime(buf: Buffer): string {
  const t = decodeMessage(buf, TIME) as { seconds?: number };
  return new Date((t.seconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    const entry = schema[f.no];
    if (!entry) continue; // a field minimesh does not model
    const [name, shape] = entry;
    const bytes = () => (f.value instanceof Buffer ? f.value : Buffer.alloc(0));
    switch (shape) {
      case 'string':
        out[name] = bytes().toString('utf8');
        break;
      case 'bytes':
        out[name] = bytes();
        break;
      case 'int':
        out[name] = typeof f.value === 'bigint' ? signed(f.value) : 0;
        break;
      case 'bool':
        out[name] = f.value === 1n;
        break;
      case 'strings':
        ((out[name] ??= []) as string[]).push(bytes().toString('utf8'));
        break;
      case 'map': {
        const e = decodeMessage(bytes(), { 1: ['key', 'string'], 2: ['value', 'string'] });
        ((out[name] ??= {}) as Record<string, string>)[String(e.key ?? '')] = String(e.value ?? '');
        break;
      }
      case 'intOrString': {
        const v = decodeMessage(bytes(), { 1: ['type', 'int'], 2: ['intVal', 'int'], 3: ['strVal', 'string'] });
        out[name] = v.type === INT_OR_STRING_TYPE ? (v.strVal ?? '') : (v.intVal ?? 0);
        break;
      }
      case 'time':
        out[name] = decodeTime(bytes());
        break;
      default:
        if (shape.repeated) ((out[name] ??= []) as unknown[]).push(decodeMessage(bytes(), shape.message));
        else out[name] = decodeMessage(bytes(), shape.message);
    }
  }
  return out;
}

/** The JSON form of a protobuf request body, with its kind and apiVersion from the envelope. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new BadRequestError(`provided data does not appear to be a protobuf message, expected prefix [${[...MAGIC].join(' ')}]`);
  }
  let unknown: Record<string, unknown>;
  try {
    unknown = decodeMessage(body.subarray(MAGIC.length), { 1: ['typeMeta', { message: { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] } }], 2: ['raw', 'bytes'] });
  } catch (e) {
    throw new BadRequestError(`the body of the request is not a Kubernetes protobuf object: ${(e as Error).message}`);
  }
  const tm = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = SCHEMAS[`${tm.apiVersion}/${tm.kind}`];
  if (!schema) {
    throw new UnsupportedMediaTypeError(`${tm.kind ?? 'this kind'} in version "${tm.apiVersion ?? ''}" is not read as protobuf here; send it as application/json`);
  }
  try {
    return { apiVersion: tm.apiVersion, kind: tm.kind, ...decodeMessage((unknown.raw as Buffer | undefined) ?? Buffer.alloc(0), schema) };
  } catch (e) {
    throw new BadRequestError(`the body of the request is not a Kubernetes protobuf object: ${(e as Error).message}`);
  }
}
