/**
 * The app in Chromium against the real browser host: capture a simulation
 * from the UI, see it in the library, open it, follow a shared file to all
 * its holders, read a record's bytes, rename and delete, import by file.
 */
import { test, expect, type Page } from '@playwright/test';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { imageWithErrors } from './errors.js';
import { startHost, haveChromium, chromiumPath, type RunningHost } from './host.js';
import { haveCrit, writeDump } from '../test/criu/dump-fixture.js';
import {
  captureScenario,
  captureSimulation,
  openFromLibrary,
  recordBytes,
  renameAndDelete,
  sharedFileHolders,
  shot,
  treeRow,
} from './flows.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;

test.beforeAll(async ({ browser }) => {
  host = await startHost();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(host.url);
});
test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

test('the empty library says what to do next', async () => {
  await expect(page.getByTestId('library-empty')).toContainText('No images yet');
  await shot(page, 'library-empty');
});

test('capture a simulation from the UI; the new image opens', async () => {
  await captureSimulation(page, 'web e2e', '');
});

test('the library lists it; open it from there', async () => {
  await openFromLibrary(page, 'web e2e', '');
  await expect(page.getByTestId('library-count')).toHaveCount(0);
});

test('select a shared file and see all its holders', async () => {
  await sharedFileHolders(page, '');
});

test('select a record and see its bytes', async () => {
  await recordBytes(page, '');
});

test('filter the fd table; following a holder clears the filter', async () => {
  await page.getByTestId('tree').getByRole('option').first().click();
  const fds = page.getByTestId('fd-list');
  const all = Number(await fds.getAttribute('data-count'));
  await page.getByTestId('fd-filter').fill(':443');
  await expect(fds).toHaveAttribute('data-count', '1');
  await expect(fds.getByRole('option').first()).toContainText('0.0.0.0:443');
  await fds.getByRole('option').first().click();
  await expect(page.getByTestId('holders').getByTestId('holder').first()).toBeVisible();
  await shot(page, 'inspector-fd-filter');
  await page.getByTestId('fd-filter').fill('no-such-thing');
  await expect(page.getByText('No fd matches “no-such-thing”.')).toBeVisible();
  await page.getByTestId('fd-filter').fill('');
  await expect(page.getByTestId('fd-list')).toHaveAttribute('data-count', String(all));
});

test('import a .ckpt file through the file picker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-e2e-import-'));
  const file = join(dir, 'pipeline-import.ckpt');
  execFileSync(process.execPath, ['bin/ckpt.mjs', 'capture', '--sim', 'pipeline', '--seed', '7', '-o', file]);
  writeFileSync(join(dir, 'notes.txt'), 'not an image');
  await page.getByTestId('nav-library').click();
  await page.getByTestId('import-input').setInputFiles([file, join(dir, 'notes.txt')]);
  await expect(page.getByTestId('library-list').getByRole('option').filter({ hasText: 'pipeline-import' })).toHaveCount(1);
  await expect(page.getByTestId('library-error')).toContainText('notes.txt: not a .ckpt file');
});

test('import a podman checkpoint archive through the file picker: converted, labelled by its container', async () => {
  test.skip(!haveCrit() && !process.env.CI, 'no crit (Debian package criu) to encode the CRIU dump');
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-e2e-criu-'));
  writeDump(join(dir, 'podman', 'checkpoint'));
  writeFileSync(join(dir, 'podman', 'config.dump'), JSON.stringify({ name: 'web-e2e', checkpointedTime: '2026-11-20T10:11:12Z' }));
  // zstd: podman's default compression (.ci/run installs the zstd program the backend runs).
  const tar = join(dir, 'web-e2e.tar');
  execFileSync('tar', ['cf', tar, '-C', join(dir, 'podman'), '.']);
  const zst = `${tar}.zst`;
  execFileSync('zstd', ['-q', tar, '-o', zst]);
  await page.getByTestId('nav-library').click();
  await expect(page.getByTestId('import-input')).toHaveAttribute('accept', /\.tar\.zst/);
  await page.getByTestId('import-input').setInputFiles([zst]);
  await openFromLibrary(page, 'web-e2e', 'criu-');
  await expect(page.getByTestId('inspector')).toContainText('server');
  // CRIU records no kernel release: left out, not shown empty.
  await expect(page.getByTestId('inspector')).toContainText('criu on box (x86_64) · frozen');
  await page.getByTestId('nav-library').click(); // where the next test starts
});

