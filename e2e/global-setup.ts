/**
 * Builds what the e2e tests run: the renderer (out/renderer) and the CLI
 * bundle (out/cli, via bin/ckpt.mjs --version). Checks the browser: under CI
 * a missing Chromium fails the run instead of skipping it.
 */
import { execFileSync } from 'node:child_process';
import { chromiumPath, haveChromium } from './host.js';

export default async function globalSetup(): Promise<void> {
  if (!haveChromium) {
    const msg = `Chromium not found at ${chromiumPath} (apt-get install chromium, or set CKPT_CHROMIUM)`;
    if (process.env.CI) throw new Error(`${msg}; CI requires it`);
    console.log(`e2e: ${msg}; the browser tests will be skipped`);
  }
  execFileSync(process.execPath, ['scripts/build-renderer.mjs'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['bin/ckpt.mjs', '--version'], { stdio: 'inherit' });
}
