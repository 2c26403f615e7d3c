/**
 * Open views follow changes another process makes to the library: a series
 * stored from a shell (`ckpt capture --store`) while the app shows it
 * appears in the library list and grows the timeline, without a reload.
 * (Named *-app.spec.ts so the config's Chromium project runs it.)
 */
import { test, expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { startHost, haveChromium, chromiumPath, type RunningHost } from './host.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;

/** One step of the leaky simulation stored with label "grow", by the CLI: another process than the host. */
function storeStep(step: number): void {
  const r = spawnSync(
    process.execPath,
    ['bin/ckpt.mjs', 'capture', '--sim', 'leaky', '--step', String(step), '--store', '--label', 'grow'],
    {
      env: { ...process.env, CKPT_HOME: host.home },
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).toBe(0);
}

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  storeStep(1);
  storeStep(2);
  page = await browser.newPage();
  await page.goto(host.url);
});
test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('a capture stored from a shell shows in the library and grows the timeline shown', async () => {
  await expect(page.getByTestId('library-list').getByRole('option')).toHaveCount(2);
  await page.getByTestId('nav-timeline').click();
  await page.getByTestId('timeline-by').selectOption('label');
  await page.getByTestId('timeline-series').selectOption({ value: 'grow' });
  await expect(page.getByTestId('timeline-point')).toHaveCount(2);
  // A suspect picked stays picked through the refresh (by what it is: the list may reorder).
  const suspects = page.getByTestId('timeline-suspects').getByTestId('suspect');
  const picked = suspects.last();
  const pickedText = (await picked.innerText())
    .split('\n')[0]!
    .replace(/^\d+\s*/, '')
    .slice(0, 20);
  await picked.click();
  await expect(page.locator('[data-testid="suspect"].picked')).toHaveCount(1);
  storeStep(3);
  // The host polls every 2 s; the chart follows without anything clicked.
  await expect(page.getByTestId('timeline-point')).toHaveCount(3, { timeout: 10_000 });
  await expect(page.locator('[data-testid="suspect"].picked')).toHaveCount(1);
  await expect(page.locator('[data-testid="suspect"].picked')).toContainText(pickedText);
  await page.getByTestId('nav-library').click();
  await expect(page.getByTestId('library-list').getByRole('option')).toHaveCount(3, { timeout: 10_000 });
});