test('a corrupt image is refused with a reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-e2e-bad-'));
  const file = join(dir, 'broken.ckpt');
  writeFileSync(file, Buffer.from('\x89CKPT\r\n\x1a this is not really an image'));
  await page.getByTestId('import-input').setInputFiles([file]);
  await expect(page.getByTestId('library-error')).toContainText('broken.ckpt');
});

test('errors recorded in an image are shown, and shared fd tables list every process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-e2e-errors-'));
  const file = join(dir, 'with-errors.ckpt');
  writeFileSync(file, imageWithErrors());
  await page.getByTestId('import-input').setInputFiles([file]);
  const row = page.getByTestId('library-list').getByRole('option').filter({ hasText: 'with-errors' });
  await row.click();
  await page.getByTestId('open-image').click();
  const errs = page.getByTestId('capture-errors');
  await expect(errs).toContainText('EACCES · pid 2101 fd 5 · /proc/2101/fdinfo/5 · permission denied reading fdinfo');
  await expect(errs).toContainText('ESRCH · pid 2199');
  await errs.getByRole('button').first().click();
  await expect(page.getByTestId('records').locator('.row.cursor')).toContainText('EACCES pid 2101 fd 5: permission denied reading fdinfo');
  await expect(page.getByTestId('hex')).toContainText('0f270000'.slice(0, 4)); // ERROR record type 9999 = 0x270f
  await shot(page, 'inspector-errors');

  // The threads scenario: a JVM whose threads share one table, and a CLONE_FILES helper sharing it across processes.
  await captureScenario(page, 'threads', 'threads e2e');
  const shared = page.getByTestId('tree').getByRole('option').filter({ hasText: 'shared table' });
  expect(await shared.count()).toBeGreaterThan(1);
  await shared.first().click();
  const users = page.getByTestId('table-users').getByRole('button');
  expect(await users.count()).toBeGreaterThan(1);
  await expect(page.getByTestId('process-detail')).toContainText('shared by tasks');
  await shot(page, 'inspector-shared-table');
});

test("a connected socket's other end is one click away", async () => {
  await captureScenario(page, 'everything', 'peers e2e');
  await page.getByTestId('tree').getByRole('option').filter({ hasText: '6000' }).first().click();
  const fds = page.getByTestId('fd-list');
  await fds.getByRole('option').filter({ hasText: 'unix stream [100007]' }).click();
  const other = page.getByTestId('other-end');
  await expect(page.getByText('Other end: unix stream [100008]')).toBeVisible();
  await expect(other.getByTestId('other-end-holder')).toHaveCount(1);
  await expect(other.getByTestId('other-end-holder')).toContainText('6001');
  await shot(page, 'inspector-other-end');
  await other.getByTestId('other-end-holder').click();
  // Now on the peer process, with the peer's fd selected: its other end is where we came from.
  await expect(page.getByText('Other end: unix stream [100007]')).toBeVisible();
  await expect(page.getByTestId('other-end').getByTestId('other-end-holder')).toContainText('6000');
});

test("a container's process: its pid and ids inside; a listener's accept queue against its backlog", async () => {
  await captureScenario(page, 'everything', 'container e2e');
  // The everything scenario's child: pid 1 of a pid namespace, host uid 100000 that is root of its user namespace.
  await treeRow(page, 6001).first().click();
  const detail = page.getByTestId('process-detail');
  await expect(page.getByTestId('process-ns-pid')).toHaveText(/^1 in its pid namespace/);
  await expect(detail).toContainText('100000 / 100000');
  await expect(page.getByTestId('process-userns-ids')).toHaveText('0 / 0 in its user namespace');
  // Its parent shares the capture's namespaces: nothing said of ids inside.
  await treeRow(page, 6000).first().click();
  await expect(detail).toBeVisible();
  await expect(page.getByTestId('process-userns-ids')).toHaveCount(0);
  await expect(
    page.getByTestId('fd-list').getByRole('option').filter({ hasText: 'tcp4 0.0.0.0:8443 LISTEN accept-q 3 of 128' }),
  ).toHaveCount(1);
  await shot(page, 'inspector-container');
});

