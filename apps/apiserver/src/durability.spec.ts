/** The real binary, killed with SIGKILL in the middle of a write load: no acknowledged write is lost. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Namespace } from '@minimesh/api';
import { connectApiClient } from '@minimesh/client';
import { eventually, freePort, tempDir, waitForPort } from '@minimesh/runtime/testing';

const BIN = fileURLToPath(new URL('../bin/minimesh-apiserver.mjs', import.meta.url));

function startBinary(port: number, dataDir: string): ChildProcess {
  return spawn(
    process.execPath,
    [BIN, '--listen', `127.0.0.1:${port}`, '--http-listen', '127.0.0.1:0', '--data-dir', dataDir, '--nats-url', '', '--authorization-mode', 'AlwaysAllow', '--anonymous-auth'],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MINIMESH_LOG_LEVEL: 'error' } },
  );
}

describe('durability', () => {
  const dir = tempDir('minimesh-durability-');
  let proc: ChildProcess | undefined;
  afterAll(() => {
    proc?.kill('SIGKILL');
    dir.remove();
  });

  it('kill -9 - every acknowledged write is there after a restart', async () => {
    const port = await freePort();
    proc = startBinary(port, dir.path);
    await waitForPort(port, 20_000);
    const client = connectApiClient(`127.0.0.1:${port}`, { caFile: join(dir.path, 'pki', 'ca.crt') });
    await eventually(() => client.list('Namespace'), 20_000, 100); // the port opens a moment before TLS is served
    const acked: string[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `k${i}` } };
        try {
          await client.create(ns);
          acked.push(`k${i}`);
        } catch {
          return;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 700));
    const exited = new Promise((r) => proc!.once('exit', r));
    proc.kill('SIGKILL');
    stop = true;
    await exited; // the port is free only once the old process is gone
    await writer;
    client.close();
    expect(acked.length).toBeGreaterThan(5);

    proc = startBinary(port, dir.path);
    await waitForPort(port, 20_000);
    const again = connectApiClient(`127.0.0.1:${port}`, { caFile: join(dir.path, 'pki', 'ca.crt') });
    const names = new Set((await eventually(() => again.list('Namespace'), 20_000, 100)).items.map((n) => n.metadata.name));
    again.close();
    expect(acked.filter((n) => !names.has(n))).toEqual([]);
  }, 60_000);
});
