import { describe, expect, it, vi } from 'vitest';
import { FakeApiClient } from '@minimesh/client/testing';
import { BufferOutput } from './io.js';
import { lazyClient } from './lazy-client.js';
import { run } from './run.js';

describe('lazyClient', () => {
  it('connects on the first call only, and closes what it opened', async () => {
    const fake = new FakeApiClient();
    const close = vi.spyOn(fake, 'close');
    const factory = vi.fn(async () => fake);
    const client = lazyClient(factory);
    expect(client.connected).toBe(false);
    client.close();
    expect(close).not.toHaveBeenCalled();
    await client.list('Service');
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
    expect(factory).toHaveBeenCalledTimes(1);
    client.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});

describe('run with a connect function', () => {
  it('never connects for help or client-side errors, and connects to the resolved server otherwise', async () => {
    const connect = vi.fn(async () => new FakeApiClient());
    const io = () => ({ stdout: new BufferOutput(), stderr: new BufferOutput() });
    await run(['get', '--help'], io(), { connect });
    await run(['get', 'widgets'], io(), { connect });
    expect(connect).not.toHaveBeenCalled();
    await run(['get', 'svc', '--server', '10.0.0.1:7443'], io(), { connect });
    await run(['get', 'svc'], io(), { connect, env: { MINIMESH_SERVER: '10.0.0.2:7443' } });
    await run(['get', 'svc'], io(), { connect, env: {} });
    expect(connect.mock.calls).toEqual([['10.0.0.1:7443', {}], ['10.0.0.2:7443', {}], ['127.0.0.1:6443', {}]]);
    connect.mockClear();
    await run(['get', 'svc', '--certificate-authority', '/pki/ca.crt', '--client-certificate', '/pki/me.crt', '--client-key', '/pki/me.key'], io(), { connect });
    await run(['get', 'svc'], io(), { connect, env: { MINIMESH_TOKEN_FILE: '/run/token' } });
    expect(connect.mock.calls).toEqual([
      ['127.0.0.1:6443', { caFile: '/pki/ca.crt', certFile: '/pki/me.crt', keyFile: '/pki/me.key' }],
      ['127.0.0.1:6443', { tokenFile: '/run/token' }],
    ]);
  });
});
