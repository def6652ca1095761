import { describe, expect, it } from 'vitest';
import { parseGoTime } from './go-time.js';

const refusal = (value: string, type: 'Time' | 'MicroTime') => {
  try {
    parseGoTime(value, type);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
};

describe('parseGoTime', () => {
  it.each([
    ['2024-05-01T11:59:59Z', 'Time', '2024-05-01T11:59:59Z'],
    ['2024-05-01T13:59:59+02:00', 'Time', '2024-05-01T11:59:59Z'],
    ['2024-05-01T11:59:59.987Z', 'Time', '2024-05-01T11:59:59Z'],
    ['2024-01-01T00:30:00+01:00', 'Time', '2023-12-31T23:30:00Z'],
    ['2024-05-01T11:59:59.123456Z', 'MicroTime', '2024-05-01T11:59:59.123456Z'],
    ['2024-05-01T11:59:59.000001-00:30', 'MicroTime', '2024-05-01T12:29:59.000001Z'],
  ] as const)('%s as %s is %s', (value, type, want) => expect(parseGoTime(value, type)).toBe(want));

  it.each([
    ['garbage', 'Time', 'parsing time "garbage" as "2006-01-02T15:04:05Z07:00": cannot parse "garbage" as "2006"'],
    ['', 'Time', 'parsing time "" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "2006"'],
    ['2024/05/01', 'Time', 'parsing time "2024/05/01" as "2006-01-02T15:04:05Z07:00": cannot parse "/05/01" as "-"'],
    ['2024-05-01', 'Time', 'parsing time "2024-05-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"'],
    ['2024-13-01T00:00:00Z', 'Time', 'parsing time "2024-13-01T00:00:00Z": month out of range'],
    ['2023-02-29T00:00:00Z', 'Time', 'parsing time "2023-02-29T00:00:00Z": day out of range'],
    ['2024-05-01T11:59:59', 'Time', 'parsing time "2024-05-01T11:59:59" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"'],
    ['2024-05-01T11:59:59Zjunk', 'Time', 'parsing time "2024-05-01T11:59:59Zjunk": extra text: "junk"'],
    ['2024-05-01T11:59:59Z', 'MicroTime', 'parsing time "2024-05-01T11:59:59Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"'],
    ['2024-05-01T11:59:59.123Z', 'MicroTime', 'parsing time "2024-05-01T11:59:59.123Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".123Z" as ".000000"'],
  ] as const)('%s as %s is refused in Go\'s words', (value, type, message) => expect(refusal(value, type)).toBe(message));
});