test("a deleted sparse file's allocation beside its size; a unix listener's queue and the client waiting in it", async () => {
  await captureScenario(page, 'everything', 'sparse e2e');
  await treeRow(page, 6000).first().click();
  const fds = page.getByTestId('fd-list');
  const filter = page.getByTestId('fd-filter');
  await filter.fill('sparse.log');
  await fds.getByRole('option').filter({ hasText: '/var/log/kitchen/sparse.log' }).click();
  await expect(page.getByTestId('file-allocated')).toHaveText('4.0 KiB (8 blocks of 512 bytes)');
  // A file whose blocks the image does not record: its size is the apparent size.
  await filter.fill('scratch.bin');
  await fds.getByRole('option').filter({ hasText: '/tmp/scratch.bin' }).click();
  await expect(page.getByTestId('file-allocated')).toHaveText('not recorded: the size, 4.0 KiB, is the apparent size');
  await filter.fill('unix');
  await expect(fds.getByRole('option').filter({ hasText: '@kitchen-sink-ctl LISTEN accept-q 1 of 16' })).toHaveCount(1);
  await fds.getByRole('option').filter({ hasText: 'not yet accepted by [100006]' }).click();
  await expect(page.getByText('Other end: unix stream [100006] @kitchen-sink-ctl LISTEN accept-q 1 of 16')).toBeVisible();
  await shot(page, 'inspector-sparse-pending');
});

test('rename and delete an image', async () => {
  await page.getByTestId('nav-library').click();
  await expect(page.getByTestId('library-list').getByRole('option').filter({ hasText: 'web e2e' })).toHaveCount(1);
  const before = Number(await page.getByTestId('library-list').getAttribute('data-count'));
  await renameAndDelete(page, 'web e2e', 'web renamed', '');
  await expect(page.getByTestId('library-list')).toHaveAttribute('data-count', String(before - 1));
});

test('keyboard: filter the library, arrow into the list, Enter opens, Alt+1 returns', async () => {
  await page.keyboard.press('Alt+1');
  await expect(page.getByTestId('library')).toBeVisible();
  await page.getByTestId('library-filter').fill('threads');
  await expect(page.getByTestId('library-list')).toHaveAttribute('data-count', '1');
  await page.getByTestId('library-filter').press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inspector-title')).toHaveText('threads e2e');
  // Arrows walk the process tree; the fd list follows.
  await page.getByTestId('tree').focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('tree').locator('.row.cursor')).toContainText('logrotate');
  await expect(page.getByTestId('fd-list')).toHaveAttribute('data-count', '3');
  await page.keyboard.press('Alt+1');
  await page.getByTestId('library-filter').fill('');
});

test('capture view: pick a live process from the searchable list and capture it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-e2e-live-'));
  const marker = join(dir, 'live-marker.txt');
  writeFileSync(marker, 'x');
  const child = spawn('/bin/sh', ['-c', `exec 9<"${marker}"; exec sleep 60`], { stdio: 'ignore' });
  try {
    await page.getByTestId('nav-capture').click();
    await page.getByTestId('mode-proc').click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('proc-search').fill(String(child.pid));
    const rows = page.getByTestId('proc-list').getByRole('option');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('sleep');
    await rows.first().click();
    await expect(rows.first()).toHaveAttribute('aria-selected', 'true');
    await page.getByTestId('capture-label').fill('live e2e');
    await shot(page, 'capture-live');
    await page.getByTestId('capture-run').click();
    await expect(page.getByTestId('inspector-title')).toHaveText('live e2e');
    await page
      .getByTestId('tree')
      .getByRole('option')
      .filter({ hasText: String(child.pid) })
      .click();
    await expect(page.getByTestId('fd-list').getByRole('option').filter({ hasText: 'live-marker.txt' })).toHaveCount(1);
    await shot(page, 'inspector-live');
  } finally {
    child.kill('SIGKILL');
  }
});

