/**
 * The query views in Chromium against the real browser host, on a library
 * holding the `leaky` series (steps 1 to 4) and the `everything` simulation
 * (hostile file names): Diff (two images from the library, "compare with
 * previous", filters, either side into the inspector), Search (completion,
 * help, a hit into the inspector, a marked query error, "who holds it"
 * across the series and a holder into the inspector), Timeline (a leak
 * suspect, the soft fd limit line and the projection to it, the processes
 * heading for their limit, a point into the inspector), and reports in
 * every format, saved and opened, from the views and the Reports view.
 * Screenshots of each view land in test-results/screens/.
 */
import { test, expect, request as pwRequest, type Page, type Download } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { haveChromium, chromiumPath, type RunningHost } from './host.js';
import { hostWithLibrary, shot } from './flows.js';
import { time } from '../src-renderer/lib/format.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
const ids: Record<string, string> = {};
/** Capture time (ms) of each image by label, as the backend recorded it. */
const times: Record<string, number> = {};

test.beforeAll(async ({ browser }) => {
  // The series is set up through the API (the UI capture is covered in app.spec.ts).
  ({ host, page } = await hostWithLibrary(
    browser,
    async (api) => {
      const capture = async (data: object, label: string) => {
        const image = await api(data, label);
        ids[label] = image.id;
        times[label] = image.captureTime;
      };
      for (const step of [1, 2, 3, 4]) await capture({ scenario: 'leaky', step }, `leak ${step}`);
      await capture({ scenario: 'everything' }, 'kitchen');
    },
    { acceptDownloads: true },
  ));
});
test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

const fdRow = (fd: number | string) => new RegExp(`^\\s*${fd}\\b`);

test('diff: two images of the leaky series show the fds it opened, side by side, filtered, each side into its inspector', async () => {
  await page.getByTestId('nav-library').click();
  const list = page.getByTestId('library-list');
  await list.getByRole('option').filter({ hasText: 'leak 1' }).click();
  await list
    .getByRole('option')
    .filter({ hasText: 'leak 4' })
    .click({ modifiers: ['Control'] });
  await page.getByTestId('diff-button').click();

  // Summary first. Steps 1 -> 4: nine more CLOSE_WAIT connections and three more log files. Old fds keep their numbers
  // (fd 11's client connection was closed and the number reused: retargeted), the new ones take 12-23.
  await expect(page.getByTestId('sum-opened')).toHaveText('+12 opened');
  await expect(page.getByTestId('sum-closed')).toHaveText('−0 closed');
  const rows = page.getByTestId('diff-rows');
  await expect(rows.getByTestId('diff-task')).toContainText('leaky-svc');
  await shot(page, 'diff');

  // Only openings, only regular files: the log files, app.log.4 among them, on the B side only.
  for (const c of ['retargeted', 'state', 'flags', 'moved', 'cloexec', 'deleted', 'shared', 'unshared'])
    await page.getByTestId(`filter-${c}`).uncheck();
  const fdRows = rows.getByRole('option').filter({ has: page.getByTestId('diff-side-b') });
  const opened = await fdRows.count();
  expect(opened).toBe(12);
  for (const t of await fdRows.allInnerTexts()) expect(t).toMatch(/^opened/);
  const closeWait = fdRows.filter({ hasText: '10.0.3.20:5432 CLOSE_WAIT' });
  await expect(closeWait).toHaveCount(8);
  for (let i = 0; i < 8; i++) {
    await expect(closeWait.nth(i).getByTestId('diff-side-b').locator('.fd')).toHaveText(/^(1[235679]|2[01])$/);
    await expect(closeWait.nth(i).getByTestId('diff-side-b').locator('.kind')).toHaveText('inet-socket');
  }
  await page.getByTestId('filter-kind').selectOption('regular');
  await expect(fdRows).toHaveCount(3);
  const log4 = fdRows.filter({ hasText: '/var/log/leaky/app.log.4' });
  await expect(log4.getByTestId('diff-side-b').locator('.fd')).toHaveText('22');
  await expect(log4.getByTestId('diff-side-a')).toHaveText('');
  await shot(page, 'diff-filtered');

  await log4.getByTestId('diff-side-b').click();
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 4');
  await expect(page.getByTestId('fd-list').locator('.row.cursor')).toContainText(fdRow(22));
  await expect(page.getByTestId('file-detail')).toContainText('app.log.4');
});

