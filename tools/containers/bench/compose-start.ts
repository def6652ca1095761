/**
 * How long the compose mesh takes to start: from `docker compose up` (v2; v1's `docker-compose`
 * with --compose v1 or when v2 is missing) to the first Service answering through its ClusterIP from a node. Prints one table.
 *
 *   eval "$(tools/images/engine.sh start)"        # or any engine at DOCKER_HOST
 *   tools/images/engine.sh exec -- npx tsx tools/containers/bench/compose-start.ts [--runs 3] [--compose v2|v1]
 *
 * (Inside the engine's namespace when it is the private one: the apiserver's published port is there.)
 * The images must exist (`npm run images`). Each run starts from nothing (`down -v` before and after).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HAS_COMPOSE_V1, HAS_COMPOSE_V2, REPO_ROOT, VERSION } from '../src/engine.js';

const run = promisify(execFile);
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 3) || 3;
/** --compose v1|v2; without it v2 when it is there. */
const at = process.argv.indexOf('--compose');
const asked = at < 0 ? (HAS_COMPOSE_V2 ? 'v2' : 'v1') : process.argv[at + 1];
const refuse = (why: string): never => {
  console.error(`compose-start: ${why}`);
  process.exit(2);
};
if (asked !== 'v1' && asked !== 'v2') refuse(`--compose takes v1 or v2, not ${asked ?? 'nothing'}`);
if (asked === 'v2' && !HAS_COMPOSE_V2) refuse('--compose v2: `docker compose` is not installed (tools/images/compose-v2.sh installs it)');
if (asked === 'v1' && !HAS_COMPOSE_V1) refuse('--compose v1: no `docker-compose` 1.x (apt-get install docker-compose)');
const v2 = asked === 'v2';
const API_PORT = 26443;

async function compose(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const [cmd, pre] = v2 ? ['docker', ['compose']] : ['docker-compose', []];
  return (await run(cmd, [...pre, '-p', 'mmbench', '-f', join(REPO_ROOT, 'docker-compose.yml'), ...args], { env, cwd: REPO_ROOT })).stdout;
}

async function until(fn: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function once(): Promise<{ up: number; api: number; answer: number }> {
  const admin = mkdtempSync(join(tmpdir(), 'mm-bench-admin-'));
  const env = { ...process.env, MINIMESH_TAG: VERSION, MINIMESH_COMPOSE_ADMIN: admin, MINIMESH_API_PORT: String(API_PORT), MINIMESH_REST_PORT: String(API_PORT + 2), MINIMESH_COMPOSE_SUBNET: '172.29.9.0/24' };
  await compose(env, 'down', '-v').catch(() => undefined);
  const meshctl = (...args: string[]) => run(process.execPath, [join(REPO_ROOT, 'apps/meshctl/bin/meshctl.mjs'), '--server', `127.0.0.1:${API_PORT}`, '--certificate-authority', join(admin, 'ca.crt'), '--token-file', join(admin, 'token'), ...args]);
  try {
    const t0 = performance.now();
    await compose(env, 'up', '-d');
    const up = performance.now() - t0;
    await until(async () => (await meshctl('get', 'ns')).stdout.includes('default'));
    const api = performance.now() - t0;
    await meshctl('apply', '-f', join(REPO_ROOT, 'apps/meshctl/testdata/002-namespace.yaml'), '-f', join(REPO_ROOT, 'apps/meshctl/testdata/002-service-clusterip.yaml'));
    await until(async () => (await compose(env, 'exec', '-T', 'node1', 'curl', '-s', '-m', '1', 'http://10.97.97.97/')).startsWith('IP: '));
    return { up, api, answer: performance.now() - t0 };
  } finally {
    await compose(env, 'down', '-v').catch(() => undefined);
    rmSync(admin, { recursive: true, force: true });
  }
}

const rows: string[] = [];
for (let i = 1; i <= runs; i++) {
  const r = await once();
  const s = (ms: number) => (ms / 1000).toFixed(1);
  rows.push(`| ${i} | ${s(r.up)} s | ${s(r.api)} s | ${s(r.answer)} s |`);
}
console.log(`compose mesh start (${v2 ? 'docker compose' : 'docker-compose'}, ${runs} runs, load ${(await import('node:os')).loadavg()[0]!.toFixed(2)})`);
console.log('| run | `up -d` returned (all healthy) | apiserver answers meshctl | first Service answers via its ClusterIP |');
console.log('|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
