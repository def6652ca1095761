/**
 * Label sets (plain `key → value` maps): equality selectors built from them and kubectl's printed form.
 */

import { newRequirement } from './parser.js';
import { Selector, SelectorParseError, type LabelSet, type Requirement, type SelectorOperator } from './selector.js';

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

/** metav1.LabelSelector's form: `matchLabels` pairs and `matchExpressions`. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

const EXPRESSION_OPERATORS: Record<string, SelectorOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector: every pair and every expression must hold; an empty selector
 * selects everything, an absent one (null/undefined) nothing. Throws SelectorParseError on a bad
 * key, value or operator.
 */
export function selectorFromLabelSelector(sel: LabelSelectorSpec | null | undefined): Selector | null {
  if (!sel) return null;
  const reqs: Requirement[] = [];
  for (const key of sortedKeys(sel.matchLabels ?? {})) reqs.push(newRequirement(key, '=', [sel.matchLabels![key]!]));
  for (const e of sel.matchExpressions ?? []) {
    const op = EXPRESSION_OPERATORS[e.operator];
    if (!op) throw new SelectorParseError(`"${e.operator}" is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, e.values ?? []));
  }
  return reqs.length ? new Selector(reqs) : Selector.everything();
}
