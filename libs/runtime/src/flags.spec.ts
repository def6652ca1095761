import { describe, expect, it } from 'vitest';
import { FlagError, envName, helpText, parseFlags } from './flags.js';

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
    expect(text).toContain('--leader-elect  [$MINIMESH_LEADER_ELECT]');
    expect(text).toContain('--server  [$MINIMESH_SERVER]');
    expect(text).toContain('(default "30000-32767")');
    expect(parseFlags(SPECS, ['-h'], {}).help).toBe(true);
    expect(envName('data-dir', { description: '', default: '' })).toBe('MINIMESH_DATA_DIR');
  });
});
