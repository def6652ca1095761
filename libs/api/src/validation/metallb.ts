/**
 * MetalLB's objects, validated as its CRDs and webhooks do (api/v1beta1, internal/config): a pool's
 * addresses are CIDRs or ranges that do not overlap one another, nor another pool's
 * (`validatePoolOverlaps`, which needs the other pools and is the registry's to call); selectors
 * are well-formed label selectors.
 */
import { field, type FieldError } from '../errors/field-error.js';
import { parseAddressRange, rangesOverlap, type AddressRange } from '../net/address-range.js';
import type { IPAddressPool, L2Advertisement } from '../types/metallb.js';
import { nameIsDNSLabel, nameIsDNSSubdomain } from './dns.js';
import { isSet, list, num, rec, str } from './json-access.js';
import { validateLabelName, validateLabels } from './label-validation.js';
import { validateObjectMeta } from './object-meta.js';
import { pushAll } from '../util/arrays.js';

const OPERATORS = ['DoesNotExist', 'Exists', 'In', 'NotIn'];

/** metav1 ValidateLabelSelector. */
export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  const s = rec(sel);
  const errs = validateLabels(s.matchLabels, `${path}.matchLabels`);
  list(s.matchExpressions).forEach((raw, i) => {
    const e = rec(raw);
    const p = `${path}.matchExpressions[${i}]`;
    const op = str(e.operator);
    const values = list(e.values);
    if (!OPERATORS.includes(op)) errs.push(field.notSupported(`${p}.operator`, op, OPERATORS));
    else if ((op === 'In' || op === 'NotIn') && values.length === 0) errs.push(field.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
    else if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) errs.push(field.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
    errs.push(...validateLabelName(str(e.key), `${p}.key`));
  });
  return errs;
}

/** The parsed addresses of a pool (entries that do not parse are left out). */
export function poolRanges(pool: IPAddressPool): AddressRange[] {
  return (pool.spec?.addresses ?? []).map(parseAddressRange).filter((r): r is AddressRange => typeof r !== 'string');
}

export function validateIPAddressPool(pool: IPAddressPool): FieldError[] {
  const p = rec(pool);
  const name = str(rec(p.metadata).name);
  const errs = validateObjectMeta(p.metadata, true, nameIsDNSSubdomain);
  const spec = rec(p.spec);
  const addresses = list(spec.addresses).map(str);
  if (addresses.length === 0) errs.push(field.required('spec.addresses', 'pool has no prefixes defined'));
  const seen: AddressRange[] = [];
  addresses.forEach((text, i) => {
    const r = parseAddressRange(text);
    if (typeof r === 'string') {
      errs.push(field.invalid(`spec.addresses[${i}]`, text, text.includes('-') ? r : `invalid CIDR ${JSON.stringify(text)} in pool ${JSON.stringify(name)}: ${r}`));
      return;
    }
    const clash = seen.find((o) => rangesOverlap(o, r));
    if (clash) errs.push(field.invalid(`spec.addresses[${i}]`, text, `CIDR ${JSON.stringify(text)} in pool ${JSON.stringify(name)} overlaps with already defined CIDR ${JSON.stringify(clash.text)}`));
    seen.push(r);
  });
  const alloc = rec(spec.serviceAllocation);
  if (isSet(alloc.priority) && num(alloc.priority) < 0) errs.push(field.invalid('spec.serviceAllocation.priority', num(alloc.priority), 'must be greater than or equal to 0'));
  list(alloc.namespaces).forEach((ns, i) => {
    for (const msg of nameIsDNSLabel(str(ns), false)) errs.push(field.invalid(`spec.serviceAllocation.namespaces[${i}]`, str(ns), msg));
  });
  list(alloc.namespaceSelectors).forEach((s, i) => pushAll(errs, validateLabelSelector(s, `spec.serviceAllocation.namespaceSelectors[${i}]`)));
  list(alloc.serviceSelectors).forEach((s, i) => pushAll(errs, validateLabelSelector(s, `spec.serviceAllocation.serviceSelectors[${i}]`)));
  return errs;
}

/** A pool's addresses against the other pools (MetalLB refuses overlapping pools). */
export function validatePoolOverlaps(pool: IPAddressPool, others: readonly IPAddressPool[]): FieldError[] {
  const errs: FieldError[] = [];
  const name = pool.metadata.name ?? '';
  (pool.spec?.addresses ?? []).forEach((text, i) => {
    const r = parseAddressRange(text);
    if (typeof r === 'string') return;
    for (const other of others) {
      if (other.metadata.name === name && other.metadata.namespace === pool.metadata.namespace) continue;
      const clash = poolRanges(other).find((o) => rangesOverlap(o, r));
      if (clash) {
        errs.push(
          field.invalid(
            `spec.addresses[${i}]`,
            text,
            `CIDR ${JSON.stringify(text)} in pool ${JSON.stringify(name)} overlaps with already defined CIDR ${JSON.stringify(clash.text)} in pool ${JSON.stringify(other.metadata.name ?? '')}`,
          ),
        );
        break;
      }
    }
  });
  return errs;
}

export function validateL2Advertisement(adv: L2Advertisement): FieldError[] {
  const a = rec(adv);
  const errs = validateObjectMeta(a.metadata, true, nameIsDNSSubdomain);
  const spec = rec(a.spec);
  list(spec.ipAddressPools).forEach((n, i) => {
    for (const msg of nameIsDNSSubdomain(str(n), false)) errs.push(field.invalid(`spec.ipAddressPools[${i}]`, str(n), msg));
  });
  list(spec.ipAddressPoolSelectors).forEach((s, i) => pushAll(errs, validateLabelSelector(s, `spec.ipAddressPoolSelectors[${i}]`)));
  list(spec.nodeSelectors).forEach((s, i) => pushAll(errs, validateLabelSelector(s, `spec.nodeSelectors[${i}]`)));
  list(spec.interfaces).forEach((n, i) => {
    if (str(n) === '') errs.push(field.required(`spec.interfaces[${i}]`));
  });
  return errs;
}
