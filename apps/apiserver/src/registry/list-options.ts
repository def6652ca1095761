/**
 * A list request as the apiserver reads it: label and field selectors, `limit`/`continue` paging
 * and `resourceVersion`/`resourceVersionMatch`, checked as ValidateListOptions and the storage
 * layer check them, with their messages.
 *
 * Paging follows etcd's: every page of one list is cut from the same revision (the continue
 * token carries it and the key of the last object sent); a token whose revision has left the
 * kept history is 410 Expired, as Kubernetes answers a compacted continue.
 */
import {
  BadRequestError,
  ExpiredError,
  InvalidError,
  field,
  parseFieldSelector,
  type FieldError,
  type FieldSelector,
  type Kind,
  type Selector,
} from '@minimesh/api';
import { parseLabelSelector } from './label-selector.js';

export interface ListOptions {
  /** Empty or absent: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Most objects in one page; 0, negative or absent: all. */
  limit?: number;
  /** The token of the previous page. */
  continue?: string;
  resourceVersion?: string;
  /** Exact or NotOlderThan (needs resourceVersion). */
  resourceVersionMatch?: string;
}

export interface ListPlan {
  labels: Selector;
  fields: FieldSelector;
  limit: number;
  /** The revision to list at; undefined: the current one. */
  atRevision?: number;
  /** The key after which this page starts. */
  after?: string;
  /** The revision must be reached (NotOlderThan); a later current one is fine. */
  notOlderThan?: number;
}

export const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface Token {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

export function encodeContinue(revision: number, lastKey: string): string {
  const token: Token = { v: 'meta.k8s.io/v1', rv: revision, start: `${lastKey}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(text: string): Token {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString()) as Token;
    if (t.v !== 'meta.k8s.io/v1' || !Number.isSafeInteger(t.rv) || t.rv <= 0 || typeof t.start !== 'string') throw new Error('bad token');
    return t;
  } catch {
    throw new BadRequestError(`continue key is not valid: ${text}`);
  }
}

/** The key objects are ordered by in a list: namespace, then name. */
export function listKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

export function planList(kind: Kind, opts: ListOptions): ListPlan {
  const errs: FieldError[] = [];
  const rv = opts.resourceVersion ?? '';
  const match = opts.resourceVersionMatch ?? '';
  if (match) {
    if (opts.continue) errs.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    else if (!rv) errs.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    else if (match === 'Exact' && rv === '0') errs.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    else if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(field.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
  }
  // kube-apiserver pages only when the limit is above 0: a negative one lists everything, as 0 does.
  if (opts.limit !== undefined && !Number.isInteger(opts.limit)) errs.push(field.invalid('limit', opts.limit, 'must be an integer'));
  if (errs.length) throw new InvalidError('ListOptions.meta.k8s.io', '', errs);

  const plan: ListPlan = {
    labels: parseLabelSelector(opts.labelSelector ?? ''),
    fields: parseFieldSelector(opts.fieldSelector ?? '', kind),
    limit: Math.max(0, opts.limit ?? 0),
  };
  if (opts.continue) {
    if (rv && rv !== '0') throw new BadRequestError('specifying resource version is not allowed when using continue');
    const t = decodeContinue(opts.continue);
    plan.atRevision = t.rv;
    plan.after = t.start.replace(/\u0000$/, '');
    return plan;
  }
  if (rv && rv !== '0') {
    const n = Number(rv);
    if (!Number.isSafeInteger(n) || n < 0) throw new BadRequestError(`invalid resource version: "${rv}"`);
    if (match === 'Exact') plan.atRevision = n;
    else plan.notOlderThan = n;
  }
  return plan;
}

/** An expired continue token gets Kubernetes' long explanation instead of the watch wording. */
export function continueExpired(): ExpiredError {
  return new ExpiredError(EXPIRED_CONTINUE);
}

export interface ListPage<T> {
  items: T[];
  /** Token of the next page; absent on the last. */
  continue?: string;
  /** How many objects the following pages hold (only when nothing is filtered, as Kubernetes). */
  remainingItemCount?: number;
}

/** Cuts one page out of a snapshot at `revision`, ordered by namespace and name. */
export function pageOf<T extends { metadata: { namespace?: string; name?: string; labels?: Record<string, string> } }>(
  snapshot: T[],
  plan: ListPlan,
  revision: number,
  matches: (obj: T) => boolean,
): ListPage<T> {
  const sorted = snapshot
    .map((o) => ({ o, key: listKey(o.metadata.namespace, o.metadata.name) }))
    .filter((x) => plan.after === undefined || x.key > plan.after)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const selected = sorted.filter((x) => matches(x.o));
  if (plan.limit === 0 || selected.length <= plan.limit) return { items: selected.map((x) => x.o) };
  const page = selected.slice(0, plan.limit);
  const out: ListPage<T> = { items: page.map((x) => x.o), continue: encodeContinue(revision, page[page.length - 1]!.key) };
  if (plan.labels.empty && plan.fields.empty) out.remainingItemCount = selected.length - page.length;
  return out;
}
