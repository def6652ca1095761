import { describe, expect, it } from 'vitest';
import { ObservedTimes } from './observed-times.js';

describe('ObservedTimes', () => {
  it('observed-times - a whole-second time seen within its second becomes the moment it was seen', () => {
    let now = Date.parse('2026-12-05T20:30:01.137Z');
    const o = new ObservedTimes(() => now);
    o.note('study/pod-1', '2026-12-05T20:30:01Z');
    now += 500; // a resync or another event with the same time does not move it
    o.note('study/pod-1', '2026-12-05T20:30:01Z');
    expect(o.refine('study/pod-1', Date.parse('2026-12-05T20:30:01Z'))).toBe(Date.parse('2026-12-05T20:30:01.137Z'));
  });

  it('observed-times - seen just after its second: the last millisecond of that second', () => {
    const late = new ObservedTimes(() => Date.parse('2026-12-05T20:30:02.012Z'));
    late.note('a', '2026-12-05T20:30:01Z');
    expect(late.refine('a', Date.parse('2026-12-05T20:30:01Z'))).toBe(Date.parse('2026-12-05T20:30:01.999Z'));
  });

  it('observed-times - kept as is: seen seconds later, another time, a time with fractions, an unknown object', () => {
    const late = new ObservedTimes(() => Date.parse('2026-12-05T20:30:06.001Z'));
    late.note('a', '2026-12-05T20:30:01Z');
    expect(late.refine('a', Date.parse('2026-12-05T20:30:01Z'))).toBe(Date.parse('2026-12-05T20:30:01Z'));
    const o = new ObservedTimes(() => Date.parse('2026-12-05T20:30:01.500Z'));
    o.note('b', '2026-12-05T20:30:01Z');
    expect(o.refine('b', Date.parse('2026-12-05T20:29:59Z'))).toBe(Date.parse('2026-12-05T20:29:59Z'));
    o.note('c', '2026-12-05T20:30:01.250Z');
    expect(o.refine('c', Date.parse('2026-12-05T20:30:01.250Z'))).toBe(Date.parse('2026-12-05T20:30:01.250Z'));
    expect(o.refine('d', 5000)).toBe(5000);
    o.note('e', 'not a time');
    o.forget('b');
    expect(o.size).toBe(1);
  });
});
