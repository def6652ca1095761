// The one vitest configuration every project runs with (`vitest run --config ../../vitest.shared.ts`
// from the project folder). With MINIMESH_TEST_RESULTS set, each project also writes a JSON report
// there, which tools/test-totals.mjs sums up.
import { basename } from 'node:path';
import { defineConfig } from 'vitest/config';

const results = process.env.MINIMESH_TEST_RESULTS;

export default defineConfig({
  test: {
    root: process.cwd(),
    include: ['src/**/*.spec.ts', 'bench/**/*.spec.ts'],
    passWithNoTests: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: results ? ['default', 'json'] : ['default'],
    outputFile: results ? { json: `${results}/${basename(process.cwd())}.json` } : undefined,
  },
});
