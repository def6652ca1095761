/**
 * The options of a DELETE (metav1.DeleteOptions): the body's, decoded as Go decodes them (a value
 * of the wrong type is a 400 `json: cannot unmarshal string into Go struct field
 * DeleteOptions.preconditions of type v1.Preconditions`), with the query's `gracePeriodSeconds`,
 * `propagationPolicy` and `dryRun` over them; then checked as ValidateDeleteOptions checks them
 * (propagationPolicy `Foreground`, `Background`, `Orphan` or none; dryRun `All`). A precondition
 * that is present counts even when empty, as a Go pointer does.
 */
import { BadRequestError, InvalidError, pushAll, unsupportedPropagationPolicy, type DeleteOptions, type FieldError } from '@minimesh/api';
import { queryInt } from './query-params.js';
import { validateDryRun } from './write-options.js';

export interface RestDeleteOptions extends DeleteOptions {
  dryRun: boolean;
}

/** encoding/json's name for a JSON value's type. */
function jsonType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return Array.isArray(v) ? 'array' : 'object';
}

function mismatch(v: unknown, where: string, goType: string): BadRequestError {
  return new BadRequestError(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${where} of type ${goType}`);
}

const present = (v: unknown) => v !== undefined && v !== null;

/** The body as Go decodes it into DeleteOptions; only the fields minimesh acts on are kept. */
function decodeBody(body: Buffer): { opts: DeleteOptions; dryRun: string[] } {
  let o: unknown;
  try {
    o = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new BadRequestError(`the object provided is unrecognized (must be of type DeleteOptions): couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new BadRequestError(`json: cannot unmarshal ${jsonType(o)} into Go value of type v1.DeleteOptions`);
  const doc = o as Record<string, unknown>;
  const opts: DeleteOptions = {};
  for (const key of ['kind', 'apiVersion'] as const) {
    if (present(doc[key]) && typeof doc[key] !== 'string') throw mismatch(doc[key], `DeleteOptions.${key}`, 'string');
  }
  const grace = doc.gracePeriodSeconds;
  if (present(grace)) {
    if (typeof grace !== 'number') throw mismatch(grace, 'DeleteOptions.gracePeriodSeconds', 'int64');
    if (!Number.isSafeInteger(grace)) throw new BadRequestError(`json: cannot unmarshal number ${String(grace)} into Go struct field DeleteOptions.gracePeriodSeconds of type int64`);
    opts.gracePeriodSeconds = grace;
  }
  const pre = doc.preconditions;
  if (present(pre)) {
    if (typeof pre !== 'object' || Array.isArray(pre)) throw mismatch(pre, 'DeleteOptions.preconditions', 'v1.Preconditions');
    const p = pre as Record<string, unknown>;
    const out: NonNullable<DeleteOptions['preconditions']> = {};
    if (present(p.uid)) {
      if (typeof p.uid !== 'string') throw mismatch(p.uid, 'Preconditions.preconditions.uid', 'types.UID');
      out.uid = p.uid;
    }
    if (present(p.resourceVersion)) {
      if (typeof p.resourceVersion !== 'string') throw mismatch(p.resourceVersion, 'Preconditions.preconditions.resourceVersion', 'string');
      out.resourceVersion = p.resourceVersion;
    }
    opts.preconditions = out;
  }
  if (present(doc.orphanDependents) && typeof doc.orphanDependents !== 'boolean') throw mismatch(doc.orphanDependents, 'DeleteOptions.orphanDependents', 'bool');
  const policy = doc.propagationPolicy;
  if (present(policy)) {
    if (typeof policy !== 'string') throw mismatch(policy, 'DeleteOptions.propagationPolicy', 'v1.DeletionPropagation');
    opts.propagationPolicy = policy;
  }
  const dryRun: string[] = [];
  if (present(doc.dryRun)) {
    if (!Array.isArray(doc.dryRun)) throw mismatch(doc.dryRun, 'DeleteOptions.dryRun', '[]string');
    for (const v of doc.dryRun) {
      if (v === null) dryRun.push('');
      else if (typeof v !== 'string') throw mismatch(v, 'DeleteOptions.dryRun', 'string');
      else dryRun.push(v);
    }
  }
  return { opts, dryRun };
}

const POLICIES = ['Foreground', 'Background', 'Orphan'];

export function deleteOptions(q: URLSearchParams, body: Buffer): RestDeleteOptions {
  const { opts, dryRun } = body.length > 0 ? decodeBody(body) : { opts: {} as DeleteOptions, dryRun: [] as string[] };
  const grace = queryInt(q, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const policy = q.get('propagationPolicy');
  if (policy !== null) opts.propagationPolicy = policy;
  const dry = q.has('dryRun') ? q.getAll('dryRun') : dryRun;
  const errs: FieldError[] = [];
  if (opts.propagationPolicy !== undefined && !POLICIES.includes(opts.propagationPolicy)) {
    errs.push(unsupportedPropagationPolicy(opts.propagationPolicy));
  }
  pushAll(errs, validateDryRun(dry));
  if (errs.length) throw new InvalidError('DeleteOptions.meta.k8s.io', '', errs);
  return { ...opts, dryRun: dry.length > 0 };
}
