import { describe, expect, it } from 'vitest';
import { helpText, parseArgs, type OptSpecs } from './args.js';

const specs: OptSpecs = {
  node: { type: 'string', help: 'node' },
  namespace: { type: 'string', short: 'n', help: 'ns' },
  port: { type: 'list', help: 'port' },
  ready: { type: 'bool', help: 'ready' },
  name: { type: 'string', env: 'MINIMESH_CLUSTER', help: 'cluster' },
};

describe('parseArgs', () => {
  it('reads long, short, inline, repeated and boolean flags and positionals', () => {
    const a = parseArgs(['web-1', '--node', 'node1', '-n', 'study', '--port=80', '--port', '53/udp', '--ready=false'], specs, {});
    expect(a.positionals).toEqual(['web-1']);
    expect(a.strings).toEqual({ node: 'node1', namespace: 'study' });
    expect(a.lists.port).toEqual(['80', '53/udp']);
    expect(a.bools.ready).toBe(false);
    expect(a.help).toBe(false);
  });

  it('keeps everything after -- for exec', () => {
    const a = parseArgs(['web-1', '-n', 'study', '--', 'curl', '-s', '--max-time', '2', 'http://x/'], specs, {});
    expect(a.positionals).toEqual(['web-1']);
    expect(a.rest).toEqual(['curl', '-s', '--max-time', '2', 'http://x/']);
  });

  it('takes a default from the environment, which a flag overrides', () => {
    expect(parseArgs([], specs, { MINIMESH_CLUSTER: 'e2e' }).strings.name).toBe('e2e');
    expect(parseArgs(['--name', 'x'], specs, { MINIMESH_CLUSTER: 'e2e' }).strings.name).toBe('x');
  });

  it('a bare boolean is true; --help is noticed', () => {
    const a = parseArgs(['--ready', '--help'], specs, {});
    expect(a.bools.ready).toBe(true);
    expect(a.help).toBe(true);
  });

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['--node'], 'flag needs an argument: --node'],
    [['--ready=maybe'], 'invalid argument "maybe" for "--ready" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
  ])('refuses %j', (argv, err) => {
    expect(() => parseArgs(argv, specs, {})).toThrow(err);
  });
});

describe('helpText', () => {
  it('lists every flag with its short form and environment variable', () => {
    const text = helpText('cmd [flags]', 'Does things.', specs);
    expect(text).toContain('Usage: cmd [flags]');
    expect(text).toContain('-n, --namespace VALUE');
    expect(text).toContain('--name VALUE [$MINIMESH_CLUSTER]');
    expect(text).toContain('--ready\n');
  });
});
