/**
 * Processes whose threads are not all alike, captured live by the ckpt
 * command and read back by show, show --limits, show --lsof and search:
 *
 * - one whose main thread exited (pthread_exit), its leader a zombie while
 *   its threads live on, one of which unshared its fd table: the process's
 *   table, limit and fds are the process's (its pid), not a thread's;
 * - (root) another user's process of many threads, captured without the
 *   right to read its fds: one block, its threads folded into one line, its
 *   limit shown; and, as root without CAP_SYS_PTRACE, where fd/ can be
 *   listed but fdinfo/ is refused, the number of fds the listing gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ckpt } from '../cli/run.js';
import { readImageFile } from '../../src-main/engine/reader.js';
import { renderShow } from '../../src-main/cli/render-show.js';
import { renderLsof } from '../../src-main/cli/render-lsof.js';
import { ROOT, procState, start } from './fixture.js';

const root = process.getuid?.() === 0;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-thread-procs-'));
  chmodSync(dir, 0o777);
  for (const f of ['first-thread.txt', 'unshared.txt']) writeFileSync(join(dir, f), 'x\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The threads fixture: "ready TID1 FD1 TID2 FD2" (thread 1's fd in the process's table, thread 2's in its own). */
async function threads(extra: number, mode?: 'leader-exits', as?: { uid: number; gid: number }) {
  const p = await start('threads', [join(dir, 'first-thread.txt'), join(dir, 'unshared.txt'), String(extra), ...(mode ? [mode] : [])], as);
  const [, t1, fd1, t2, fd2] = p.line.split(' ').map(Number);
  return { p, t1: t1!, fd1: fd1!, t2: t2!, fd2: fd2! };
}

/** show's lines of task `pid`'s block. */
function block(out: string, pid: number): string[] {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`task ${pid} `));
  if (at < 0) return [];
  const end = lines.findIndex((l, i) => i > at && (l === '' || l.startsWith('task ')));
  return lines.slice(at, end < 0 ? undefined : end);
}

