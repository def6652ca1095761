import { describe, expect, it } from 'vitest';
import { FlagError, Flags, parseFlags, type FlagSpec } from './flags.js';

const specs: FlagSpec[] = [
  { name: 'namespace', short: 'n', type: 'string', help: '' },
  { name: 'all-namespaces', short: 'A', type: 'bool', help: '' },
  { name: 'watch', short: 'w', type: 'bool', help: '' },
  { name: 'filename', short: 'f', type: 'strings', help: '' },
  { name: 'server', short: 's', type: 'string', help: '', env: 'MINIMESH_SERVER' },
];

describe('parseFlags', () => {
  it('reads long, short, attached and = forms anywhere among the arguments', () => {
    const p = parseFlags(['get', '-n', 'study', 'svc', '--server=h:1', '-Aw', 'x', '-fa.yaml', '-f=b.yaml', '--filename', 'c.yaml,d.yaml'], specs);
    expect(p.positionals).toEqual(['get', 'svc', 'x']);
    expect(p.values.get('namespace')).toBe('study');
    expect(p.values.get('server')).toBe('h:1');
    expect(p.values.get('all-namespaces')).toBe(true);
    expect(p.values.get('watch')).toBe(true);
    expect(p.values.get('filename')).toEqual(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']);
  });

  it('treats everything after -- as arguments and accepts --bool=false', () => {
    const p = parseFlags(['--watch=false', '--', '-n', 'x'], specs);
    expect(p.values.get('watch')).toBe(false);
    expect(p.positionals).toEqual(['-n', 'x']);
  });

  it('words errors as pflag does', () => {
    expect(() => parseFlags(['--nope'], specs)).toThrow(new FlagError('unknown flag: --nope'));
    expect(() => parseFlags(['-x'], specs)).toThrow("unknown shorthand flag: 'x' in -x");
    expect(() => parseFlags(['--namespace'], specs)).toThrow('flag needs an argument: --namespace');
    expect(() => parseFlags(['-n'], specs)).toThrow("flag needs an argument: 'n' in -n");
    expect(() => parseFlags(['--watch=maybe'], specs)).toThrow('invalid argument "maybe" for "--watch" flag');
  });
});

describe('Flags', () => {
  it('falls back to the environment, then to the default', () => {
    const f = new Flags(parseFlags([], specs), specs, { MINIMESH_SERVER: '10.0.0.1:6443' });
    expect(f.string('server', 'd')).toBe('10.0.0.1:6443');
    expect(new Flags(parseFlags(['-s', 'x:1'], specs), specs, { MINIMESH_SERVER: 'y:2' }).string('server')).toBe('x:1');
    expect(new Flags(parseFlags([], specs), specs, {}).string('server', '127.0.0.1:6443')).toBe('127.0.0.1:6443');
    expect(f.given('server')).toBe(false);
    expect(f.strings('filename')).toEqual([]);
    expect(f.bool('watch')).toBe(false);
  });
});
