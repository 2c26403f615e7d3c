/**
 * A deleted log leaked by dup() thousands of times: the image report names
 * the first holders and counts the rest in its deleted-files table, and
 * says each fd's file is not shared with another process (it is one
 * process's), worked out once per file rather than once per fd.
 */
import { describe, expect, it } from 'vitest';
import { O } from '../../src-shared/model/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile, stdNull } from '../../src-main/sim/common.js';
import { simHeader, withStore, T0 } from '../store/helpers.js';

const DUPS = 2000;

describe('an image report of a file held by thousands of fds', () => {
  it('lists the first 20 holders of a deleted file and counts the rest', () =>
    withStore((s) => {
      const b = newBuilder('dups', 1);
      const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
      stdNull(app);
      openFile(app, '/var/log/app.log', { flags: O.O_WRONLY | O.O_APPEND, deleted: true, at: 3 });
      for (let i = 0; i < DUPS; i++) app.dup(3);
      const id = s.importBytes(encodeSnapshot(b.snapshot(simHeader(T0)))).image.id;
      const csv = s.export({ what: 'image', id }, 'csv');
      // One row per fd; the log's are not shared (one process holds them all).
      const logRows = csv.split('\n').filter((l) => l.includes('/var/log/app.log'));
      expect(logRows).toHaveLength(DUPS + 1);
      const md = s.export({ what: 'image', id }, 'md').replace(/\\(.)/g, '$1');
      const at = md.indexOf('\n## Deleted files still open\n');
      expect(at).toBeGreaterThan(0);
      const row = md
        .slice(at)
        .split('\n')
        .find((l) => l.startsWith('| `/var/log/app.log`'))!;
      const listed = Array.from({ length: 20 }, (_, i) => `100:${3 + i}`).join(' ');
      expect(row).toContain(`| ${listed} and ${DUPS + 1 - 20} more |`);
    }));
});
