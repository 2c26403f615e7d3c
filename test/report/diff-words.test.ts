/**
 * The diff report names its changes as the Diff view does (the labels of
 * src-shared/api/diff-rows.ts): process gone, sharing gained and lost,
 * retargeted, position moved..., not vanished, started/ended, fd changed.
 */
import { describe, expect, it } from 'vitest';
import { O, type Snapshot } from '../../src-shared/model/index.js';
import { CHANGES } from '../../src-shared/api/diff-rows.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile, stdNull } from '../../src-main/sim/common.js';
import { simHeader, withStore, T0 } from '../store/helpers.js';

const header = simHeader;

function image(after: boolean): Snapshot {
  const b = newBuilder('words', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
  stdNull(app);
  openFile(app, '/var/log/app.log', { flags: O.O_WRONLY | O.O_APPEND, pos: after ? 1500 : 1000, at: 3 });
  if (!after) openFile(app, '/data/db', { at: 4 });
  openFile(app, after ? '/tmp/new-target' : '/tmp/old-target', { at: 5 });
  openFile(app, '/tmp/x', { at: 6, cloexec: after, flags: after ? O.O_RDONLY | O.O_NONBLOCK : O.O_RDONLY });
  if (after) openFile(app, '/var/log/new.log', { at: 7 });
  if (after) {
    app.fork({ pid: 200, comm: 'child', cmdline: ['child'] });
    b.process({ pid: 400, ppid: 1, comm: 'new', cmdline: ['new'] });
  } else {
    b.process({ pid: 200, ppid: 1, comm: 'child', cmdline: ['child'] });
    b.process({ pid: 300, ppid: 1, comm: 'old', cmdline: ['old'] });
  }
  return b.snapshot(header(after ? T0 + 60_000 : T0));
}

const VIEW_WORDS = new Set([...CHANGES.map((c) => c.label), 'fd limit changed', 'fd table split', 'fd table became shared']);

describe('diff report words', () => {
  it('names every change as the Diff view does, in the table, summary and chart', () =>
    withStore((s) => {
      const a = s.importBytes(encodeSnapshot(image(false)), { label: 'A' }).image.id;
      const b = s.importBytes(encodeSnapshot(image(true)), { label: 'B' }).image.id;
      for (const [from, to] of [
        [a, b],
        [b, a],
      ]) {
        const md = s.export({ what: 'diff', a: from!, b: to! }, 'md');
        const html = s.export({ what: 'diff', a: from!, b: to! }, 'html');
        const csv = s.export({ what: 'diff', a: from!, b: to! }, 'csv');
        const changes = csv
          .trimEnd()
          .split('\r\n')
          .slice(1)
          .map((l) => l.split(',')[0]!);
        expect(changes.length).toBeGreaterThan(5);
        for (const c of changes) expect(VIEW_WORDS).toContain(c);
        for (const text of [md, html, csv]) expect(text).not.toMatch(/vanished|sharing started|sharing ended|fd changed|task appeared/);
        const forward = from === a;
        // Both ways every change but the sharing, which is gained one way and lost the other.
        expect(new Set(changes)).toEqual(
          new Set([
            'process appeared',
            'process gone',
            'opened',
            'closed',
            'retargeted',
            'flags changed',
            'position moved',
            'close-on-exec',
            forward ? 'sharing gained' : 'sharing lost',
          ]),
        );
        expect(md).toMatch(
          /- \*\*Summary\*\*: 1 tasks appeared, 1 tasks gone, \d+ tasks changed, \d+ fds opened, \d+ fds closed, \d+ fds changed, \d+ sharing gained, \d+ sharing lost/,
        );
        expect(md).toContain(forward ? 'now shared with 200:' : 'no longer shared with 200:');
      }
    }));
});
