/** The apiserver's flags: a bad value is refused when parsed, in one line naming the flag (Kubernetes' words where it has them). */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '@minimesh/runtime';
import { APISERVER_FLAGS, defaultApiServerOptions } from './options.js';

const parse = (argv: string[]) => parseFlags(APISERVER_FLAGS, argv, {}).values;

describe('apiserver flags', () => {
  it('the service CIDR checks are kube-apiserver\'s', () => {
    expect(() => parse(['--service-cluster-ip-range', '10.0.0.0/8'])).toThrow(
      new FlagError('invalid value for --service-cluster-ip-range: specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12'),
    );
    expect(parse(['--service-cluster-ip-range', '10.97.0.0/16'])['service-cluster-ip-range']).toBe('10.97.0.0/16');
  });

  it('durations take Go\'s syntax or seconds; counts are integers', () => {
    expect(defaultApiServerOptions()).toMatchObject({ 'bookmark-interval': 10, 'nats-max-age': 86400, 'watch-history': 10000 });
    expect(parse(['--bookmark-interval', '1m', '--nats-max-age', '0', '--watch-history', '0'])).toMatchObject({ 'bookmark-interval': 60, 'nats-max-age': 0, 'watch-history': 0 });
    expect(() => parse(['--bookmark-interval', '0'])).toThrow('invalid value for --bookmark-interval: "0": must be greater than 0');
    expect(() => parse(['--nats-max-age', '-5'])).toThrow('invalid value for --nats-max-age: "-5": must be greater than or equal to 0');
    expect(() => parse(['--watch-history', '1.5'])).toThrow('invalid value for --watch-history: "1.5" is not an integer');
  });

  it('names and places', () => {
    expect(() => parse(['--data-dir', ''])).toThrow('invalid value for --data-dir: must not be empty');
    expect(() => parse(['--nats-stream', 'a.b'])).toThrow('invalid value for --nats-stream: "a.b" is not a stream name');
    expect(() => parse(['--http-listen', 'localhost'])).toThrow('invalid value for --http-listen: "localhost" is not host:port');
    expect(() => parse(['--advertise-address', '1.2.3'])).toThrow('invalid value for --advertise-address: "1.2.3" is not an IPv4 address');
  });

  it('run as a user runs it, a bad value is one line, a hint, exit 2', async () => {
    const bin = fileURLToPath(new URL('../bin/minimesh-apiserver.mjs', import.meta.url));
    const err = await promisify(execFile)(process.execPath, [bin, '--bookmark-interval', 'soon'], { timeout: 20_000 }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toBe(`minimesh-apiserver: invalid value for --bookmark-interval: time: invalid duration "soon"\nRun 'minimesh-apiserver --help' for usage.\n`);
  });
});
