/**
 * The user flows, written once against a Page, run in Chromium against the
 * browser host (app.spec.ts) and in Electron (electron.spec.ts).
 */
import { expect, request, type Browser, type BrowserContextOptions, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startHost, type RunningHost } from './host.js';

export const SCREENS = 'test-results/screens';

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: `${SCREENS}/${name}.png` });
}

/** Capture the web-server simulation from the capture view (a screenshot of the filled form); ends in the inspector. */
export async function captureSimulation(page: Page, label: string, prefix: string): Promise<void> {
  await captureScenario(page, 'web-server', label, `${prefix}capture`);
}

/** Capture one simulation scenario from the capture view, with a screenshot `shotName` of the filled form if given; ends in the inspector on the new image. */
export async function captureScenario(page: Page, scenario: string, label: string, shotName?: string): Promise<void> {
  await page.getByTestId('nav-capture').click();
  await expect(page.getByTestId('capture')).toBeVisible();
  await page.getByTestId('mode-sim').click();
  await page.getByTestId(`scenario-${scenario}`).check();
  await page.getByTestId('capture-label').fill(label);
  if (shotName) await shot(page, shotName);
  await page.getByTestId('capture-run').click();
  await expect(page.getByTestId('inspector-title')).toHaveText(label);
}

/** The inspector tree's row of process `pid`: its pid cell exactly, not a pid that contains it. */
export function treeRow(page: Page, pid: number | string): Locator {
  return page
    .getByTestId('tree')
    .getByRole('option')
    .filter({ has: page.locator('.pid', { hasText: new RegExp(`^${pid}$`) }) });
}

/** The library lists the image; select it and open it. */
export async function openFromLibrary(page: Page, label: string, prefix: string): Promise<void> {
  await page.getByTestId('nav-library').click();
  const row = page.getByTestId('library-list').getByRole('option').filter({ hasText: label });
  await expect(row).toHaveCount(1);
  await row.click();
  await shot(page, `${prefix}library`);
  await page.getByTestId('open-image').click();
  await expect(page.getByTestId('inspector-title')).toHaveText(label);
}

/** Select a file shared by several processes and see every holder. */
export async function sharedFileHolders(page: Page, prefix: string): Promise<void> {
  const tree = page.getByTestId('tree');
  // The nginx master (ppid 1) is the tree's first process; its listening sockets are inherited by each worker.
  await tree.getByRole('option').first().click();
  const fds = page.getByTestId('fd-list');
  const sharedRow = fds.getByRole('option').filter({ hasText: '0.0.0.0:80' }).first();
  await sharedRow.click();
  const badge = await sharedRow.locator('.badge.shared').innerText();
  const n = Number(badge.replace('×', ''));
  expect(n).toBeGreaterThan(1);
  const holders = page.getByTestId('holders').getByTestId('holder');
  await expect(holders).toHaveCount(n);
  const pids = new Set((await holders.allInnerTexts()).map((t) => t.trim().split(/\s+/)[0]));
  expect(pids.size).toBe(n);
  // The fd's FILE_DESC record is selected and its bytes shown: type 302 = 0x12e little-endian.
  await expect(page.getByTestId('hex')).toContainText('2e 01 00 00'.replace(/ /g, ''));
  await shot(page, `${prefix}inspector-shared-file`);
  // Following a holder selects that process and fd.
  const last = holders.last();
  const pid = (await last.innerText()).trim().split(/\s+/)[0]!;
  await last.click();
  await expect(tree.locator('.row.cursor')).toContainText(pid);
}

/** Select a record and see its bytes. */
export async function recordBytes(page: Page, prefix: string): Promise<void> {
  const recs = page.getByTestId('records');
  // Click a record in view, then Home: the first record, HEADER.
  // The pane may still be scrolling to the previous selection's record and
  // re-rendering its virtual rows: read back which row the click selected.
  await recs.getByRole('option').nth(3).click();
  const selected = recs.locator('[role="option"][aria-selected="true"]');
  await expect(selected).toHaveCount(1);
  const idx = await selected.getAttribute('data-index');
  const hex = page.getByTestId('hex');
  await expect(hex).toContainText(`record #${idx} ·`);
  await page.keyboard.press('Home');
  await expect(hex).toContainText('record #0 · offset 0');
  // HEADER record: type 1, then the magic \x89CKPT\r\n\x1a.
  await expect(hex.locator('.line').first()).toContainText('01000000');
  await expect(hex.locator('.line').first()).toContainText('89434b50');
  await page.keyboard.press('ArrowDown');
  await expect(hex).toContainText('record #1');
  await shot(page, `${prefix}inspector-record`);
}

export async function renameAndDelete(page: Page, label: string, renamed: string, prefix: string): Promise<void> {
  await page.getByTestId('nav-library').click();
  await page.getByTestId('library-list').getByRole('option').filter({ hasText: label }).click();
  await page.getByTestId('label-input').fill(renamed);
  await page.getByTestId('label-save').click();
  await expect(page.getByTestId('library-list').getByRole('option').filter({ hasText: renamed })).toHaveCount(1);
  await page.getByTestId('delete-button').click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await shot(page, `${prefix}library-delete-confirm`);
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('library-list').getByRole('option').filter({ hasText: renamed })).toHaveCount(0);
}

/** Stores one simulated capture through the browser host's API; resolves the image's id and capture time. */
export type ApiCapture = (data: object, label: string) => Promise<{ id: string; captureTime: number }>;

/**
 * A browser host whose library a view's tests set up through its API (not
 * the UI: that is app.spec.ts's), and a page open on it. `setup` stores the
 * captures, each a few ms after the one before so a series' order is
 * certain. The host is stopped again when the setup fails.
 */
export async function hostWithLibrary(
  browser: Browser,
  setup: (capture: ApiCapture) => Promise<void>,
  pageOptions: BrowserContextOptions = {},
): Promise<{ host: RunningHost; page: Page }> {
  const host = await startHost();
  try {
    const ctx = await request.newContext();
    try {
      await setup(async (data, label) => {
        const r = await ctx.post(`${host.origin}/api/capture.run`, {
          headers: { 'Content-Type': 'application/json', 'X-Ckpt-Token': host.token },
          data: { source: 'sim', ...data, label },
        });
        const body = await r.json();
        expect(body.ok).toBe(true);
        await new Promise((ok) => setTimeout(ok, 5));
        return body.result.image as { id: string; captureTime: number };
      });
    } finally {
      await ctx.dispose();
    }
    const page = await browser.newPage(pageOptions);
    await page.goto(host.url);
    return { host, page };
  } catch (e) {
    await host.stop();
    throw e;
  }
}

/**
 * The library the layout specs share: two steps of the leaky series (`leak 1`,
 * `leak 4`) and the everything scenario (`kitchen`), their ids put in `ids`
 * by label, and one page at `viewport`.
 */
export function leakyKitchenLibrary(
  browser: Browser,
  ids: Record<string, string>,
  viewport: { width: number; height: number },
): Promise<{ host: RunningHost; page: Page }> {
  return hostWithLibrary(
    browser,
    async (api) => {
      const capture = async (data: object, label: string) => (ids[label] = (await api(data, label)).id);
      for (const step of [1, 4]) await capture({ scenario: 'leaky', step }, `leak ${step}`);
      await capture({ scenario: 'everything' }, 'kitchen');
    },
    { viewport },
  );
}
