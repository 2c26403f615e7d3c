/**
 * The open file pane of the inspector (FileView), from a new user's trial:
 * epoll and inotify watch tables whole (headers and numbers on one line),
 * their masks by name with the hex and their devices as major:minor, a
 * signalfd's mask as hex and signals, an O_PATH fd titled by what it is.
 */
import { test, expect, type Page } from '@playwright/test';
import { haveChromium, chromiumPath, type RunningHost } from './host.js';
import { hostWithLibrary, shot, treeRow } from './flows.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;

test.beforeAll(async ({ browser }) => {
  ({ host, page } = await hostWithLibrary(browser, async (api) => void (await api({ scenario: 'everything' }, 'kitchen')), {
    viewport: { width: 1400, height: 900 },
  }));
});
test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

async function openImage(label: string): Promise<void> {
  await page.getByTestId('nav-library').click();
  await page.getByTestId('library-list').getByRole('option').filter({ hasText: label }).click();
  await page.getByTestId('open-image').click();
  await expect(page.getByTestId('inspector-title')).toHaveText(label);
}

test('inspector: epoll and inotify watch tables are whole, masks and devices decoded; signalfd and O_PATH said as they are', async () => {
  await page.setViewportSize({ width: 1400, height: 900 });
  await openImage('kitchen');
  await treeRow(page, 6000).click();
  const fds = page.getByTestId('fd-list');
  const file = page.getByTestId('file-detail');
  /** Selects the fd numbered `fd` (its row, found through the filter on its kind or path `by`). */
  const pick = async (fd: number, by: string) => {
    await page.getByTestId('fd-filter').fill(by);
    // The filter answers later (a request): click once the list shows only its rows, or the
    // click can land on a row of the unfiltered list as it is replaced.
    await expect(fds.getByRole('option').filter({ hasNotText: by })).toHaveCount(0);
    await fds
      .getByRole('option')
      .filter({ has: page.locator('.c-fd', { hasText: new RegExp(`^${fd}$`) }) })
      .click();
  };

  /** Every header and cell of the file pane's tables on one line, inside the pane (it scrolls sideways if it must). */
  const tablesWhole = () =>
    file.evaluate((pane) =>
      [...pane.querySelectorAll('th, td')].map((c) => {
        const r = document.createRange();
        r.selectNodeContents(c);
        return { text: c.textContent, lines: new Set([...r.getClientRects()].map((l) => Math.round(l.top))).size };
      }),
    );
  await pick(23, 'epoll');
  await expect(file).toContainText('epoll');
  let cells = await tablesWhole();
  expect(cells.length).toBeGreaterThan(10);
  for (const c of cells) expect(c.lines, c.text ?? '').toBeLessThanOrEqual(1);
  const mask = file.getByRole('cell', { name: /^EPOLL/ }).first();
  await expect(mask).toHaveText(/^EPOLL[A-Z|]+ \(0x[0-9a-f]+\)$/);
  const devs = await file.locator('td[data-field="sdev"]').allInnerTexts();
  expect(devs.length).toBe(3);
  for (const d of devs) expect(d).toMatch(/^\d+:\d+$/);
  await shot(page, 'trial-epoll');

  await pick(24, 'inotify');
  await expect(file).toContainText('inotify');
  cells = await tablesWhole();
  for (const c of cells) expect(c.lines, c.text ?? '').toBeLessThanOrEqual(1);
  await expect(file.locator('td[data-field="sdev"]').first()).toHaveText(/^\d+:\d+$/);
  await expect(file.locator('td[data-field="mask"]').first()).toHaveText(/^IN_[A-Z_|]+ \(0x[0-9a-f]+\)$/);

  await pick(26, 'signalfd');
  await expect(file.getByTestId('attr-sigmask')).toHaveText('0xfffffffe00010000: SIGCHLD, 34-64');

  // The O_PATH fd on /etc: titled by what it is, not "Regular file".
  await pick(7, '/etc');
  await expect(file.locator('.title')).toContainText('Directory (O_PATH)');
  await expect(file.locator('.title')).not.toContainText('Regular file');
});
