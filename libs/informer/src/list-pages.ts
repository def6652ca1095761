/**
 * A list in pages, as client-go's pager does for an informer's list (500 objects a page): no
 * single reply holds the whole kind, so a kind of any size can be listed within the message
 * limits. The apiserver serves every page at the first page's revision; a continue token that
 * expired mid-way (410) surfaces as ExpiredError and the reflector lists again.
 */
import { pushAll, type Kind, type ObjectOfKind } from '@minimesh/api';
import type { ApiClient, ListResult } from '@minimesh/client';

export const LIST_PAGE_SIZE = 500;

export async function listInPages<K extends Kind>(
  client: ApiClient,
  kind: K,
  o: { namespace?: string; labelSelector?: string },
  pageSize = LIST_PAGE_SIZE,
): Promise<ListResult<ObjectOfKind<K>>> {
  const first = await client.list(kind, { ...o, limit: pageSize });
  const items = [...first.items];
  let token = first.continue;
  while (token) {
    const page = await client.list(kind, { ...o, limit: pageSize, continue: token });
    pushAll(items, page.items);
    token = page.continue;
  }
  const out: ListResult<ObjectOfKind<K>> = { items, resourceVersion: first.resourceVersion };
  if (first.storeId) out.storeId = first.storeId;
  return out;
}
