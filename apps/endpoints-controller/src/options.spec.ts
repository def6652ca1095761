/** The endpoints controller's flags: bad values and flags that do not fit together are refused when parsed. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseFlags } from '@minimesh/runtime';
import { CONTROLLER_FLAGS, validateControllerOptions } from './options.js';

const parse = (argv: string[]) => parseFlags(CONTROLLER_FLAGS, argv, {}).values;

describe('endpoints-controller flags', () => {
  it('leader election periods are durations (kube-controller-manager writes 15s), greater than 0', () => {
    expect(parse([])).toMatchObject({ 'leader-elect-lease-duration': 6, 'leader-elect-renew-deadline': 4, 'leader-elect-retry-period': 1 });
    expect(parse(['--leader-elect-lease-duration', '15s', '--leader-elect-renew-deadline=10s', '--leader-elect-retry-period', '2'])).toMatchObject({
      'leader-elect-lease-duration': 15,
      'leader-elect-renew-deadline': 10,
      'leader-elect-retry-period': 2,
    });
    expect(() => parse(['--leader-elect-retry-period', '0'])).toThrow('invalid value for --leader-elect-retry-period: "0": must be greater than 0');
  });

  it('the lease must outlast the renew deadline, unless there is no election', () => {
    expect(() => validateControllerOptions(parse(['--leader-elect-lease-duration', '3s']))).toThrow(
      '--leader-elect-lease-duration (3s) must be greater than --leader-elect-renew-deadline (4s)',
    );
    expect(() => validateControllerOptions(parse(['--leader-elect=false', '--leader-elect-lease-duration', '3s']))).not.toThrow();
  });

  it('counts and names', () => {
    expect(() => parse(['--workers', '0'])).toThrow('invalid value for --workers: "0": must be greater than or equal to 1');
    expect(() => parse(['--workers', '2.5'])).toThrow('invalid value for --workers: "2.5" is not an integer');
    expect(() => parse(['--max-endpoints-per-slice', '2000'])).toThrow('invalid value for --max-endpoints-per-slice: 2000 is not an integer between 1 and 1000');
    expect(() => parse(['--lease-name', ''])).toThrow('invalid value for --lease-name: must not be empty');
    expect(() => parse(['--transport', 'kafka'])).toThrow('invalid value for --transport: "kafka" is not one of grpc, nats');
  });

  it('run as a user runs it, flags that do not fit together are one line, a hint, exit 2', async () => {
    const bin = fileURLToPath(new URL('../bin/minimesh-endpoints-controller.mjs', import.meta.url));
    const err = await promisify(execFile)(process.execPath, [bin, '--leader-elect-lease-duration', '2s'], { timeout: 20_000 }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toBe(
      "minimesh-endpoints-controller: --leader-elect-lease-duration (2s) must be greater than --leader-elect-renew-deadline (4s)\nRun 'minimesh-endpoints-controller --help' for usage.\n",
    );
  });
});
