/**
 * Informers through failures, on both transports: NATS killed and restarted, the apiserver
 * restarted, both at once, and the informer cut off while objects are created, updated and
 * deleted. After each, the cache is exactly the apiserver's list, and what the handlers were told
 * adds up to the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@minimesh/api';
import { eventually } from '@minimesh/runtime/testing';
import type { Informer } from '@minimesh/informer';
import type { Transport } from '@minimesh/informer';
import { fingerprint, matchesList, ns, pod, recordingLogger, startTestCluster, testInformer, type TestCluster } from '../testing/informer-cluster.js';

/** Creates three pods, relabels two, deletes one: six events. */
function churner(c: TestCluster, namespace: string) {
  let next = 0;
  const live: string[] = [];
  return async () => {
    for (let i = 0; i < 3; i++) {
      const name = `p${next++}`;
      await c.truth.create(pod(namespace, name, { gen: '0' }));
      live.push(name);
    }
    for (const name of live.slice(-2)) {
      const p = await c.truth.get('Pod', namespace, name);
      await c.truth.update({ ...p, metadata: { ...p.metadata, labels: { gen: String(Number(p.metadata.labels?.gen ?? 0) + 1) } } });
    }
    const victim = live.shift()!;
    await c.truth.delete('Pod', namespace, victim);
  };
}

describe.each<Transport>(['grpc', 'nats'])('informer recovery over %s', (transport) => {
  let c: TestCluster;
  let informer: Informer<Pod>;
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await informer?.stop();
    await c?.stop();
  });

  it('recovery - NATS down, apiserver restarts, informer cut off: the cache converges to the list every time', async () => {
    await c.truth.create(ns('churn'));
    const churn = churner(c, 'churn');
    await churn();
    const log = recordingLogger();
    informer = testInformer(c, transport, { kind: 'Pod', namespace: 'churn', logger: log });
    // What the handlers were told, replayed into a map: it must end up equal to the cache.
    const told = new Map<string, Pod>();
    const deletes: string[] = [];
    informer.addEventHandler({
      onAdd: (p) => told.set(p.metadata.name!, p),
      onUpdate: (_o, p) => told.set(p.metadata.name!, p),
      onDelete: (p) => {
        told.delete(p.metadata.name!);
        deletes.push(p.metadata.name!);
      },
    });
    informer.start();
    await informer.waitForSync();
    const converged = async (phase: string) => {
      await eventually(() => matchesList(c, informer), 20_000).catch((e: Error) => {
        throw new Error(`${phase}: cache never matched the list: ${e.message}`);
      });
      expect(fingerprint([...told.values()]), phase).toEqual(fingerprint(informer.list()));
    };

    await churn();
    await converged('live');

    await c.nats.stop();
    await churn();
    await c.nats.start();
    await churn();
    await converged('NATS restarted');

    await c.restartApiServer();
    await churn();
    await converged('apiserver restarted');

    await c.nats.stop();
    await c.restartApiServer();
    await churn();
    await c.nats.start();
    await converged('NATS down across an apiserver restart');

    const deletesBefore = deletes.length;
    await c.cutInformers();
    await churn();
    await churn();
    await c.restoreInformers();
    await converged('informer cut off');
    expect(deletes.length - deletesBefore, 'deletions while cut off are noticed').toBe(2);

    expect(informer.list()).toHaveLength(2 * 8); // eight rounds, each leaving two more pods
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
