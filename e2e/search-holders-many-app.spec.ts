/**
 * Search, "Who holds it", on a query that matches thousands of fds: a live
 * process that dup()ed a listening socket 3,000 times and forked (6,002
 * holders of kind:inet-socket), captured through the API. The view says the
 * total, asks for the first 1,000 only, and fetches the rest a page at a
 * time as the keyboard (End) or the scroll reaches them; a holder far down
 * the list opens in the inspector.
 */
import { test, expect, type Page } from '@playwright/test';
import { haveChromium, chromiumPath, type RunningHost } from './host.js';
import { spawnSync } from 'node:child_process';
import { shot } from './flows.js';
import { appOnLeak, type Leak } from './leak-fixture.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

const DUPS = 3000;
let page: Page;
let host: RunningHost;
let leak: Leak;
let stop: (() => Promise<void>) | undefined;

test.beforeAll(async ({ browser }) => {
  ({ page, host, leak, stop } = await appOnLeak(browser, DUPS));
});
test.afterAll(async () => {
  await stop?.();
});

/** Search in holders mode for `query`; its summary line. */
async function whoHolds(query: string) {
  await page.getByTestId('nav-search').click();
  const input = page.getByTestId('search-input');
  await input.fill(query);
  await page.getByTestId('search-mode-holders').click();
  await input.press('Enter');
  return page.getByTestId('holders-summary');
}

test('search, who holds it: 6,002 holders counted, the first 1,000 sent, the rest paged in by keyboard and scroll', async () => {
  const total = 2 * (DUPS + 1);
  // One capture: every holder was first seen there and is held now, so they are listed by pid, then fd.
  const [lo, hi] = [Math.min(leak.parent, leak.child), Math.max(leak.parent, leak.child)];
  const answers: { offset: number; holders: number; total: number; bytes: number }[] = [];
  page.on('response', async (r) => {
    if (!r.url().endsWith('/api/search.holders')) return;
    const body = await r.text();
    const { result } = JSON.parse(body) as { result: { offset: number; holders: unknown[]; total: number } };
    answers.push({ offset: result.offset, holders: result.holders.length, total: result.total, bytes: body.length });
  });

  const summary = await whoHolds('kind:inet-socket');
  await expect(summary).toContainText(`${total.toLocaleString('en-US')} holders across 1 image covered`);
  await expect(summary).toContainText('listed 1,000 at a time as the list scrolls');
  const list = page.getByTestId('search-holders');
  const rows = list.getByTestId('holder-row');
  await expect(rows.first()).toContainText(`${lo}`);
  // The first answer: the total and 1,000 holders, not all of them.
  await expect.poll(() => answers.length).toBeGreaterThan(0);
  expect(answers[0]).toMatchObject({ offset: 0, holders: 1000, total });
  expect(answers[0]!.bytes).toBeLessThan(1_000_000);
  await shot(page, 'search-holders-many');

  // The keyboard: End reaches the last holder (its page fetched then), Enter opens it.
  await list.focus();
  await page.keyboard.press('End');
  const cursor = list.locator('.row.cursor');
  await expect(cursor.getByTestId('holder-row')).toBeVisible();
  expect((await cursor.innerText()).trim().split(/\s+/).slice(0, 3)).toEqual([String(hi), 'python3', String(leak.lastFd)]);
  expect(answers.some((a) => a.offset === 6000 && a.holders === total - 6000)).toBe(true);
  await page.keyboard.press('Home');
  await expect(cursor).toContainText(String(lo));
  expect((await cursor.innerText()).trim().split(/\s+/).slice(0, 3)).toEqual([String(lo), 'python3', String(leak.sockFd)]);

  // The scroll: the middle of the list fills in as it comes into view (the other process's first fds).
  const middle = DUPS + 1; // hi's first holder
  await list.evaluate((el, top) => {
    const v = el.matches('.vl') ? el : (el.querySelector('.vl') ?? el);
    (v as HTMLElement).scrollTop = top;
  }, middle * 24);
  await expect(rows.filter({ hasText: new RegExp(`^\\s*${hi}\\s+python3\\s+${leak.sockFd}\\b`) })).toHaveCount(1);
  await expect(list.getByTestId('holder-row-pending')).toHaveCount(0);
  // Pages were asked for as needed, never the whole list at once.
  expect(answers.every((a) => a.holders <= 1000 && a.total === total)).toBe(true);

  // Back to the end and open the last holder in the inspector.
  await list.focus();
  await page.keyboard.press('End');
  await expect(cursor).toContainText(String(leak.lastFd));
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inspector-title')).toHaveText('dups');
  await expect(page.getByTestId('tree').locator('.row.cursor')).toContainText(String(hi));
  await expect(page.getByTestId('fd-list').locator('.row.cursor .c-fd')).toHaveText(String(leak.lastFd));
});

test('search, who holds it: pages asked after the library changed are not mixed in; Search again gives the new answer', async () => {
  const total = 2 * (DUPS + 1);
  const summary = await whoHolds('kind:inet-socket');
  await expect(summary).toContainText(`${total.toLocaleString('en-US')} holders across`);
  // Another capture into the library: the host's own process, whose listening socket is one more holder.
  const r = spawnSync(process.execPath, ['bin/ckpt.mjs', 'capture', '--pid', String(host.proc.pid), '--store'], {
    env: { ...process.env, CKPT_HOME: host.home },
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  // The last page is of the new answer: said, not shown as rows of the old one.
  const list = page.getByTestId('search-holders');
  await list.focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('holders-stale')).toBeVisible();
  await page.getByTestId('holders-search-again').click();
  await expect(page.getByTestId('holders-stale')).toHaveCount(0);
  await expect(summary).not.toContainText(`${total.toLocaleString('en-US')} holders across`);
  await expect(summary).toContainText('holders across 2 images covered');
});
