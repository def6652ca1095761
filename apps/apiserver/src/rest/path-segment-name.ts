/**
 * A name taken from a URL path segment, checked as kube-apiserver's storage checks it before using
 * it (IsValidPathSegmentName, k8s.io/apimachinery api/validation/path): `.` and `..` are refused,
 * as are names containing `/` or `%` (which only an escape can put in a segment). Without this a
 * name `..` (sent as `%2E%2E`) would stand for the path's parent.
 */
import { BadRequestError } from '@minimesh/api';
import { goQuoteString } from './write-options.js';

export function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

/** 400 `Name parameter invalid: "..": may not be '..'` for a name that cannot be a path segment. */
export function checkPathSegmentName(name: string): void {
  const errs = pathSegmentNameErrors(name);
  if (errs.length) throw new BadRequestError(`Name parameter invalid: ${goQuoteString(name)}: ${errs.join(';')}`);
}
