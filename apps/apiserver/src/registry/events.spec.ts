/** core/v1 Events: stored like any object, selected as kubectl describe selects them, kept for --event-ttl. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidError, type Event } from '@minimesh/api';
import { startTestApiServer, type TestApiServer } from '../testing/index.js';
import { EventExpiry, eventLastSeen } from './event-expiry.js';

const event = (name: string, about: string, lastTimestamp: string, o: Partial<Event> = {}): Event => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'default' },
  involvedObject: { kind: 'Service', namespace: 'default', name: about, uid: `uid-${about}`, apiVersion: 'v1' },
  reason: 'IPAllocated',
  message: 'Assigned IP "192.168.1.240"',
  source: { component: 'metallb-controller' },
  firstTimestamp: lastTimestamp,
  lastTimestamp,
  count: 1,
  type: 'Normal',
  ...o,
});

describe('Events', () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
  });
  afterAll(() => t?.stop());

  it('are selected by their object, reason, source and type, as kubectl describe asks for them', async () => {
    await t.client.create(event('web.1', 'web', '2026-12-05T10:00:00Z'));
    await t.client.create(event('db.1', 'db', '2026-12-05T10:00:00Z', { type: 'Warning', reason: 'AllocationFailed', source: { component: 'other' } }));
    const names = async (fieldSelector: string) => (await t.client.list('Event', { namespace: 'default', fieldSelector })).items.map((e) => e.metadata.name);
    expect(await names('involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Service,involvedObject.uid=uid-web')).toEqual(['web.1']);
    expect(await names('type=Warning')).toEqual(['db.1']);
    expect(await names('reason=IPAllocated')).toEqual(['web.1']);
    expect(await names('source=other')).toEqual(['db.1']);
    await expect(t.client.list('Event', { fieldSelector: 'spec.nothing=x' })).rejects.toThrow('field label not supported: spec.nothing');
  });

  it('are refused in another namespace than their object\'s', async () => {
    const stray = event('stray.1', 'web', '2026-12-05T10:00:00Z', { involvedObject: { kind: 'Service', namespace: 'kube-system', name: 'web' } });
    await expect(t.client.create(stray)).rejects.toThrow(InvalidError);
    await expect(t.client.create(stray)).rejects.toThrow('involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace');
  });

  it('are deleted once --event-ttl has passed since they were last seen, and not before', async () => {
    // Seen again an hour and a half from now (a repeat counted up): the others were last written now.
    const later = new Date(Date.now() + 90 * 60_000).toISOString();
    await t.client.create(event('recent.1', 'recent', '2026-12-05T08:00:00Z', { lastTimestamp: later }));
    const sweepAt = (ms: number) => new EventExpiry(t.server.registry, 3_600_000, () => Date.now() + ms, (e) => {
      throw e;
    }).sweep();
    expect(await sweepAt(59 * 60_000)).toBe(0);
    expect(await sweepAt(61 * 60_000)).toBe(2);
    expect((await t.client.list('Event', { namespace: 'default' })).items.map((e) => e.metadata.name)).toEqual(['recent.1']);
  });

  it('were last seen at their series\' last observation, else lastTimestamp, else eventTime, else creation', () => {
    const base = event('x', 'x', '2026-12-05T08:00:00Z');
    expect(eventLastSeen(base)).toBe(Date.parse('2026-12-05T08:00:00Z'));
    expect(eventLastSeen({ ...base, series: { count: 3, lastObservedTime: '2026-12-05T09:00:00.000000Z' } })).toBe(Date.parse('2026-12-05T09:00:00Z'));
    expect(eventLastSeen({ ...base, lastTimestamp: undefined, firstTimestamp: undefined, metadata: { ...base.metadata, creationTimestamp: '2026-12-05T07:00:00Z' } })).toBe(Date.parse('2026-12-05T07:00:00Z'));
  });
});
