/**
 * Timing benchmark of the app in Chromium (runs only with CKPT_BENCH=1;
 * bench/app.bench.ts prepares the libraries and reads the BENCH lines):
 * first paint of a 10,000-image library, scrolling it, and opening an image
 * of 100,000 fds until the inspector is interactive. Reports, never gates.
 */
import { test, expect, type Page } from '@playwright/test';
import { startHost, type RunningHost } from './host.js';
import { shot } from './flows.js';
import { markedMs, report } from './bench-marks.js';

test.skip(process.env.CKPT_BENCH !== '1', 'benchmark: CKPT_BENCH=1 only');
test.describe.configure({ mode: 'serial' });
const count = Number(process.env.CKPT_BENCH_LIBRARY_COUNT ?? 10_000);
test.setTimeout(180_000);

/** Frame times while the list scrolls a screenful per frame, in the page's own clock. */
async function scrollFrames(page: Page, testid: string, frames: number): Promise<{ p95: number; max: number; mean: number }> {
  return page.evaluate(
    ([id, n]) =>
      new Promise<{ p95: number; max: number; mean: number }>((ok) => {
        const el = document.querySelector(`[data-testid="${id}"]`) as HTMLElement;
        const times: number[] = [];
        let last = performance.now();
        let i = 0;
        const step = () => {
          const now = performance.now();
          if (i > 0) times.push(now - last);
          last = now;
          if (i++ >= (n as number)) {
            times.sort((a, b) => a - b);
            ok({
              p95: times[Math.floor(times.length * 0.95)]!,
              max: times[times.length - 1]!,
              mean: times.reduce((a, b) => a + b, 0) / times.length,
            });
            return;
          }
          el.scrollTop += el.clientHeight * 1.5;
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
    [testid, frames] as const,
  );
}

test('library of 10,000 images: first paint and scrolling', async ({ browser }) => {
  const home = process.env.CKPT_BENCH_LIBRARY_HOME;
  test.skip(!home, 'CKPT_BENCH_LIBRARY_HOME not set (run through npm run bench -- app)');
  const host: RunningHost = await startHost(home!, true);
  try {
    const runs: number[] = [];
    const full: number[] = [];
    for (let r = 0; r < 3; r++) {
      const page = await browser.newPage();
      await page.goto(host.url);
      runs.push(await markedMs(page, 'libraryFirstRows'));
      full.push(await markedMs(page, 'libraryReady'));
      // CKPT_BENCH_QUICK=1 builds a smaller library; app.bench.ts says how many.
      await expect(page.getByTestId('library-count')).toContainText(count.toLocaleString('en-US'));
      if (r === 2) {
        const s = await scrollFrames(page, 'library-list', 120);
        report('library-scroll-frame-p95', s.p95, 'ms');
        report('library-scroll-frame-max', s.max, 'ms');
        await shot(page, `bench-library-${count}`);
      }
      await page.close();
    }
    runs.sort((a, b) => a - b);
    full.sort((a, b) => a - b);
    // Named by the size measured, so a quick run is never read against the 10,000-image target.
    report(`library-first-paint-${count}`, runs[1]!, 'ms');
    report(`library-all-rows-${count}`, full[1]!, 'ms');
  } finally {
    await host.stop();
  }
});

for (const [name, envKey] of [
  ['inspector-open-100k-fds-100-procs', 'CKPT_BENCH_BIG_HOME'],
  ['inspector-open-100k-fds-1-proc', 'CKPT_BENCH_WIDE_HOME'],
] as const) {
  test(`open an image of 100,000 fds: ${name}`, async ({ browser }) => {
    const home = process.env[envKey];
    test.skip(!home, `${envKey} not set (run through npm run bench -- app)`);
    const host = await startHost(home!, true);
    try {
      const page = await browser.newPage();
      await page.goto(host.url);
      await page.getByTestId('library-list').getByRole('option').first().click();
      const id = (await page.getByTestId('library-list').getByRole('option').first().locator('.c-time').getAttribute('title'))!;
      // Click and clock in the page itself, so Playwright's round trips are not counted.
      const t0 = await page.evaluate(() => {
        const t = performance.now();
        (document.querySelector('[data-testid="open-image"]') as HTMLButtonElement).click();
        return t;
      });
      const t1 = await markedMs(page, 'inspectorReady', id);
      report(`${name}-cold`, t1 - t0, 'ms');
      // The process with the most fds: select it and time until its fd list shows rows.
      const tree = page.getByTestId('tree').getByRole('option');
      const counts = await tree.evaluateAll((els) => els.map((e) => Number(/(\d+) fds/.exec(e.textContent ?? '')?.[1] ?? 0)));
      const biggest = counts.indexOf(Math.max(...counts));
      const ts = await page.evaluate(() => performance.now());
      await tree.nth(biggest).click();
      await expect(page.getByTestId('fd-list')).toHaveAttribute('data-count', String(counts[biggest]));
      await expect(page.getByTestId('fd-list').getByRole('option').first()).toContainText(/\d/);
      report(`${name}-select-biggest-process`, (await page.evaluate(() => performance.now())) - ts, 'ms');
      // Interactive: the next fd is selected, its file shown and its record's bytes on screen.
      await page.getByTestId('fd-list').getByRole('option').first().click();
      const t2 = await page.evaluate(() => performance.now());
      await page.keyboard.press('ArrowDown');
      await expect(page.getByTestId('hex')).toContainText('record #');
      await expect(page.getByTestId('fd-list').locator('.row.cursor')).toHaveAttribute('data-index', '1');
      const t3 = await page.evaluate(() => performance.now());
      report(`${name}-next-fd`, t3 - t2, 'ms');
      const s = await scrollFrames(page, 'fd-list', 90);
      report(`${name}-fd-scroll-frame-p95`, s.p95, 'ms');
      await shot(page, `bench-${name}`);
      // Warm: reopen from the library (the backend keeps it decoded).
      await page.getByTestId('nav-library').click();
      await page.evaluate(() => delete document.body.dataset.inspectorReady);
      await page.getByTestId('library-list').getByRole('option').first().click();
      const t4 = await page.evaluate(() => {
        const t = performance.now();
        (document.querySelector('[data-testid="open-image"]') as HTMLButtonElement).click();
        return t;
      });
      report(`${name}-warm`, (await markedMs(page, 'inspectorReady', id)) - t4, 'ms');
      await page.close();
    } finally {
      await host.stop();
    }
  });
}
