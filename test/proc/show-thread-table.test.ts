/**
 * `ckpt show` of a process one of whose threads has an fd table of its own
 * (unshare(CLONE_FILES)), captured live: the thread's copy shares the
 * process's open files, and the "also" lists name its fds by the thread's
 * id, as lsof -K does, never the process's pid twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageFile } from '../../src-main/engine/reader.js';
import { ckpt } from '../cli/run.js';
import { startNamed, type Running } from './fixture.js';

let dir: string;
let proc: Running;
let tid: number;
let zeroFd: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-show-thread-'));
  proc = await startNamed('thrtable', 'unshared');
  // "ready TID FD": the thread, and the fd it opened in its own table.
  const [, t, fd] = proc.line.split(' ');
  tid = Number(t);
  zeroFd = Number(fd);
});
afterAll(async () => {
  await proc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('show: a thread with its own fd table', () => {
  it("names the thread's fds by its id in the holder lists, and says the table is its own", () => {
    const img = join(dir, 'thr.ckpt');
    const r = ckpt(['capture', '--pid', String(proc.pid), '-o', img]);
    expect(r.code, r.err).toBe(0);
    const s = readImageFile(img);
    const leader = s.tasks.find((t) => t.pid === proc.pid)!;
    const thread = s.tasks.find((t) => t.pid === tid)!;
    expect(thread.fdTable).not.toBe(leader.fdTable);
    // The thread's table copied the process's at the unshare: fd 0 is one open file in both.
    const fd0 = (ref: number) => s.fdTables.find((t) => t.ref === ref)!.fds.find((d) => d.fd === 0)!.file;
    expect(fd0(thread.fdTable)).toBe(fd0(leader.fdTable));
    const file = fd0(leader.fdTable);

    const out = ckpt(['show', img]).out.split('\n');
    const section = (pid: number) => {
      const at = out.findIndex((l) => l.startsWith(`task ${pid} `));
      const end = out.findIndex((l, i) => i > at && l.startsWith('task '));
      return out.slice(at, end < 0 ? undefined : end);
    };
    const line0 = (lines: string[]) => lines.find((l) => /^ +0[ *] /.test(l))!;
    expect(line0(section(proc.pid))).toContain(`[file ${file} also ${tid}:0`);
    expect(line0(section(proc.pid))).not.toContain(`${proc.pid}:0`);
    expect(line0(section(tid))).toContain(`[file ${file} also ${proc.pid}:0`);
    expect(line0(section(tid))).not.toContain(`${tid}:0`);
    expect(section(tid)).toContain(`  fd table ${thread.fdTable}, its own (the thread unshared it from process ${proc.pid}'s)`);
    // The fd only the thread's table has is listed there, and not shared.
    const zero = section(tid).find((l) => new RegExp(`^ +${zeroFd}[ *] `).test(l))!;
    expect(zero).toContain('/dev/zero');
    expect(zero).not.toContain('also');
  });
});
