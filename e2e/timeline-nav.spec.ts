/**
 * The Timeline's images at 400 and at 2, in Chromium against the real
 * browser host: the chart is one Tab stop (a slider over the images), the
 * arrow keys, Page Up/Down, Home and End move a cursor over them with a
 * readout of the image at it, Enter opens it, the pointer shows the nearest
 * image and a click opens it, and "Open image N" opens the one at the
 * cursor. No button per image. The library (400 hourly captures of the
 * `leaky` simulation, its process at its fd limit from step 30, and two of
 * `leaky-host`) is imported before the host starts.
 */
import { test, expect, type Page, type Locator } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSnapshot } from '../src-main/engine/writer.js';
import { simulate } from '../src-main/sim/index.js';
import { Store } from '../src-main/store/index.js';
import { haveChromium, chromiumPath, startHost, type RunningHost } from './host.js';
import { shot } from './flows.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

const T0 = Date.parse('2026-11-20T10:00:00Z');
const HOUR = 3_600_000;
/** The chart's drawing box (Timeline.svelte): viewBox width and its left and right padding. */
const W = 780;
const PAD_L = 48;
const PAD_R = 16;

let host: RunningHost;
let page: Page;

test.beforeAll(async ({ browser }) => {
  const home = mkdtempSync(join(tmpdir(), 'ckpt-e2e-nav-'));
  const store = Store.open(home);
  try {
    for (let step = 0; step < 400; step++)
      store.importBytes(encodeSnapshot(simulate({ scenario: 'leaky', step, time: T0 + step * HOUR })), { label: `leak ${step}` });
    for (const step of [1, 2])
      store.importBytes(encodeSnapshot(simulate({ scenario: 'leaky-host', step, time: T0 + step * HOUR })), { label: `host ${step}` });
  } finally {
    store.close();
  }
  host = await startHost(home);
  page = await browser.newPage();
  await page.goto(host.url);
});
test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

async function showSeries(program: string): Promise<void> {
  await page.getByTestId('nav-timeline').click();
  const series = page.getByTestId('timeline-series');
  const option = series.locator('option').filter({ hasText: program });
  await series.selectOption({ label: (await option.innerText()).trim() });
}

/** Where image `i` of `n` (hourly, so evenly spaced) is on the page. */
async function pointX(chart: Locator, i: number, n: number): Promise<{ x: number; y: number }> {
  const b = (await chart.boundingBox())!;
  return { x: b.x + ((PAD_L + (i / (n - 1)) * (W - PAD_L - PAD_R)) / W) * b.width, y: b.y + b.height / 2 };
}

