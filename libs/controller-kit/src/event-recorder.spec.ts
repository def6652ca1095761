import { describe, expect, it } from 'vitest';
import { NotFoundError, type Service } from '@minimesh/api';
import { EventRecorder } from './event-recorder.js';

const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: {} };
const quiet = { debug: () => undefined, warn: () => undefined };

describe('EventRecorder', () => {
  it('writes an event reported just as the queue runs empty (it is never left waiting)', async () => {
    const created: string[] = [];
    const client = { create: async (o: never) => (created.push((o as { reason: string }).reason), o), patch: async () => svc } as never;
    const recorder = new EventRecorder({ client, component: 'c', log: quiet });
    recorder.event(svc, 'Normal', 'First', 'a');
    for (let steps = 0; steps < 6; steps++) {
      await Promise.resolve();
      if (steps === 2) recorder.event(svc, 'Normal', 'Second', 'b');
    }
    await recorder.flush();
    expect(created).toEqual(['First', 'Second']);
  });

  it('gives two events in one millisecond two names, and writes afresh after a failed create', async () => {
    const names: string[] = [];
    let fail = true;
    const client = {
      create: async (o: never) => {
        const name = (o as { metadata: { name: string } }).metadata.name;
        if (fail) {
          fail = false;
          throw new Error('refused');
        }
        names.push(name);
        return o;
      },
      patch: async () => {
        throw new NotFoundError('events', 'gone');
      },
    } as never;
    const recorder = new EventRecorder({ client, component: 'c', log: quiet, now: () => 1_000 });
    recorder.event(svc, 'Normal', 'R', 'm'); // refused
    recorder.event(svc, 'Normal', 'R', 'm'); // its patch finds nothing: written afresh
    recorder.event(svc, 'Normal', 'Other', 'm');
    await recorder.flush();
    expect(names.length).toBe(2);
    expect(new Set(names).size).toBe(2);
  });

  it('stops waiting at the flush deadline when writes hang', async () => {
    const client = { create: () => new Promise(() => undefined), patch: async () => svc } as never;
    const recorder = new EventRecorder({ client, component: 'c', log: quiet });
    recorder.event(svc, 'Normal', 'R', 'm');
    const started = Date.now();
    await recorder.flush(100);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
