/** What the benchmark specs share: printing a figure, and reading a timing the app marks on <body>. */
import type { Page } from '@playwright/test';

/** One figure, in the form bench/playwright-bench.ts collects. */
export function report(name: string, value: number, unit: string): void {
  console.log(`BENCH ${name} ${value.toFixed(1)} ${unit}`);
}

/**
 * Waits until the app sets body.dataset[key] to a value starting with
 * `prefix` ("prefix:...:MS") and returns the milliseconds after the last colon.
 */
export async function markedMs(page: Page, key: string, prefix = ''): Promise<number> {
  const h = await page.waitForFunction(
    ([k, p]) => {
      const v = document.body.dataset[k as string];
      return v && v.startsWith(p as string) ? v : null;
    },
    [key, prefix],
    { timeout: 120_000 },
  );
  const v = (await h.jsonValue()) as string;
  return Number(v.slice(v.lastIndexOf(':') + 1));
}
