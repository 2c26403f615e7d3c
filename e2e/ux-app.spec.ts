/**
 * Smaller fixes from the app trial, in Chromium against the real browser
 * host: the device as major:minor, the focus after opening a view by
 * keyboard, tags split on commas and checked in the UI, labels and tags
 * escaped as names are, "compare with previous" by label when the program
 * changed, the fd filter's match count, the diff pickers while comparing,
 * and a too-long search query said in words.
 */
import { test, expect, type Page } from '@playwright/test';
import { haveChromium, chromiumPath, type RunningHost } from './host.js';
import { hostWithLibrary, treeRow } from './flows.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
const ids: Record<string, string> = {};

test.beforeAll(async ({ browser }) => {
  ({ host, page } = await hostWithLibrary(browser, async (api) => {
    const capture = async (data: object, label: string, key = label) => (ids[key] = (await api(data, label)).id);
    // One label over two programs: a "restart" whose command line changed.
    await capture({ scenario: 'leaky', step: 2 }, 'restarted', 'before');
    await capture({ scenario: 'everything' }, 'restarted', 'after');
    await capture({ scenario: 'web-server' }, 'tags here');
  }));
});
test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

const libRow = (label: string) => page.getByTestId('library-list').getByRole('option').filter({ hasText: label });

test('compare with previous falls back to the label when no earlier image has the program', async () => {
  await page.getByTestId('nav-library').click();
  const after = libRow('restarted').first();
  await after.click();
  await expect(page.getByTestId('compare-previous')).toBeVisible();
  await page.getByTestId('compare-previous').click();
  // The pickers show what is compared from the start, not blank while the diff runs.
  await expect(page.getByTestId('diff-a')).toHaveValue(ids.before!);
  await expect(page.getByTestId('diff-b')).toHaveValue(ids.after!);
  expect((await page.getByTestId('diff-a').locator('option:checked').innerText()).trim()).not.toBe('');
  await expect(page.getByTestId('diff-summary')).toBeVisible();
  await expect(page.getByTestId('diff-a').locator('option:checked')).toContainText('restarted');
});

test('Enter in the library opens the inspector with the focus in the process tree; Alt+5 focuses the query box', async () => {
  await page.getByTestId('nav-library').click();
  await libRow('tags here').click();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inspector-title')).toHaveText('tags here');
  await expect(page.getByTestId('tree')).toBeFocused();
  await page.keyboard.press('Alt+5');
  await expect(page.getByTestId('search-input')).toBeFocused();
});

test('a query over 4,000 characters is refused in words, before it is sent', async () => {
  await page.getByTestId('search-input').fill('a'.repeat(5000));
  await page.getByTestId('search-input').press('Enter');
  await expect(page.getByTestId('search-error')).toHaveText('The query is 5,000 characters; at most 4,000.');
});

test('device as major:minor; the fd filter says how many of the fds match', async () => {
  await page.getByTestId('nav-library').click();
  await libRow('restarted').first().click();
  await page.getByTestId('open-image').click();
  await treeRow(page, 6000).click();
  await page.getByTestId('fd-list').getByRole('option').filter({ hasText: '/dev/null' }).first().click();
  await expect(page.getByTestId('file-rdev')).toHaveText('1:3');
  await expect(page.getByTestId('file-dev')).toHaveText(/^\d+:\d+$/);
  const all = Number(await page.getByTestId('fd-list').getAttribute('data-count'));
  await page.getByTestId('fd-filter').fill('/dev/');
  await expect(page.getByTestId('fd-list')).not.toHaveAttribute('data-count', String(all));
  const shown = Number(await page.getByTestId('fd-list').getAttribute('data-count'));
  await expect(page.getByTestId('fd-count')).toContainText(`${shown} of ${all} fds`);
});

test('tags split on commas only; a too-long tag is named; labels and tags with bidi controls are escaped', async () => {
  await page.getByTestId('nav-library').click();
  await libRow('tags here').click();
  // A space inside a tag is named, not split into words (the store keeps tags one word).
  await page.getByTestId('tags-input').fill('tag with space, b');
  await page.getByTestId('tags-save').click();
  await expect(page.getByTestId('library-error')).toHaveText(
    'The tag “tag with space” has a space in it: a tag is one word (use - or _); commas separate tags.',
  );
  await page.getByTestId('tags-input').fill(' two-words , b ,\u202etag');
  await page.getByTestId('tags-save').click();
  const badges = libRow('tags here').locator('.c-tags .badge');
  await expect(badges).toHaveText(['b', 'two-words', '\\u202etag']);
  await page.getByTestId('tags-input').fill(`ok, ${'x'.repeat(120)}`);
  await page.getByTestId('tags-save').click();
  await expect(page.getByTestId('library-error')).toContainText('is 120 characters; a tag may have at most 64');
  await expect(page.getByTestId('library-error')).not.toContainText('library.setTags');
  await page.getByTestId('label-input').fill('evil\u202eLABEL <img src=x>');
  await page.getByTestId('label-save').click();
  await expect(page.getByTestId('library-list').getByTestId('image-label').filter({ hasText: 'LABEL' })).toHaveText(
    'evil\\u202eLABEL <img src=x>',
  );
});