test('capture view: every process in a picked process network namespace, counted, captured and opened', async () => {
  const canUnshare = spawnSync('unshare', ['--net', 'true']).status === 0;
  test.skip(!canUnshare, 'unshare --net is not allowed here');
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-e2e-ns-'));
  const marker = join(dir, 'ns-marker.txt');
  writeFileSync(marker, 'x');
  // A shell and two children in a network namespace of their own, all holding the marker on fd 9.
  const shell = spawn('unshare', ['--net', 'sh', '-c', `exec 9<"${marker}"; sleep 60 & sleep 60 & echo ready; wait`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let kids: string[] = [];
  try {
    await new Promise<void>((ok, fail) => {
      shell.stdout!.once('data', () => ok());
      shell.once('exit', (c) => fail(new Error(`namespace fixture exited ${c}`)));
    });
    kids = readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, 'latin1').trim().split(/\s+/);
    const members = [String(shell.pid), ...kids];
    await page.getByTestId('nav-capture').click();
    await page.getByTestId('mode-proc').click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByTestId('by-net-ns').check();
    await expect(page.getByTestId('selector-summary')).toContainText('Click a process');
    await expect(page.getByTestId('capture-run')).toBeDisabled();
    await page.getByTestId('proc-search').fill(String(shell.pid));
    const rows = page.getByTestId('proc-list').getByRole('option');
    await expect(rows).toHaveCount(1);
    await rows.first().click();
    await expect(page.getByTestId('selector-count')).toHaveText('3');
    await expect(page.getByTestId('selector-summary')).toContainText(`network namespace of ${shell.pid} sh`);
    // The cgroup choice starts from the picked process's cgroup, editable, counted as it is edited.
    await page.getByTestId('by-cgroup').check();
    const v2 = readFileSync(`/proc/${shell.pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    if (v2) await expect(page.getByTestId('cgroup-path')).toHaveValue(v2.slice(3));
    await page.getByTestId('cgroup-path').fill('/no/such/cgroup');
    await expect(page.getByTestId('selector-count')).toHaveText('0');
    // A typed path stays when the cursor moves to another process (only a prefilled one follows it).
    await page.getByTestId('proc-search').fill('');
    await rows.first().click();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('cgroup-path')).toHaveValue('/no/such/cgroup');
    // Back to the shell as the process meant.
    await page.getByTestId('proc-search').fill(String(shell.pid));
    await rows.first().click();
    await page.getByTestId('cgroup-path').fill('no-slash');
    await expect(page.getByTestId('capture-run')).toBeDisabled();
    await page.getByTestId('by-net-ns').check();
    // The list renders only the rows in view: mark-check the children through a search for them.
    await page.getByTestId('proc-search').fill('sleep 60');
    for (const k of kids) await expect(rows.filter({ hasText: k }).locator('[data-covered="true"]')).toHaveCount(1);
    await page.getByTestId('capture-label').fill('netns e2e');
    await shot(page, 'capture-netns');
    await page.getByTestId('capture-run').click();
    await expect(page.getByTestId('inspector-title')).toHaveText('netns e2e');
    const tree = page.getByTestId('tree').getByRole('option');
    await expect(tree).toHaveCount(3);
    for (const pid of members) await expect(treeRow(page, pid)).toHaveCount(1);
    await treeRow(page, kids[1]!).click();
    await expect(page.getByTestId('fd-list').getByRole('option').filter({ hasText: 'ns-marker.txt' })).toHaveCount(1);
    await shot(page, 'inspector-netns');
  } finally {
    shell.kill('SIGKILL');
    for (const k of kids)
      try {
        process.kill(Number(k), 'SIGKILL');
      } catch {
        /* already gone */
      }
  }
});

test('drop .ckpt files on the library, select several with Ctrl-click and delete them together', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-e2e-drop-'));
  const files = ['database', 'leaky'].map((sc) => {
    const f = join(dir, `dropped-${sc}.ckpt`);
    execFileSync(process.execPath, ['bin/ckpt.mjs', 'capture', '--sim', sc, '--seed', '5', '-o', f]);
    return { name: `dropped-${sc}.ckpt`, b64: readFileSync(f).toString('base64') };
  });
  await page.getByTestId('nav-library').click();
  await expect(page.getByTestId('library')).toBeVisible();
  const dt = await page.evaluateHandle((fs) => {
    const d = new DataTransfer();
    for (const f of fs) d.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    return d;
  }, files);
  await page.getByTestId('library').dispatchEvent('dragover', { dataTransfer: dt });
  await page.getByTestId('library').dispatchEvent('drop', { dataTransfer: dt });
  const list = page.getByTestId('library-list');
  await expect(list.getByRole('option').filter({ hasText: 'dropped-' })).toHaveCount(2);
  const before = Number(await list.getAttribute('data-count'));
  await list.getByRole('option').filter({ hasText: 'dropped-database' }).click();
  await list
    .getByRole('option')
    .filter({ hasText: 'dropped-leaky' })
    .click({ modifiers: ['Control'] });
  await expect(page.getByRole('heading', { name: '2 images selected' })).toBeVisible();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('confirm-dialog')).toContainText('Delete 2 images?');
  await page.getByTestId('confirm-ok').click();
  await expect(list.getByRole('option').filter({ hasText: 'dropped-' })).toHaveCount(0);
  await expect(list).toHaveAttribute('data-count', String(before - 2));
});

test('a large capture shows its progress, then opens 100,000 fds', async () => {
  await page.getByTestId('nav-capture').click();
  await page.getByTestId('mode-sim').click();
  await page.getByTestId('scenario-large').check();
  await page.getByTestId('large-processes').fill('50');
  await page.getByTestId('large-fds').fill('2000');
  await page.getByTestId('capture-label').fill('large e2e');
  await page.getByTestId('capture-run').click();
  await expect(page.getByTestId('capture-progress')).toBeVisible();
  await shot(page, 'capture-progress');
  await expect(page.getByTestId('inspector-title')).toHaveText('large e2e', { timeout: 30_000 });
  await expect(page.getByTestId('inspector')).toContainText('100,0');
});

test('a scenario offers the parameters it reads: leaky-host takes a step', async () => {
  await page.getByTestId('nav-capture').click();
  await page.getByTestId('mode-sim').click();
  await page.getByTestId('scenario-large').check();
  await expect(page.getByTestId('sim-step')).toHaveCount(0);
  await page.getByTestId('scenario-leaky-host').check();
  await expect(page.getByTestId('large-processes')).toHaveCount(0);
  await page.getByTestId('sim-step').fill('7');
  await page.getByTestId('capture-label').fill('leaky-host step 7');
  await page.getByTestId('capture-run').click();
  await expect(page.getByTestId('inspector-title')).toHaveText('leaky-host step 7', { timeout: 30_000 });
  const listed = JSON.parse(
    execFileSync(process.execPath, ['bin/ckpt.mjs', 'list', '--json', '--home', host.home, '--label', 'leaky-host step 7'], {
      encoding: 'utf8',
    }),
  ) as { options: Record<string, string> }[];
  expect(listed.map((i) => i.options)).toEqual([{ scenario: 'leaky-host', seed: '1', step: '7' }]);
});

test('the theme follows the system: dark', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = bg.match(/\d+/g)!.map(Number);
  expect(r! + g! + b!).toBeLessThan(150);
  await shot(page, 'inspector-dark');
  await page.getByTestId('nav-library').click();
  await shot(page, 'library-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(
    light
      .match(/\d+/g)!
      .map(Number)
      .reduce((a, x) => a + x, 0),
  ).toBeGreaterThan(600);
});
