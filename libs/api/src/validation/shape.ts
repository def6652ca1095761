/**
 * Checks a decoded JSON object against its kind's shape (schema.ts). `null` and absent are always
 * fine (Go decodes them as the zero value); unknown fields are ignored (Kubernetes drops them).
 * A mismatch reads `spec.ports[0].port: Invalid value: "80": got "string", expected "integer"`.
 */
import { field, type FieldError } from '../errors/field-error.js';
import { KINDS, type Kind } from '../types/object.js';
import { KIND_SHAPES, type Shape } from './schema.js';

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function expected(shape: Shape): string {
  if (typeof shape === 'string') return shape === 'intOrString' ? 'integer or string' : shape;
  return 'array' in shape ? 'array' : 'object';
}

function matches(v: unknown, shape: Shape): boolean {
  switch (shape) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'intOrString':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
    default:
      return 'array' in shape ? Array.isArray(v) : typeof v === 'object' && !Array.isArray(v);
  }
}

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

function check(v: unknown, shape: Shape, path: string, errs: FieldError[]): void {
  if (v === undefined || v === null) return;
  if (!matches(v, shape)) {
    errs.push(field.invalid(path, v, `got "${jsonType(v)}", expected "${expected(shape)}"`));
    return;
  }
  if (typeof shape === 'string') return;
  if ('array' in shape) {
    (v as unknown[]).forEach((item, i) => check(item, shape.array, `${path}[${i}]`, errs));
  } else if ('map' in shape) {
    for (const [k, item] of Object.entries(v as object)) check(item, shape.map, `${path}[${k}]`, errs);
  } else {
    checkFields(v as Record<string, unknown>, shape.object, path, errs);
  }
}

function checkFields(v: Record<string, unknown>, fields: Record<string, Shape>, path: string, errs: FieldError[]): void {
  for (const [key, shape] of Object.entries(fields)) check(v[key], shape, child(path, key), errs);
}

/** Type errors of an object of a known kind; [] when every field has the type its kind declares. */
export function validateShape(obj: unknown): FieldError[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return [field.invalid('', obj, `got "${jsonType(obj)}", expected "object"`)];
  }
  const kind = (obj as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !(kind in KINDS)) return [];
  const errs: FieldError[] = [];
  checkFields(obj as Record<string, unknown>, KIND_SHAPES[kind as Kind], '', errs);
  return errs;
}
