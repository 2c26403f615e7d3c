/**
 * Timing benchmark of the query views in Chromium (runs only with
 * CKPT_BENCH=1 and CKPT_BENCH_VIEWS_HOME; bench/views.bench.ts builds the
 * library and reads the BENCH lines): a diff of two 100,000-fd images from
 * Compare until its rows are painted, and searches over the benchmark
 * library from Enter until the first hits are painted. Clocks run in the
 * page, so Playwright's own round trips are not counted. Reports, never gates.
 */
import { test, expect, type Page } from '@playwright/test';
import { startHost, type RunningHost } from './host.js';
import { shot } from './flows.js';
import { markedMs, report } from './bench-marks.js';

const home = process.env.CKPT_BENCH_VIEWS_HOME;
test.skip(process.env.CKPT_BENCH !== '1' || !home, 'benchmark: run through npm run bench -- views');
test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

let host: RunningHost;
let page: Page;
test.beforeAll(async ({ browser }) => {
  host = await startHost(home!, true);
  page = await browser.newPage();
  await page.goto(host.url);
});
test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

/**
 * One diff from Compare to rows on screen, and the store's share of it. The
 * backend keeps the last two diffs (by pair and matching), so the runs cycle
 * through four keys and every one is computed afresh.
 */
async function diffOnce(a: string, b: string, matching: '' | 'pid'): Promise<{ ms: number; store: number }> {
  await page.getByTestId('diff-a').selectOption(a);
  await page.getByTestId('diff-b').selectOption(b);
  await page.getByTestId('diff-matching').selectOption(matching);
  await page.evaluate(() => delete document.body.dataset.diffShown);
  await page.getByTestId('diff-run').click();
  const ms = await markedMs(page, 'diffShown', `${a}:${b}:`);
  await expect(page.getByTestId('diff-rows').getByRole('option').first()).toBeVisible();
  const store = Number(/(\d+) ms/.exec(await page.getByTestId('diff-summary').locator('.stat').first().innerText())?.[1] ?? NaN);
  return { ms, store };
}

async function diffRuns(x: string, y: string, n: number): Promise<{ ms: number; store: number }> {
  const keys = [
    [x, y, ''],
    [y, x, ''],
    [x, y, 'pid'],
    [y, x, 'pid'],
  ] as const;
  const runs: { ms: number; store: number }[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, m] = keys[i % keys.length]!;
    runs.push(await diffOnce(a, b, m));
  }
  return { ms: median(runs.map((r) => r.ms)), store: median(runs.map((r) => r.store)) };
}

test('diff of two 100,000-fd images: Compare until the rows are on screen', async () => {
  await page.getByTestId('nav-diff').click();
  // The pickers fill from library.list after the view opens.
  await expect(page.getByTestId('diff-a').locator('option').filter({ hasText: 'diff-base' })).toHaveCount(1, { timeout: 30_000 });
  const ids = await page
    .getByTestId('diff-a')
    .locator('option')
    .evaluateAll((os) => os.map((o) => ({ id: (o as HTMLOptionElement).value, text: o.textContent ?? '' })));
  const base = ids.find((o) => o.text.startsWith('diff-base'))!.id;
  const next = ids.find((o) => o.text.startsWith('diff-next'))!.id;
  const other = ids.find((o) => o.text.startsWith('large-3'))!.id;
  const near = await diffRuns(base, next, 5);
  report('diff-on-screen-100k-fds-next-capture', near.ms, 'ms');
  report('diff-store-share-100k-fds-next-capture', near.store, 'ms');
  await shot(page, 'bench-diff-100k');
  // Whole tables: both images decoded (unless the inspector holds them) and 100,000 context rows merged in.
  const list = page.getByTestId('diff-rows');
  const before = await list.getAttribute('data-count');
  const t0 = await page.evaluate(() => performance.now());
  await page.getByTestId('diff-whole').check();
  await expect(list).not.toHaveAttribute('data-count', before!, { timeout: 60_000 });
  report('diff-whole-tables-100k-fds', (await page.evaluate(() => performance.now())) - t0, 'ms');
  await shot(page, 'bench-diff-100k-whole');
  await page.getByTestId('diff-whole').uncheck();
  await expect(list).toHaveAttribute('data-count', before!);
  const far = await diffRuns(base, other, 5);
  report('diff-on-screen-100k-fds-all-differ', far.ms, 'ms');
  report('diff-store-share-100k-fds-all-differ', far.store, 'ms');
  // Scrolling the 100,000 changed rows: the end of the list pages in.
  await list.focus();
  await page.keyboard.press('End');
  await expect(list.locator('.row.cursor .loading')).toHaveCount(0);
  await expect(list.locator('.row.cursor .side')).toHaveCount(2); // an fd row, both sides shown (targets may hold a middle …)
  await shot(page, 'bench-diff-100k-all-differ-end');
});

test('search over the benchmark library: Enter until the first hits are painted', async () => {
  await page.getByTestId('nav-search').click();
  const input = page.getByTestId('search-input');
  const once = async (q: string): Promise<number> => {
    await input.fill(q);
    await page.evaluate(() => delete document.body.dataset.searchShown);
    await input.press('Escape');
    await page.getByTestId('search-run').click();
    const ms = await markedMs(page, 'searchShown', `${q}:`);
    await expect(page.getByTestId('search-summary')).toBeVisible();
    return ms;
  };
  // The first query after the host starts also loads the library's path table.
  report('search-first-results-cold-first-query', await once('/srv/data/shard-17-4'), 'ms');
  for (const [name, q] of [
    ['path-substring', '/srv/data/shard-17-4'],
    ['kind', 'kind:eventfd'],
    ['combined', 'kind:regular comm:worker-4 /tmp/cache deleted:no fd:100-400'],
    ['leak-hunt', 'app.log deleted:yes pid:5000'],
    ['every-socket', 'kind:socket'],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await once(q));
    report(`search-first-results-${name}`, median(times), 'ms');
  }
  await shot(page, 'bench-search');
});
