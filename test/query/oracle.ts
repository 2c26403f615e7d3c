/**
 * Search tests check the store against an oracle: the same terms evaluated
 * directly on the decoded snapshots. Both sides as sorted "image:pid:fd" keys.
 */
import { expect, it } from 'vitest';
import type { Store } from '../../src-main/store/index.js';

/** The store's hits for `q`, every one (the test fails if any were cut). */
export function hitKeys(store: Store, q: string): string[] {
  const r = store.search(q, { limit: 100_000, perImage: 100_000 });
  expect(r.truncated).toBe(false);
  return r.groups.flatMap((g) => g.hits.map((h) => `${g.image.label}:${h.pid}:${h.fd}`)).sort();
}

/** The oracle's rows for which `pred` holds. */
export function rowKeys<R extends { image: string; pid: number; fd: number }>(rows: readonly R[], pred: (r: R) => boolean): string[] {
  return rows
    .filter(pred)
    .map((r) => `${r.image}:${r.pid}:${r.fd}`)
    .sort();
}

/** One test per case: `q` finds exactly the rows `pred` holds for, and there are some. */
export function eachFindsExactly<R>(
  cases: readonly (readonly [q: string, pred: (r: R) => boolean])[],
  got: (q: string) => string[],
  want: (pred: (r: R) => boolean) => string[],
  what = 'what the snapshots hold',
): void {
  for (const [q, pred] of cases)
    it(`"${q}" finds exactly ${what}`, () => {
      const w = want(pred);
      expect(w.length).toBeGreaterThan(0);
      expect(got(q)).toEqual(w);
    });
}
