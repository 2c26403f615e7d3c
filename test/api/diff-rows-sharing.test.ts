/**
 * Diff view rows of fds whose only change is sharing (a fork, a dup into
 * another process): they carry the fd's kind, flags and position on both
 * sides, the kind filter keeps them and the kind list names their kind.
 */
import { describe, expect, it } from 'vitest';
import { O, type Snapshot } from '../../src-shared/model/index.js';
import { diffRows, filterDiffRows, type FdRow } from '../../src-shared/api/diff-rows.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile, stdNull } from '../../src-main/sim/common.js';
import { simHeader, withStore, T0 } from '../store/helpers.js';

const header = simHeader;

/** pid 100 alone, or (forked) with pid 200 holding the same open files. */
function image(forked: boolean): Snapshot {
  const b = newBuilder('diff', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
  stdNull(app); // fds 0-2: /dev/null, a chardev
  openFile(app, '/var/log/app.log', { flags: O.O_WRONLY | O.O_APPEND, pos: 6000, at: 3 });
  openFile(app, '/data/b.dat', { flags: O.O_RDONLY, pos: 4096, at: 4 });
  if (forked) app.fork({ pid: 200, comm: 'child', cmdline: ['child'] });
  else b.process({ pid: 200, ppid: 1, comm: 'child', cmdline: ['child'] });
  return b.snapshot(header(forked ? T0 + 60_000 : T0));
}

const fdRowsOf = (rows: ReturnType<typeof diffRows>['rows'], pid: number) =>
  rows.filter((r): r is FdRow => r.type === 'fd' && r.pidA === pid);

describe('diff rows of sharing-only changes', () => {
  it('carry kind, flags and position, and the kind filter keeps them', () =>
    withStore((s) => {
      const a = s.importBytes(encodeSnapshot(image(false)), { label: 'A' }).image.id;
      const b = s.importBytes(encodeSnapshot(image(true)), { label: 'B' }).image.id;
      for (const [from, to, change] of [
        [a, b, 'shared'],
        [b, a, 'unshared'],
      ] as const) {
        const built = diffRows(s.diff(from, to));
        const rows = fdRowsOf(built.rows, 100);
        expect(rows.map((r) => [(r.after ?? r.before)!.fd, r.changes])).toEqual([0, 1, 2, 3, 4].map((fd) => [fd, [change]]));
        const log = rows.find((r) => r.before!.fd === 3)!;
        for (const side of [log.before!, log.after!]) {
          expect(side.kind).toBe('regular');
          expect(side.flagNames).toContain('O_WRONLY');
          expect(side.flagNames).toContain('O_APPEND');
          expect(String(side.pos)).toBe('6000');
          expect(side.target).toBe('/var/log/app.log');
        }
        expect(log.kinds).toEqual(['regular']);
        expect(rows.find((r) => r.before!.fd === 0)!.kinds).toEqual(['chardev']);
        // Every kind present is offered.
        expect(built.kinds).toEqual(expect.arrayContaining(['chardev', 'regular']));
        // Choosing a kind keeps that kind's sharing-only rows, with their process header.
        const regular = filterDiffRows(built.rows, null, 'regular');
        const kept = regular.filter((r): r is FdRow => r.type === 'fd' && r.pidA === 100).map((r) => r.before!.fd);
        expect(kept).toEqual([3, 4]);
        expect(regular.some((r) => r.type === 'task' && r.pidA === 100)).toBe(true);
        const chardev = filterDiffRows(built.rows, new Set([change]), 'chardev');
        expect(chardev.filter((r): r is FdRow => r.type === 'fd' && r.pidA === 100).map((r) => r.before!.fd)).toEqual([0, 1, 2]);
      }
    }));
});