test('diff: compare with previous from the inspector; a retargeted fd opens on the A side', async () => {
  // We are in the inspector on leak 4: its previous capture is leak 3.
  await page.getByTestId('inspector-compare-previous').click();
  await expect(page.getByTestId('diff-summary')).toContainText('leak 3');
  await expect(page.getByTestId('diff-summary')).toContainText('leak 4');
  // Whole tables: the unchanged fds (stdio, config, listener, eventfd) appear between the changes, both sides the same.
  const list = page.getByTestId('diff-rows');
  const changedOnly = Number(await list.getAttribute('data-count'));
  await page.getByTestId('diff-whole').check();
  await expect(list).not.toHaveAttribute('data-count', String(changedOnly));
  // leak 4 holds fds 0-23: one row each (none closed), plus the process header.
  await expect(list).toHaveAttribute('data-count', '25');
  const stdin = list.getByRole('option').nth(1);
  await expect(stdin.locator('.c-mark.same')).toHaveCount(1);
  await expect(stdin.getByTestId('diff-side-a').locator('.fd')).toHaveText('0');
  await expect(stdin.getByTestId('diff-side-b').locator('.fd')).toHaveText('0');
  await shot(page, 'diff-whole-tables');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'diff-whole-tables-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('diff-whole').uncheck();
  await expect(list).toHaveAttribute('data-count', String(changedOnly));
  // A retargeted fd (a closed client connection's number reused by a leaked one): its A side opens leak 3's inspector there.
  const rows = page.getByTestId('diff-rows').getByRole('option');
  const retargeted = rows.filter({ has: page.locator('.m.mark-retargeted') }).first();
  await expect(retargeted).toBeVisible();
  const fd = (await retargeted.getByTestId('diff-side-a').innerText()).trim().split(/\s+/)[0]!;
  await retargeted.getByTestId('diff-side-a').click();
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 3');
  await expect(page.getByTestId('fd-list').locator('.row.cursor')).toContainText(fdRow(fd));
});

test('search: completion and help; a path lands on its fd in the inspector', async () => {
  await page.getByTestId('nav-search').click();
  const input = page.getByTestId('search-input');
  await input.fill('');
  await input.pressSequentially('ki');
  const completion = page.getByTestId('search-completion');
  await expect(completion).toContainText('kind:');
  await input.press('Tab');
  await expect(input).toHaveValue('kind:');
  await input.pressSequentially('uni');
  await expect(completion.getByRole('option').first()).toContainText('unix');
  await shot(page, 'search-completion');
  // Socket states complete too (the list the parser takes).
  await input.fill('');
  await input.pressSequentially('state:li');
  await expect(completion.getByRole('option').locator('.mono')).toHaveText(['listen']);
  await input.press('Escape');
  await page.getByTestId('search-help-toggle').click();
  await expect(page.getByTestId('search-help')).toContainText('deleted:yes');
  await expect(page.getByTestId('search-help')).toContainText('kind of file');

  await input.fill('/var/log/leaky/app.log.4');
  await input.press('Enter');
  // Only step 4 opened app.log.4.
  await expect(page.getByTestId('search-summary')).toContainText('1 hit in 1 image');
  const hits = page.getByTestId('search-hits').getByRole('option');
  await expect(hits.nth(0)).toContainText('leak 4');
  expect((await hits.nth(1).innerText()).trim().split(/\s+/).slice(0, 5)).toEqual([
    '5000',
    'leaky-svc',
    '22',
    'regular',
    '/var/log/leaky/app.log.4',
  ]);
  await shot(page, 'search');
  await hits.nth(1).click();
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 4');
  await expect(page.getByTestId('tree').locator('.row.cursor')).toContainText('5000');
  await expect(page.getByTestId('fd-list').locator('.row.cursor')).toContainText(fdRow(22));
  await expect(page.getByTestId('file-detail')).toContainText('/var/log/leaky/app.log.4');
});

