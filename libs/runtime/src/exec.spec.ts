import { describe, expect, it } from 'vitest';
import { CommandError, exec, run } from './exec.js';

describe('exec', () => {
  it('returns code, stdout and stderr, feeding stdin', async () => {
    expect(await exec('sh', ['-c', 'cat; echo oops >&2; exit 3'], 'hello')).toEqual({ code: 3, stdout: 'hello', stderr: 'oops\n' });
  });

  it('run throws a one-line CommandError naming the command and its last stderr line', async () => {
    const e = await run('sh', ['-c', 'echo first >&2; echo second >&2; exit 2']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommandError);
    expect((e as Error).message).toBe("sh -c echo first >&2; echo second >&2; exit 2 failed (exit 2): second");
    expect(await run('echo', ['ok'])).toBe('ok\n');
  });

  it('a program that is not installed says so', async () => {
    await expect(exec('minimesh-no-such-program', [])).rejects.toThrow('minimesh-no-such-program is not installed (run: bash tools/setup.sh)');
  });
});
