/**
 * Revisions count within one store: an apiserver on a new data directory starts again at 1, so a
 * revision alone cannot tell the old store's objects from the new one's. The informer keeps the
 * store id of its list and never takes an old store's objects for the new store's: the gRPC Watch
 * refuses a revision of another store, a relist tells objects apart by uid, and the NATS follower
 * follows only the list's store, whatever the stream's tail holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '@minimesh/api';
import { eventually, tempDir } from '@minimesh/runtime/testing';
import type { Informer } from '@minimesh/informer';
import { allPublished, fingerprint, ns, pod, recordingLogger, startTestCluster, testInformer, type TestCluster } from '../testing/informer-cluster.js';

/** `namespace/name@resourceVersion uid` of each object, sorted: the same objects of the same store. */
function identities(objects: KubeObject[]): string[] {
  return objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion} ${o.metadata.uid}`).sort();
}

async function createAll(c: TestCluster, namespace: string, names: string[]): Promise<void> {
  await c.truth.create(ns(namespace));
  for (const name of names) await c.truth.create(pod(namespace, name));
}

describe('a new data directory', () => {
  let c: TestCluster | undefined;
  let informer: Informer<Pod> | undefined;
  let fresh: ReturnType<typeof tempDir> | undefined;
  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
    await c?.stop();
    c = undefined;
    fresh?.remove();
    fresh = undefined;
  });

  it('store changed over grpc - the new store reaches the same revisions with the same names: the cache still becomes the new store\'s objects', async () => {
    c = await startTestCluster();
    await createAll(c, 'same', ['a', 'b', 'c']);
    const log = recordingLogger();
    informer = testInformer(c, 'grpc', { kind: 'Pod', namespace: 'same', logger: log });
    informer.start();
    await informer.waitForSync();
    const old = await c.truth.list('Pod', { namespace: 'same' });
    const oldStore = await c.store.id();

    // Cut off, the informer does not see the restart; it resumes once the new store has caught up.
    await c.cutInformers();
    fresh = tempDir('minimesh-apiserver-fresh-');
    await c.restartApiServer({ 'data-dir': fresh.path });
    await createAll(c, 'same', ['a', 'b', 'c']);
    const now = await c.truth.list('Pod', { namespace: 'same' });
    expect(fingerprint(now.items), 'the revisions line up').toEqual(fingerprint(old.items));
    expect(now.resourceVersion).toBe(old.resourceVersion);
    expect(await c.store.id()).not.toBe(oldStore);
    await c.restoreInformers();

    await eventually(() => JSON.stringify(identities(informer!.list())) === JSON.stringify(identities(now.items)), 20_000).catch(() => undefined);
    expect(identities(informer.list())).toEqual(identities(now.items));
    expect(log.relists()).toEqual(['expired']);
  });

  it('store changed over nats - a fresh informer of a store that has not published yet never applies the old store\'s events in the stream', async () => {
    c = await startTestCluster();
    await createAll(c, 'tail', ['old-0', 'old-1', 'old-2', 'old-3', 'old-4', 'old-5']);
    await allPublished(c);
    const old = await c.truth.list('Pod', { namespace: 'tail' });

    // The new apiserver does not publish (no NATS): the stream's tail is all the old store's.
    fresh = tempDir('minimesh-apiserver-fresh-');
    await c.restartApiServer({ 'data-dir': fresh.path, 'nats-url': '' });
    await createAll(c, 'tail', ['new-0']);
    const now = await c.truth.list('Pod', { namespace: 'tail' });
    expect(Number(now.resourceVersion), 'the old store has events past the new list').toBeLessThan(Number(old.resourceVersion));

    const log = recordingLogger();
    informer = testInformer(c, 'nats', { kind: 'Pod', namespace: 'tail', logger: log });
    const heard: string[] = [];
    informer.addEventHandler({
      onAdd: (p) => heard.push(`${p.metadata.name} ${p.metadata.uid}`),
      onUpdate: (_o, p) => heard.push(`${p.metadata.name} ${p.metadata.uid}`),
    });
    informer.start();
    await informer.waitForSync();
    // Anything the consumer would deliver from the old tail arrives well within this.
    await new Promise((r) => setTimeout(r, 1500));
    expect(identities(informer.list())).toEqual(identities(now.items));

    // Once the new store publishes, the informer follows it.
    await c.restartApiServer({ 'data-dir': fresh.path });
    const later = await c.truth.create(pod('tail', 'new-1'));
    await allPublished(c);
    await eventually(() => informer!.get('tail', 'new-1') !== undefined, 20_000).catch(() => undefined);
    expect(identities(informer.list())).toEqual(identities([...now.items, later]));
    expect(heard).toEqual([...now.items, later].map((p) => `${p.metadata.name} ${p.metadata.uid}`));
    expect(log.relists()).toEqual([]);
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
