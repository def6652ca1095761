/**
 * Runs meshctl commands in-process, capturing stdout, stderr and the exit code: against a
 * FakeApiClient (`harness`), or against a real apiserver (`meshctlAgainst`).
 */
import { fileURLToPath } from 'node:url';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import { FakeApiClient } from '@minimesh/client/testing';
import { run } from '../cli/run.js';
import { BufferOutput } from '../cli/io.js';

export const TESTDATA = fileURLToPath(new URL('../../testdata/', import.meta.url));

/** The meshctl binary, for tests that run it as a process. */
export const MESHCTL_BIN = fileURLToPath(new URL('../../bin/meshctl.mjs', import.meta.url));

/** 2024-05-01T12:00:00Z: the fixed "now" of the tests. */
export const NOW = Date.parse('2024-05-01T12:00:00Z');

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Harness {
  client: FakeApiClient;
  /** The clock the client stamps objects with and AGE is computed against; tests move it. */
  clock: { now: number };
  meshctl(...argv: string[]): Promise<Result>;
  /** With a stdin text, for `-f -`. */
  meshctlWithStdin(stdin: string, ...argv: string[]): Promise<Result>;
}

export function harness(env: Record<string, string> = {}): Harness {
  const clock = { now: NOW };
  const client = new FakeApiClient({ now: () => clock.now });
  const exec = async (stdin: string | undefined, argv: string[]): Promise<Result> => {
    const stdout = new BufferOutput();
    const stderr = new BufferOutput();
    const code = await run(
      argv,
      { stdout, stderr, client, now: () => clock.now, cwd: TESTDATA, readStdin: async () => stdin ?? '' },
      { env },
    );
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  return {
    client,
    clock,
    meshctl: (...argv) => exec(undefined, argv),
    meshctlWithStdin: (stdin, ...argv) => exec(stdin, argv),
  };
}

/** meshctl as a user runs it against the apiserver at `server` (host:port), in the testdata folder. */
export function meshctlAgainst(server: string): (...argv: string[]) => Promise<Result> {
  return async (...argv) => {
    const stdout = new BufferOutput();
    const stderr = new BufferOutput();
    const code = await run(argv, { stdout, stderr, cwd: TESTDATA }, { env: { MINIMESH_SERVER: server }, connect: async (s) => connectApiClient(s) });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
}

/** meshctl over a given client (a real apiserver's), with an optional stdin text for `-f -`. */
export function meshctlWith(client: ApiClient): (stdin: string | undefined, ...argv: string[]) => Promise<Result> {
  return async (stdin, ...argv) => {
    const stdout = new BufferOutput();
    const stderr = new BufferOutput();
    const code = await run(argv, { stdout, stderr, client, cwd: TESTDATA, readStdin: async () => stdin ?? '' });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
}
