/**
 * A leak by dup(): one open file held by thousands of fds, then shared by a
 * fork. Every one of those fds' sharing changed, each with the same
 * thousands of other holders: the diff holds that list once for them all
 * (a copy per fd ran a real 18,000-fd process's diff out of memory), and its
 * text names the first few and counts the rest.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src-shared/model/index.js';
import { SHARING_WITH_SHOWN } from '../../src-shared/store-types.js';
import { diffRows, withText } from '../../src-shared/api/diff-rows.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { fixSocketPaths, openFile, stdNull, tcpListen } from '../../src-main/sim/common.js';
import { diffText } from '../../src-main/report/text.js';
import { simHeader, withStore, T0 } from '../store/helpers.js';

const DUPS = 3000;

function leaky(forked: boolean): Snapshot {
  const b = newBuilder('dups', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
  stdNull(app);
  const sock = tcpListen(app, '0.0.0.0', 80, 4); // fd 3
  for (let i = 0; i < DUPS; i++) app.dup(sock);
  if (forked) app.fork({ pid: 200, comm: 'app', cmdline: ['app'] });
  fixSocketPaths(b.files);
  return b.snapshot(simHeader(forked ? T0 + 60_000 : T0));
}

describe('diff of a file held by thousands of fds', () => {
  it('names the first other holders of each fd and counts the rest', () =>
    withStore((s) => {
      const a = s.importBytes(encodeSnapshot(leaky(false)), { label: 'A' }).image.id;
      const b = s.importBytes(encodeSnapshot(leaky(true)), { label: 'B' }).image.id;
      const d = s.diff(a, b);
      const app = d.tasks.find((t) => t.after.pid === 100)!;
      const socket = app.sharingStarted.filter((c) => c.target.startsWith('tcp'));
      expect(socket).toHaveLength(DUPS + 1);
      for (const c of socket) {
        // The child holds the socket at the same fds: fd 3 and its dups, all listed, in one list for all.
        expect(c.with).toBe(socket[0]!.with);
      }
      expect(socket[0]!.with.map((w) => `${w.pid}:${w.fd}`)).toEqual(Array.from({ length: DUPS + 1 }, (_, i) => `200:${3 + i}`));
      expect(withText(socket[0]!)).toBe(
        `${Array.from({ length: SHARING_WITH_SHOWN }, (_, i) => `200:${3 + i}`).join(', ')} and ${DUPS + 1 - SHARING_WITH_SHOWN} more`,
      );
      // stdin..stderr: one /dev/null each, shared with the child's three: all listed, nothing more.
      const stdio = app.sharingStarted.filter((c) => !c.target.startsWith('tcp'));
      for (const c of stdio) {
        expect(c.with).toHaveLength(3);
        expect(withText(c)).toBe('200:0, 200:1, 200:2');
      }
      const text = diffText(d);
      expect(text).toContain(`now shared with 200:3 200:4 200:5`);
      expect(text).toContain(`and ${DUPS + 1 - SHARING_WITH_SHOWN} more`);
      // The app's rows: each socket fd's note counts the rest too.
      const notes = diffRows(d)
        .rows.map((r) => ('note' in r ? r.note : undefined))
        .filter((n): n is string => !!n && n.includes('200:3,'));
      expect(notes).toHaveLength(DUPS + 1);
      expect(notes.every((n) => n.endsWith(`and ${DUPS + 1 - SHARING_WITH_SHOWN} more`))).toBe(true);
    }));

  it('tells the holders of two files apart whatever their pids (a pid of 2^24 and one of 1)', () =>
    withStore((s) => {
      const snap = (forked: boolean) => {
        const b = newBuilder('big-pids', 1);
        const big = b.process({ pid: 2 ** 24 + 1, ppid: 1, comm: 'big', cmdline: ['big'] });
        openFile(big, '/a-big', { at: 3 });
        // Refs 1 and 3 for the two files: a key file * 2^23 + pid made (1, 2^24 + 1) and (3, 1) the same.
        openFile(big, '/a-pad', { at: 4 });
        const small = b.process({ pid: 1, ppid: 0, comm: 'init', cmdline: ['init'] });
        openFile(small, '/b-small', { at: 3 });
        if (forked) {
          big.fork({ pid: 500, comm: 'big', cmdline: ['big'] });
          small.fork({ pid: 600, comm: 'init', cmdline: ['init'] });
        }
        return b.snapshot(simHeader(forked ? T0 + 1 : T0));
      };
      const a = s.importBytes(encodeSnapshot(snap(false)), { label: 'A' }).image.id;
      const b = s.importBytes(encodeSnapshot(snap(true)), { label: 'B' }).image.id;
      const d = s.diff(a, b);
      const withOf = (pid: number) => d.tasks.find((t) => t.after.pid === pid)!.sharingStarted.map((c) => withText(c));
      expect(withOf(2 ** 24 + 1)).toEqual(['500:3', '500:4']);
      expect(withOf(1)).toEqual(['600:3']);
    }));
});
