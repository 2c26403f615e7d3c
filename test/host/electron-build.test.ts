/**
 * The desktop app's build (`npm run build`'s electron-vite step) makes the
 * main process, the CommonJS preload and the renderer. No Electron binary
 * can run here, so nothing else would notice a build that fails: one did,
 * for a day, once the renderer's shared config gained rolldownOptions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'ckpt-electron-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('electron-vite build', () => {
  it('builds main, preload and renderer', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--outDir', out, '--logLevel', 'warn'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 180_000,
      },
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const f of ['main/index.js', 'main/import-worker.js', 'preload/index.cjs', 'renderer/index.html'])
      expect(existsSync(join(out, f)), f).toBe(true);
    // The sandboxed preload must be CommonJS.
    expect(readFileSync(join(out, 'preload', 'index.cjs'), 'utf8')).toMatch(/require\(["']electron["']\)/);
  }, 200_000);
});
