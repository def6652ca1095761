import { describe, expect, it } from 'vitest';
import { ANNOTATION_LAST_CHANGE_TRIGGER_TIME, formatRFC3339Nano, TriggerTimeTracker } from './trigger-time-tracker.js';
import { ObservedTimes } from './observed-times.js';
import { makePod, makeService } from './testing/fixtures.js';

describe('formatRFC3339Nano', () => {
  it.each([
    ['2018-01-01T00:00:00.000Z', '2018-01-01T00:00:00Z'],
    ['2018-01-01T00:00:00.500Z', '2018-01-01T00:00:00.5Z'],
    ['2018-01-01T00:00:00.120Z', '2018-01-01T00:00:00.12Z'],
    ['2024-12-31T23:59:59.999Z', '2024-12-31T23:59:59.999Z'],
    ['2024-06-01T12:00:00+02:00', '2024-06-01T10:00:00Z'],
  ])('%s → %s', (input, want) => expect(formatRFC3339Nano(new Date(input))).toBe(want));

  it('names the annotation as Kubernetes does', () => {
    expect(ANNOTATION_LAST_CHANGE_TRIGGER_TIME).toBe('endpoints.kubernetes.io/last-change-trigger-time');
  });
});

describe('TriggerTimeTracker', () => {
  const svc = makeService('s', { creationTimestamp: '2024-05-01T09:00:00Z' });
  const at = (s: string) => new Date(s);
  const pod = (name: string, readyTime: string) => makePod(name, { readyTime });

  it('undo: after a failed sync the retry gets the same trigger time; a first sync undone is a first sync again', () => {
    const t = new TriggerTimeTracker();
    t.compute('study', svc, [pod('a', '2024-05-01T10:00:00Z')]);
    expect(t.compute('study', svc, [pod('a', '2024-05-01T10:00:07Z')])).toEqual(at('2024-05-01T10:00:07Z'));
    t.undo('study', 's');
    expect(t.compute('study', svc, [pod('a', '2024-05-01T10:00:07Z')])).toEqual(at('2024-05-01T10:00:07Z'));
    expect(t.compute('study', svc, [pod('a', '2024-05-01T10:00:07Z')])).toBeUndefined(); // written: nothing new
    t.undo('study', 's');
    t.undo('study', 's'); // a second undo has nothing left to undo
    expect(t.compute('study', svc, [pod('a', '2024-05-01T10:00:07Z')])).toBeUndefined();

    const fresh = new TriggerTimeTracker();
    fresh.compute('study', svc, []);
    fresh.undo('study', 's');
    expect(fresh.size).toBe(0);
    expect(fresh.compute('study', svc, [])).toEqual(at('2024-05-01T09:00:00Z'));
  });

  it('returns the Service creationTimestamp the first time it sees the Service', () => {
    const t = new TriggerTimeTracker();
    expect(t.compute('study', svc, [pod('a', '2024-05-01T10:00:00Z')])).toEqual(at('2024-05-01T09:00:00Z'));
  });

  it('with ObservedTimes: whole-second times seen within their second come out with milliseconds', () => {
    let now = Date.parse('2024-05-01T09:00:00.042Z');
    const observed = new ObservedTimes(() => now);
    const t = new TriggerTimeTracker(observed);
    observed.note('service:study/s', '2024-05-01T09:00:00Z');
    expect(formatRFC3339Nano(t.compute('study', svc, [])!)).toBe('2024-05-01T09:00:00.042Z');
    now = Date.parse('2024-05-01T10:00:05.318Z');
    observed.note('study/a', '2024-05-01T10:00:05Z');
    expect(formatRFC3339Nano(t.compute('study', svc, [pod('a', '2024-05-01T10:00:05Z')])!)).toBe('2024-05-01T10:00:05.318Z');
    expect(t.compute('study', svc, [pod('a', '2024-05-01T10:00:05Z')])).toBeUndefined(); // nothing new
  });

  it('with ObservedTimes: a time first read before the informer noted it is no change when it is noted later', () => {
    let now = Date.parse('2024-05-01T10:00:05.300Z');
    const observed = new ObservedTimes(() => now);
    const t = new TriggerTimeTracker(observed);
    t.compute('study', svc, []);
    t.compute('study', svc, [pod('a', '2024-05-01T10:00:05Z')]); // read from the cache first
    now += 5;
    observed.note('study/a', '2024-05-01T10:00:05Z');
    expect(t.compute('study', svc, [pod('a', '2024-05-01T10:00:05Z')])).toBeUndefined();
  });

  it('returns undefined the first time when the Service has no creationTimestamp', () => {
    const t = new TriggerTimeTracker();
    const bare = makeService('s');
    delete bare.metadata.creationTimestamp;
    expect(t.compute('study', bare, [])).toBeUndefined();
  });

  it.each<[string, [string, string][], [string, string][], string | undefined]>([
    ['nothing changed', [['a', '2024-05-01T10:00:00Z']], [['a', '2024-05-01T10:00:00Z']], undefined],
    ['one pod became ready later', [['a', '2024-05-01T10:00:00Z']], [['a', '2024-05-01T10:05:00Z']], '2024-05-01T10:05:00Z'],
    [
      'the earliest of the changed times',
      [['a', '2024-05-01T10:00:00Z'], ['b', '2024-05-01T10:00:00Z'], ['c', '2024-05-01T10:00:00Z']],
      [['a', '2024-05-01T10:07:00Z'], ['b', '2024-05-01T10:03:00Z'], ['c', '2024-05-01T10:00:00Z']],
      '2024-05-01T10:03:00Z',
    ],
    ['a new pod', [['a', '2024-05-01T10:00:00Z']], [['a', '2024-05-01T10:00:00Z'], ['b', '2024-05-01T10:01:00Z']], '2024-05-01T10:01:00Z'],
    ['a pod went away', [['a', '2024-05-01T10:00:00Z'], ['b', '2024-05-01T10:01:00Z']], [['a', '2024-05-01T10:00:00Z']], undefined],
    ['a transition moving backwards is not a change', [['a', '2024-05-01T10:00:00Z']], [['a', '2024-05-01T09:30:00Z']], undefined],
  ])('%s', (_name, before, after, want) => {
    const t = new TriggerTimeTracker();
    t.compute('study', svc, before.map(([n, ts]) => pod(n, ts)));
    expect(t.compute('study', svc, after.map(([n, ts]) => pod(n, ts)))).toEqual(want ? at(want) : undefined);
  });

  it('ignores pods without a Ready transition time', () => {
    const t = new TriggerTimeTracker();
    t.compute('study', svc, []);
    const p = makePod('a');
    p.status!.conditions = [];
    expect(t.compute('study', svc, [p])).toBeUndefined();
  });

  it('a re-created Service (newer creationTimestamp) is a change', () => {
    const t = new TriggerTimeTracker();
    t.compute('study', svc, []);
    expect(t.compute('study', makeService('s', { creationTimestamp: '2024-05-02T00:00:00Z' }), [])).toEqual(at('2024-05-02T00:00:00Z'));
  });

  it('forget drops the state: the next call is a first sight again', () => {
    const t = new TriggerTimeTracker();
    t.compute('study', svc, []);
    expect(t.compute('study', svc, [])).toBeUndefined();
    t.forget('study', 's');
    expect(t.size).toBe(0);
    expect(t.compute('study', svc, [])).toEqual(at('2024-05-01T09:00:00Z'));
  });

  it('keeps Services of different namespaces apart', () => {
    const t = new TriggerTimeTracker();
    t.compute('study', svc, []);
    expect(t.compute('default', svc, [])).toEqual(at('2024-05-01T09:00:00Z'));
  });
});
