/**
 * The Diff view in a 1024 x 768 window, in Chromium against the real browser
 * host: every target of the simulated scenarios' diffs is read whole (a
 * socket's both ends and its state were cut by a few characters at 1024 px).
 * Rows are two lines tall there and a target that does not fit its cell
 * wraps onto the second line; at 1400 and 1920 px rows stay one line.
 * Every row is scrolled into view and checked: the text drawn is the full
 * target, nothing overflows its cell.
 */
import { test, expect, type Page } from '@playwright/test';
import { haveChromium, chromiumPath, type RunningHost } from './host.js';
import { hostWithLibrary, shot } from './flows.js';

test.skip(!haveChromium && !process.env.CI, `no Chromium at ${chromiumPath}`);
test.describe.configure({ mode: 'serial' });

let host: RunningHost;
let page: Page;
const ids: Record<string, string> = {};

/** Pairs of images of one simulated scenario whose diff holds sockets (everything's, pipeline's and threads' do not change with the seed). */
const PAIRS = [
  ['leak 1', 'leak 8'],
  ['host 1', 'host 8'],
  ['web 1', 'web 2'],
  ['db 1', 'db 2'],
] as const;

test.beforeAll(async ({ browser }) => {
  ({ host, page } = await hostWithLibrary(
    browser,
    async (api) => {
      const captures: [object, string][] = [
        [{ scenario: 'leaky', step: 1 }, 'leak 1'],
        [{ scenario: 'leaky', step: 8 }, 'leak 8'],
        [{ scenario: 'leaky-host', step: 1 }, 'host 1'],
        [{ scenario: 'leaky-host', step: 8 }, 'host 8'],
        [{ scenario: 'web-server', seed: 1 }, 'web 1'],
        [{ scenario: 'web-server', seed: 2 }, 'web 2'],
        [{ scenario: 'database', seed: 1 }, 'db 1'],
        [{ scenario: 'database', seed: 2 }, 'db 2'],
      ];
      for (const [data, label] of captures) ids[label] = (await api(data, label)).id;
    },
    { viewport: { width: 1024, height: 768 } },
  ));
});
test.afterAll(async () => {
  await page?.close();
  await host?.stop();
});

async function compare(a: string, b: string): Promise<void> {
  await page.getByTestId('nav-diff').click();
  await page.getByTestId('diff-a').selectOption(ids[a]!);
  await page.getByTestId('diff-b').selectOption(ids[b]!);
  await page.getByTestId('diff-run').click();
  await expect(page.getByTestId('diff-summary')).toContainText(`${a} → ${b}`);
  // Whole tables: every fd of each changed process, not only the changed ones.
  const whole = page.getByTestId('diff-whole');
  if (!(await whole.isChecked())) await whole.check();
  await expect(page.getByTestId('diff-rows').getByTestId('diff-target').first()).toBeVisible();
}

interface Drawn {
  row: number;
  kind: string;
  full: string;
  shown: string;
  /** The target element's and each of its lines' overflow, in px. */
  overX: number;
  overY: number;
  lineOver: number;
}

/**
 * Every fd target of the diff on screen, each row scrolled into view in
 * turn. Again when the list's row count moved meanwhile ("whole tables"
 * still reloading the rows when the scroll began; it failed once so on a
 * clean clone).
 */
async function drawnTargets(): Promise<Drawn[]> {
  const list = page.getByTestId('diff-rows');
  for (let attempt = 0; ; attempt++) {
    const count = Number(await list.getAttribute('data-count'));
    const seen = await scrollThrough();
    if (Number(await list.getAttribute('data-count')) !== count && attempt < 3) continue;
    expect(seen.size).toBeGreaterThan(0);
    expect(Math.max(...[...seen.values()].map((d) => d.row))).toBeLessThan(count);
    return [...seen.values()];
  }
}