test('search: a query that cannot be parsed is marked where it fails', async () => {
  await page.getByTestId('nav-search').click();
  await page.getByTestId('search-input').fill('deleted:yes kind:nosuchkind pipe');
  await page.getByTestId('search-input').press('Enter');
  const err = page.getByTestId('search-error');
  await expect(err).toBeVisible();
  await expect(err.locator('mark')).toHaveText('nosuchkind');
  await shot(page, 'search-error');
});

test("search, who holds it: the leaky series' log files folded into holders, since the step that opened each, now; one opens in the inspector", async () => {
  await page.getByTestId('nav-search').click();
  const input = page.getByTestId('search-input');
  // The leaky series only.
  await input.fill('/var/log/leaky/app.log -label:kitchen');
  await input.press('Enter');
  // app.log in every step, app.log.k from step k on: 4 + 4 + 3 + 2 + 1.
  await expect(page.getByTestId('search-summary')).toContainText('14 hits in 4 images');
  await page.getByTestId('search-mode-holders').click();
  await expect(page.getByTestId('search-mode-holders')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('holders-summary')).toContainText('5 holders across 4 images covered');
  const rows = page.getByTestId('search-holders').getByTestId('holder-row');
  await expect(rows).toHaveCount(5);
  // leaky-svc opens app.log on fd 6 from step 1, and at step k three leaked connections then app.log.k on fd 6 + 4k;
  // all are still held in leak 4. Held now first, longest held first.
  for (let k = 0; k <= 4; k++) {
    const row = rows.nth(k);
    const since = `leak ${Math.max(1, k)}`;
    const name = k === 0 ? '/var/log/leaky/app.log' : `/var/log/leaky/app.log.${k}`;
    expect((await row.innerText()).trim().split(/\s+/).slice(0, 3)).toEqual(['5000', 'leaky-svc', String(k === 0 ? 6 : 6 + 4 * k)]);
    await expect(row.getByTestId('holder-since')).toHaveText(time(times[since]!));
    await expect(row.getByTestId('holder-since')).toHaveAttribute('title', new Date(times[since]!).toISOString());
    await expect(row.getByTestId('holder-until')).toHaveText('now');
    await expect(row).toHaveClass(/\bnow\b/);
    await expect(row.getByTestId('holder-images')).toHaveText(String(4 - Math.max(1, k) + 1));
    await expect(row.getByTestId('holder-gaps')).toHaveText('0');
    // Rotated and deleted since: read as in leak 4.
    await expect(row).toContainText(k >= 1 && k <= 3 ? `${name} (deleted)` : name);
  }
  await expect(page.getByTestId('search-run')).toHaveText('Search');
  await expect(page.getByTestId('search-run')).toBeEnabled();
  await shot(page, 'search-holders');

  // Every image, kitchen the newest: it captured other processes, which is
  // no news of leaky-svc, so the logs are still held now, as of leak 4.
  await input.fill('/var/log/leaky/app.log');
  await input.press('Enter');
  await expect(page.getByTestId('holders-summary')).toContainText('5 holders across 5 images covered');
  const first = rows.first();
  await expect(first.getByTestId('holder-until')).toHaveText('now');
  await expect(first).toHaveClass(/\bnow\b/);
  await expect(first.getByTestId('holder-since')).toHaveText(time(times['leak 1']!));

  // Back to the hits: of the query now in the box (the hit list shown was of the narrower one), then the holders again.
  await page.getByTestId('search-mode-hits').click();
  await expect(page.getByTestId('search-summary')).toContainText('14 hits in 4 images');
  await expect(page.getByTestId('search-summary')).not.toContainText('kitchen');
  await page.getByTestId('search-mode-holders').click();
  await expect(rows).toHaveCount(5);

  // A query that does not parse is marked where it fails, as for hits.
  await input.fill('/var/log/leaky/app.log kind:nosuchkind');
  await input.press('Enter');
  await expect(page.getByTestId('search-error').locator('mark')).toHaveText('nosuchkind');
  await expect(rows).toHaveCount(0);
  await input.fill('/var/log/leaky/app.log');
  await input.press('Enter');
  await expect(rows).toHaveCount(5);

  // The keyboard: app.log.2 is the third holder; Enter opens it in the latest image it was held in.
  await page.getByTestId('search-holders').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('search-holders').locator('.row.cursor')).toContainText('app.log.2');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 4');
  await expect(page.getByTestId('tree').locator('.row.cursor')).toContainText('5000');
  await expect(page.getByTestId('fd-list').locator('.row.cursor')).toContainText(fdRow(14));
  await expect(page.getByTestId('file-detail')).toContainText('/var/log/leaky/app.log.2');

  // A click: app.log.4 on fd 22.
  await page.getByTestId('nav-search').click();
  await page.getByTestId('search-mode-holders').click();
  await input.fill('app.log.4');
  await input.press('Enter');
  await expect(rows).toHaveCount(1);
  await rows.first().click();
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 4');
  await expect(page.getByTestId('fd-list').locator('.row.cursor')).toContainText(fdRow(22));
});

