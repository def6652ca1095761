/** Every app's entry point, run as a user runs it: a bad flag or a failed start is one line, never a stack. */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const APISERVER = fileURLToPath(new URL('../../../../apps/apiserver/bin/minimesh-apiserver.mjs', import.meta.url));

async function runBin(bin: string, args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(process.execPath, [bin, ...args], { timeout: 20_000 });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

describe('an app run as a user runs it', () => {
  it('a bad flag value: one line in Kubernetes’ words, a hint, exit 2', async () => {
    const r = await runBin(APISERVER, ['--service-cluster-ip-range', '10.0.0.0/8']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "minimesh-apiserver: invalid value for --service-cluster-ip-range: specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12\nRun 'minimesh-apiserver --help' for usage.\n",
    );
    expect((await runBin(APISERVER, ['--listen', '127.0.0.1:abc'])).stderr).toContain('invalid value for --listen: "127.0.0.1:abc" has no valid port (0-65535)');
  });

  it('a failure to start: one line, exit 1', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await runBin(APISERVER, ['--listen', '127.0.0.1:0', '--http-listen', `127.0.0.1:${port}`, '--data-dir', `/tmp/minimesh-run-app-${process.pid}`, '--nats-url', '']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}: address already in use`);
    } finally {
      taken.close();
    }
  });
});
