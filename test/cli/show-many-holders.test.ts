/**
 * `ckpt show` of a process that leaked thousands of dup()s of one file:
 * each fd's line names the first other holders and counts the rest, and
 * works that out without copying the whole list for every fd (a real
 * 18,000-fd leak took 47 s to show).
 */
import { describe, expect, it } from 'vitest';
import { O } from '../../src-shared/model/index.js';
import { renderShow } from '../../src-main/cli/render-show.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { ROOT_DEV, ROOT_MNT, openFile, stdNull } from '../../src-main/sim/common.js';
import { S_IFIFO } from '../../src-main/sim/builder.js';
import { simHeader, T0 } from '../store/helpers.js';

const DUPS = 3000;

describe('show of a file held by thousands of fds', () => {
  it("names each fd's first four other holders and counts the rest", () => {
    const b = newBuilder('dups', 1);
    const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
    stdNull(app);
    openFile(app, '/var/log/app.log', { flags: O.O_WRONLY | O.O_APPEND, at: 3 });
    for (let i = 0; i < DUPS; i++) app.dup(3);
    const lines = renderShow(b.snapshot(simHeader(T0))).split('\n');
    const line = (fd: number) => lines.find((l) => new RegExp(`^\\s+${fd}\\s+regular\\s`).test(l))!;
    expect(line(3)).toMatch(/\[file \d+ also 100:4 100:5 100:6 100:7 \+2996\]$/);
    expect(line(5)).toMatch(/\[file \d+ also 100:3 100:4 100:6 100:7 \+2996\]$/);
    expect(line(3000)).toMatch(/\[file \d+ also 100:3 100:4 100:5 100:6 \+2996\]$/);
    // stdin..stderr: one /dev/null, three fds, each with the other two and nothing more.
    expect(lines.find((l) => /^\s+1\s+chardev\s/.test(l))).toMatch(/\[file \d+ also 100:0 100:2\]$/);
  });
});

describe('show of a FIFO opened read-write by thousands of processes', () => {
  it("names each end's first four other ends and counts the rest", () => {
    const b = newBuilder('fifo', 1);
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const p = b.process({ pid: 100 + i, ppid: 1, comm: 'worker', cmdline: ['worker'] });
      p.open(
        'fifo',
        {
          path: '/run/ctl.fifo',
          ino: 4242,
          flags: O.O_RDWR,
          mode: S_IFIFO | 0o644,
          dev: ROOT_DEV,
          mntId: ROOT_MNT,
          attrs: { end: 'both' },
        },
        { at: 3 },
      );
    }
    const lines = renderShow(b.snapshot(simHeader(T0))).split('\n');
    const ends = lines.filter((l) => /^\s+3\s+fifo\s/.test(l));
    expect(ends).toHaveLength(n);
    expect(ends[0]).toMatch(/\[other end 101:3 102:3 103:3 104:3 \+1995\]$/);
    expect(ends[1]).toMatch(/\[other end 100:3 102:3 103:3 104:3 \+1995\]$/);
  });
});
