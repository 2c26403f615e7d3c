/**
 * The diff keeps changed fds as indexes and builds their objects when read
 * (src-main/query/diff-result.ts): what is built must be the whole diff,
 * the same whichever way it is read, and readable once the library is closed.
 */
import { describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { LazyDiff } from '../../src-main/query/diff-result.js';
import { diffText } from '../../src-main/report/text.js';
import type { DiffResult } from '../../src-shared/store-types.js';
import type { Store } from '../../src-main/store/index.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile, stdNull } from '../../src-main/sim/common.js';
import { simHeader, withStore, T0 } from '../store/helpers.js';

/** A helper with files of its own, then forked from the app: its fds 0-2 become shared. */
function forked(fork: boolean, time: number) {
  const b = newBuilder('diff', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
  stdNull(app);
  openFile(app, '/var/log/app.log', { pos: fork ? 900 : 100, at: 3 });
  if (fork) app.fork({ pid: 200, comm: 'helper', cmdline: ['helper'] }).close(3);
  else stdNull(b.process({ pid: 200, ppid: 1, comm: 'helper', cmdline: ['helper'] }));
  return b.snapshot(simHeader(time));
}

/** Two unrelated fleets (every fd changed) and a capture with its next one (a few changed, some sharing). */
function images(s: Store): { fleetA: string; fleetB: string; first: string; next: string } {
  const imp = (scenario: string, seed: number, time: number) =>
    s.importBytes(encodeSnapshot(simulate({ scenario, seed, time, processes: 6, fds: 50 }))).image.id;
  return {
    fleetA: imp('large', 1, T0),
    fleetB: imp('large', 2, T0 + 1000),
    first: s.importBytes(encodeSnapshot(forked(false, T0 + 2000))).image.id,
    next: s.importBytes(encodeSnapshot(forked(true, T0 + 3000))).image.id,
  };
}

const plain = (d: DiffResult): DiffResult => JSON.parse(JSON.stringify(d)) as DiffResult;

describe('diff details built when read', () => {
  it('a process at a time or all at once, the same objects; toJSON holds them as plain data', () =>
    withStore((s) => {
      const ids = images(s);
      for (const [a, b] of [
        [ids.fleetA, ids.fleetB],
        [ids.first, ids.next],
        [ids.next, ids.first],
      ] as const) {
        const d = s.diff(a, b);
        expect(d).toBeInstanceOf(LazyDiff);
        expect(d.taskCount).toBe(d.summary.tasksChanged);
        const one = Array.from({ length: d.taskCount }, (_, k) => d.task(k));
        // Built once: the list is the very objects task() gave.
        expect(d.tasks).toHaveLength(one.length);
        d.tasks.forEach((t, k) => expect(t).toBe(one[k]));
        d.tasks.forEach((t, k) =>
          expect(d.fdChanges(k)).toBe(
            t.opened.length + t.closed.length + t.changed.length + t.sharingStarted.length + t.sharingEnded.length,
          ),
        );
        const j = d.toJSON();
        expect(Object.getPrototypeOf(j)).toBe(Object.prototype);
        expect(Object.keys(j)).toEqual(['a', 'b', 'matching', 'summary', 'appeared', 'vanished', 'tasks', 'tables', 'limits', 'elapsedMs']);
        expect(j.tasks).toBe(d.tasks);
        expect(plain(d)).toEqual(plain(j));
        // A fresh diff read the other way round builds the same.
        expect(plain(s.diff(a, b)).tasks).toEqual(plain(j).tasks);
      }
      // The fleets differ in every fd; the sharing scenario has sharing changes.
      const fleets = s.diff(ids.fleetA, ids.fleetB);
      expect(fleets.summary.fdsChanged).toBeGreaterThan(200);
      expect(s.diff(ids.first, ids.next).summary).toMatchObject({ sharingStarted: 6, sharingEnded: 0, fdsChanged: 1 });
      expect(s.diff(ids.next, ids.first).summary).toMatchObject({ sharingStarted: 0, sharingEnded: 6, fdsChanged: 1 });
    }));

  it('task(k) after tasks gives the same objects; built in any order, the same details; through structured clone, the same data', () =>
    withStore((s) => {
      const ids = images(s);
      for (const [a, b] of [
        [ids.fleetA, ids.fleetB],
        [ids.next, ids.first],
      ] as const) {
        const whole = s.diff(a, b);
        const all = whole.tasks;
        expect(all.length).toBeGreaterThan(0);
        expect(whole.tasks).toBe(all);
        for (let k = 0; k < whole.taskCount; k++) expect(whole.task(k)).toBe(all[k]);
        // Last process first: what one process's building caches (names, shared field changes) changes no other's.
        const backwards = s.diff(a, b);
        for (let k = backwards.taskCount - 1; k >= 0; k--) backwards.task(k);
        expect(plain(backwards).tasks).toEqual(plain(whole).tasks);
        // Electron's ipc: the plain result survives structured clone, the lazy one would lose its details.
        const j = whole.toJSON();
        expect(JSON.parse(JSON.stringify(structuredClone(j)))).toEqual(plain(j));
        expect(structuredClone(whole).tasks).toBeUndefined();
      }
    }));

  it('reads nothing from the library once returned: its details are whole after the library is closed', () => {
    let early: DiffResult | null = null;
    const late = withStore((s) => {
      const ids = images(s);
      early = plain(s.diff(ids.fleetA, ids.fleetB));
      return s.diff(ids.fleetA, ids.fleetB);
    });
    expect(late.summary.fdsChanged).toBeGreaterThan(0);
    expect({ ...plain(late), elapsedMs: 0 }).toEqual({ ...early!, elapsedMs: 0 });
    expect(late.tasks[0]!.changed[0]!.before.target).not.toBe('');
  });

  it('a JSON export holds every detail', () =>
    withStore((s) => {
      const ids = images(s);
      const exported = JSON.parse(s.export({ what: 'diff', a: ids.first, b: ids.next }, 'json')) as DiffResult;
      expect({ ...exported, elapsedMs: 0 }).toEqual({ ...plain(s.diff(ids.first, ids.next)), elapsedMs: 0 });
      expect(exported.tasks.flatMap((t) => t.sharingStarted)).toHaveLength(6);
    }));

  it('the CLI text, cut short, says the same and counts the lines left exactly, unbuilt', () =>
    withStore((s) => {
      const ids = images(s);
      for (const max of [0, 1, 7, 40, 100_000]) {
        const d = s.diff(ids.fleetA, ids.fleetB);
        const text = diffText(d, max);
        expect(text).toBe(diffText(plain(d), max));
        const all = diffText(plain(d), Number.MAX_SAFE_INTEGER).split('\n');
        const shown = text.split('\n');
        if (max < 100_000) {
          // The summary, the blank line after it, the first `max` lines, and the count of the rest.
          const header = all.indexOf('') + 1;
          expect(header).toBeGreaterThan(0);
          expect(shown).toEqual([
            ...all.slice(0, header + max),
            `... ${all.length - header - max} more lines (use --json or ckpt export for all)`,
          ]);
        } else expect(shown).toEqual(all);
      }
      // Lines past the cut are counted, not built: the first process is built, the rest are not.
      const d = s.diff(ids.fleetA, ids.fleetB);
      diffText(d, 3);
      const built = (d as unknown as { built: unknown[] }).built;
      expect(built.length).toBeGreaterThan(1);
      expect(built[0]).toBeDefined();
      expect(built.slice(1).every((t) => t === undefined)).toBe(true);
    }));
});
