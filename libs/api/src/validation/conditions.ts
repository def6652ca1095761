/**
 * metav1.Condition lists (Service status conditions), as apimachinery's ValidateConditions checks
 * them: a qualified type, unique per list; status True, False or Unknown; a non-negative
 * observedGeneration; a lastTransitionTime; a CamelCase-ish reason (at most 1024 characters); a
 * message of at most 32768.
 */
import { field, type FieldError } from '../errors/field-error.js';
import { regexError } from './dns.js';
import { isSet, list, num, rec, str } from './json-access.js';
import { validateLabelName } from './label-validation.js';

const STATUSES = ['False', 'True', 'Unknown'];
const REASON_FMT = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';
const REASON_RE = new RegExp(`^${REASON_FMT}$`);
const REASON_MSG = "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";
const MAX_REASON = 1024;
const MAX_MESSAGE = 32768;

export function validateConditions(conditions: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(conditions).forEach((raw, i) => {
    const c = rec(raw);
    const p = `${path}[${i}]`;
    const type = str(c.type);
    errs.push(...validateLabelName(type, `${p}.type`));
    if (seen.has(type)) errs.push(field.duplicate(`${p}.type`, type));
    seen.add(type);
    if (!STATUSES.includes(str(c.status))) errs.push(field.notSupported(`${p}.status`, str(c.status), STATUSES));
    if (num(c.observedGeneration) < 0) errs.push(field.invalid(`${p}.observedGeneration`, num(c.observedGeneration), 'must be greater than or equal to zero'));
    if (!isSet(c.lastTransitionTime) || str(c.lastTransitionTime) === '') errs.push(field.required(`${p}.lastTransitionTime`, 'must be set'));
    const reason = str(c.reason);
    if (reason === '') errs.push(field.required(`${p}.reason`, 'must be set'));
    else {
      if (!REASON_RE.test(reason)) {
        errs.push(field.invalid(`${p}.reason`, reason, regexError(REASON_MSG, REASON_FMT, 'my_name', 'MY_NAME', 'MyName', 'ReasonA,ReasonB', 'ReasonA:ReasonB')));
      }
      if (reason.length > MAX_REASON) errs.push(field.tooLong(`${p}.reason`, MAX_REASON));
    }
    if (str(c.message).length > MAX_MESSAGE) errs.push(field.tooLong(`${p}.message`, MAX_MESSAGE));
  });
  return errs;
}
