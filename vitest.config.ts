import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI also writes a JSON report, which .ci/run sums into one closing line.
    // npm test runs test/proc a second time with the BPF snapshot forced on (CKPT_VITEST_JSON: its own report).
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: process.env.CKPT_VITEST_JSON ?? 'test-results/vitest.json' }]]
      : ['default'],
  },
});
