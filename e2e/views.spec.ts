/**
 * The query views in Chromium against the real browser host: Search (and
 * a query error marked in place), Diff from two images picked in the
 * library, Timeline of a series, Reports built and saved. Each jumps into
 * the inspector where it names an fd or an image.
 */
import { test, expect, request as pwRequest, type Page } from '@playwright/test';
import { startHost, haveChromium, chromiumPath, type RunningHost } from './host.js';
import { shot } from './flows.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  // The series is set up through the API (the UI capture is covered in app.spec.ts).
  const ctx = await pwRequest.newContext();
  for (const step of [1, 2, 3, 4]) {
    const r = await ctx.post(`${host.origin}/api/capture.run`, {
      headers: { 'Content-Type': 'application/json', 'X-Ckpt-Token': host.token },
      data: { source: 'sim', scenario: 'leaky', step, label: `leak ${step}` },
    });
    expect((await r.json()).ok).toBe(true);
  }
  await ctx.dispose();
  page = await browser.newPage();
  await page.goto(host.url);
});
test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('search: hits grouped by image; Enter opens the fd in the inspector', async () => {
  await page.getByTestId('nav-search').click();
  await page.getByTestId('search-input').fill('kind:socket');
  await page.getByTestId('search-input').press('Enter');
  await expect(page.getByTestId('search-summary')).toContainText('in 4 images');
  const hits = page.getByTestId('search-hits');
  await shot(page, 'search');
  await hits.getByRole('option').nth(1).click();
  const text = await hits.getByRole('option').nth(1).innerText();
  const [pid, , fd] = text.trim().split(/\s+/);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inspector')).toBeVisible();
  await expect(page.getByTestId('tree').locator('.row.cursor')).toContainText(pid!);
  await expect(page.getByTestId('fd-list').locator('.row.cursor')).toContainText(new RegExp(`^\\s*${fd}\\b`));
  await expect(page.getByTestId('file-detail')).toContainText('socket');
});

test('search: a query that cannot be parsed is marked where it fails', async () => {
  await page.getByTestId('nav-search').click();
  await page.getByTestId('search-input').fill('kind:nosuchkind pipe');
  await page.getByTestId('search-input').press('Enter');
  const err = page.getByTestId('search-error');
  await expect(err).toBeVisible();
  await expect(err.locator('mark')).toContainText('nosuchkind');
  await shot(page, 'search-error');
});

test('diff: pick two images in the library, see what changed, jump to an opened fd', async () => {
  await page.getByTestId('nav-library').click();
  const list = page.getByTestId('library-list');
  await list.getByRole('option').filter({ hasText: 'leak 1' }).click();
  await list
    .getByRole('option')
    .filter({ hasText: 'leak 4' })
    .click({ modifiers: ['Control'] });
  await page.getByTestId('diff-button').click();
  const summary = page.getByTestId('diff-summary');
  await expect(summary).toContainText('opened');
  const opened = Number((await summary.locator('.badge.add').innerText()).match(/\d+/)![0]);
  expect(opened).toBeGreaterThan(0);
  await shot(page, 'diff');
  const first = page.getByTestId('diff-task').locator('button.line.add').first();
  const fd = (await first.innerText()).match(/fd (\d+)/)![1]!;
  await first.click();
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 4');
  await expect(page.getByTestId('fd-list').locator('.row.cursor')).toContainText(new RegExp(`^\\s*${fd}\\b`));
});

test('timeline: a series of the same program, with its growth', async () => {
  await page.getByTestId('nav-timeline').click();
  const series = page.getByTestId('timeline-series');
  const option = series.locator('option').filter({ hasText: '(4 images)' }).first();
  await series.selectOption({ label: (await option.innerText()).trim() });
  await expect(page.getByTestId('timeline-chart').locator('circle')).toHaveCount(4);
  await expect(page.getByTestId('timeline-suspects')).not.toContainText('Nothing grows');
  await shot(page, 'timeline');
});

test('reports: build a Markdown report of an image and save it', async () => {
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('report-format').selectOption('md');
  await page.getByTestId('report-run').click();
  await expect(page.getByTestId('report-preview')).not.toBeEmpty();
  await shot(page, 'reports');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-save').click()]);
  expect(download.suggestedFilename()).toMatch(/^image-[0-9a-f]{12}\.md$/);
});
