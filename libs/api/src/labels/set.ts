/**
 * Label sets (plain `key → value` maps): equality selectors built from them and kubectl's printed form.
 */

import { newRequirement } from './parser.js';
import { Selector, type LabelSet, type Requirement } from './selector.js';

function sortedKeys(set: LabelSet): string[] {
  return Object.keys(set).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * An equality selector (`k1=v1,k2=v2`) for the set, like Kubernetes' SelectorFromSet: no validation,
 * and an absent or empty set selects everything.
 */
export function selectorFromSet(set: LabelSet | undefined): Selector {
  if (!set) return Selector.everything();
  const reqs: Requirement[] = sortedKeys(set).map((key) => ({ key, operator: '=', values: [set[key]!] }));
  return reqs.length ? new Selector(reqs) : Selector.everything();
}

/** Like `selectorFromSet`, but validates keys and values (Kubernetes' ValidatedSelectorFromSet); throws SelectorParseError. */
export function validatedSelectorFromSet(set: LabelSet | undefined): Selector {
  if (!set) return Selector.everything();
  const reqs = sortedKeys(set).map((key) => newRequirement(key, '=', [set[key]!]));
  return reqs.length ? new Selector(reqs) : Selector.everything();
}

/**
 * The selector of a Service's `spec.selector`, or null when the Service has none. A Service without a
 * selector selects no pods (its Endpoints are managed by hand). An empty map counts as absent: Kubernetes
 * drops it on the way through JSON (`omitempty`) and storage. Never apply "empty selects everything" here.
 */
export function selectorFromServiceSelector(selector: LabelSet | undefined | null): Selector | null {
  if (!selector || Object.keys(selector).length === 0) return null;
  return selectorFromSet(selector);
}

/** kubectl's form of a label map: `a=b,c=d` sorted by key, `<none>` when there are none. */
export function formatLabels(set: LabelSet | undefined | null): string {
  if (!set) return '<none>';
  const s = sortedKeys(set)
    .map((k) => `${k}=${set[k]}`)
    .join(',');
  return s === '' ? '<none>' : s;
}
