/**
 * The query options of a write, read and checked as kube-apiserver reads them before it looks at
 * the body (ValidateCreateOptions, ValidateUpdateOptions, ValidatePatchOptions in
 * k8s.io/apiserver/pkg/apis/meta/v1/validation): `fieldValidation`, `fieldManager`, `dryRun`,
 * `force`. A bad one is a 422 on the verb's options kind, e.g.
 * `CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "bogus": supported values: "", "Ignore", "Strict", "Warn"`.
 */
import type { IncomingMessage } from 'node:http';
import { field, GoValue, InvalidError, pushAll, type FieldError } from '@minimesh/api';
import { queryBool } from './query-params.js';

/** kube-apiserver's `fieldValidation`: what an unknown field in a body does (Warn when not said). */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export type WriteVerb = 'create' | 'update' | 'patch';

export interface WriteOptions {
  fieldValidation: FieldValidation;
  /** The manager named in the query, else the User-Agent's product name (see managerOf). */
  manager: string;
  /** `dryRun=All`: everything but the write itself. */
  dryRun: boolean;
  force: boolean;
}

const OPTIONS_KIND: Record<WriteVerb, string> = { create: 'CreateOptions.meta.k8s.io', update: 'UpdateOptions.meta.k8s.io', patch: 'PatchOptions.meta.k8s.io' };

/** kube-apiserver's FieldManagerMaxLength. */
const MAX_MANAGER_BYTES = 128;

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's strconv.Quote: printable characters as they are, the others escaped. */
export function goQuoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x80) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** ValidateFieldManager: at most 128 bytes, every character printable (the position is a byte offset). */
export function validateFieldManager(manager: string): FieldError[] {
  const errs: FieldError[] = [];
  if (Buffer.byteLength(manager) > MAX_MANAGER_BYTES) errs.push(field.tooLong('fieldManager', MAX_MANAGER_BYTES));
  let at = 0;
  for (const ch of manager) {
    if (!PRINTABLE.test(ch)) {
      const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      errs.push(field.invalid('fieldManager', new GoValue(goQuoteString(manager)), `invalid character U+${hex} (at position ${at})`));
    }
    at += Buffer.byteLength(ch);
  }
  return errs;
}

/** ValidateDryRun: only `All`. */
export function validateDryRun(values: string[]): FieldError[] {
  return values.every((v) => v === 'All') ? [] : [field.notSupported('dryRun', values, ['All'])];
}

/**
 * Who makes a write, for field ownership: `fieldManager`, else the User-Agent's product name
 * (`kubectl/v1.32.4 (linux/amd64) ...` → `kubectl`), as kube-apiserver derives it.
 */
function managerOf(req: IncomingMessage, given: string): string {
  if (given) return given;
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0]!.trim().slice(0, MAX_MANAGER_BYTES) || 'unknown';
}

/** The options of a `verb` request; `apply` for a server-side apply (fieldManager required, force allowed). */
export function writeOptions(verb: WriteVerb, q: URLSearchParams, req: IncomingMessage, apply = false): WriteOptions {
  const errs: FieldError[] = [];
  const given = q.get('fieldManager') ?? '';
  const rawValidation = q.get('fieldValidation') ?? '';
  const dryRun = q.getAll('dryRun');
  if (verb === 'patch') {
    if (!apply && q.has('force')) errs.push(field.forbidden('force', 'may not be specified for non-apply patch'));
    if (apply && !given) errs.push(field.required('fieldManager', 'is required for apply patch'));
  }
  pushAll(errs, validateFieldManager(given));
  pushAll(errs, validateDryRun(dryRun));
  if (!['', 'Ignore', 'Strict', 'Warn'].includes(rawValidation)) errs.push(field.notSupported('fieldValidation', rawValidation, ['', 'Ignore', 'Strict', 'Warn']));
  if (errs.length) throw new InvalidError(OPTIONS_KIND[verb], '', errs);
  return {
    fieldValidation: (rawValidation || 'Warn') as FieldValidation,
    manager: managerOf(req, given),
    dryRun: dryRun.length > 0,
    force: queryBool(q, 'force'),
  };
}
