// Sums the vitest JSON reports of every project into the one line CI reads.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [dir, nxStatus] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0, files = 0, failedSuites = 0;
for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  files++;
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  failedSuites += r.numFailedTestSuites ?? 0;
}
// A project whose run broke before reporting (or a failing suite) counts as a failure.
if (Number(nxStatus) !== 0 && failed === 0) failed = Math.max(1, failedSuites);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || Number(nxStatus) !== 0 ? 1 : 0);