test('400 images: one Tab stop, keys move a cursor with a readout, Enter, a click and "Open image N" open images', async () => {
  await showSeries('leaky-svc');
  const nav = page.getByRole('slider', { name: /Images of the series/ });
  await expect(nav).toHaveAttribute('aria-valuemax', '400');
  // No wall of buttons, nor of dots: the chart stands for the images.
  const timeline = page.getByTestId('timeline');
  await expect(timeline.getByTestId('timeline-point')).toHaveCount(0);
  const stops = await timeline.evaluate(
    (el) => [...el.querySelectorAll<HTMLElement>('button, select, a[href], [tabindex]')].filter((e) => e.tabIndex >= 0).length,
  );
  expect(stops).toBeLessThan(20);
  // The cursor starts on the newest image; the readout says which and what it holds.
  const readout = page.getByTestId('timeline-readout');
  await expect(readout).toHaveAttribute('aria-live', 'polite');
  await expect(nav).toHaveAttribute('aria-valuenow', '400');
  await expect(readout).toContainText(/^Image 400 of 400: .*, leak 399, 128 fds \(inet-socket 92, regular 32, /);
  await expect(readout).toContainText('process 5000: 128 of its soft limit 128');
  // What happened, beside the chart: the growth until the limit, and since when it is at it.
  await expect(
    page.getByTestId('timeline-suspects').getByTestId('suspect').filter({ hasText: 'tcp CLOSE_WAIT -> 10.0.3.20:5432' }),
  ).toContainText(/0 → 91 over 31 h \(\+3\.0\/h\) until process 5000 reached its fd limit of 128 at .* UTC, at it since/);
  await expect(page.getByTestId('timeline-limit-reached')).toContainText(
    'process 5000 grew from 8 to 128 fds and reached its soft limit of 128',
  );
  await expect(page.getByTestId('timeline-reached-line')).toHaveCount(1);

  // One Tab stop: from the chart, Shift+Tab leaves it and Tab comes back to it, and the next Tab leaves the images behind.
  await nav.focus();
  await page.keyboard.press('Shift+Tab');
  await expect(nav).not.toBeFocused();
  await page.keyboard.press('Tab');
  await expect(nav).toBeFocused();
  await page.keyboard.press('Home');
  await expect(nav).toHaveAttribute('aria-valuenow', '1');
  await expect(readout).toContainText(/^Image 1 of 400: .*, leak 0, 8 fds/);
  await expect(nav).toHaveAttribute('aria-valuetext', (await readout.innerText()).trim());
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(readout).toContainText(/^Image 3 of 400: .*, leak 2, /);
  await expect(page.getByTestId('timeline-cursor')).toHaveAttribute('data-index', '2');
  await page.keyboard.press('End');
  await page.keyboard.press('PageDown');
  await expect(nav).toHaveAttribute('aria-valuenow', '360');
  await page.keyboard.press('ArrowLeft');
  await expect(readout).toContainText(/^Image 359 of 400: .*, leak 358, /);
  await page.keyboard.press('Tab');
  await expect(nav).not.toBeFocused();
  await expect(page.getByTestId('timeline-open')).toBeFocused();
  await expect(page.getByTestId('timeline-open')).toHaveText('Open image 359');
  await shot(page, 'timeline-400');
  // Enter opens the image at the cursor.
  await nav.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 2');

  // The pointer shows the nearest image; a click opens it.
  await showSeries('leaky-svc');
  const chart = page.getByTestId('timeline-chart');
  const at30 = await pointX(chart, 30, 400);
  await page.mouse.move(at30.x, at30.y);
  await expect(readout).toContainText(/^Image 31 of 400: .*, leak 30, 128 fds/);
  await page.mouse.click(at30.x, at30.y);
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 30');

  // "Open image N" opens the one at the cursor.
  await showSeries('leaky-svc');
  await nav.focus();
  await page.keyboard.press('PageDown');
  await page.getByTestId('timeline-open').click();
  await expect(page.getByTestId('inspector-title')).toHaveText('leak 359');
});

test('2 images: the same slider, both points drawn, Enter and a click on a point open each', async () => {
  await showSeries('/sbin/init');
  const nav = page.getByRole('slider', { name: /Images of the series/ });
  await expect(nav).toHaveAttribute('aria-valuemax', '2');
  await expect(page.getByTestId('timeline-point')).toHaveCount(2);
  const readout = page.getByTestId('timeline-readout');
  await expect(readout).toContainText(/^Image 2 of 2: .*, host 2, /);
  await nav.focus();
  await page.keyboard.press('ArrowLeft');
  await expect(readout).toContainText(/^Image 1 of 2: .*, host 1, /);
  // Past the ends the cursor stays.
  await page.keyboard.press('ArrowLeft');
  await expect(nav).toHaveAttribute('aria-valuenow', '1');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('inspector-title')).toHaveText('host 1');
  await showSeries('/sbin/init');
  await page.getByTestId('timeline-point').last().click();
  await expect(page.getByTestId('inspector-title')).toHaveText('host 2');
  await showSeries('/sbin/init');
  await expect(page.getByTestId('timeline-diff')).toBeVisible();
});
