/**
 * The inspector on an open file held by thousands of fds: a live process
 * that dup()ed a listening socket 3,000 times and forked (6,002 holders of
 * one open file), captured through the API. The open file pane names the
 * first 50 holders and how many there are; "Show all" (by keyboard) lists
 * every one in a list that pages as it scrolls, and a holder there leads to
 * its process and fd; the fd list still scrolls to its end.
 */
import { test, expect, type Page } from '@playwright/test';
import { haveChromium, chromiumPath } from './host.js';
import { shot, treeRow } from './flows.js';
import { appOnLeak, type Leak } from './leak-fixture.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

const DUPS = 3000;
let page: Page;
let leak: Leak;
let stop: (() => Promise<void>) | undefined;

test.beforeAll(async ({ browser }) => {
  ({ page, leak, stop } = await appOnLeak(browser, DUPS));
});
test.afterAll(async () => {
  await stop?.();
});

test('inspector: a socket held by 6,002 fds names its first 50 holders and how many; Show all lists every one', async () => {
  const holders = 2 * (DUPS + 1);
  await page.getByTestId('nav-library').click();
  await page.getByTestId('library-list').getByRole('option').filter({ hasText: 'dups' }).click();
  await page.getByTestId('open-image').click();
  await expect(page.getByTestId('inspector-title')).toHaveText('dups');
  await treeRow(page, leak.parent).click();

  const fds = page.getByTestId('fd-list');
  const file = page.getByTestId('file-detail');
  const fdRow = (fd: number) => fds.getByRole('option').filter({ has: page.locator('.c-fd', { hasText: new RegExp(`^${fd}$`) }) });
  await fdRow(leak.sockFd).click();
  await expect(fdRow(leak.sockFd).getByTestId('fd-shared')).toHaveText(`×${holders}`);
  // Its ×N cell is as wide as the count (38 px cut it to ×600).
  expect(
    await fdRow(leak.sockFd)
      .locator('.c-share')
      .evaluate((c) => c.scrollWidth <= c.clientWidth),
  ).toBe(true);
  await expect(file.getByTestId('holders-head')).toHaveText(`Held by ${holders.toLocaleString('en-US')} fds in 2 processes`);
  // The first 50, in the order of the image's fd tables: the parent's fds from the socket's own on.
  const first = file.getByTestId('holder');
  await expect(first).toHaveCount(50);
  await expect(first.first()).toHaveText(new RegExp(`^${leak.parent} \\S+ fd ${leak.sockFd}\\b`));
  await expect(first.nth(49)).toHaveText(new RegExp(`^${leak.parent} \\S+ fd ${leak.sockFd + 49}\\b`));
  await expect(file.getByTestId('holders-more')).toHaveText(`the first 50 of ${holders.toLocaleString('en-US')}`);
  await shot(page, 'big-holders-first');

  // A holder of the first ones leads to its fd.
  await first.nth(2).click();
  await expect(fds.locator('.row.cursor .c-fd')).toHaveText(String(leak.sockFd + 2));
  await expect(file.getByTestId('holders-head')).toContainText('Held by');

  // Show all, from the keyboard: the list takes the focus and holds every holder.
  const showAll = file.getByTestId('holders-show-all');
  await expect(showAll).toHaveText(`Show all ${holders.toLocaleString('en-US')}`);
  await showAll.focus();
  await page.keyboard.press('Enter');
  const all = file.getByTestId('holders-all');
  await expect(all).toBeFocused();
  await expect(all).toHaveAttribute('data-count', String(holders));
  await expect(file.getByTestId('holder')).toHaveCount(0);
  await expect(file.getByTestId('holders-show-all')).toHaveCount(0);
  // The last holder is the child's copy of the last dup: End moves there and the inspector follows it.
  await page.keyboard.press('End');
  await expect(all.locator('.row.cursor')).toHaveText(new RegExp(`^${leak.child} \\S+ fd ${leak.lastFd}\\b`));
  await expect(page.getByTestId('tree').locator('.row.cursor .pid')).toHaveText(String(leak.child));
  await expect(fds.locator('.row.cursor .c-fd')).toHaveText(String(leak.lastFd));
  // The pane still shows the socket, listed whole.
  await expect(all).toHaveAttribute('data-count', String(holders));
  // Home goes back to the first: the parent's own fd.
  await page.keyboard.press('Home');
  await expect(all.locator('.row.cursor')).toHaveText(new RegExp(`^${leak.parent} \\S+ fd ${leak.sockFd}\\b`));
  await expect(page.getByTestId('tree').locator('.row.cursor .pid')).toHaveText(String(leak.parent));
  await shot(page, 'big-holders-all');
  // Back to the first 50, by keyboard: the focus returns to Show all.
  await file.getByTestId('holders-show-first').focus();
  await page.keyboard.press('Enter');
  await expect(file.getByTestId('holders-all')).toHaveCount(0);
  await expect(file.getByTestId('holder')).toHaveCount(50);
  await expect(file.getByTestId('holders-show-all')).toBeFocused();

  // Another fd shows its own holders again, the first ones only.
  await fds.focus();
  await page.keyboard.press('End');
  await expect(fds.locator('.row.cursor .c-fd')).toHaveText(String(leak.lastFd));
  await expect(file.getByTestId('holders-head')).toHaveText(`Held by ${holders.toLocaleString('en-US')} fds in 2 processes`);
  await expect(file.getByTestId('holder')).toHaveCount(50);
  await page.keyboard.press('Home');
  await expect(fds.locator('.row.cursor .c-fd')).toHaveText('0');
  await expect(file.getByTestId('holders-head')).not.toContainText(holders.toLocaleString('en-US'));
  await expect(file.getByTestId('holders-show-all')).toHaveCount(0);
});
