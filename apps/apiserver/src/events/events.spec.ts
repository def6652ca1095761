/**
 * Events on NATS JetStream from a real apiserver and a real nats-server: every committed change
 * arrives once, in revision order, and NATS being down loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Namespace } from '@minimesh/api';
import { pb } from '@minimesh/proto';
import { objectFromWire } from '@minimesh/wire';
import { eventually, startNats, type NatsServer } from '@minimesh/runtime/testing';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';
import { HEADER_KIND_PREVIOUS, HEADER_REVISION } from '@minimesh/wire';

interface Received {
  subject: string;
  revision: number;
  kindPrevious: number;
  type: string;
  name: string;
}

/** Reads the whole stream from the start with an ordered consumer. */
async function readStream(nc: NatsConnection, count: number): Promise<Received[]> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get('MINIMESH_EVENTS');
  const out: Received[] = [];
  const messages = await consumer.consume();
  for await (const m of messages) {
    const ev = pb.WatchEvent.decode(m.data);
    out.push({
      subject: m.subject,
      revision: Number(m.headers?.get(HEADER_REVISION)),
      kindPrevious: Number(m.headers?.get(HEADER_KIND_PREVIOUS)),
      type: pb.eventTypeToJSON(ev.type),
      name: ev.object ? (objectFromWire(ev.object).metadata.name ?? '') : '',
    });
    if (out.length >= count) break;
  }
  await messages.close();
  return out;
}

const ns = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

describe('events on NATS', () => {
  let nats: NatsServer;
  let t: TestApiServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await startNats();
    t = await startTestApiServer({ 'nats-url': nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await t?.stop();
    await nats?.cleanup();
  });

  /** Once the apiserver says every event up to `rev` is published: the stream holds revisions 1..rev, in order. */
  async function streamUpTo(rev: number): Promise<Received[]> {
    await eventually(async () => (await t.server.store.publishedRevision()) === rev, 20_000, 100);
    nc = await connect({ servers: nats.url });
    const got = await readStream(nc, rev);
    expect(got.map((g) => g.revision)).toEqual(Array.from({ length: rev }, (_, i) => i + 1));
    return got;
  }

  it('events - every change is published once, in revision order, on its subject', async () => {
    await t.client.create(ns('ev1'));
    const ev1 = await t.client.get('Namespace', '', 'ev1');
    await t.client.update({ ...ev1, metadata: { ...ev1.metadata, labels: { x: 'y' } } });
    await t.client.delete('Namespace', '', 'ev1');
    const rev = await t.server.store.revision();
    await eventually(async () => (await t.server.store.publishedRevision()) === rev);
    nc = await connect({ servers: nats.url });
    const info = await (await jetstreamManager(nc)).streams.info('MINIMESH_EVENTS');
    expect(info.state.messages).toBe(rev);
    const got = await readStream(nc, rev);
    expect(got.map((g) => g.revision)).toEqual(Array.from({ length: rev }, (_, i) => i + 1));
    const tail = got.slice(-3);
    expect(tail.map((g) => [g.type, g.subject])).toEqual([
      ['ADDED', 'minimesh.v1.events.Namespace._.ev1'],
      ['MODIFIED', 'minimesh.v1.events.Namespace._.ev1'],
      ['DELETED', 'minimesh.v1.events.Namespace._.ev1'],
    ]);
    // The per-kind chain lets a consumer of one kind see gaps.
    expect(tail[1]!.kindPrevious).toBe(tail[0]!.revision);
    expect(tail[2]!.kindPrevious).toBe(tail[1]!.revision);
  });

  it('events - a batch NATS already stored in part (acknowledgements lost) goes out again: no duplicate, no stall, in order', async () => {
    for (let i = 0; i < 5; i++) await t.client.create(ns(`batch-${i}`));
    const rev = await t.server.store.revision();
    await eventually(async () => (await t.server.store.publishedRevision()) === rev);
    // As if the last three acknowledgements never came: the next batch starts with three events
    // the stream holds, each expecting the one before it as the stream's last.
    await t.server.store.setPublishedRevision(rev - 3);
    await t.client.create(ns('batch-after'));
    const got = await streamUpTo(rev + 1);
    const info = await (await jetstreamManager(nc)).streams.info('MINIMESH_EVENTS');
    expect(info.state.messages).toBe(rev + 1);
    expect(got.slice(-6).map((g) => g.name)).toEqual(['batch-0', 'batch-1', 'batch-2', 'batch-3', 'batch-4', 'batch-after']);
    await nc.close();
  });

  it('events - a backlog larger than one burst (4 MiB) goes out in several, in order', async () => {
    await nc.close();
    await nats.stop();
    const big = 'x'.repeat(200 * 1024);
    for (let i = 0; i < 30; i++) await t.client.create({ ...ns(`big-${i}`), metadata: { name: `big-${i}`, annotations: { big } } });
    await nats.start();
    const got = await streamUpTo(await t.server.store.revision());
    expect(got.slice(-30).map((g) => g.name)).toEqual(Array.from({ length: 30 }, (_, i) => `big-${i}`));
  }, 40_000);

  it('events - NATS down: writes still succeed; back up: the missed events arrive, in order, none lost', async () => {
    await nc.close();
    await nats.stop();
    for (let i = 0; i < 20; i++) await t.client.create(ns(`offline-${i}`));
    const rev = await t.server.store.revision();
    expect(await t.server.store.publishedRevision()).toBeLessThan(rev);
    await nats.start();
    const got = await streamUpTo(rev);
    expect(got.slice(-20).map((g) => g.name)).toEqual(Array.from({ length: 20 }, (_, i) => `offline-${i}`));
  }, 40_000);

  it('events - an apiserver restart publishes what it had not sent, without duplicates', async () => {
    await nc.close();
    await nats.stop();
    await t.client.create(ns('while-down'));
    await t.restart({ 'nats-url': nats.url });
    await t.client.create(ns('after-restart'));
    await nats.start();
    const rev = await t.server.store.revision();
    await eventually(async () => (await t.server.store.publishedRevision()) === rev, 20_000, 100);
    nc = await connect({ servers: nats.url });
    const info = await (await jetstreamManager(nc)).streams.info('MINIMESH_EVENTS');
    expect(info.state.messages).toBe(rev);
    const got = await readStream(nc, rev);
    expect(got.slice(-2).map((g) => g.name)).toEqual(['while-down', 'after-restart']);
  }, 40_000);
});