test('timeline: the leaky series shows a leak suspect on the chart; a point opens its image', async () => {
  await page.getByTestId('nav-timeline').click();
  const series = page.getByTestId('timeline-series');
  const option = series.locator('option').filter({ hasText: 'leaky-svc' });
  await series.selectOption({ label: (await option.innerText()).trim() });
  await expect(page.getByTestId('timeline-point')).toHaveCount(4);
  const suspects = page.getByTestId('timeline-suspects').getByTestId('suspect');
  await expect(suspects.filter({ hasText: 'CLOSE_WAIT' }).first()).toBeVisible();
  // A suspect names its endpoint (leaky-svc's connections to its database, which end in CLOSE_WAIT) and its growth over the series.
  await expect(suspects.filter({ hasText: 'tcp CLOSE_WAIT -> 10.0.3.20:5432' })).toContainText(
    /socket · 3 → 12 over [\d.]+ (s|min) \(\+[\d.]+\/(s|min)\) · \+3\.0\/image/,
  );
  await expect(page.getByTestId('suspect-line')).toHaveCount(await suspects.count());
  // leaky-svc's soft fd limit (128) is in reach of its 12-24 fds: drawn as a line, horizontal (one limit
  // throughout), above every point; the projection says when the growing count reaches it.
  const limitLine = page.getByTestId('timeline-limit-line');
  await expect(limitLine).toHaveCount(1);
  const d = (await limitLine.getAttribute('d'))!;
  const ys = [...d.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
  expect(new Set(ys).size).toBe(1);
  for (const cy of await page.getByTestId('timeline-point').evaluateAll((els) => els.map((e) => Number(e.getAttribute('cy')))))
    expect(cy).toBeGreaterThan(ys[0]!);
  await expect(page.getByTestId('timeline-chart')).toContainText('soft fd limit 128');
  await expect(page.getByTestId('timeline-limit')).toContainText(
    // The series is captured seconds apart: the limit may be under a minute away.
    /^process 5000 holds 24 fds, growing by .* an hour: reaches its soft limit of 128 in (about |less than a minute)/,
  );
  // Every process heading for its own limit is listed (here the series' one only); picking it draws its fds and its limit.
  const procs = page.getByTestId('timeline-procs').getByTestId('timeline-proc');
  await expect(procs).toHaveCount(1);
  await expect(procs.first()).toContainText('5000 leaky-svc');
  await expect(procs.first()).toContainText('24 / 128 fds');
  await expect(procs.first()).toContainText(/reaches it in (about .*|less than a minute, around .*) UTC/);
  await expect(page.getByTestId('timeline-proc-line')).toHaveCount(0);
  await procs.first().click();
  await expect(page.getByTestId('timeline-proc-line')).toHaveCount(1);
  await expect(page.getByTestId('timeline-chart')).toContainText('soft fd limit of 5000: 128');
  await procs.first().click();
  await expect(page.getByTestId('timeline-proc-line')).toHaveCount(0);
  await suspects.first().click();
  await shot(page, 'timeline');
  await page.getByTestId('timeline-point').nth(1).click();
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 2');
  // From the series to what it gained: its first capture against its last.
  await page.getByTestId('nav-timeline').click();
  await series.selectOption({ label: (await option.innerText()).trim() });
  await page.getByTestId('timeline-diff').click();
  await expect(page.getByTestId('diff-summary')).toContainText(/leak 1\s*→\s*leak 4/);
  // Search: an image's line opens that image.
  await page.getByTestId('nav-search').click();
  await page.getByTestId('search-input').fill('app.log.4');
  await page.getByTestId('search-input').press('Enter');
  await page.getByTestId('search-hits').getByRole('option').first().locator('.group').click();
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 4');
});

/** Opens the image labelled `label` in the inspector from the library (a double click on its row). */
async function openImage(label: string): Promise<void> {
  await page.getByTestId('nav-library').click();
  await page.getByTestId('library-list').getByRole('option').filter({ hasText: label }).dblclick();
  await expect(page.getByTestId('inspector-title')).toHaveText(label);
}

async function saved(d: Download): Promise<Buffer> {
  return readFileSync((await d.path())!);
}

test('reports: the hostile image in every format, saved and checked; HTML opened stays inert', async ({ browser }) => {
  await openImage('kitchen');
  const bar = page.getByTestId('image-export');
  const files: Record<string, Buffer> = {};
  for (const format of ['html', 'md', 'json', 'csv', 'pdf']) {
    await page.getByTestId('image-export-format').selectOption(format);
    await page.getByTestId('image-export-run').click();
    await expect(page.getByTestId('image-export-info')).toContainText(`.${format}`, { timeout: 60_000 });
    const [d] = await Promise.all([page.waitForEvent('download'), bar.getByTestId('image-export-save').click()]);
    expect(d.suggestedFilename()).toBe(`image-${ids.kitchen!.slice(0, 12)}.${format}`);
    files[format] = await saved(d);
  }
  await shot(page, 'export-image');

  // PDF: a real PDF with pages.
  const pdf = files.pdf!.toString('latin1');
  expect(pdf.startsWith('%PDF-')).toBe(true);
  expect((pdf.match(/\/Type\s*\/Page(?![a-z])/g) ?? []).length).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('image-export-info')).toContainText(/\d+ pages?/);
  // Open (a new tab) serves the same PDF inline, for the browser's viewer, with the page's cookie only.
  const href = (await page.getByTestId('image-export-open').getAttribute('href'))!;
  const inline = await page.request.get(`${host.origin}${href}`);
  expect(inline.headers()['content-type']).toBe('application/pdf');
  expect(inline.headers()['content-disposition']).toMatch(/^inline;/);
  expect((await inline.body()).equals(files.pdf!)).toBe(true);
  // JSON parses and keeps the hostile path's escaped display form.
  const json = JSON.parse(files.json!.toString('utf8'));
  expect(JSON.stringify(json)).toContain('/tmp/evil');
  expect(files.md!.toString('utf8')).toMatch(/^# /);
  expect(files.csv!.toString('utf8').split('\r\n')[0]).toMatch(/,/);

  // HTML: the file name with <script> in it is text, never markup.
  const html = files.html!.toString('utf8');
  expect(html).toContain('/tmp/evil');
  expect(html).not.toContain('<script>alert');
  const viewer = await browser.newPage();
  let dialogs = 0;
  viewer.on('dialog', (dlg) => {
    dialogs++;
    void dlg.dismiss();
  });
  const file = test.info().outputPath('report.html');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, html);
  await viewer.goto(pathToFileURL(file).href);
  expect(await viewer.evaluate(() => document.scripts.length)).toBe(0);
  await expect(viewer.locator('body')).toContainText('<script>alert("x")</script>');
  expect(dialogs).toBe(0);
  await viewer.close();

  // Open: the HTML report in a new tab, served under a sandbox CSP, still inert.
  await page.getByTestId('image-export-format').selectOption('html');
  await page.getByTestId('image-export-run').click();
  const [tab] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('image-export-open').click()]);
  await tab.waitForLoadState();
  await expect(tab.locator('body')).toContainText('<script>alert("x")</script>');
  expect(await tab.evaluate(() => document.scripts.length)).toBe(0);
  await shot(tab, 'export-html-opened');
  await tab.close();
});

