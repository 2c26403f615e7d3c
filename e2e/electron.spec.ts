/**
 * The same flows in the Electron app, through Playwright's Electron
 * launcher. Needs an Electron binary (node_modules/electron/dist); where
 * there is none (this sandbox cannot download it) the tests skip and say why.
 */
import { test, expect, _electron as electron, type ElectronApplication, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a plain .mjs module without types
import { electronBinary } from '../scripts/start.mjs';
import { captureSimulation, openFromLibrary, recordBytes, renameAndDelete, sharedFileHolders, shot } from './flows.js';

const bin = electronBinary() as { path?: string; why?: string };
if (!bin.path) console.log(`electron e2e skipped: ${bin.why}`);
test.skip(!bin.path, `no Electron binary: ${bin.why}`);
test.describe.configure({ mode: 'serial' });

let app: ElectronApplication;
let page: Page;
let home: string;

test.beforeAll(async () => {
  execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/electron-native.mjs'], { stdio: 'inherit' });
  home = mkdtempSync(join(tmpdir(), 'ckpt-electron-'));
  app = await electron.launch({ executablePath: bin.path, args: ['.', '--no-sandbox'], env: { ...process.env, CKPT_HOME: home } });
  page = await app.firstWindow();
});
test.afterAll(async () => {
  await app?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

test('the window is locked down', async () => {
  // No Node in the page (nodeIntegration off, sandbox on), and the bridge is the only way out.
  expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
  expect(await page.evaluate(() => typeof (window as unknown as { process?: unknown }).process)).toBe('undefined');
  // Context isolation: the page cannot reach ipcRenderer through the bridge.
  expect(await page.evaluate(() => 'ipcRenderer' in (window as unknown as { ckpt: object }).ckpt)).toBe(false);
  expect(await page.evaluate(() => Object.keys((window as unknown as { ckpt: object }).ckpt).sort().length)).toBeGreaterThan(10);
  const opened = await page.evaluate(() => window.open('https://example.com') === null);
  expect(opened).toBe(true);
});

test('bad arguments over IPC are typed errors', async () => {
  const r = await page.evaluate(() =>
    (window as unknown as { ckpt: Record<string, (a: unknown) => Promise<unknown>> }).ckpt['image.open']!({ id: 5 }),
  );
  expect(r).toMatchObject({ ok: false, error: { code: 'bad-argument' } });
});

test('capture, library, shared holders, record bytes, rename and delete', async () => {
  await captureSimulation(page, 'electron e2e', 'electron-');
  await openFromLibrary(page, 'electron e2e', 'electron-');
  await sharedFileHolders(page, 'electron-');
  await recordBytes(page, 'electron-');
  await renameAndDelete(page, 'electron e2e', 'electron renamed', 'electron-');
  await shot(page, 'electron-library-after');
});

test('reports: PDF through printToPDF, saved through the save dialog, opened with the system viewer', async () => {
  await captureSimulation(page, 'electron report', 'electron-report-');
  const target = join(home, 'saved-report.pdf');
  // The native dialog and the system viewer are stood in for in the main process; everything else is real.
  await app.evaluate(({ dialog, shell }, path) => {
    dialog.showSaveDialog = (async () => ({ canceled: false, filePath: path })) as typeof dialog.showSaveDialog;
    const opened: string[] = [];
    (globalThis as unknown as { opened: string[] }).opened = opened;
    shell.openPath = async (p: string) => {
      opened.push(p);
      return '';
    };
  }, target);
  await page.getByTestId('image-export-format').selectOption('pdf');
  await page.getByTestId('image-export-run').click();
  await expect(page.getByTestId('image-export-info')).toContainText(/\.pdf · .* · \d+ pages?/, { timeout: 60_000 });
  await page.getByTestId('image-export-save').click();
  await expect(page.getByTestId('image-export')).toContainText(`saved to ${target}`);
  const { readFileSync } = await import('node:fs');
  const pdf = readFileSync(target).toString('latin1');
  expect(pdf.startsWith('%PDF-')).toBe(true);
  expect((pdf.match(/\/Type\s*\/Page(?![a-z])/g) ?? []).length).toBeGreaterThanOrEqual(1);
  await page.getByTestId('image-export-open').click();
  await expect(page.getByTestId('image-export')).toContainText(`opened ${target}`);
  expect(await app.evaluate(() => (globalThis as unknown as { opened: string[] }).opened)).toEqual([target]);
  await shot(page, 'electron-report');
});
