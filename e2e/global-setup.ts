/**
 * Builds what the e2e tests run: the renderer (out/renderer) and the CLI
 * bundle (out/cli, via bin/ckpt.mjs --version). Checks the browser: under CI
 * a missing Chromium fails the run instead of skipping it.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export default async function globalSetup(): Promise<void> {
  const chromium = process.env.CKPT_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    const msg = `Chromium not found at ${chromium} (apt-get install chromium, or set CKPT_CHROMIUM)`;
    if (process.env.CI) throw new Error(`${msg}; CI requires it`);
    console.log(`e2e: ${msg}; the browser tests will be skipped`);
  }
  execFileSync(process.execPath, ['scripts/build-renderer.mjs'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['bin/ckpt.mjs', '--version'], { stdio: 'inherit' });
}
