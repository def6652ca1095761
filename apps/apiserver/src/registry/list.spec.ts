/** LIST and WATCH options over gRPC: field selectors, limit/continue paging, resourceVersionMatch. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpiredError, InvalidError, type Namespace, type Pod } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';

const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lists' } };
const pod = (name: string, node: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'lists', labels: { app: 'web' } },
  spec: { nodeName: node, containers: [{ name: 'c' }] },
  status: { phase: 'Running' },
});
const names = (items: { metadata: { name?: string } }[]) => items.map((i) => i.metadata.name);

describe('list options', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer({ 'watch-history': 50 });
    await t.client.create(ns);
    for (let i = 0; i < 7; i++) await t.client.create(pod(`p${i}`, i % 2 ? 'node2' : 'node1'));
  });
  afterAll(async () => t?.stop());

  it('field selectors - by name, namespace and the kind’s own fields; unknown fields refused', async () => {
    expect(names((await t.client.list('Pod', { fieldSelector: 'spec.nodeName=node2' })).items)).toEqual(['p1', 'p3', 'p5']);
    expect(names((await t.client.list('Pod', { fieldSelector: 'metadata.name=p4,metadata.namespace=lists' })).items)).toEqual(['p4']);
    expect(names((await t.client.list('Pod', { namespace: 'lists', fieldSelector: 'spec.nodeName!=node1', labelSelector: 'app=web' })).items)).toEqual(['p1', 'p3', 'p5']);
    await expect(t.client.list('Pod', { fieldSelector: 'spec.foo=bar' })).rejects.toThrow('field label not supported: spec.foo');
  });

  it('paging - pages of one revision, whatever is written between them', async () => {
    const first = await t.client.list('Pod', { namespace: 'lists', limit: 3 });
    expect(names(first.items)).toEqual(['p0', 'p1', 'p2']);
    expect(first.remainingItemCount).toBe(4);
    await t.client.delete('Pod', 'lists', 'p4', { gracePeriodSeconds: 0 });
    await t.client.create(pod('p3a', 'node1'));
    const second = await t.client.list('Pod', { namespace: 'lists', limit: 3, continue: first.continue });
    expect(names(second.items)).toEqual(['p3', 'p4', 'p5']);
    expect(second.resourceVersion).toBe(first.resourceVersion);
    const third = await t.client.list('Pod', { namespace: 'lists', limit: 3, continue: second.continue });
    expect(names(third.items)).toEqual(['p6']);
    expect(third.continue).toBeUndefined();
    expect(names((await t.client.list('Pod', { namespace: 'lists' })).items)).toEqual(['p0', 'p1', 'p2', 'p3', 'p3a', 'p5', 'p6']);
  });

  it('paging - pages read at the current revision follow the continue keys\' order across namespaces, with selectors and counts as a whole list', async () => {
    // "a-b/…" sorts before "a/…" as a key ('-' < '/'), after it as a (namespace, name) pair.
    for (const n of ['a', 'a-b', 'b']) await t.client.create<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `pg-${n}` } });
    for (const n of ['a', 'a-b', 'b']) {
      for (let i = 0; i < 4; i++) {
        await t.client.create<Pod>({ ...pod(`x${i}`, i % 2 ? 'node2' : 'node1'), metadata: { name: `x${i}`, namespace: `pg-${n}`, labels: { app: i === 2 ? 'db' : 'web', pg: 'yes' } } });
      }
    }
    const all = async (opts: { labelSelector?: string; fieldSelector?: string; namespace?: string }, limit: number) => {
      const seen: string[] = [];
      const remaining: (number | undefined)[] = [];
      let token: string | undefined;
      do {
        const page = await t.client.list('Pod', { ...opts, limit, ...(token ? { continue: token } : {}) });
        seen.push(...page.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
        remaining.push(page.remainingItemCount);
        token = page.continue || undefined;
      } while (token);
      return { seen, remaining };
    };
    for (const opts of [{ labelSelector: 'pg=yes' }, { labelSelector: 'pg=yes,app=web' }, { labelSelector: 'pg=yes', fieldSelector: 'spec.nodeName=node2' }, { namespace: 'pg-a-b' }]) {
      const whole = (await t.client.list('Pod', opts)).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
      for (const limit of [1, 2, 5, 100]) expect((await all(opts, limit)).seen, `${JSON.stringify(opts)} limit ${limit}`).toEqual(whole);
    }
    expect((await all({ labelSelector: 'pg=yes' }, 5)).seen.slice(0, 5)).toEqual(['pg-a-b/x0', 'pg-a-b/x1', 'pg-a-b/x2', 'pg-a-b/x3', 'pg-a/x0']);
    // Without selectors a page says how many objects follow it.
    expect((await all({ namespace: 'pg-b' }, 3)).remaining).toEqual([1, undefined]);
  });

  it('paging - a token of a revision the history no longer holds is 410 Expired; a mangled one 400', async () => {
    const first = await t.client.list('Pod', { namespace: 'lists', limit: 2 });
    for (let i = 0; i < 60; i++) await t.client.patch('Pod', 'lists', 'p0', 'merge', { metadata: { labels: { n: String(i) } } });
    await new Promise((r) => setTimeout(r, 5500)); // the compactor runs every 5 s
    const err = await t.client.list('Pod', { namespace: 'lists', limit: 2, continue: first.continue }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExpiredError);
    expect((err as Error).message).toMatch(/^The provided continue parameter is too old to display a consistent list result/);
    await expect(t.client.list('Pod', { continue: 'garbage' })).rejects.toThrow('continue key is not valid: garbage');
  });

  it('resourceVersionMatch - Exact lists the past; misuse is refused with ValidateListOptions’ words', async () => {
    const then = await t.client.list('Pod', { namespace: 'lists' });
    await t.client.create(pod('late', 'node1'));
    const exact = await t.client.list('Pod', { namespace: 'lists', resourceVersion: then.resourceVersion, resourceVersionMatch: 'Exact' });
    expect(names(exact.items)).toEqual(names(then.items));
    expect(names((await t.client.list('Pod', { namespace: 'lists', resourceVersion: then.resourceVersion })).items)).toContain('late');
    const e1 = await t.client.list('Pod', { resourceVersionMatch: 'Exact' }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(InvalidError);
    expect((e1 as Error).message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    await expect(t.client.list('Pod', { resourceVersion: '0', resourceVersionMatch: 'Exact' })).rejects.toThrow('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    await expect(t.client.list('Pod', { resourceVersion: '999999' })).rejects.toThrow(/Too large resource version: 999999/);
  });

  it('watch - a field-selected watch from a list’s revision sees ADDED, MODIFIED and DELETED', async () => {
    const from = await t.client.list('Pod', { fieldSelector: 'spec.nodeName=node3' });
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of t.client.watch('Pod', { fieldSelector: 'spec.nodeName=node3', resourceVersion: from.resourceVersion, signal: ac.signal })) {
        seen.push(`${ev.type} ${ev.object?.metadata.name}`);
        if (seen.length === 3) ac.abort();
      }
    })();
    await t.client.create(pod('n3', 'node3'));
    await t.client.create(pod('n1', 'node1'));
    await t.client.patch('Pod', 'lists', 'n3', 'merge', { metadata: { labels: { x: 'y' } } });
    await t.client.delete('Pod', 'lists', 'n3', { gracePeriodSeconds: 0 });
    await done;
    expect(seen).toEqual(['ADDED n3', 'MODIFIED n3', 'DELETED n3']);
  });
});
