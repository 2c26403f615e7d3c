/**
 * The Diff view's rows of a lazy diff (src-main/api/diff-pages.ts), whose
 * filter and counts read marks instead of built rows, against the rows built
 * whole (diffRows, filterDiffRows): every filter keeps the same rows, in the
 * same order, and the counts and kinds are the same.
 */
import { describe, expect, it } from 'vitest';
import { CHANGE_IDS, diffRows, filterDiffRows, keptRows, type Change } from '../../src-shared/api/diff-rows.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile, stdNull } from '../../src-main/sim/common.js';
import { DiffPages } from '../../src-main/api/diff-pages.js';
import { DiffCache } from '../../src-main/api/diff-view.js';
import { simHeader, withStore, T0 } from '../store/helpers.js';

/** Sharing gained on fds that also changed otherwise (3: moved) and on fds that did not (0-2, 4). */
function forked(fork: boolean, time: number) {
  const b = newBuilder('diff', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
  stdNull(app);
  openFile(app, '/var/log/app.log', { pos: fork ? 900 : 100, at: 3 });
  openFile(app, '/data/b.dat', { at: 4 });
  if (!fork) openFile(app, '/data/gone', { at: 5 });
  else openFile(app, '/data/new', { at: 6 });
  if (fork) app.fork({ pid: 200, comm: 'helper', cmdline: ['helper'] }).close(6);
  else stdNull(b.process({ pid: 200, ppid: 1, comm: 'helper', cmdline: ['helper'] }));
  return b.snapshot(simHeader(time));
}

describe('diff view pages of a lazy diff', () => {
  it('keep, count and lay out the rows as rows built whole, for every filter', () =>
    withStore((s) => {
      const imp = (bytes: Uint8Array) => s.importBytes(bytes).image.id;
      const sim = (scenario: string, seed: number, time: number, step?: number) =>
        imp(encodeSnapshot(simulate({ scenario, seed, time, processes: 5, fds: 40, ...(step ? { step } : {}) })));
      const unforked = imp(encodeSnapshot(forked(false, T0)));
      const fork = imp(encodeSnapshot(forked(true, T0 + 1)));
      const pairs: [string, string][] = [
        [unforked, fork],
        [fork, unforked],
        [sim('large', 1, T0 + 2), sim('large', 2, T0 + 3)],
        [sim('leaky', 1, T0 + 4, 3), sim('leaky', 1, T0 + 5, 9)],
        [sim('everything', 1, T0 + 6), sim('web-server', 1, T0 + 7)],
        [sim('threads', 1, T0 + 8), sim('pipeline', 2, T0 + 9)],
      ];
      let sharingOnChanged = 0;
      for (const [a, b] of pairs) {
        const built = diffRows(s.diff(a, b));
        const pages = new DiffPages(s.diff(a, b));
        expect(pages.counts).toEqual(built.counts);
        expect(pages.kinds).toEqual(built.kinds);
        expect(pages.length).toBe(built.rows.length);
        const all = Array.from({ length: pages.length }, (_, i) => pages.row(i));
        expect(all).toEqual(built.rows);
        sharingOnChanged += built.rows.filter((r) => r.type === 'fd' && r.changes.length > 1 && r.changes.includes('shared')).length;
        const filters: [Set<Change> | null, string | null][] = [
          [null, null],
          ...CHANGE_IDS.map((c): [Set<Change>, null] => [new Set([c]), null]),
          ...built.kinds.map((k): [null, string] => [null, k]),
          ...built.kinds.map((k): [Set<Change>, string] => [new Set<Change>(['opened', 'moved', 'shared', 'vanished']), k]),
          [new Set<Change>(['appeared', 'closed', 'retargeted', 'unshared']), null],
        ];
        for (const [changes, kind] of filters) {
          const kept = keptRows(pages.length, pages.facts, changes, kind).map((i) => pages.row(i));
          expect(kept).toEqual(filterDiffRows(built.rows, changes, kind));
        }
      }
      // The case that needs the marks merged: sharing gained by an fd that also moved.
      expect(sharingOnChanged).toBeGreaterThan(0);
    }));

  it('builds only the processes a page shows', () =>
    withStore((s) => {
      const a = s.importBytes(encodeSnapshot(simulate({ scenario: 'large', seed: 1, time: T0, processes: 5, fds: 40 }))).image.id;
      const b = s.importBytes(encodeSnapshot(simulate({ scenario: 'large', seed: 2, time: T0 + 1, processes: 5, fds: 40 }))).image.id;
      const d = s.diff(a, b);
      const pages = new DiffPages(d);
      expect(d.taskCount).toBeGreaterThan(2);
      for (let i = 0; i < 10; i++) pages.row(i);
      const built = (d as unknown as { built: unknown[] }).built;
      expect(built[0]).toBeDefined();
      expect(built.slice(1).every((t) => t === undefined)).toBe(true);
    }));

  it('diff.view pages, filtered, put together are the rows built whole and filtered', () =>
    withStore((s) => {
      const a = s.importBytes(encodeSnapshot(simulate({ scenario: 'large', seed: 1, time: T0, processes: 4, fds: 30 }))).image.id;
      const b = s.importBytes(encodeSnapshot(simulate({ scenario: 'large', seed: 2, time: T0 + 1, processes: 4, fds: 30 }))).image.id;
      const built = diffRows(s.diff(a, b));
      const cache = new DiffCache();
      const noImages = () => {
        throw new Error('whole tables not asked for');
      };
      for (const [changes, kind] of [
        [undefined, undefined],
        [['moved', 'flags'] as Change[], undefined],
        [undefined, built.kinds[0]],
      ] as const) {
        const rows = [];
        let total = -1;
        for (let offset = 0; offset === 0 || offset < total; offset += 7) {
          const v = cache.view(s, { a, b, offset, limit: 7, ...(changes ? { changes } : {}), ...(kind ? { kind } : {}) }, noImages);
          expect(v.counts).toEqual(built.counts);
          expect(v.kinds).toEqual(built.kinds);
          expect(v.unfiltered).toBe(built.rows.length);
          total = v.total;
          rows.push(...v.rows);
        }
        const want = filterDiffRows(built.rows, changes ? new Set(changes) : null, kind ?? null);
        expect(total).toBe(want.length);
        expect(rows).toEqual(want);
      }
    }));
});
