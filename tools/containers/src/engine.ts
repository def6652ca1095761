/**
 * What the container suites share: whether a Docker engine is there (run.sh sets DOCKER_HOST to
 * the one it found or started; without it every suite skips), the image names and tags build.sh
 * gives, which Compose there is, and a `docker` command line for what testcontainers does not cover.
 */
import { execFile, execFileSync } from 'node:child_process';
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

/** What `command... version --short` prints ('' when it does not run). */
function shortVersion(command: string, ...args: string[]): string {
  try {
    return execFileSync(command, [...args, 'version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}
/**
 * Compose v2 (`docker compose`, a docker CLI plugin) and v1 (`docker-compose` 1.x; a standalone
 * `docker-compose` of v2 is not v1): the compose suite runs with each there is.
 */
export const HAS_COMPOSE_V2 = /^v?2\./.test(shortVersion('docker', 'compose'));
export const HAS_COMPOSE_V1 = /^1\./.test(shortVersion('docker-compose'));
