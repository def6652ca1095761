/**
 * Strict decoding of a manifest document against the object schema, failing the way the apiserver's
 * strict JSON decoding fails: the first wrong type aborts (`json: cannot unmarshal string into Go
 * struct field ServicePort.spec.ports.port of type int32`), every unknown field is reported
 * (`strict decoding error: unknown field "spec.foo"`). nulls are dropped, as Go's decoder ignores them;
 * a null in a list is the element's zero value. Times (metav1.Time, MicroTime) must parse as Go
 * parses them. Map keys are kept whatever they are (`__proto__` too), for validation to judge.
 */
import type { Kind, KubeObject } from '@minimesh/api';
import { BadRequestError, KINDS } from '@minimesh/api';
import { parseGoTime, TimeParseError, type TimeType } from './go-time.js';
import type { FieldSchema, MessageSchema, ScalarType } from './object-schema.js';
import { objectSchemas } from './object-schema.js';

class TypeMismatch extends Error {}

/**
 * The fields that are metav1.Time or metav1.MicroTime in Kubernetes (strings in the proto
 * contract), by `<proto message>.<json name>`: their values must parse as Go parses them, and are
 * kept in the form the apiserver writes them (UTC).
 */
const TIME_FIELDS: Record<string, TimeType> = {
  'ObjectMeta.creationTimestamp': 'Time',
  'ObjectMeta.deletionTimestamp': 'Time',
  'Condition.lastTransitionTime': 'Time',
  'NodeCondition.lastHeartbeatTime': 'Time',
  'NodeCondition.lastTransitionTime': 'Time',
  'PodCondition.lastProbeTime': 'Time',
  'PodCondition.lastTransitionTime': 'Time',
  'PodStatus.startTime': 'Time',
  'Taint.timeAdded': 'Time',
  'Event.firstTimestamp': 'Time',
  'Event.lastTimestamp': 'Time',
  'Event.eventTime': 'MicroTime',
  'EventSeries.lastObservedTime': 'MicroTime',
  'LeaseSpec.acquireTime': 'MicroTime',
  'LeaseSpec.renewTime': 'MicroTime',
};

/**
 * Sets a member as JSON does, whatever its name: `out['__proto__'] = v` would change the object's
 * prototype (or do nothing) instead of adding a key, and the key would be lost.
 */
function setMember(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

const INT_RANGES: Partial<Record<ScalarType, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
  // Narrower than Go's int64 and uint64: a number beyond ±(2^53-1) is not held exactly here (nor
  // by the protobuf wire code, see safe-int64.ts), so it is refused as Go refuses one beyond its
  // type's range, instead of being stored as another number.
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sfixed64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
};

const GO_SCALAR: Record<ScalarType, string> = {
  string: 'string',
  bool: 'bool',
  int32: 'int32',
  sint32: 'int32',
  sfixed32: 'int32',
  int64: 'int64',
  sint64: 'int64',
  sfixed64: 'int64',
  uint32: 'uint32',
  fixed32: 'uint32',
  uint64: 'uint64',
  fixed64: 'uint64',
  double: 'float64',
  float: 'float32',
  bytes: '[]uint8',
};

