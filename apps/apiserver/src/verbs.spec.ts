/**
 * The API verbs over real gRPC, as a client sees them: Patch (merge, strategic, JSON; on the object
 * and its status), DeleteCollection by label and field, graceful deletion and finalizers, field
 * selectors, paging with limit/continue, and a field-selected watch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidError, type Namespace, type Pod, type Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from './testing/index.js';

const ns = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const svc = (name: string, labels?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'verbs', ...(labels ? { labels } : {}) },
  spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }] },
});
const pod = (name: string, nodeName: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'verbs' },
  spec: { nodeName, containers: [{ name: 'c', image: 'nginx' }] },
});

describe('apiserver verbs over gRPC', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
    await t.client.create(ns('verbs'));
  });
  afterAll(async () => t?.stop());

  it('patch - strategic merges ports by port and protocol, merge and JSON patch too; a bad patch is refused', async () => {
    await t.client.create(svc('p'));
    const two = await t.client.patch('Service', 'verbs', 'p', 'strategic', { spec: { ports: [{ name: 'alt', port: 8080 }] } });
    expect(two.spec!.ports!.map((p) => p.port)).toEqual([8080, 80]);
    const merged = await t.client.patch('Service', 'verbs', 'p', 'merge', { metadata: { labels: { tier: 'front' } } });
    expect(merged.metadata.labels).toEqual({ tier: 'front' });
    const json = await t.client.patch('Service', 'verbs', 'p', 'json', [{ op: 'replace', path: '/spec/selector/app', value: 'q' }]);
    expect(json.spec!.selector).toEqual({ app: 'q' });
    await expect(t.client.patch('Service', 'verbs', 'p', 'json', [{ op: 'test', path: '/spec/selector/app', value: 'nope' }])).rejects.toThrow(/testing value \/spec\/selector\/app failed/);
    await expect(t.client.patch('Service', 'verbs', 'p', 'merge', { spec: { ports: [{ port: 80, nodePort: 80 }] } })).rejects.toBeInstanceOf(InvalidError);
  });

  it('patch - the status subresource takes conditions and leaves the spec alone', async () => {
    await t.client.create(svc('s'));
    const cond = { type: 'Ready', status: 'True', reason: 'Test', message: 'm', lastTransitionTime: '2026-01-01T00:00:00Z' };
    const out = await t.client.patch('Service', 'verbs', 's', 'merge', { spec: { sessionAffinity: 'ClientIP' }, status: { conditions: [cond] } }, { subresource: 'status' });
    expect([out.spec!.sessionAffinity, out.status!.conditions]).toEqual(['None', [cond]]);
  });

  it('deleteCollection - by label and by field selector, returning what it deleted', async () => {
    for (const [n, tier] of [['dc-a', 'batch'], ['dc-b', 'batch'], ['dc-c', 'keep']] as const) await t.client.create(svc(n, { tier }));
    const byLabel = await t.client.deleteCollection('Service', { namespace: 'verbs', labelSelector: 'tier=batch' });
    expect(byLabel.map((s) => s.metadata.name).sort()).toEqual(['dc-a', 'dc-b']);
    const byField = await t.client.deleteCollection('Service', { namespace: 'verbs', fieldSelector: 'metadata.name=dc-c' });
    expect(byField.map((s) => s.metadata.name)).toEqual(['dc-c']);
    expect((await t.client.list('Service', { namespace: 'verbs', labelSelector: 'tier in (batch,keep)' })).items).toEqual([]);
  });

  it('delete - a pod is marked with its grace period and stays readable until deleted with grace 0; finalizers hold any object', async () => {
    await t.client.create(pod('graceful', 'node1'));
    const marked = await t.client.delete('Pod', 'verbs', 'graceful', { gracePeriodSeconds: 30 });
    expect(marked.metadata.deletionTimestamp).toBeDefined();
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    expect((await t.client.get('Pod', 'verbs', 'graceful')).metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
    await t.client.delete('Pod', 'verbs', 'graceful', { gracePeriodSeconds: 0 });
    await expect(t.client.get('Pod', 'verbs', 'graceful')).rejects.toThrow(/not found/);

    await t.client.create({ ...svc('held'), metadata: { ...svc('held').metadata, finalizers: ['example.com/hold'] } });
    expect((await t.client.delete('Service', 'verbs', 'held')).metadata.deletionTimestamp).toBeDefined();
    await t.client.patch('Service', 'verbs', 'held', 'merge', { metadata: { finalizers: null } });
    await expect(t.client.get('Service', 'verbs', 'held')).rejects.toThrow(/not found/);
  });

  it('list - field selectors, and paging at one revision with limit and continue', async () => {
    for (const [n, node] of [['pa', 'node1'], ['pb', 'node2'], ['pc', 'node1']] as const) await t.client.create(pod(n, node));
    const onNode1 = await t.client.list('Pod', { namespace: 'verbs', fieldSelector: 'spec.nodeName=node1' });
    expect(onNode1.items.map((p) => p.metadata.name)).toEqual(['pa', 'pc']);
    await expect(t.client.list('Pod', { fieldSelector: 'spec.color=red' })).rejects.toThrow(/field label not supported: spec.color/);
    const first = await t.client.list('Pod', { namespace: 'verbs', limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.continue).toBeTruthy();
    await t.client.create(pod('pd', 'node2')); // after the first page: not in this list
    const rest = await t.client.list('Pod', { namespace: 'verbs', limit: 2, continue: first.continue });
    expect([...first.items, ...rest.items].map((p) => p.metadata.name)).toEqual(['pa', 'pb', 'pc']);
    expect(rest.continue).toBeFalsy();
  });

  it('watch - a field selector delivers only its objects, from a list\'s resourceVersion', async () => {
    const list = await t.client.list('Pod', { namespace: 'verbs', fieldSelector: 'spec.nodeName=node3' });
    const abort = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of t.client.watch('Pod', { namespace: 'verbs', fieldSelector: 'spec.nodeName=node3', resourceVersion: list.resourceVersion, storeId: list.storeId, signal: abort.signal })) {
        seen.push(`${e.type} ${e.object?.metadata.name}`);
        if (seen.length === 2) abort.abort();
      }
    })().catch(() => undefined);
    await t.client.create(pod('elsewhere', 'node1'));
    await t.client.create(pod('here', 'node3'));
    await t.client.delete('Pod', 'verbs', 'here', { gracePeriodSeconds: 0 });
    await done;
    expect(seen).toEqual(['ADDED here', 'DELETED here']);
  });

  it('update - a stale resourceVersion on a patch with a precondition is a Conflict', async () => {
    const s = await t.client.create(svc('rv'));
    await t.client.patch('Service', 'verbs', 'rv', 'merge', { metadata: { labels: { a: 'b' } } });
    await expect(t.client.patch('Service', 'verbs', 'rv', 'merge', { metadata: { resourceVersion: s.metadata.resourceVersion, labels: { a: 'c' } } })).rejects.toBeInstanceOf(ConflictError);
  });
});
