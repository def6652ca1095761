import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import type { Event } from '../types/event.js';
import { validateObject } from './validate-object.js';

const event = (o: Partial<Event> = {}, namespace = 'study'): Event => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web.17f3a9c2b1d4e5f6', namespace },
  involvedObject: { kind: 'Service', namespace: 'study', name: 'web', uid: 'u-1', apiVersion: 'v1' },
  reason: 'IPAllocated',
  message: 'Assigned IP "192.168.1.240"',
  source: { component: 'metallb-controller' },
  type: 'Normal',
  count: 1,
  ...o,
});
const errors = (ev: Event) => validateObject(ev).map(formatFieldError);

describe('Event validation', () => {
  it('accepts what client-go\'s recorder writes', () => {
    expect(errors(event())).toEqual([]);
    // A cluster-scoped object's events live in "default".
    expect(errors(event({ involvedObject: { kind: 'Node', name: 'node1' } }, 'default'))).toEqual([]);
  });

  it('refuses an event in another namespace than its object\'s, in kube-apiserver\'s words', () => {
    expect(errors(event({}, 'default'))).toEqual(['involvedObject.namespace: Invalid value: "study": does not match event.namespace']);
    expect(errors(event({ involvedObject: { kind: 'Node', name: 'node1' } }, 'study'))).toEqual(['involvedObject.namespace: Invalid value: "": does not match event.namespace']);
  });

  it('requires the reporting fields of an event with an eventTime', () => {
    expect(errors(event({ eventTime: '2026-12-05T12:00:00.000000Z', reason: '' }))).toEqual([
      'reportingComponent: Required value',
      'reportingInstance: Required value',
      'action: Required value',
      'reason: Required value',
    ]);
    const long = event({ eventTime: '2026-12-05T12:00:00.000000Z', reportingComponent: 'metallb.io/controller', reportingInstance: 'node1', action: 'Allocate', message: 'x'.repeat(1025) });
    expect(errors(long)).toEqual(['message: Invalid value: "": can have at most 1024 characters']);
  });
});
