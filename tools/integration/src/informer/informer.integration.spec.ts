/**
 * Informers against a real apiserver and a real nats-server, on both transports: initial sync,
 * handlers, selection, resync, indexes, late handlers, informer sets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@minimesh/api';
import { eventually } from '@minimesh/runtime/testing';
import { informerSet } from '@minimesh/informer';
import type { Informer } from '@minimesh/informer';
import { labelIndexFunc } from '@minimesh/informer';
import type { Transport } from '@minimesh/informer';
import { fingerprint, matchesList, ns, pod, recordingLogger, startTestCluster, testInformer, type TestCluster } from '../testing/informer-cluster.js';

describe.each<Transport>(['grpc', 'nats'])('informer over %s', (transport) => {
  let c: TestCluster;
  const running: Array<Informer<Pod>> = [];
  const start = (namespace: string, more: { labelSelector?: string; resyncPeriodMs?: number } = {}) => {
    const log = recordingLogger();
    const informer = testInformer(c, transport, { kind: 'Pod', namespace, logger: log, ...more });
    running.push(informer);
    return { informer, log };
  };

  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await Promise.all(running.map((i) => i.stop()));
    await c?.stop();
  });

  it('sync - the cache is the list, at the list revision', async () => {
    await c.truth.create(ns('sync'));
    for (const name of ['a', 'b', 'c']) await c.truth.create(pod('sync', name));
    const { informer } = start('sync');
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(10_000));
    const list = await c.truth.list('Pod', { namespace: 'sync' });
    expect(informer.hasSynced()).toBe(true);
    expect(fingerprint(informer.list())).toEqual(fingerprint(list.items));
    expect(Number(informer.lastSyncResourceVersion)).toBeGreaterThanOrEqual(Number(list.items.map((p) => p.metadata.resourceVersion).sort().at(-1)));
    expect(informer.get('sync', 'a')?.metadata.name).toBe('a');
    expect(informer.keys().sort()).toEqual(['sync/a', 'sync/b', 'sync/c']);
  });

  it('handlers - add, update and delete, in order, after the cache changed', async () => {
    await c.truth.create(ns('handlers'));
    const { informer } = start('handlers');
    const seen: string[] = [];
    informer.addEventHandler({
      onAdd: (p) => seen.push(`add ${p.metadata.name} cached=${informer.get('handlers', p.metadata.name!) === p}`),
      onUpdate: (o, n) => seen.push(`update ${n.metadata.name} ${o.metadata.labels?.v ?? '-'}->${n.metadata.labels?.v}`),
      onDelete: (p, info) => seen.push(`delete ${p.metadata.name} unknown=${info.finalStateUnknown} cached=${!!informer.get('handlers', p.metadata.name!)}`),
    });
    informer.start();
    await informer.waitForSync();
    const created = await c.truth.create(pod('handlers', 'h1'));
    await c.truth.update({ ...created, metadata: { ...created.metadata, labels: { v: '2' } } });
    await c.truth.delete('Pod', 'handlers', 'h1');
    await eventually(() => seen.length === 3);
    expect(seen).toEqual(['add h1 cached=true', 'update h1 -->2', 'delete h1 unknown=false cached=false']);
    expect(informer.list()).toEqual([]);
  });

  it('handlers - one registered after sync first gets an add for every cached object; a removed one hears nothing', async () => {
    await c.truth.create(ns('late'));
    await c.truth.create(pod('late', 'x'));
    await c.truth.create(pod('late', 'y'));
    const { informer } = start('late');
    informer.start();
    await informer.waitForSync();
    const late: string[] = [];
    const removed: string[] = [];
    informer.addEventHandler({ onAdd: (p) => late.push(p.metadata.name!) });
    const reg = informer.addEventHandler({ onAdd: (p) => removed.push(p.metadata.name!) });
    reg.remove();
    await eventually(() => late.length === 2);
    await c.truth.create(pod('late', 'z'));
    await eventually(() => late.length === 3);
    expect(late.sort()).toEqual(['x', 'y', 'z']);
    expect(removed).toEqual([]);
  });

  it('label selector - only matching objects; one that stops matching is deleted, one that starts is added', async () => {
    await c.truth.create(ns('labels'));
    await c.truth.create(pod('labels', 'web1', { app: 'web' }));
    await c.truth.create(pod('labels', 'db1', { app: 'db' }));
    const { informer } = start('labels', { labelSelector: 'app=web' });
    const seen: string[] = [];
    informer.addEventHandler({
      onAdd: (p) => seen.push(`add ${p.metadata.name}`),
      onUpdate: (_o, n) => seen.push(`update ${n.metadata.name}`),
      onDelete: (p) => seen.push(`delete ${p.metadata.name}`),
    });
    informer.start();
    await informer.waitForSync();
    expect(informer.keys()).toEqual(['labels/web1']);
    const db1 = await c.truth.get('Pod', 'labels', 'db1');
    await c.truth.update({ ...db1, metadata: { ...db1.metadata, labels: { app: 'web' } } });
    const web1 = await c.truth.get('Pod', 'labels', 'web1');
    await c.truth.update({ ...web1, metadata: { ...web1.metadata, labels: { app: 'db' } } });
    await c.truth.create(pod('labels', 'other', { app: 'cache' }));
    await c.truth.create(pod('labels', 'web2', { app: 'web' }));
    await eventually(() => seen.length === 4);
    expect(seen).toEqual(['add web1', 'add db1', 'delete web1', 'add web2']);
    expect(informer.keys().sort()).toEqual(['labels/db1', 'labels/web2']);
    await eventually(() => matchesList(c, informer));
  });

  it('namespace - objects of other namespaces never enter the cache', async () => {
    await c.truth.create(ns('mine'));
    await c.truth.create(ns('theirs'));
    const { informer } = start('mine');
    informer.start();
    await informer.waitForSync();
    await c.truth.create(pod('theirs', 'p'));
    await c.truth.create(pod('mine', 'p'));
    await eventually(() => informer.keys().length === 1);
    expect(informer.keys()).toEqual(['mine/p']);
  });

  it('resync - onUpdate(obj, obj) for every cached object, every period', async () => {
    await c.truth.create(ns('resync'));
    await c.truth.create(pod('resync', 'r1'));
    await c.truth.create(pod('resync', 'r2'));
    const { informer } = start('resync', { resyncPeriodMs: 200 });
    const resyncs = new Map<string, number>();
    informer.addEventHandler({
      onUpdate: (o, n) => {
        if (o === n) resyncs.set(n.metadata.name!, (resyncs.get(n.metadata.name!) ?? 0) + 1);
      },
    });
    informer.start();
    await informer.waitForSync();
    await eventually(() => (resyncs.get('r1') ?? 0) >= 2 && (resyncs.get('r2') ?? 0) >= 2, 5000);
  });

  it('indexes - by namespace built in, by label, added after sync, kept current', async () => {
    await c.truth.create(ns('idx-a'));
    await c.truth.create(ns('idx-b'));
    await c.truth.create(pod('idx-a', 'p1', { tier: 'front' }));
    await c.truth.create(pod('idx-b', 'p2', { tier: 'back' }));
    const log = recordingLogger();
    const informer = testInformer(c, transport, { kind: 'Pod', labelSelector: 'tier', logger: log });
    running.push(informer);
    informer.start();
    await informer.waitForSync();
    informer.addIndexer('tier', labelIndexFunc('tier'));
    expect(informer.byNamespace('idx-a').map((p) => p.metadata.name)).toEqual(['p1']);
    expect(informer.byIndex('tier', 'back').map((p) => p.metadata.name)).toEqual(['p2']);
    const p1 = await c.truth.get('Pod', 'idx-a', 'p1');
    await c.truth.update({ ...p1, metadata: { ...p1.metadata, labels: { tier: 'back' } } });
    await eventually(() => informer.byIndex('tier', 'back').length === 2);
    expect(informer.byIndex('tier', 'front')).toEqual([]);
    expect(informer.listMatching('tier in (back)').map((p) => p.metadata.name).sort()).toEqual(['p1', 'p2']);
  });

  it('informer set - starts several kinds and waits for all of them', async () => {
    const log = recordingLogger();
    const pods = testInformer(c, transport, { kind: 'Pod', logger: log });
    const namespaces = testInformer(c, transport, { kind: 'Namespace', logger: log });
    const services = testInformer(c, transport, { kind: 'Service', namespace: 'default', logger: log });
    const set = informerSet(pods, namespaces, services);
    set.start();
    await set.waitForSync(AbortSignal.timeout(10_000));
    expect(set.hasSynced()).toBe(true);
    expect(namespaces.get('', 'kube-system')).toBeDefined();
    expect(services.get('default', 'kubernetes')?.spec?.clusterIP).toBe('10.96.0.1');
    await c.truth.create(ns('set-late'));
    await eventually(() => namespaces.get('', 'set-late'));
    await set.stop();
    await expect(pods.waitForSync()).resolves.toBeUndefined();
  });

  it('waitForSync - rejects when aborted, and when stopped before syncing', async () => {
    const { informer } = start('never-started');
    await expect(informer.waitForSync(AbortSignal.timeout(50))).rejects.toThrow();
    const pending = informer.waitForSync();
    await informer.stop();
    await expect(pending).rejects.toThrow('informer stopped before it synced');
  });
});
