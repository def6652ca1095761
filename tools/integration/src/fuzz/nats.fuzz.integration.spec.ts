/**
 * Fuzz: mutated NATS messages on the event subjects while an informer follows the stream. The
 * informer never crashes or loops, never holds an object the apiserver did not write, and a
 * genuine write made afterwards reaches its cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { createInformer, type Informer } from '@minimesh/informer';
import { pb } from '@minimesh/proto';
import { eventually, startNats, type NatsServer } from '@minimesh/runtime/testing';
import { HEADER_EVENT_TYPE, HEADER_KIND_PREVIOUS, HEADER_REVISION, HEADER_STORE, HEADER_STUB, eventSubject, objectToWire } from '@minimesh/wire';
import { jetstream } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { FUZZ_COUNT, FUZZ_SEED, Rng, Tally, mutateBytes } from './fuzz-input.js';

const svc = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });

describe(`fuzz: NATS event messages (seed ${FUZZ_SEED}, ${FUZZ_COUNT} messages)`, () => {
  let nats: NatsServer;
  let t: TestApiServer;
  let nc: NatsConnection;
  let informer: Informer<Service>;
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

  beforeAll(async () => {
    nats = await startNats();
    t = await startTestApiServer({ 'nats-url': nats.url });
    nc = await connect({ servers: nats.url });
    informer = createInformer({ kind: 'Service', client: t.client, transport: 'nats', nats: { servers: nats.url }, backoff: { initialMs: 20, maxMs: 100 }, logger: quiet });
    informer.start();
    await informer.waitForSync();
  });
  afterAll(async () => {
    await informer?.stop();
    await nc?.close();
    await t?.stop();
    await nats?.cleanup();
  });

  it('keeps the informer following and its cache genuine', async () => {
    const rng = new Rng(FUZZ_SEED);
    const tally = new Tally();
    const js = jetstream(nc);
    const started = Date.now();
    const genuine = await t.client.create(svc('genuine'));
    for (let i = 0; i < FUZZ_COUNT; i++) {
      const revision = (await t.server.store.revision()) + 1 + rng.int(3);
      const name = rng.pick(['genuine', 'fake', 'kubernetes', `n${i}`]);
      const obj = { ...svc(name), metadata: { name, namespace: 'default', resourceVersion: String(revision) } };
      const payload = pb.WatchEvent.encode({ type: rng.pick([pb.EventType.ADDED, pb.EventType.MODIFIED, pb.EventType.DELETED, 7 as pb.EventType]), object: objectToWire(obj), resourceVersion: String(revision), previousResourceVersion: '' }).finish();
      const h = headers();
      if (rng.int(5)) h.set(HEADER_REVISION, rng.pick([String(revision), '0', '-1', 'x', '99999999999999999999']));
      if (rng.int(5)) h.set(HEADER_KIND_PREVIOUS, rng.pick([genuine.metadata.resourceVersion ?? '0', '0', String(revision + 5)]));
      if (rng.int(5)) h.set(HEADER_STORE, rng.pick([t.server.store.id, 'another-store']));
      if (rng.int(5)) h.set(HEADER_EVENT_TYPE, rng.pick(['ADDED', 'DELETED', 'NOPE']));
      if (rng.int(10) === 0) h.set(HEADER_STUB, 'too-large');
      await js.publish(eventSubject('Service', 'default', name), rng.int(4) === 0 ? payload : mutateBytes(rng, payload), { headers: h });
      tally.add('published');
    }
    const after = await t.client.create(svc('after-fuzz'));
    await eventually(() => informer.get('default', 'after-fuzz')?.metadata.resourceVersion === after.metadata.resourceVersion, 30_000, 50);
    const truth = new Map((await t.client.list('Service')).items.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s.metadata.resourceVersion]));
    await eventually(() => informer.list().every((s) => truth.get(`${s.metadata.namespace}/${s.metadata.name}`) === s.metadata.resourceVersion) && informer.list().length === truth.size, 30_000, 50);
    console.log(`fuzz NATS: ${tally.total} messages in ${Date.now() - started} ms; refused by the informer ${informer.rejectedEvents}; crashes 0; the cache equals the apiserver's ${truth.size} Services`);
    expect(informer.list().some((s) => s.metadata.name === 'fake')).toBe(false);
  }, 120_000);
});
