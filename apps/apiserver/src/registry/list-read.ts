/**
 * A list, or one page of it, with label and field selectors applied: the current state (a page
 * read only up to its end), or the snapshot at a resourceVersion the store still keeps (a
 * continue token past the history is 410 Expired); a revision beyond the store's is 504
 * ResourceVersionTooLarge, as kube-apiserver answers.
 */
import { ExpiredError, KINDS, type Kind, type KubeObject, type ObjectOfKind } from '@minimesh/api';
import type { Store } from '../store/store.js';
import { continueExpired, encodeContinue, pageOf, planList, type ListOptions, type ListPage } from './list-options.js';

export interface ListResult<T> extends ListPage<T> {
  /** The revision the list (every page of it) is a snapshot of. */
  revision: number;
}

export async function readList<K extends Kind>(store: Store, kind: K, opts: ListOptions = {}): Promise<ListResult<ObjectOfKind<K>>> {
  const plan = planList(kind, opts);
  const ns = KINDS[kind].namespaced ? opts.namespace || undefined : undefined;
  const current = await store.revision();
  let revision = current;
  let snapshot: KubeObject[];
  if (plan.atRevision !== undefined && plan.atRevision < current) {
    try {
      snapshot = await store.listAt(kind, ns, plan.atRevision);
    } catch (e) {
      throw opts.continue ? continueExpired() : e;
    }
    revision = plan.atRevision;
  } else {
    if (plan.notOlderThan !== undefined && plan.notOlderThan > current) throw ExpiredError.tooLarge(plan.notOlderThan, current);
    if (plan.atRevision !== undefined && plan.atRevision > current) throw ExpiredError.tooLarge(plan.atRevision, current);
    if (plan.limit > 0) {
      // A page of the current state: the store reads only up to the page's end (an informer's
      // list of 10,000 objects in pages of 500 used to parse all of them for every page).
      const after = plan.after === undefined ? '' : plan.after.replace(/\u0000$/, '');
      const read = await store.listPage(kind, ns, after, plan.limit, (o) => plan.labels.matches(o.metadata.labels) && plan.fields.matches(o));
      const page: ListResult<ObjectOfKind<K>> = { items: read.items as ObjectOfKind<K>[], revision: read.revision };
      if (read.more) {
        page.continue = encodeContinue(read.revision, read.lastKey);
        if (plan.labels.empty && plan.fields.empty) page.remainingItemCount = read.remaining;
      }
      return page;
    }
    const listed = await store.list(kind, ns);
    snapshot = listed.items;
    revision = listed.revision;
  }
  const page = pageOf(snapshot, plan, revision, (o) => plan.labels.matches(o.metadata.labels) && plan.fields.matches(o));
  return { ...page, items: page.items as ObjectOfKind<K>[], revision };
}
