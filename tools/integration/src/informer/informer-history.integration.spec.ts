/**
 * When the history after the informer's revision is gone, it relists: the gRPC Watch answers
 * Expired (a small watch history), the NATS stream has a gap (purged, or deleted and recreated),
 * or its events come from another store (a new data directory). Objects deleted meanwhile are
 * noticed by the relist (onDelete with finalStateUnknown).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Pod } from '@minimesh/api';
import { eventually, tempDir } from '@minimesh/runtime/testing';
import type { Informer } from '@minimesh/informer';
import { revisionOf } from '@minimesh/informer';
import { allPublished, ns, pod, recordingLogger, startTestCluster, testInformer, untilMatchesList, type TestCluster } from '../testing/informer-cluster.js';

/** Room for two of untilMatchesList's 20 s waits, so its message (not vitest's timeout) says what went wrong. */
const TEST_TIMEOUT_MS = 60_000;

/** An informer of one namespace that records what its handlers hear. */
async function watched(c: TestCluster, transport: 'grpc' | 'nats', namespace: string) {
  const log = recordingLogger();
  const informer = testInformer(c, transport, { kind: 'Pod', namespace, logger: log });
  const deleted: string[] = [];
  informer.addEventHandler({ onDelete: (p, info) => deleted.push(`${p.metadata.name}${info.finalStateUnknown ? ' (relist)' : ''}`) });
  informer.start();
  await informer.waitForSync();
  return { informer, log, deleted };
}

async function relabel(c: TestCluster, namespace: string, name: string, value: string): Promise<void> {
  const p = await c.truth.get('Pod', namespace, name);
  await c.truth.update({ ...p, metadata: { ...p.metadata, labels: { v: value } } });
}

describe('history expiry over grpc', () => {
  let c: TestCluster;
  let informer: Informer<Pod> | undefined;
  beforeAll(async () => {
    c = await startTestCluster({ 'watch-history': 5 });
  });
  afterAll(async () => {
    await informer?.stop();
    await c?.stop();
  });

  it('expired - a watch from a revision the server no longer keeps relists, noticing deletions', async () => {
    await c.truth.create(ns('expiry'));
    for (const name of ['a', 'b', 'c', 'd']) await c.truth.create(pod('expiry', name));
    const w = await watched(c, 'grpc', 'expiry');
    informer = w.informer;
    await c.cutInformers();
    const cutAt = revisionOf(informer.lastSyncResourceVersion);
    await c.truth.delete('Pod', 'expiry', 'a');
    await c.truth.delete('Pod', 'expiry', 'b');
    await relabel(c, 'expiry', 'c', '2');
    for (const name of ['e', 'f', 'g', 'h']) await c.truth.create(pod('expiry', name));
    // The apiserver compacts every 5 s, keeping 5 events.
    await eventually(async () => (await c.store.oldestRevision()) > cutAt + 1, 15_000);
    await c.restoreInformers();
    await untilMatchesList(c, informer!, w.log);
    expect(w.log.relists()).toContain('expired');
    expect(w.deleted.sort()).toEqual(['a (relist)', 'b (relist)']);
    expect(informer.get('expiry', 'c')?.metadata.labels).toEqual({ v: '2' });
  }, TEST_TIMEOUT_MS);
});

describe('gaps in the NATS stream', () => {
  let c: TestCluster;
  let nc: NatsConnection;
  let informer: Informer<Pod> | undefined;
  beforeAll(async () => {
    c = await startTestCluster();
    nc = await connect({ servers: c.nats.url });
  });
  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
  });
  afterAll(async () => {
    await nc?.close();
    await c?.stop();
  });

  it('gap - the stream purged while the informer was cut off: relist', async () => {
    await c.truth.create(ns('purge'));
    for (const name of ['a', 'b', 'c']) await c.truth.create(pod('purge', name));
    const w = await watched(c, 'nats', 'purge');
    informer = w.informer;
    await c.cutInformers();
    await c.truth.delete('Pod', 'purge', 'a');
    await relabel(c, 'purge', 'b', '2');
    await allPublished(c);
    await (await jetstreamManager(nc)).streams.purge('MINIMESH_EVENTS');
    await c.truth.create(pod('purge', 'd'));
    await allPublished(c);
    await c.restoreInformers();
    await untilMatchesList(c, informer!, w.log);
    expect(w.log.relists()).toEqual(['gap']);
    expect(w.deleted).toEqual(['a (relist)']);
    expect(informer.get('purge', 'b')?.metadata.labels).toEqual({ v: '2' });
  }, TEST_TIMEOUT_MS);

  it('gap - the stream deleted and recreated: no relist while nothing was missed, a relist when something was', async () => {
    await c.truth.create(ns('recreate'));
    await c.truth.create(pod('recreate', 'a'));
    const w = await watched(c, 'nats', 'recreate');
    informer = w.informer;
    await allPublished(c);
    const jsm = await jetstreamManager(nc);

    // Following live: the recreated stream starts right after what the informer has.
    await jsm.streams.delete('MINIMESH_EVENTS');
    await c.truth.create(pod('recreate', 'b'));
    await untilMatchesList(c, informer!, w.log);
    expect(w.log.relists()).toEqual([]);

    // Cut off: what was published before the delete is lost with the stream.
    await c.cutInformers();
    await c.truth.delete('Pod', 'recreate', 'a');
    await allPublished(c);
    await jsm.streams.delete('MINIMESH_EVENTS');
    await c.truth.create(pod('recreate', 'c'));
    await allPublished(c);
    await c.restoreInformers();
    await untilMatchesList(c, informer!, w.log);
    expect(w.log.relists()).toEqual(['gap']);
    expect(w.deleted).toEqual(['a (relist)']);
  }, TEST_TIMEOUT_MS);

  it('store changed - the apiserver comes back on a new data directory: relist from it', async () => {
    await c.truth.create(ns('store'));
    await c.truth.create(pod('store', 'old'));
    const w = await watched(c, 'nats', 'store');
    informer = w.informer;
    const fresh = tempDir('minimesh-apiserver-fresh-');
    try {
      await c.restartApiServer({ 'data-dir': fresh.path });
      await c.truth.create(ns('store'));
      await c.truth.create(pod('store', 'new'));
      await untilMatchesList(c, informer!, w.log);
      expect(w.log.relists()).toContain('store-changed');
      expect(informer.keys()).toEqual(['store/new']);
      expect(w.deleted).toEqual(['old (relist)']);
    } finally {
      await informer.stop();
      fresh.remove();
    }
  }, TEST_TIMEOUT_MS);
});
