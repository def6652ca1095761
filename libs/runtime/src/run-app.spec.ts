import { describe, expect, it } from 'vitest';
import { FlagError } from './command-line.js';
import { readFlags, startFailure } from './run-app.js';

describe('startFailure', () => {
  it('words a failure by its cause, in one line', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '0.0.0.0', port: 53 });
    expect(startFailure(inUse)).toBe('cannot listen on 0.0.0.0:53: address already in use');
    expect(startFailure(new Error('first line\n    at stack'))).toBe('first line');
  });

  it('words a file-system failure as Go does (op path: reason), a bind to a foreign address plainly', () => {
    const notDir = Object.assign(new Error("ENOTDIR: not a directory, mkdir '/etc/passwd/x'"), { code: 'ENOTDIR', syscall: 'mkdir', path: '/etc/passwd/x' });
    expect(startFailure(notDir, false)).toBe('mkdir /etc/passwd/x: not a directory');
    const foreign = Object.assign(new Error('listen EADDRNOTAVAIL: address not available 10.9.9.9:80'), { code: 'EADDRNOTAVAIL', syscall: 'listen', address: '10.9.9.9', port: 80 });
    expect(startFailure(foreign, false)).toBe('cannot listen on 10.9.9.9:80: address not available on this host');
    expect(startFailure('plain', false)).toBe('plain');
    expect(startFailure(notDir, true)).toContain('at ');
  });
});

describe('readFlags', () => {
  const app = {
    name: 'minimesh-x',
    flags: { 'min-sync-period': { description: '', default: 1 }, 'sync-period': { description: '', default: 30 } },
    validate: (v: { 'min-sync-period': number; 'sync-period': number }) => {
      if (v['sync-period'] < v['min-sync-period']) throw new Error('--sync-period must be greater than or equal to --min-sync-period');
    },
  };

  it('refuses an argument that is not a flag, in kube-apiserver\'s words', () => {
    expect(() => readFlags(app, ['--sync-period', '5', 'extra', 'more'], {})).toThrow(new FlagError('"minimesh-x" does not take any arguments, got ["extra" "more"]'));
    expect(readFlags(app, ['--help', 'extra'], {}).help).toBe(true);
  });

  it('checks flags together with validate, as a flag error', () => {
    expect(() => readFlags(app, ['--sync-period', '0.5'], {})).toThrow(new FlagError('--sync-period must be greater than or equal to --min-sync-period'));
    expect(readFlags(app, ['--sync-period', '5'], {}).values['sync-period']).toBe(5);
  });
});
