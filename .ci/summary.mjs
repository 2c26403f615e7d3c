// Sums the JSON reports the test runners wrote into one closing line.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
// vitest-snapshot.json: test/proc again, with the BPF snapshot forced on (package.json's test).
for (const v of ['test-results/vitest.json', 'test-results/vitest-snapshot.json']) {
  if (!existsSync(v)) continue;
  const r = JSON.parse(readFileSync(v, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0);
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
const p = 'test-results/playwright.json';
if (existsSync(p)) {
  const r = JSON.parse(readFileSync(p, 'utf8'));
  passed += r.stats?.expected ?? 0;
  failed += (r.stats?.unexpected ?? 0) + (r.stats?.flaky ?? 0);
  skipped += r.stats?.skipped ?? 0;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
