/**
 * The Capture view selecting live processes by name (comm) and by user, in
 * Chromium against the real browser host: the name field starts from the
 * clicked process's name, the count and marks follow what is typed, and the
 * image holds exactly the processes so named. (Named *-app.spec.ts so the
 * config's Chromium project runs it.)
 */
import { test, expect, type Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { startHost, haveChromium, chromiumPath, type RunningHost } from './host.js';
import { shot, treeRow } from './flows.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

/** Names no other process has: a comm is the executable's file name. */
const TAG = `ck${process.pid % 100000}`;

let host: RunningHost;
let page: Page;
let dir: string;
const procs: ChildProcess[] = [];

/** A sleep whose comm is `name`, holding `marker` on fd 9, started from its own copy of sleep. */
async function named(name: string, marker: string): Promise<number> {
  const bin = join(dir, name);
  // Two processes of one name share the copy: it cannot be rewritten while one runs it.
  if (!existsSync(bin)) copyFileSync('/bin/sleep', bin);
  const child = spawn('/bin/sh', ['-c', `exec 9<"${marker}"; exec "${bin}" 120`], { stdio: 'ignore' });
  procs.push(child);
  // Ready once the exec has happened: until then its comm is sh's.
  for (let i = 0; i < 200; i++) {
    try {
      if (readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === name) return child.pid!;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${name} did not start`);
}

/** The Capture view's live process list, fresh, choosing by `by` (by-comm, by-user, by-pids). */
async function liveProcesses(by: 'comm' | 'user' | 'pids'): Promise<void> {
  await page.getByTestId('nav-capture').click();
  await page.getByTestId('mode-proc').click();
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.getByTestId(`by-${by}`).check();
}

test.beforeAll(async ({ browser }) => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-e2e-comm-'));
  host = await startHost();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(host.url);
});
test.afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await page?.close();
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('capture view: every process named like the clicked one, counted, marked, captured; nothing else in the image', async () => {
  const marker = join(dir, 'comm-marker.txt');
  writeFileSync(marker, 'x');
  const workers = [await named(`${TAG}w`, marker), await named(`${TAG}w`, marker)];
  const other = await named(`${TAG}x`, marker);

  await liveProcesses('comm');
  await expect(page.getByTestId('capture-run')).toBeDisabled();
  await page.getByTestId('proc-search').fill(`${TAG}w`);
  const rows = page.getByTestId('proc-list').getByRole('option');
  await expect(rows).toHaveCount(2);
  await rows.first().click();
  // The name field starts from the clicked process's name, whole: both of that name.
  await expect(page.getByTestId('comm-names')).toHaveValue(`${TAG}w`);
  await expect(page.getByTestId('selector-count')).toHaveText('2');
  await expect(page.getByTestId('selector-summary')).toContainText(`listed processes named “${TAG}w”`);

  // A prefix takes the other one too; a name longer than a comm can be is refused before capturing.
  await page.getByTestId('comm-names').fill(`${TAG}*`);
  await expect(page.getByTestId('selector-count')).toHaveText('3');
  await page.getByTestId('comm-names').fill(`${TAG}-a-name-far-too-long`);
  await expect(page.getByTestId('comm-problem')).toContainText('is longer than a comm can be (15 bytes)');
  await expect(page.getByTestId('capture-run')).toBeDisabled();

  // Typed text stays when the cursor moves (only a prefilled name follows it).
  await page.getByTestId('comm-names').fill(`${TAG}w*`);
  await page.getByTestId('proc-search').fill(TAG);
  await expect(rows).toHaveCount(3);
  await rows.last().click();
  await expect(page.getByTestId('comm-names')).toHaveValue(`${TAG}w*`);
  await expect(page.getByTestId('selector-count')).toHaveText('2');
  for (const pid of workers) await expect(rows.filter({ hasText: String(pid) }).locator('[data-covered="true"]')).toHaveCount(1);
  await expect(rows.filter({ hasText: String(other) }).locator('[data-covered="false"]')).toHaveCount(1);

  await page.getByTestId('capture-label').fill('comm e2e');
  await shot(page, 'capture-comm');
  await page.getByTestId('capture-run').click();
  await expect(page.getByTestId('inspector-title')).toHaveText('comm e2e');
  const tree = page.getByTestId('tree').getByRole('option');
  await expect(tree).toHaveCount(2);
  for (const pid of workers) await expect(treeRow(page, pid)).toHaveCount(1);
  await expect(treeRow(page, other)).toHaveCount(0);
  await treeRow(page, workers[1]!).click();
  await expect(page.getByTestId('fd-list').getByRole('option').filter({ hasText: 'comm-marker.txt' })).toHaveCount(1);
  await shot(page, 'inspector-comm');
});

test('capture view: a name with a comma and a star is prefilled escaped, and selects exactly its process', async () => {
  const marker = join(dir, 'comma-marker.txt');
  writeFileSync(marker, 'x');
  const odd = await named(`${TAG},o*`, marker);
  const near = await named(`${TAG},o`, marker);

  await liveProcesses('comm');
  await page.getByTestId('proc-search').fill(String(odd));
  const rows = page.getByTestId('proc-list').getByRole('option');
  await rows
    .filter({ hasText: String(odd) })
    .first()
    .click();
  // Unescaped, the comma would split it in two and the star take both.
  await expect(page.getByTestId('comm-names')).toHaveValue(`${TAG}\\,o\\*`);
  await expect(page.getByTestId('selector-count')).toHaveText('1');
  // Said as it is understood: the name with its comma and star, not the backslashes typed (or doubled), and "1 listed process".
  await expect(page.getByTestId('selector-summary')).toContainText(`1 listed process named “${TAG},o*”.`);
  await page.getByTestId('proc-search').fill(`${TAG},o`);
  await expect(rows.filter({ hasText: String(odd) }).locator('[data-covered="true"]')).toHaveCount(1);
  await expect(rows.filter({ hasText: String(near) }).locator('[data-covered="false"]')).toHaveCount(1);
  await page.getByTestId('capture-label').fill('comma e2e');
  await page.getByTestId('capture-run').click();
  await expect(page.getByTestId('inspector-title')).toHaveText('comma e2e');
  await expect(page.getByTestId('tree').getByRole('option')).toHaveCount(1);
  await expect(treeRow(page, odd)).toHaveCount(1);
});

test('capture view: the user choice starts from the clicked process user; an unknown name is the backend error, named', async () => {
  await liveProcesses('user');
  await page.getByTestId('proc-search').fill(`${TAG}x`);
  const rows = page.getByTestId('proc-list').getByRole('option');
  await expect(rows).toHaveCount(1);
  const listedUser = (await rows.first().locator('.c-user').textContent())!.trim();
  await rows.first().click();
  await expect(page.getByTestId('user-names')).toHaveValue(listedUser);
  expect(Number(await page.getByTestId('selector-count').textContent())).toBeGreaterThanOrEqual(3);
  await page.getByTestId('user-names').fill('no-such-ckpt-user');
  await expect(page.getByTestId('selector-count')).toHaveText('0');
  await expect(page.getByTestId('user-unlisted')).toContainText('No listed process of no-such-ckpt-user');
  await page.getByTestId('capture-run').click();
  await expect(page.getByTestId('capture-error')).toContainText('no such user "no-such-ckpt-user" (not in /etc/passwd)');
});

test('capture view: a pick checkbox, the row and Space agree with the picked count, once and twice', async () => {
  const marker = join(dir, 'pick-marker.txt');
  writeFileSync(marker, 'x');
  const [a, b] = [await named(`${TAG}p`, marker), await named(`${TAG}p`, marker)];

  await liveProcesses('pids');
  await page.getByTestId('proc-search').fill(`${TAG}p`);
  const rows = page.getByTestId('proc-list').getByRole('option');
  await expect(rows).toHaveCount(2);
  const count = page.getByText(/ processes, \d+ picked$/);
  await expect(count).toHaveText('2 processes, 0 picked');
  const boxA = page.getByRole('checkbox', { name: `pick ${a}` });
  const boxB = page.getByRole('checkbox', { name: `pick ${b}` });
  const rowA = rows.filter({ has: boxA });
  const rowB = rows.filter({ has: boxB });

  // The checkbox itself: once picks (it used to show unchecked beside "1 picked"), twice unpicks.
  await boxA.click();
  await expect(boxA).toBeChecked();
  await expect(rowA).toHaveAttribute('aria-selected', 'true');
  await expect(count).toHaveText('2 processes, 1 picked');
  await boxA.click();
  await expect(boxA).not.toBeChecked();
  await expect(rowA).toHaveAttribute('aria-selected', 'false');
  await expect(count).toHaveText('2 processes, 0 picked');

  // The row's text, once and twice.
  await rowB.locator('.c-comm').click();
  await expect(boxB).toBeChecked();
  await expect(count).toHaveText('2 processes, 1 picked');
  await rowB.locator('.c-cmd').click();
  await expect(boxB).not.toBeChecked();
  await expect(count).toHaveText('2 processes, 0 picked');

  // Space on the process under the cursor (B, the last clicked), once and twice.
  await page.keyboard.press('Space');
  await expect(boxB).toBeChecked();
  await expect(count).toHaveText('2 processes, 1 picked');
  await page.keyboard.press('Space');
  await expect(boxB).not.toBeChecked();
  await expect(count).toHaveText('2 processes, 0 picked');

  // Mixed: A by its checkbox, B by its row; the capture holds exactly those two.
  await boxA.click();
  await rowB.locator('.c-pid').click();
  await expect(boxA).toBeChecked();
  await expect(boxB).toBeChecked();
  await expect(count).toHaveText('2 processes, 2 picked');
  await expect(page.getByTestId('by-pids').locator('xpath=..')).toContainText('The picked processes (2)');
  await page.getByTestId('capture-label').fill('pick e2e');
  await shot(page, 'capture-pick');
  await page.getByTestId('capture-run').click();
  await expect(page.getByTestId('inspector-title')).toHaveText('pick e2e');
  for (const pid of [a, b]) await expect(treeRow(page, pid)).toHaveCount(1);
  await expect(page.getByTestId('tree').getByRole('option')).toHaveCount(2);
});
