import { describe, expect, it } from 'vitest';
import { FlagError, duration, durationFlag, envName, formatDuration, helpText, integer, nonEmpty, oneOf, parseDuration, parseFlags } from './flags.js';

const SPECS = {
  listen: { description: 'where', default: '127.0.0.1:6443' },
  workers: { description: 'how many', default: 5 },
  'leader-elect': { description: 'elect', default: true },
  range: {
    description: 'a range',
    default: '30000-32767',
    parse: (raw: string) => {
      if (!/^\d+-\d+$/.test(raw)) throw new Error(`"${raw}" is not a range`);
      return raw;
    },
  },
  server: { description: 'server', default: 'x', env: 'MINIMESH_SERVER' },
};

describe('flags', () => {
  it('flags - defaults, then the environment, then the command line', () => {
    expect(parseFlags(SPECS, [], {}).values).toEqual({ listen: '127.0.0.1:6443', workers: 5, 'leader-elect': true, range: '30000-32767', server: 'x' });
    const env = { MINIMESH_WORKERS: '7', MINIMESH_LEADER_ELECT: 'false', MINIMESH_SERVER: 'unix:///s.sock' };
    expect(parseFlags(SPECS, [], env).values).toMatchObject({ workers: 7, 'leader-elect': false, server: 'unix:///s.sock' });
    expect(parseFlags(SPECS, ['--workers', '9', '--leader-elect', '--range=1-2'], env).values).toMatchObject({ workers: 9, 'leader-elect': true, range: '1-2' });
  });

  it('flags - errors name the flag or the variable', () => {
    expect(() => parseFlags(SPECS, ['--workers', 'many'], {})).toThrow(new FlagError('invalid value for --workers: "many" is not a number'));
    expect(() => parseFlags(SPECS, [], { MINIMESH_RANGE: 'x' })).toThrow('invalid value for MINIMESH_RANGE: "x" is not a range');
    expect(() => parseFlags(SPECS, ['--nope'], {})).toThrow('unknown flag: --nope');
    expect(() => parseFlags(SPECS, ['--listen'], {})).toThrow('flag needs an argument: --listen');
  });

  it('flags - help lists every flag with its variable and default', () => {
    const text = helpText('app [flags]', 'An app.', SPECS);
    // The layout is the cluster tool's now (usageText): a value name after flags that take one.
    expect(text).toContain('--leader-elect [$MINIMESH_LEADER_ELECT]');
    expect(text).toContain('--server VALUE [$MINIMESH_SERVER]');
    expect(text).toContain('(default "30000-32767")');
    expect(parseFlags(SPECS, ['-h'], {}).help).toBe(true);
    expect(envName('data-dir', { description: '', default: '' })).toBe('MINIMESH_DATA_DIR');
  });
});

describe('value parsers', () => {
  it('durations: Go syntax or a bare number of seconds, in Go\'s words when bad', () => {
    expect([parseDuration('30s'), parseDuration('1m30s'), parseDuration('500ms'), parseDuration('1.5h'), parseDuration('2'), parseDuration('0.5'), parseDuration('-1s')]).toEqual([30, 90, 0.5, 5400, 2, 0.5, -1]);
    expect(() => parseDuration('abc')).toThrow('time: invalid duration "abc"');
    expect(() => parseDuration('5x')).toThrow('time: unknown unit "x" in duration "5x"');
    expect(() => parseDuration('')).toThrow('time: invalid duration ""');
    expect([formatDuration(30), formatDuration(90), formatDuration(86400), formatDuration(0.5), formatDuration(0), formatDuration(1.5)]).toEqual(['30s', '1m30s', '24h0m0s', '500ms', '0s', '1.5s']);
  });

  it('durations: the sign checks are kube-proxy\'s words', () => {
    expect(duration({ min: 'positive' })('2m')).toBe(120);
    expect(() => duration({ min: 'positive' })('0')).toThrow('"0": must be greater than 0');
    expect(() => duration({ min: 'non-negative' })('-5s')).toThrow('"-5s": must be greater than or equal to 0');
    expect(duration({ min: 'non-negative' })('0s')).toBe(0);
  });

  it('a duration flag: seconds, shown as a Go duration in help, its errors naming the flag', () => {
    const specs = { 'sync-period': durationFlag('Longest time between syncs.', 30, { min: 'positive' }) };
    expect(parseFlags(specs, [], {}).values['sync-period']).toBe(30);
    expect(parseFlags(specs, ['--sync-period', '1m'], {}).values['sync-period']).toBe(60);
    expect(parseFlags(specs, [], { MINIMESH_SYNC_PERIOD: '10' }).values['sync-period']).toBe(10);
    expect(() => parseFlags(specs, ['--sync-period', '-5'], {})).toThrow(new FlagError('invalid value for --sync-period: "-5": must be greater than 0'));
    expect(() => parseFlags(specs, ['--sync-period=soon'], {})).toThrow(new FlagError('invalid value for --sync-period: time: invalid duration "soon"'));
    expect(helpText('app', 'An app.', specs)).toContain('  --sync-period DURATION [$MINIMESH_SYNC_PERIOD]\n      Longest time between syncs. (default 30s)');
  });

  it('integers, choices, non-empty text', () => {
    expect(integer(1, 1000)('7')).toBe(7);
    expect(() => integer(1, 1000)('2000')).toThrow('2000 is not an integer between 1 and 1000');
    expect(() => integer(1)('2.5')).toThrow('"2.5" is not an integer');
    expect(() => integer(1)('')).toThrow('"" is not an integer');
    expect(() => integer(1)('0')).toThrow('"0": must be greater than or equal to 1');
    expect(oneOf(['grpc', 'nats'])('nats')).toBe('nats');
    expect(() => oneOf(['grpc', 'nats'])('kafka')).toThrow('"kafka" is not one of grpc, nats');
    expect(() => nonEmpty(' ')).toThrow('must not be empty');
  });
});
