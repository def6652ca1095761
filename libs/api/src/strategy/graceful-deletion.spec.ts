import { describe, expect, it } from 'vitest';
import { ConflictError, InvalidError } from '../errors/api-errors.js';
import type { Endpoints, Pod } from '../types/core.js';
import { checkDeletePreconditions, deletesOnUpdate, deletionTime, gracePeriodFor, LATEST_DELETION_TIMESTAMP_MS, planDeletion, validateDeleteOptions } from './graceful-deletion.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const pod = (over: Partial<Pod['spec']> = {}, phase = 'Running', meta: Partial<Pod['metadata']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'study', uid: 'u1', resourceVersion: '5', ...meta },
  spec: { nodeName: 'node1', containers: [{ name: 'c' }], ...over },
  status: { phase },
});
const ep: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', namespace: 'study' } };

describe('graceful deletion', () => {
  it('grace periods: request, then the pod’s own, then 30 s; unscheduled or finished pods and other kinds go at once', () => {
    expect(gracePeriodFor(pod(), {})).toBe(30);
    expect(gracePeriodFor(pod({ terminationGracePeriodSeconds: 5 }), {})).toBe(5);
    expect(gracePeriodFor(pod({ terminationGracePeriodSeconds: 5 }), { gracePeriodSeconds: 1 })).toBe(1);
    expect(gracePeriodFor(pod({ nodeName: undefined }), {})).toBe(0);
    expect(gracePeriodFor(pod({}, 'Failed'), {})).toBe(0);
    expect(gracePeriodFor(ep, { gracePeriodSeconds: 30 })).toBe(0);
  });

  it('a grace period of thousands of years is kept, its deletionTimestamp stops at the last second of year 9999', () => {
    const at = (grace: number) => {
      const plan = planDeletion(pod(), { gracePeriodSeconds: grace }, NOW);
      return plan.action === 'mark' ? [plan.object.metadata.deletionTimestamp, plan.object.metadata.deletionGracePeriodSeconds] : plan;
    };
    expect(at(10_000_000_000)).toEqual(['2341-03-22T05:46:40Z', 10_000_000_000]);
    expect(at(1e12)).toEqual(['9999-12-31T23:59:59Z', 1e12]);
    expect(at(2 ** 52)).toEqual(['9999-12-31T23:59:59Z', 2 ** 52]);
    expect(at(Number.MAX_SAFE_INTEGER)).toEqual(['9999-12-31T23:59:59Z', Number.MAX_SAFE_INTEGER]);
    expect(deletionTime(LATEST_DELETION_TIMESTAMP_MS - 500)).toBe('9999-12-31T23:59:59Z');
    expect(deletionTime(NOW + 1)).toBe('2024-05-01T12:00:01Z');
  });

  it('a running pod is marked, not removed', () => {
    const plan = planDeletion(pod(), {}, NOW);
    expect(plan).toMatchObject({ action: 'mark', gracePeriodSeconds: 30 });
    expect(plan.action === 'mark' && plan.object.metadata).toMatchObject({ deletionTimestamp: '2024-05-01T12:00:30Z', deletionGracePeriodSeconds: 30 });
  });

  it('grace 0 removes at once, unless finalizers hold the object', () => {
    expect(planDeletion(pod(), { gracePeriodSeconds: 0 }, NOW)).toEqual({ action: 'delete' });
    expect(planDeletion(ep, {}, NOW)).toEqual({ action: 'delete' });
    const held = planDeletion({ ...ep, metadata: { ...ep.metadata, finalizers: ['example.com/x'] } }, {}, NOW);
    expect(held.action === 'mark' && held.object.metadata).toMatchObject({ deletionTimestamp: '2024-05-01T12:00:00Z', deletionGracePeriodSeconds: 0 });
  });

  it('a second delete may shorten the grace period, never lengthen it', () => {
    const marked = pod({}, 'Running', { deletionTimestamp: '2024-05-01T12:00:30Z', deletionGracePeriodSeconds: 30 });
    expect(planDeletion(marked, {}, NOW + 1000)).toEqual({ action: 'none' });
    expect(planDeletion(marked, { gracePeriodSeconds: 60 }, NOW + 1000)).toEqual({ action: 'none' });
    expect(planDeletion(marked, { gracePeriodSeconds: 5 }, NOW + 1000)).toMatchObject({ action: 'mark', gracePeriodSeconds: 5 });
    expect(planDeletion(marked, { gracePeriodSeconds: 0 }, NOW + 1000)).toEqual({ action: 'delete' });
  });

  it('removing the last finalizer of an object marked with grace 0 deletes it', () => {
    const old = { ...ep, metadata: { ...ep.metadata, deletionTimestamp: '2024-05-01T12:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['a.io/x'] } };
    expect(deletesOnUpdate({ ...old, metadata: { ...old.metadata, finalizers: [] } }, old)).toBe(true);
    expect(deletesOnUpdate(old, old)).toBe(false);
  });

  it('preconditions and options are checked in the apiserver’s words', () => {
    expect(() => checkDeletePreconditions(pod(), { preconditions: { uid: 'other' } })).toThrow(
      new ConflictError('Pod', 'p', 'Precondition failed: UID in precondition: other, UID in object meta: u1'),
    );
    expect(() => checkDeletePreconditions(pod(), { preconditions: { resourceVersion: '4' } })).toThrow(ConflictError);
    expect(() => validateDeleteOptions({ gracePeriodSeconds: -1 })).toThrow(InvalidError);
    expect(() => validateDeleteOptions({ propagationPolicy: 'Sometimes' })).toThrow('propagationPolicy: Unsupported value: "Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"');
    // A precondition given empty is still a precondition (Go's *string), and fails.
    expect(() => checkDeletePreconditions(pod(), { preconditions: { uid: '' } })).toThrow(/Precondition failed: UID in precondition: , UID in object meta: /);
    expect(() => checkDeletePreconditions(pod(), { preconditions: { resourceVersion: '' } })).toThrow(ConflictError);
  });
});