async function scrollThrough(): Promise<Map<string, Drawn>> {
  const list = page.getByTestId('diff-rows');
  const seen = new Map<string, Drawn>();
  for (let top = 0; ;) {
    await list.evaluate((e, t) => (e.scrollTop = t), top);
    // The rows of this scroll position are drawn, their targets measured (the lines follow the width they measure).
    await page.waitForTimeout(120);
    const drawn = await list.evaluate((e) =>
      [...e.querySelectorAll('[role="option"]')].flatMap((row) =>
        [...row.querySelectorAll('[data-testid="diff-target"]')].map((t) => {
          const el = t as HTMLElement;
          const side = el.closest('.side') as HTMLElement;
          return {
            row: Number(row.getAttribute('data-index')),
            side: side.classList.contains('a') ? 'a' : 'b',
            kind: (side.getAttribute('title') ?? '').split(':')[0]!,
            full: el.getAttribute('data-full') ?? '',
            shown: el.querySelector('.shown')?.textContent ?? '',
            overX: el.scrollWidth - el.clientWidth,
            overY: el.scrollHeight - el.clientHeight,
            lineOver: Math.max(0, ...[...el.querySelectorAll('.line')].map((l) => l.scrollWidth - l.clientWidth)),
          };
        }),
      ),
    );
    for (const d of drawn) seen.set(`${d.row}:${d.side}`, d);
    const { scrollTop, clientHeight, scrollHeight } = await list.evaluate((e) => ({
      scrollTop: e.scrollTop,
      clientHeight: e.clientHeight,
      scrollHeight: e.scrollHeight,
    }));
    if (scrollTop + clientHeight >= scrollHeight - 1) return seen;
    top = scrollTop + clientHeight - 40;
  }
}

test('at 1024 px every target of the simulated diffs is whole: sockets wrap onto a second line, nothing is cut', async () => {
  let sockets = 0;
  for (const [a, b] of PAIRS) {
    await compare(a, b);
    const all = await drawnTargets();
    const socks = all.filter((d) => /socket/.test(d.kind));
    expect(socks.length, `${a} → ${b}: sockets`).toBeGreaterThan(0);
    sockets += socks.length;
    for (const d of all) {
      const what = `${a} → ${b} row ${d.row} (${d.kind}): ${d.full}`;
      expect(d.shown, what).toBe(d.full);
      expect(d.overX, what).toBeLessThanOrEqual(1);
      expect(d.overY, what).toBeLessThanOrEqual(1);
      expect(d.lineOver, what).toBeLessThanOrEqual(1);
    }
    await page.getByTestId('diff-rows').evaluate((e) => (e.scrollTop = 0));
    await shot(page, `diff-1024-${a.split(' ')[0]}`);
    await page.screenshot({ path: `/tmp/diff-1024-${a.split(' ')[0]}.png` });
  }
  expect(sockets).toBeGreaterThan(50);
  // The connection of the weakness's example is read whole, wrapped where a word ends.
  await compare('leak 1', 'leak 8');
  const wrapped = page
    .getByTestId('diff-rows')
    .locator('[data-testid="diff-target"][data-full="tcp4 10.0.0.7:40003 -> 10.0.3.20:5432 CLOSE_WAIT"]');
  await expect(wrapped.locator('.line')).toHaveText(['tcp4 10.0.0.7:40003 -> 10.0.3.20:5432', 'CLOSE_WAIT']);
});

test('at 1400 and 1920 px the rows stay one line, as before', async () => {
  await compare('leak 1', 'leak 8');
  for (const [width, height] of [
    [1400, 900],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    const rows = page.getByTestId('diff-rows');
    await expect(rows.locator('.two')).toHaveCount(0);
    await expect.poll(async () => (await rows.getByRole('option').nth(1).boundingBox())?.height).toBe(24);
    await expect(rows.getByTestId('diff-target').locator('.line')).toHaveCount(0);
  }
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect.poll(async () => (await page.getByTestId('diff-rows').getByRole('option').nth(1).boundingBox())?.height).toBe(40);
});
