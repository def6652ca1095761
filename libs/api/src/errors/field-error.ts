/**
 * Field errors, printed exactly as Kubernetes' apimachinery `field.Error` prints them:
 * `<field>: <Type string>: <value>: <detail>`.
 */

export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError';

const TYPE_STRINGS: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
};

/** A value already rendered in Go syntax, e.g. `core.ServicePort{...}`. */
export class GoValue {
  constructor(readonly text: string) {}
}

export interface FieldError {
  type: FieldErrorType;
  field: string;
  badValue?: unknown;
  detail: string;
}

/** Go's %q for a string. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Renders a bad value as Go's %v / %q / %#v would for the types Kubernetes validation reports. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof GoValue) return value.text;
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return `[]string{${value.map((v) => goQuote(v)).join(', ')}}`;
    return `[]interface {}{${value.map(formatValue).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** The part after the field: `Invalid value: 80: must be ...`. */
export function errorBody(e: FieldError): string {
  const type = TYPE_STRINGS[e.type];
  const omitValue =
    e.type === 'FieldValueRequired' ||
    e.type === 'FieldValueForbidden' ||
    e.type === 'FieldValueTooLong' ||
    e.type === 'InternalError';
  let s = omitValue ? type : `${type}: ${formatValue(e.badValue)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/** ErrorList.ToAggregate().Error(): de-duplicated; one error alone, several as `[e1, e2]`. */
export function aggregate(errors: FieldError[]): string {
  const msgs: string[] = [];
  for (const e of errors) {
    const m = formatFieldError(e);
    if (!msgs.includes(m)) msgs.push(m);
  }
  return msgs.length === 1 ? msgs[0]! : `[${msgs.join(', ')}]`;
}

// Constructors, named as in apimachinery's field package.
export const field = {
  required: (f: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field: f, detail }),
  invalid: (f: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field: f, badValue: value, detail }),
  duplicate: (f: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field: f, badValue: value, detail: '' }),
  forbidden: (f: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: f, detail }),
  notFound: (f: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field: f, badValue: value, detail: '' }),
  tooLong: (f: string, max: number): FieldError => ({ type: 'FieldValueTooLong', field: f, detail: `may not be more than ${max} bytes` }),
  tooMany: (f: string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field: f,
    badValue: actual,
    detail: `must have at most ${max} items`,
  }),
  internal: (f: string, detail: string): FieldError => ({ type: 'InternalError', field: f, detail }),
  /** NotSupported: `supported values: "A", "B"`, sorted as sets.List() sorts. */
  notSupported: (f: string, value: unknown, supported: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: f,
    badValue: value,
    detail: supported.length ? `supported values: ${[...supported].sort().map(goQuote).join(', ')}` : '',
  }),
};
