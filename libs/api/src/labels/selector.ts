/**
 * Label selectors: a conjunction of requirements over an object's labels, with the matching rules
 * and canonical string form of apimachinery's `labels.Selector`.
 */

/** Operators, spelled as Kubernetes' `selection.Operator` values. */
export type SelectorOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export type LabelSet = Readonly<Record<string, string>>;

export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Sorted and de-duplicated when parsed; empty for `exists` / `!`. */
  readonly values: readonly string[];
}

/** Thrown for a selector string (or set) Kubernetes would reject; the message is Kubernetes' own. */
export class SelectorParseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SelectorParseError';
  }
}

function lookup(labels: LabelSet | undefined, key: string): string | undefined {
  if (!labels || !Object.prototype.hasOwnProperty.call(labels, key)) return undefined;
  return labels[key];
}

const INT64 = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's strconv.ParseInt(s, 10, 64); undefined when it would fail. */
export function parseInt64(s: string): bigint | undefined {
  if (!INT64.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

export function requirementMatches(r: Requirement, labels: LabelSet | undefined): boolean {
  const value = lookup(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      return value === undefined || !r.values.includes(value);
    case 'exists':
      return value !== undefined;
    case '!':
      return value === undefined;
    case 'gt':
    case 'lt': {
      if (value === undefined || r.values.length !== 1) return false;
      const have = parseInt64(value);
      const want = parseInt64(r.values[0]!);
      if (have === undefined || want === undefined) return false;
      return r.operator === 'gt' ? have > want : have < want;
    }
  }
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function requirementToString(r: Requirement): string {
  if (r.operator === '!') return `!${r.key}`;
  if (r.operator === 'exists') return r.key;
  const values = r.values.length === 1 ? r.values[0]! : [...r.values].sort(byteOrder).join(',');
  switch (r.operator) {
    case 'in':
      return `${r.key} in (${values})`;
    case 'notin':
      return `${r.key} notin (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

/** Sorts by key, keeping the given order among equal keys. */
function sortByKey(reqs: readonly Requirement[]): Requirement[] {
  return [...reqs].sort((a, b) => byteOrder(a.key, b.key));
}

export class Selector {
  private static readonly EVERYTHING = new Selector([]);

  /** Requirements, sorted by key. */
  readonly requirements: readonly Requirement[];

  /** Prefer `parseSelector`, `selectorFromSet` or `Selector.everything()`; requirements are not validated here. */
  constructor(requirements: readonly Requirement[]) {
    this.requirements = Object.freeze(sortByKey(requirements));
  }

  /** The selector that matches every object (the empty string). */
  static everything(): Selector {
    return Selector.EVERYTHING;
  }

  /** True when the selector does not restrict the selection (no requirements). */
  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: LabelSet | undefined): boolean {
    return this.requirements.every((r) => requirementMatches(r, labels));
  }

  /** A copy with more requirements, re-sorted by key. */
  add(...reqs: Requirement[]): Selector {
    return new Selector([...this.requirements, ...reqs]);
  }

  /** The value the selector demands for `key` (`key=v`, `key==v` or `key in (v)`), if it demands exactly one. */
  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((req) => req.key === key);
    if (!r) return undefined;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }

  /** Canonical form: requirements sorted by key, joined by ","; "" for everything. */
  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }
}
