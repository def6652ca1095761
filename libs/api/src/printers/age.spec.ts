import { describe, expect, it } from 'vitest';
import { humanDuration, translateTimestampSince } from './age.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it.each<[number, string]>([
    [-2 * s, '<invalid>'],
    [-1 * s, '0s'],
    [-500, '0s'],
    [0, '0s'],
    [10 * s, '10s'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [2 * m + 1 * s, '2m1s'],
    [5 * m + 47 * s, '5m47s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 4 * m, '3h4m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [2 * d + 5 * h, '2d5h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [13 * d, '13d'],
    [278 * d, '278d'],
    [2 * y - 1 * d, '729d'],
    [2 * y, '2y'],
    [2 * y + 30 * d, '2y30d'],
    [7 * y + 364 * d, '7y364d'],
    [8 * y, '8y'],
    [12 * y + 100 * d, '12y'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe('translateTimestampSince', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('measures from an RFC 3339 timestamp', () => {
    expect(translateTimestampSince('2024-05-01T11:54:13Z', now)).toBe('5m47s');
    expect(translateTimestampSince('2023-07-28T12:00:00Z', now)).toBe('278d');
  });
  it('prints <unknown> without a timestamp', () => {
    expect(translateTimestampSince(undefined, now)).toBe('<unknown>');
    expect(translateTimestampSince('', now)).toBe('<unknown>');
    expect(translateTimestampSince('not a time', now)).toBe('<unknown>');
  });
});