describe('a process whose main thread exited', () => {
  let t: Awaited<ReturnType<typeof threads>>;
  let img: string;
  beforeAll(async () => {
    t = await threads(2, 'leader-exits');
    for (let i = 0; i < 200 && procState(t.p.pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(procState(t.p.pid)).toBe('Z');
    // A low soft limit: its 6 or 7 fds (what it inherits varies) are near it, and must be warned about.
    expect(spawnSync('prlimit', ['--pid', String(t.p.pid), '--nofile=7:4096']).status).toBe(0);
    img = join(dir, 'leader.ckpt');
    const r = ckpt(['capture', '--pid', String(t.p.pid), '-o', img]);
    expect(r.code, r.err).toBe(0);
  });
  afterAll(() => t?.p.stop());

  it('show: the process holds its table, against its limit, and only the thread that unshared has its own', () => {
    const r = ckpt(['show', img]);
    expect(r.code, r.err).toBe(0);
    const { pid } = t.p;
    const proc = block(r.out, pid);
    expect(proc[0]).toMatch(new RegExp(`^task ${pid} ppid \\d+ uid \\d+ fds \\d+ of 7 \\(hard 4096\\) threads`));
    expect(proc.join('\n')).toContain(join(dir, 'first-thread.txt'));
    expect(r.out).toMatch(new RegExp(`^warning: process ${pid} holds \\d+ fds, (\\d+% of|at or over) its soft limit of 7`, 'm'));
    // The first thread shares the process's table: folded into the process's block, not a block of its own.
    expect(block(r.out, t.t1)).toEqual([]);
    const folded = proc.map((l) => /^ {2}threads? ([\d, -]+?)(?: \(\d+\))?: shares? its fd table/.exec(l)?.[1]).find(Boolean);
    const ids = (folded ?? '').split(', ').flatMap((r) => {
      const [a, b] = r.split('-').map(Number);
      return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
    });
    expect(ids, proc.join('\n')).toContain(t.t1);
    expect(ids).not.toContain(t.t2);
    const second = block(r.out, t.t2);
    expect(second).toContain(
      `  fd table ${/fd table (\d+)/.exec(second.join('\n'))![1]}, its own (the thread unshared it from process ${pid}'s)`,
    );
    expect(second.join('\n')).toContain(join(dir, 'unshared.txt'));
  });

  it('show --limits and --json: its limit, counted', () => {
    const lim = ckpt(['show', img, '--limits']);
    expect(lim.out).not.toContain('no process in this image has a recorded fd limit');
    expect(lim.out).toMatch(new RegExp(`^ *${t.p.pid} +\\d+ +7 +4096 +\\d+% +threads$`, 'm'));
    const json = JSON.parse(ckpt(['show', img, '--json']).out) as { tasks: { pid: number; fdTable: number; fdLimit: unknown }[] };
    const leader = json.tasks.find((x) => x.pid === t.p.pid)!;
    expect(leader.fdLimit).toEqual({ soft: 7, hard: 4096 });
    expect(leader.fdTable).toBe(json.tasks.find((x) => x.pid === t.t1)!.fdTable);
  });

  it('show --lsof: its fds, under its pid', () => {
    const out = ckpt(['show', img, '--lsof']).out;
    const mine = out.split('\n').filter((l) => new RegExp(`^threads +${t.p.pid} `).test(l));
    expect(mine.some((l) => / cwd /.test(l))).toBe(true);
    const fd1 = mine.find((l) => l.includes('first-thread.txt'))!;
    expect(fd1).toMatch(new RegExp(` ${t.fd1}r +REG `));
    // lsof without -K lists the process's table: the thread's own is not there.
    expect(out).not.toContain('unshared.txt');
  });

  it("search pid: finds its fds by its pid, the unshared thread's too, and those by the thread's id", () => {
    const home = join(dir, 'home');
    expect(ckpt(['import', img, '--home', home]).code).toBe(0);
    const hits = (q: string) => {
      const r = ckpt(['search', q, '--home', home, '--json']);
      expect(r.code, r.err).toBe(0);
      return (JSON.parse(r.out) as { groups: { hits: { pid: number; fd: number; target: string }[] }[] }).groups.flatMap((g) => g.hits);
    };
    const byPid = hits(`pid:${t.p.pid}`);
    expect(byPid.find((h) => h.target.endsWith('first-thread.txt'))).toMatchObject({ pid: t.p.pid, fd: t.fd1 });
    // The thread's own table, listed under the thread's id, as show's holder lists name it.
    expect(byPid.find((h) => h.target.endsWith('unshared.txt'))).toMatchObject({ pid: t.t2, fd: t.fd2 });
    // By the thread's id: its own table only (a copy of the process's at the unshare, and its own file).
    const byTid = hits(`pid:${t.t2}`);
    expect(byTid.map((h) => h.target)).toContain(join(dir, 'unshared.txt'));
    expect(new Set(byTid.map((h) => h.pid))).toEqual(new Set([t.t2]));
    expect(byTid).toHaveLength(byPid.filter((h) => h.pid === t.t2).length);
    // A thread that shares the process's table is not a holder of its own.
    expect(hits(`pid:${t.t1}`)).toEqual([]);
    expect(hits(`-pid:${t.p.pid} unshared.txt`)).toEqual([]);
  });

  it('read from an image written before the leader held the table (its first thread did): show and --lsof still say whose it is', () => {
    const s = readImageFile(img);
    const leader = s.tasks.find((x) => x.pid === t.p.pid)!;
    leader.fdTable = 0;
    const out = renderShow(s);
    expect(block(out, t.p.pid)).toContain(`  no fd table: its main thread exited; the process's is listed under thread ${t.t1}`);
    expect(block(out, t.t1).join('\n')).not.toContain('its own');
    expect(block(out, t.t2).join('\n')).toContain('its own (the thread unshared it');
    expect(renderLsof(s)).toMatch(new RegExp(`^threads +${t.p.pid} .* ${t.fd1}r +REG .*first-thread\\.txt$`, 'm'));
  });
});

describe.skipIf(!root)("another user's process of many threads", () => {
  let t: Awaited<ReturnType<typeof threads>>;
  beforeAll(async () => {
    t = await threads(8);
  });
  afterAll(() => t?.p.stop());

  it('captured by nobody: one block, its threads folded into one line, its limit shown', () => {
    // The bundle, built by root (bin/ckpt.mjs rebuilds it when stale): nobody may not write it.
    expect(spawnSync(process.execPath, [join(ROOT, 'bin', 'ckpt.mjs'), '--version']).status).toBe(0);
    const img = join(dir, 'nobody.ckpt');
    const r = spawnSync(process.execPath, [join(ROOT, 'out', 'cli', 'ckpt.mjs'), 'capture', '--pid', String(t.p.pid), '-o', img], {
      uid: 65534,
      gid: 65534,
      timeout: 60_000,
    });
    expect(r.status, r.stderr.toString()).toBe(0);
    const out = ckpt(['show', img]).out;
    const { pid } = t.p;
    expect(out).not.toMatch(new RegExp(`thread of ${pid}`));
    expect(out.split('\n').filter((l) => l.startsWith('task '))).toHaveLength(1);
    const limit = /Max open files\s+(\d+)\s+(\d+)/.exec(spawnSync('cat', [`/proc/${pid}/limits`]).stdout.toString())!;
    const lim = `fd limit ${limit[1]}${limit[2] !== limit[1] ? ` (hard ${limit[2]})` : ''}`;
    expect(block(out, pid)).toEqual([
      expect.stringMatching(new RegExp(`^task ${pid} ppid \\d+ uid 0 ${lim.replace(/[()]/g, '\\$&')} threads: `)),
      `  no fd table: EACCES on /proc/${pid}/fd (cannot list fds)`,
      // Two threads that made the table, eight that wait.
      expect.stringMatching(new RegExp(`^  threads [\\d, -]+ \\(10\\): no fd table of their own, as process ${pid}$`)),
    ]);
    const limits = ckpt(['show', img, '--limits']).out;
    expect(limits).toMatch(new RegExp(`^ *${pid} +- +${limit[1]} +${limit[2]} +- +threads$`, 'm'));
    expect(limits).not.toContain('no process in this image has a recorded fd limit');
  });

  it('captured by root without CAP_SYS_PTRACE: fdinfo/ refused, how many fds fd/ lists, in both readers', () => {
    for (const reader of ['native', 'js']) {
      const img = join(dir, `noptrace-${reader}.ckpt`);
      const r = spawnSync(
        'setpriv',
        [
          '--inh-caps=-sys_ptrace',
          '--bounding-set=-sys_ptrace',
          process.execPath,
          join(ROOT, 'bin', 'ckpt.mjs'),
          'capture',
          '--pid',
          String(t.p.pid),
          '-o',
          img,
        ],
        { timeout: 60_000, env: { ...process.env, CKPT_CAPTURE_READER: reader } },
      );
      expect(r.status, r.stderr.toString()).toBe(0);
      const n = readdirSync(`/proc/${t.p.pid}/fd`).length;
      const out = ckpt(['show', img]).out;
      expect(out).toContain(`reader=${reader}`);
      expect(block(out, t.p.pid).slice(1), reader).toEqual([
        `  no fd table: EACCES on /proc/${t.p.pid}/fdinfo (cannot open fdinfo directory; its fd directory lists ${n} fds)`,
        expect.stringMatching(new RegExp(`^  threads [\\d, -]+ \\(10\\): no fd table of their own, as process ${t.p.pid}$`)),
      ]);
    }
  });
});
