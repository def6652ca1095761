// Sums the vitest JSON reports of every project into the one line CI reads.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const firstLine = (text) => String(text ?? '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '(no message)';

const [dir, nxStatus] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0, files = 0, failedSuites = 0;
const failures = [];
for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  files++;
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  failedSuites += r.numFailedTestSuites ?? 0;
  for (const suite of r.testResults ?? []) {
    const file = suite.name ? relative(process.cwd(), suite.name) : f;
    const tests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of tests) failures.push(`${file}: ${t.fullName ?? t.title}\n    ${firstLine(t.failureMessages?.[0])}`);
    // A file that failed to load or run has no failed test of its own.
    if (suite.status === 'failed' && tests.length === 0) failures.push(`${file}\n    ${firstLine(suite.message)}`);
  }
}
// Named just above the totals, since CI keeps the end of the output.
if (failures.length > 0) console.log(`failed:\n${failures.map((x) => `  ${x}`).join('\n')}`);
else if (Number(nxStatus) !== 0) console.log('failed: a project stopped before it reported its tests (see its output above)');
// A project whose run broke before reporting (or a failing suite) counts as a failure.
if (Number(nxStatus) !== 0 && failed === 0) failed = Math.max(1, failedSuites);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || Number(nxStatus) !== 0 ? 1 : 0);
