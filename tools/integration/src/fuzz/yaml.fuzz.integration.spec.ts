/**
 * Fuzz: mutated YAML manifests through `meshctl apply -f -` against a running apiserver. Every
 * input ends with exit code 0 or 1 and a message (an `error:` line, the apiserver's Kubernetes
 * text, or what was applied), never an uncaught exception; the apiserver serves afterwards.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { TESTDATA, meshctlWith } from '@minimesh/meshctl/testing';
import { FUZZ_COUNT, FUZZ_SEED, Rng, Tally, mutateText } from './fuzz-input.js';

const MANIFESTS = readdirSync(TESTDATA)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => readFileSync(join(TESTDATA, f), 'utf8'));

describe(`fuzz: YAML manifests through meshctl apply (seed ${FUZZ_SEED}, ${FUZZ_COUNT} documents)`, () => {
  let t: TestApiServer;
  beforeAll(async () => {
    t = await startTestApiServer();
  });
  afterAll(async () => t?.stop());

  it('answers every document with a result or a clear error', async () => {
    const rng = new Rng(FUZZ_SEED);
    const tally = new Tally();
    const meshctl = meshctlWith(t.client);
    const crashes: string[] = [];
    const started = Date.now();
    for (let i = 0; i < FUZZ_COUNT; i++) {
      let doc = rng.pick(MANIFESTS);
      for (let m = 0, n = 1 + rng.int(3); m < n; m++) doc = mutateText(rng, doc);
      const r = await meshctl(doc, 'apply', '-f', '-').catch((e: unknown) => ({ code: -1, stdout: '', stderr: String((e as Error).stack ?? e) }));
      const said = r.stdout + r.stderr;
      if (r.code === -1 || r.code > 1 || said.trim() === '' || /TypeError|RangeError|ReferenceError|at .*\.ts:\d+/.test(said)) crashes.push(`${r.code} ${said.slice(0, 300)} <<<${doc.slice(0, 300)}>>>`);
      tally.add(r.code === 0 ? 'applied' : said.includes('Error from server') || said.includes(' is invalid') ? 'refused by the apiserver' : 'refused by meshctl');
    }
    console.log(`fuzz YAML: ${tally.total} documents in ${Date.now() - started} ms: ${tally}; crashes ${crashes.length}`);
    expect(crashes).toEqual([]);
    expect((await t.client.list('Namespace')).items.length).toBeGreaterThan(0);
  }, 120_000);
});