/** encoding/json's name for a JSON value's type. */
function jsonTypeOf(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Go type of one element of the field (no `[]`). */
function elementGoType(f: FieldSchema): string {
  switch (f.shape.kind) {
    case 'scalar':
      return GO_SCALAR[f.shape.type];
    case 'message':
      return f.shape.message.goType;
    case 'intOrString':
      return 'intstr.IntOrString';
    case 'enum':
      return 'string';
  }
}

function fieldGoType(f: FieldSchema): string {
  if (f.map) return `map[string]${elementGoType(f)}`;
  return f.repeated ? `[]${elementGoType(f)}` : elementGoType(f);
}

interface Walk {
  unknown: string[];
}

class Decoder {
  constructor(private readonly walk: Walk) {}

  /** `where` is the Go struct field for messages: `ServicePort.spec.ports.port`. */
  private mismatch(value: unknown, where: string, goType: string, literal = false): never {
    const what = literal && typeof value === 'number' ? `number ${String(value)}` : jsonTypeOf(value);
    throw new TypeMismatch(`json: cannot unmarshal ${what} into Go struct field ${where} of type ${goType}`);
  }

  message(value: Record<string, unknown>, schema: MessageSchema, path: string, goPath: string, skip: readonly string[] = []): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // The apiserver decodes JSON that went through a Go map: keys in sorted order.
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (skip.includes(key)) continue;
      const fieldPath = path ? `${path}.${key}` : key;
      const field = schema.fields.get(key);
      if (!field) {
        this.walk.unknown.push(fieldPath);
        continue;
      }
      if (v === null || v === undefined) continue;
      const goField = `${schema.goName}.${goPath ? `${goPath}.${key}` : key}`;
      const childGoPath = goPath ? `${goPath}.${key}` : key;
      const time = TIME_FIELDS[`${schema.name}.${key}`];
      setMember(out, key, time ? this.time(v, time, goField) : this.field(v, field, fieldPath, childGoPath, goField));
    }
    return out;
  }

  private time(v: unknown, type: TimeType, goField: string): string {
    if (typeof v !== 'string') this.mismatch(v, goField, 'string');
    try {
      return parseGoTime(v, type);
    } catch (e) {
      if (e instanceof TimeParseError) throw new TypeMismatch(e.message);
      throw e;
    }
  }

  private field(v: unknown, f: FieldSchema, path: string, goPath: string, goField: string): unknown {
    if (f.map) {
      if (!isPlainObject(v)) this.mismatch(v, goField, fieldGoType(f));
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) {
        if (item === null || item === undefined) continue;
        setMember(out, k, this.single(item, f, `${path}[${k}]`, goPath, goField));
      }
      return out;
    }
    if (f.repeated) {
      if (!Array.isArray(v)) this.mismatch(v, goField, fieldGoType(f));
      return v.map((item, i) => (item === null ? this.zero(f) : this.single(item, f, `${path}[${i}]`, goPath, goField)));
    }
    return this.single(v, f, path, goPath, goField);
  }

  private zero(f: FieldSchema): unknown {
    if (f.shape.kind === 'message') return {};
    if (f.shape.kind === 'scalar') return f.shape.type === 'string' ? '' : f.shape.type === 'bool' ? false : 0;
    return '';
  }

  private single(v: unknown, f: FieldSchema, path: string, goPath: string, goField: string): unknown {
    const shape = f.shape;
    switch (shape.kind) {
      case 'message':
        if (!isPlainObject(v)) this.mismatch(v, goField, shape.message.goType);
        return this.message(v, shape.message, path, goPath);
      case 'intOrString':
        if (typeof v === 'string') return v;
        if (typeof v === 'number') {
          if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) {
            throw new TypeMismatch(`json: cannot unmarshal number ${String(v)} into Go value of type int32`);
          }
          return v;
        }
        return this.mismatch(v, goField, 'intstr.IntOrString');
      case 'enum':
        if (typeof v !== 'string') this.mismatch(v, goField, 'string');
        return v;
      case 'scalar':
        return this.scalar(v, shape.type, goField);
    }
  }

  private scalar(v: unknown, type: ScalarType, goField: string): unknown {
    const goType = GO_SCALAR[type];
    switch (type) {
      case 'string':
      case 'bytes':
        if (typeof v !== 'string') this.mismatch(v, goField, goType);
        return v;
      case 'bool':
        if (typeof v !== 'boolean') this.mismatch(v, goField, goType);
        return v;
      case 'double':
      case 'float':
        if (typeof v !== 'number') this.mismatch(v, goField, goType);
        return v;
      default: {
        if (typeof v !== 'number') this.mismatch(v, goField, goType);
        const [min, max] = INT_RANGES[type]!;
        if (!Number.isInteger(v) || v < min || v > max) this.mismatch(v, goField, goType, true);
        return v;
      }
    }
  }
}

function badRequest(kind: Kind, detail: string): BadRequestError {
  const version = KINDS[kind].apiVersion.split('/').pop()!;
  return new BadRequestError(`${kind} in version "${version}" cannot be handled as a ${kind}: ${detail}`);
}

/**
 * The document as the object to send, or a BadRequestError worded as the apiserver words it.
 * `apiVersion` and `kind` are kept as written (they were checked by the mapping step).
 */
export function decodeStrict(kind: Kind, doc: Record<string, unknown>): KubeObject {
  const { object, unknown } = decodeKnownFields(kind, doc);
  if (unknown.length > 0) {
    throw badRequest(kind, `strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`);
  }
  return object;
}

/**
 * The document decoded as decodeStrict decodes it (a wrong type or a bad time is a
 * BadRequestError), except that unknown fields are left out and listed (`spec.foo`) instead of
 * refused: what the apiserver does under fieldValidation Ignore or Warn.
 */
export function decodeKnownFields(kind: Kind, doc: Record<string, unknown>): { object: KubeObject; unknown: string[] } {
  const schema = objectSchemas().forKind(kind);
  const walk: Walk = { unknown: [] };
  let body: Record<string, unknown>;
  try {
    for (const key of ['apiVersion', 'kind'] as const) {
      const v = doc[key];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        throw new TypeMismatch(`json: cannot unmarshal ${jsonTypeOf(v)} into Go struct field ${kind}.${key} of type string`);
      }
    }
    body = new Decoder(walk).message(doc, schema, '', '', ['apiVersion', 'kind']);
  } catch (e) {
    if (e instanceof TypeMismatch) throw badRequest(kind, e.message);
    throw e;
  }
  return { object: { apiVersion: doc.apiVersion, kind: doc.kind, ...body } as unknown as KubeObject, unknown: walk.unknown };
}
