import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { parseDurationFlag } from './go-duration.js';

describe('parseDurationFlag (Go time.ParseDuration, as kubectl flags read it)', () => {
  it.each([
    ['0', 0],
    ['30s', 30],
    ['1m30s', 90],
    ['1h2m', 3720],
    ['.5s', 0.5],
    ['300ms', 0.3],
    ['1.5h', 5400],
    ['-1s', -1],
  ])('%s is %d seconds', (raw, seconds) => {
    expect(parseDurationFlag(raw, 'timeout', 'delete')).toBeCloseTo(seconds);
  });

  it.each([
    ['abc', 'time: invalid duration "abc"'],
    ['', 'time: invalid duration ""'],
    ['5', 'time: missing unit in duration "5"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    [' 1s', 'time: invalid duration " 1s"'],
  ])('refuses %j like kubectl', (raw, why) => {
    let err: unknown;
    try {
      parseDurationFlag(raw, 'timeout', 'delete');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toBe(`invalid argument "${raw}" for "--timeout" flag: ${why}`);
    expect((err as CliError).hint).toBe("See 'meshctl delete --help' for usage.");
  });
});