test('reports: the diff, search and timeline on screen export too; the Reports view previews', async () => {
  // Diff as PDF from the Diff view.
  await page.getByTestId('nav-diff').click();
  await page.getByTestId('diff-a').selectOption(ids['leak 1']!);
  await page.getByTestId('diff-b').selectOption(ids['leak 4']!);
  await page.getByTestId('diff-run').click();
  await expect(page.getByTestId('sum-opened')).toBeVisible();
  await page.getByTestId('diff-export-format').selectOption('pdf');
  await page.getByTestId('diff-export-run').click();
  await expect(page.getByTestId('diff-export-info')).toContainText(/diff-.*\.pdf · .* · \d+ pages?/, { timeout: 60_000 });
  const [d1] = await Promise.all([page.waitForEvent('download'), page.getByTestId('diff-export-save').click()]);
  expect((await saved(d1)).subarray(0, 5).toString()).toBe('%PDF-');

  // Search as CSV from the Search view: one row per hit.
  await page.getByTestId('nav-search').click();
  await page.getByTestId('search-input').fill('app.log.4');
  await page.getByTestId('search-input').press('Enter');
  await expect(page.getByTestId('search-summary')).toContainText('1 hit');
  await page.getByTestId('search-export-format').selectOption('csv');
  await page.getByTestId('search-export-run').click();
  const [d2] = await Promise.all([page.waitForEvent('download'), page.getByTestId('search-export-save').click()]);
  const csv = (await saved(d2)).toString('utf8').trim().split('\r\n');
  expect(csv.length).toBe(2);
  expect(csv[1]).toContain('app.log.4');
  // The same query's holders export too, from the holders mode.
  await page.getByTestId('search-mode-holders').click();
  await expect(page.getByTestId('holders-summary')).toContainText('1 holder');
  await page.getByTestId('search-export-run').click();
  const [dh] = await Promise.all([page.waitForEvent('download'), page.getByTestId('search-export-save').click()]);
  const held = (await saved(dh)).toString('utf8').trim().split('\r\n');
  expect(held[0]).toBe('pid,comm,fd,kind,since,until,images,gaps,target');
  expect(held).toHaveLength(2);
  expect(held[1]).toMatch(/,now,1,0,.*app\.log\.4/);
  await page.getByTestId('search-mode-hits').click();

  // Timeline as Markdown from the Timeline view names the suspect.
  await page.getByTestId('nav-timeline').click();
  const series = page.getByTestId('timeline-series');
  await series.selectOption({ label: (await series.locator('option').filter({ hasText: 'leaky-svc' }).innerText()).trim() });
  await page.getByTestId('timeline-export-format').selectOption('md');
  await page.getByTestId('timeline-export-run').click();
  const [d3] = await Promise.all([page.waitForEvent('download'), page.getByTestId('timeline-export-save').click()]);
  expect((await saved(d3)).toString('utf8')).toContain('tcp CLOSE_WAIT'); // an intraword _ is plain text in Markdown

  // The Reports view: a Markdown preview of an image.
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('report-format').selectOption('md');
  await page.getByTestId('report-run').click();
  await expect(page.getByTestId('report-preview')).toContainText('# ');
  await shot(page, 'reports');
});

