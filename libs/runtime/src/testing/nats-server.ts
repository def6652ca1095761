/**
 * A real nats-server (Debian's package) with JetStream, on a free loopback port, for
 * integration tests. `stop()` and `start()` again keep the same port and store directory, so a
 * test can take NATS down and bring it back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './net.js';

export interface NatsServer {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its store directory. */
  cleanup(): Promise<void>;
}

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';

export interface StartNatsOptions {
  /** nats-server's arguments for this port and store (default: plain, JetStream, loopback). */
  args?: (port: number, storeDir: string) => string[];
}

export async function startNats(o: StartNatsOptions = {}): Promise<NatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'minimesh-nats-'));
  let proc: ChildProcess | undefined;
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    async start() {
      const args = o.args ? o.args(port, storeDir) : ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, '-m', '0'];
      proc = spawn(NATS_SERVER_BIN, args, {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<never>((_, reject) =>
        proc!.once('exit', (code) => reject(new Error(`nats-server exited with ${code}: ${stderr.slice(-500)}`))),
      );
      await Promise.race([waitForPort(port), exited]);
    },
    async stop() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    },
    async cleanup() {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
