/**
 * What the container suites share: whether a Docker engine is there (run.sh sets DOCKER_HOST to
 * the one it found or started; without it every suite skips), the image names and tags build.sh
 * gives, and a `docker` command line for what testcontainers does not cover.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const HAS_ENGINE = Boolean(process.env.DOCKER_HOST);
export const VERSION: string = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')).version;

/** Every image build.sh makes; the app images run minimesh programs, nats is the event stream. */
export const APP_IMAGES = ['apiserver', 'endpoints-controller', 'node-agent', 'dns', 'lb', 'meshctl', 'pod'] as const;
export const IMAGES = [...APP_IMAGES, 'nats'] as const;
export const image = (name: (typeof IMAGES)[number]) => `minimesh/${name}:${VERSION}`;

const run = promisify(execFile);

/** `docker ARGS...`: stdout, or a rejection carrying stderr. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Polls `fn` until it returns a value other than undefined; throws the last error at the deadline. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
