/** minimesh-cluster run as a user runs it: flags by the project's one parser, a bad one is one line. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/minimesh-cluster.mjs', import.meta.url));

async function cluster(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, MINIMESH_CLUSTER: '' };
  return promisify(execFile)(process.execPath, [BIN, ...args], { timeout: 20_000, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('minimesh-cluster', () => {
  it('a bad flag is one line in pflag\'s words, exit 1', async () => {
    expect(await cluster(['pod', 'add', 'web-1', '--bogus'])).toMatchObject({ code: 1, stderr: 'error: unknown flag: --bogus\n' });
    expect(await cluster(['pod', 'ready', 'web-1', '--ready=maybe'])).toMatchObject({
      code: 1,
      stderr: 'error: invalid argument "maybe" for "--ready" flag: strconv.ParseBool: parsing "maybe": invalid syntax\n',
    });
    expect(await cluster(['status', '--name', 'x y'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: invalid cluster name "x y": [^\n]*\n$/) });
  });

  it('a command\'s --help lists its flags, with their value names and environment variables', async () => {
    const r = await cluster(['pod', 'add', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: minimesh-cluster pod add NAME');
    expect(r.stdout).toContain('  -n, --namespace NS\n');
    expect(r.stdout).toContain('  --port P[/PROTO][:name]\n');
    expect(r.stdout).toContain('  --name NAME [$MINIMESH_CLUSTER]\n');
    expect(r.stdout).toContain('  --not-ready\n');
  });
});
