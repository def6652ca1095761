import { describe, expect, it } from 'vitest';
import { CommandLine, FlagError, parseCommandLine, usageText, type FlagDef } from './command-line.js';

const defs: FlagDef[] = [
  { name: 'namespace', short: 'n', type: 'string', help: '' },
  { name: 'all-namespaces', short: 'A', type: 'bool', help: '' },
  { name: 'watch', short: 'w', type: 'bool', help: '' },
  { name: 'filename', short: 'f', type: 'strings', help: '' },
  { name: 'server', short: 's', type: 'string', help: '', env: 'MINIMESH_SERVER' },
  { name: 'wait', type: 'bool', help: '', env: 'MINIMESH_WAIT' },
];

describe('parseCommandLine', () => {
  it('reads long, short, attached and = forms anywhere among the arguments', () => {
    const p = parseCommandLine(['get', '-n', 'study', 'svc', '--server=h:1', '-Aw', 'x', '-fa.yaml', '-f=b.yaml', '--filename', 'c.yaml,d.yaml'], defs);
    expect(p.positionals).toEqual(['get', 'svc', 'x']);
    expect(p.values.get('namespace')).toBe('study');
    expect(p.values.get('server')).toBe('h:1');
    expect(p.values.get('all-namespaces')).toBe(true);
    expect(p.values.get('watch')).toBe(true);
    expect(p.values.get('filename')).toEqual(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']);
  });

  it('keeps everything after -- as it is, and accepts --bool=false', () => {
    const p = parseCommandLine(['--watch=false', 'exec', '--', '-n', 'x'], defs);
    expect(p.values.get('watch')).toBe(false);
    expect(p.positionals).toEqual(['exec']);
    expect(p.rest).toEqual(['-n', 'x']);
  });

  it('words errors as pflag does', () => {
    expect(() => parseCommandLine(['--nope'], defs)).toThrow(new FlagError('unknown flag: --nope'));
    expect(() => parseCommandLine(['-x'], defs)).toThrow("unknown shorthand flag: 'x' in -x");
    expect(() => parseCommandLine(['--namespace'], defs)).toThrow('flag needs an argument: --namespace');
    expect(() => parseCommandLine(['-n'], defs)).toThrow("flag needs an argument: 'n' in -n");
    expect(() => parseCommandLine(['--watch=maybe'], defs)).toThrow('invalid argument "maybe" for "--watch" flag: strconv.ParseBool: parsing "maybe": invalid syntax');
  });
});

describe('CommandLine', () => {
  it('falls back to the environment, then to the default', () => {
    const f = new CommandLine(parseCommandLine([], defs), defs, { MINIMESH_SERVER: '10.0.0.1:6443', MINIMESH_WAIT: 'false' });
    expect(f.string('server', 'd')).toBe('10.0.0.1:6443');
    expect(new CommandLine(parseCommandLine(['-s', 'x:1'], defs), defs, { MINIMESH_SERVER: 'y:2' }).string('server')).toBe('x:1');
    expect(new CommandLine(parseCommandLine([], defs), defs, {}).string('server', '127.0.0.1:6443')).toBe('127.0.0.1:6443');
    expect(f.given('server')).toBe(false);
    expect(f.strings('filename')).toEqual([]);
    expect(f.bool('watch')).toBe(false);
    expect(f.bool('wait', true)).toBe(false);
    expect(new CommandLine(parseCommandLine([], defs), defs, {}).bool('wait', true)).toBe(true);
  });

  it('positionals include what follows --; rest is only that', () => {
    const f = new CommandLine(parseCommandLine(['exec', 'pod-1', '--', 'curl', '-s'], defs), defs);
    expect(f.positionals).toEqual(['exec', 'pod-1', 'curl', '-s']);
    expect(f.rest).toEqual(['curl', '-s']);
  });
});

// The cluster tool's flags (moved from tools/cluster/src/args.spec.ts, which tested its own parser).
describe('the cluster tool on CommandLine', () => {
  const cluster: FlagDef[] = [
    { name: 'help', short: 'h', type: 'bool', help: 'Show this help.' },
    { name: 'node', type: 'string', help: 'node' },
    { name: 'namespace', short: 'n', type: 'string', help: 'ns' },
    { name: 'port', type: 'strings', help: 'port' },
    { name: 'ready', type: 'bool', help: 'ready' },
    { name: 'name', type: 'string', env: 'MINIMESH_CLUSTER', help: 'cluster' },
  ];
  const parse = (argv: string[], env: Record<string, string> = {}) => CommandLine.parse(argv, cluster, env);

  it('reads long, short, inline, repeated and boolean flags and positionals', () => {
    const a = parse(['web-1', '--node', 'node1', '-n', 'study', '--port=80', '--port', '53/udp', '--ready=false']);
    expect(a.args).toEqual(['web-1']);
    expect([a.optional('node'), a.optional('namespace'), a.optional('name')]).toEqual(['node1', 'study', undefined]);
    expect(a.strings('port')).toEqual(['80', '53/udp']);
    expect(a.bool('ready', true)).toBe(false);
    expect(a.bool('help')).toBe(false);
  });

  it('keeps everything after -- for exec', () => {
    const a = parse(['web-1', '-n', 'study', '--', 'curl', '-s', '--max-time', '2', 'http://x/']);
    expect(a.args).toEqual(['web-1']);
    expect(a.rest).toEqual(['curl', '-s', '--max-time', '2', 'http://x/']);
  });

  it('takes a default from the environment, which a flag overrides', () => {
    expect(parse([], { MINIMESH_CLUSTER: 'e2e' }).optional('name')).toBe('e2e');
    expect(parse(['--name', 'x'], { MINIMESH_CLUSTER: 'e2e' }).optional('name')).toBe('x');
  });

  it('a bare boolean is true; --help is noticed', () => {
    const a = parse(['--ready', '--help']);
    expect(a.bool('ready')).toBe(true);
    expect(a.bool('help')).toBe(true);
  });

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['--node'], 'flag needs an argument: --node'],
    [['--ready=maybe'], 'invalid argument "maybe" for "--ready" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
  ])('refuses %j', (argv, err) => {
    expect(() => parse(argv)).toThrow(new FlagError(err));
  });

  it('usageText lists every flag with its short form and environment variable', () => {
    const text = usageText('cmd [flags]', 'Does things.', cluster);
    expect(text).toContain('Usage: cmd [flags]');
    expect(text).toContain('-n, --namespace VALUE');
    expect(text).toContain('--name VALUE [$MINIMESH_CLUSTER]');
    expect(text).toContain('--ready\n');
    expect(text.match(/--help/g)).toHaveLength(1);
    expect(usageText('cmd', 'Nothing.', [{ name: 'wait', type: 'string', valueName: 'SECONDS', defaultText: '5s', help: 'How long.' }])).toBe(
      'Nothing.\n\nUsage: cmd\n\nFlags:\n  --wait SECONDS\n      How long. (default 5s)\n  -h, --help\n      Show this help.\n',
    );
  });
});
