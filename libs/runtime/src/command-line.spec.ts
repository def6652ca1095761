import { describe, expect, it } from 'vitest';
import { CommandLine, FlagError, parseCommandLine, type FlagDef } from './command-line.js';

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
