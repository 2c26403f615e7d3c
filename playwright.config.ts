/**
 * End-to-end tests of the desktop app: the real browser host (real store in
 * a temporary CKPT_HOME) driven in apt's Chromium, and the same flows in
 * Electron where an Electron binary exists. Screenshots of each view land in
 * test-results/screens/. CKPT_BENCH=1 runs the timing benchmark instead.
 */
import { defineConfig } from '@playwright/test';
import { chromiumPath } from './e2e/host.js';

const bench = process.env.CKPT_BENCH === '1';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/playwright',
  globalSetup: './e2e/global-setup.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // CI also writes a JSON report, which .ci/run sums with vitest's into one closing line.
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/playwright.json' }]] : [['list']],
  use: {
    headless: true,
    viewport: { width: 1400, height: 860 },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  projects: [
    {
      name: 'chromium',
      testMatch: bench ? /bench\.spec\.ts$/ : /(app|security|views|timeline-nav)\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: chromiumPath,
          args: [
            '--no-sandbox',
            '--headless',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    ...(bench ? [] : [{ name: 'electron', testMatch: /electron\.spec\.ts$/ }]),
  ],
});