test('inspector: an anon inode without a kind shows its fdinfo lines as lines', async () => {
  await openImage('kitchen');
  await page.getByTestId('tree').getByRole('option').first().click();
  const fds = page.getByTestId('fd-list');
  await page.getByTestId('fd-filter').fill('io_uring');
  await expect(fds).toHaveAttribute('data-count', '1');
  await fds.getByRole('option').first().click();
  const text = page.getByTestId('file-detail').getByTestId('attr-lines');
  await expect(text).toBeVisible();
  const shown = await text.innerText();
  expect(shown.split('\n')).toHaveLength(19);
  expect(shown).toMatch(/^SqMask:\t0x3\nSqHead:\t0\n/);
  expect(shown).toMatch(/\nNAPI:\tdisabled$/);
  await shot(page, 'inspector-anon-fdinfo');
});

test('inspector: each process its fds against its fd limit, the image its Limits panel; near a limit is marked; an image before 1.2 says not recorded', async () => {
  await openImage('kitchen');
  const tree = page.getByTestId('tree');
  const proc = (pid: number) => tree.getByRole('option').filter({ hasText: new RegExp(`^\\s*${pid}\\b`) });
  // The sim's kitchen-sink runs with systemd's defaults (1024 soft, 524288 hard); its child raised its soft limit.
  await expect(proc(6000)).toContainText('38 / 1024 fds');
  await expect(proc(6000).locator('.fdl')).not.toHaveClass(/near/);
  await proc(6000).click();
  const limit = page.getByTestId('process-fd-limit');
  await expect(limit).toContainText('38 / 1,024 fds');
  await expect(limit).toContainText('hard limit 524,288');
  await expect(limit.getByRole('meter')).toBeVisible();
  await proc(6001).click();
  await expect(limit).toContainText('15 / 65,536 fds');

  // Nothing is near a limit: the panel waits behind its button.
  await expect(page.getByTestId('limits-panel')).toHaveCount(0);
  await expect(page.getByTestId('limits-toggle')).toHaveText('Limits');
  await page.getByTestId('limits-toggle').click();
  const panel = page.getByTestId('limits-panel');
  // fs.file-max is LONG_MAX: it arrives exact, as a string.
  await expect(panel.getByTestId('limits-file-handles')).toContainText(/File handles\s*[\d,]+ \/ 9223372036854775807/);
  await expect(panel.getByTestId('limits-inotify')).toContainText('limits: 128 instances, 65,536 watches');
  await expect(panel.getByTestId('limits-inotify')).toContainText(/uid 0\s*1 \/ 128/);
  await expect(panel.getByTestId('limits-processes')).toContainText('kitchen-sink');
  await expect(panel.getByTestId('limit-warnings-none')).toBeVisible();
  await shot(page, 'inspector-limits');

  // A leak run long enough to reach its limit: the panel opens by itself with the warning; the process is marked.
  const ctx = await pwRequest.newContext();
  const headers = { 'Content-Type': 'application/json', 'X-Ckpt-Token': host.token };
  const cap = await ctx.post(`${host.origin}/api/capture.run`, {
    headers,
    data: { source: 'sim', scenario: 'leaky', step: 250, label: 'near limit' },
  });
  expect((await cap.json()).ok).toBe(true);
  await openImage('near limit');
  await expect(page.getByTestId('limits-toggle')).toHaveText('1 limit warning');
  await expect(page.getByTestId('limit-warnings')).toHaveText(
    'process 5000 holds 128 fds, at or over its soft limit of 128 (hard limit 4096: it may raise the soft one)',
  );
  await expect(proc(5000).locator('.fdl')).toHaveClass(/near/);
  await proc(5000).click();
  await expect(limit).toContainText('at its limit');
  await expect(limit.getByRole('meter')).toHaveClass(/near/);
  await shot(page, 'inspector-limits-near');

  // An image from format 1.1 recorded no limits: it says so, and shows no zero.
  const old = readFileSync('test/fixtures/golden-everything-1.1.ckpt').toString('base64');
  const imp = await ctx.post(`${host.origin}/api/library.import`, { headers, data: { name: 'format-1.1.ckpt', data: old } });
  expect((await imp.json()).ok).toBe(true);
  await ctx.dispose();
  await openImage('format-1.1');
  await expect(proc(6000)).toContainText('36 fds');
  await expect(proc(6000)).not.toContainText('/');
  await proc(6000).click();
  await expect(limit).toContainText('not recorded (the image is format 1.1; limits are recorded from 1.2 on)');
  await page.getByTestId('limits-toggle').click();
  await expect(panel.getByTestId('limits-not-recorded')).toContainText('Limits not recorded: this image is format 1.1');
  await expect(panel.getByTestId('limits-file-handles')).toContainText('not recorded');
  await expect(panel.getByTestId('limits-processes')).toContainText('not recorded');
  await expect(panel.getByTestId('limits-processes')).toContainText('2 processes: limit not recorded');
  await shot(page, 'inspector-limits-1.1');
});
