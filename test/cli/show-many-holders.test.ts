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
import { openFile, stdNull } from '../../src-main/sim/common.js';
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
