/**
 * The native /proc reader (src-native/procfd.c) against the JavaScript one
 * (raw-read.ts) on the same live processes: the same fds, links, flags,
 * positions, inodes, fdinfo lines, namespaces and error records. Then what
 * it does with bad arguments, vanished processes and an exception in the
 * middle of a read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { KCMP_FILE, KCMP_FILES, loadKoffi, native } from '../../src-main/sources/proc/native.js';
import {
  dropReadAhead,
  nativeReadProcs,
  procfd,
  procfdPath,
  readAheadAll,
  readerStatus,
  takeEarlyUnixDump,
} from '../../src-main/sources/proc/procfd-reader.js';
import { unixDumpRequest } from '../../src-main/sources/proc/unix-diag-request.js';
import { unixDiag } from '../../src-main/sources/proc/unix-diag.js';
import { rawRead, type RawProc } from '../../src-main/sources/proc/raw-read.js';
import type { OpenFile, Snapshot } from '../../src-shared/model/index.js';
import { fakeProc, releaseFifo, runHangChild, start, type Running } from './fixture.js';
import { comparable } from './reads.js';

let dir: string;
let fx: Running;
let many: Running;
let pids: number[];

function children(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A native read that must complete: its processes. */
async function nread(root: string, list: number[], threads: number): Promise<RawProc[]> {
  const r = (await nativeReadProcs(root, list, threads))!;
  expect(r.failed).toBeUndefined();
  return r.procs;
}

function jsRead(list: number[]): RawProc[] {
  const counter = new Int32Array(new SharedArrayBuffer(8));
  return rawRead(loadKoffi(), fs, { procRoot: '/proc', pids: list, counter });
}

/** Two captures of the same processes agree but for a timerfd's remaining time, which moves. */
function expectSameProcesses(a: Snapshot, b: Snapshot): void {
  const steady = (files: OpenFile[]) =>
    files.map((f) => (f.kind === 'timerfd' ? { ...f, attrs: { ...f.attrs, valueSec: 0, valueNsec: 0, ticks: 0 } } : f));
  expect(a.tasks).toEqual(b.tasks);
  expect(a.fdTables).toEqual(b.fdTables);
  expect(steady(a.files)).toEqual(steady(b.files));
}

/** Lets a hanging pid's blocked reader go; false when no reader was blocked on it. */
const releaseHang = (root: string, pid: number): boolean => releaseFifo(join(root, String(pid), 'fdinfo', '3'));

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'ckpt-procfd-')));
  fx = await start('kinds', [dir]);
  fs.mkdirSync(join(dir, 'many'));
  many = await start('many', ['6', '120', join(dir, 'many')]);
  pids = [fx.pid, ...children(fx.pid), many.pid, ...children(many.pid)];
});

afterAll(async () => {
  await fx?.stop();
  await many?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('native /proc reader', () => {
  it('is built by npm install and used by captures', () => {
    expect(fs.existsSync(procfdPath())).toBe(true);
    expect(readerStatus()).toEqual({ reader: 'native' });
  });

  it('reads what the JavaScript reader reads, fd for fd', async () => {
    expect(pids.length).toBeGreaterThan(8);
    for (const threads of [1, 2, 4]) {
      const got = await nread('/proc', pids, threads);
      const want = jsRead(pids);
      expect(got.map((r) => r.pid).sort()).toEqual(pids.slice().sort());
      const byPid = new Map(want.map((r) => [r.pid, comparable(r)]));
      for (const r of got) expect(comparable(r)).toEqual(byPid.get(r.pid));
    }
    // The comparison covered every kind the fixture opens, not just files.
    const kinds = new Set(
      (await nread('/proc', [fx.pid], 1))[0]!.fds!.link.map((l) => (l.startsWith('/') ? 'path' : l.replace(/[:[].*$/, ''))),
    );
    for (const k of ['path', 'pipe', 'socket', 'anon_inode', 'net']) expect(kinds).toContain(k);
  });

  it('gives the same snapshot as the JavaScript reader: tasks, tables, open files, sharing', async () => {
    const opts = { pids: [fx.pid, many.pid], tree: true };
    const a = await captureProc(opts);
    const b = await captureProc({ ...opts, reader: 'js' });
    expect(a.header.options).toMatchObject({ reader: 'native', sharing: 'kcmp' });
    expect(b.header.options).toMatchObject({ reader: 'js', sharing: 'kcmp' });
    expectSameProcesses(a, b);
    expect(a.errors).toEqual(b.errors);
    expect(a.files.length).toBeGreaterThan(500);
  });

  it('hands what it cannot pass over in one piece to the JavaScript reader, says so, and loses nothing', async () => {
    const opts = { pids: [fx.pid, many.pid], tree: true };
    process.env.CKPT_PROCFD_MAX_BLOB = '64'; // read by the addon at start: any process with more fdinfo than this
    let a;
    try {
      a = await captureProc(opts);
    } finally {
      delete process.env.CKPT_PROCFD_MAX_BLOB;
    }
    const b = await captureProc({ ...opts, reader: 'js' });
    expect(a.header.options.reader).toBe('native+js');
    const note = a.errors.filter((e) => e.where === 'native reader');
    expect(note).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/stopped early.*too large \(\d+ bytes\) to hand over/) }),
    ]);
    expectSameProcesses(a, b);
    expect(a.errors.filter((e) => e.where !== 'native reader')).toEqual(b.errors);
  });

  it('keeps non-UTF-8 link bytes exact', async () => {
    const got = (await nread('/proc', [fx.pid], 1))[0]!;
    const odd = got.fds!.link.filter((l) => /[\x80-\xff]/.test(l));
    const js = jsRead([fx.pid])[0]!.fds!.link.filter((l) => /[\x80-\xff]/.test(l));
    expect(odd).toEqual(js);
  });

  it('turns a vanished or unreadable pid into error records, as the JavaScript reader does', async () => {
    const gone = 0x3ffffff0; // above any pid_max a kernel allows by default
    const got = await nread('/proc', [gone, fx.pid], 2);
    const ghost = got.find((r) => r.pid === gone)!;
    expect(ghost.stat).toBeNull();
    expect(ghost.fds).toBeNull();
    expect(ghost.errors).toEqual([{ errno: 'ENOENT', pid: gone, fd: -1, where: `/proc/${gone}/stat`, message: 'cannot open' }]);
    expect(ghost.errors).toEqual(jsRead([gone])[0]!.errors);
    expect(got.find((r) => r.pid === fx.pid)!.fds!.n).toBeGreaterThan(10);
    // A procRoot that is not /proc at all.
    const none = await nread(join(dir, 'no-such-proc'), [1], 1);
    expect(none[0]!.errors[0]).toMatchObject({ errno: 'ENOENT', where: `${dir}/no-such-proc/1/stat` });
  });

  it('stops its threads and frees what they read when the caller throws midway', async () => {
    const list = Array.from({ length: 40 }, () => pids).flat();
    await expect(
      nativeReadProcs('/proc', list, 2, () => {
        throw new Error('stop here');
      }),
    ).rejects.toThrow('stop here');
    // And reads again afterwards.
    expect((await nread('/proc', pids, 2)).length).toBe(pids.length);
  });

  it('answers kcmp, kcmpEpoll and getxattr as koffi does, errors included', () => {
    const p = procfd()!;
    const k = native();
    const fds = fs.readdirSync(`/proc/${fx.pid}/fd`).map(Number);
    let equal = 0;
    for (const a of fds)
      for (const b of fds) {
        const got = p.kcmp(fx.pid, fx.pid, KCMP_FILE, a, b);
        expect(got).toBe(k.kcmp(fx.pid, fx.pid, KCMP_FILE, a, b));
        if (got === 0) equal++;
      }
    expect(equal).toBeGreaterThan(fds.length); // each fd with itself, and the fixture's dups
    expect(p.kcmp(fx.pid, process.pid, KCMP_FILES, 0, 0)).toBe(k.kcmp(fx.pid, process.pid, KCMP_FILES, 0, 0));
    expect(p.kcmp(0x3ffffff0, fx.pid, KCMP_FILE, 0, 0)).toBe('ESRCH');
    expect(p.kcmp(fx.pid, fx.pid, KCMP_FILE, 0, 99999)).toBe('EBADF');
    expect(p.kcmpEpoll(fx.pid, 0, fx.pid, 99999, 0, 0)).toBe(k.kcmpEpoll(fx.pid, 0, fx.pid, 99999, 0, 0));
    const sock = fds.find((f) => fs.readlinkSync(`/proc/${fx.pid}/fd/${f}`).startsWith('socket:'))!;
    const path = `/proc/${fx.pid}/fd/${sock}`;
    expect(p.getxattr(path, 'system.sockprotoname')).toBe(k.getxattr(path, 'system.sockprotoname'));
    expect(p.getxattr(path, 'system.sockprotoname')).toMatch(/^[A-Z0-9-]+$/);
    expect(p.getxattr('/nonexistent', 'user.x')).toBeNull();
  });

  it('dumps unix sockets through sock_diag as the koffi path does', () => {
    const a = unixDiag(undefined, 'procfd')!;
    const b = unixDiag(undefined, 'koffi')!;
    expect(a.size).toBeGreaterThan(10);
    // Sockets may come and go between the two dumps: compare the fixture's own.
    const mine = fs
      .readdirSync(`/proc/${fx.pid}/fd`)
      .map((f) => /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${fx.pid}/fd/${f}`))?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .filter((ino) => b.has(ino));
    expect(mine.length).toBeGreaterThan(2);
    for (const ino of mine) expect(a.get(ino)).toEqual(b.get(ino));
    // Another process's namespace path (ours, here) goes through setns on a thread of its own.
    const viaNs = unixDiag(`/proc/${fx.pid}/ns/net`, 'procfd')!;
    for (const ino of mine) expect(viaNs.get(ino)).toEqual(b.get(ino));
    expect(procfd()!.diagDump(Buffer.alloc(40), '/nonexistent/ns')).toBe('ENOENT');
  });

  it('dumps on a thread of its own (diagStart, diagTake) what diagDump dumps, once', () => {
    const p = procfd()!;
    const h = p.diagStart(unixDumpRequest(), null);
    const early = p.diagTake(h);
    const now = p.diagDump(unixDumpRequest(), null);
    expect(Buffer.isBuffer(early) && Buffer.isBuffer(now)).toBe(true);
    // Both whole dumps, ending in NLMSG_DONE; the sockets between may differ (others come and go).
    const lastType = (b: Buffer): number => {
      let t = -1;
      for (let off = 0; off + 16 <= b.length;) {
        const len = b.readUInt32LE(off);
        t = b.readUInt16LE(off + 4);
        if (len < 16) break;
        off += (len + 3) & ~3;
      }
      return t;
    };
    expect(lastType(early as Buffer)).toBe(3);
    expect(lastType(now as Buffer)).toBe(3);
    expect((early as Buffer).length).toBeGreaterThan(100);
    expect(p.diagTake(h)).toBe('EINVAL');
    expect(p.diagTake(p.diagStart(Buffer.alloc(40), '/nonexistent/ns'))).toBe('ENOENT');
    // A handle never taken is freed by whichever of it and its thread lets go last.
    p.diagStart(unixDumpRequest(), null);
  });

  it('starts a unix socket dump with the read-ahead, for the capture that adopts it only', async () => {
    readAheadAll();
    expect(Buffer.isBuffer(takeEarlyUnixDump())).toBe(true);
    expect(takeEarlyUnixDump()).toBeUndefined(); // once
    dropReadAhead();
    // A read-ahead nobody adopts takes its dump with it.
    readAheadAll();
    dropReadAhead();
    expect(takeEarlyUnixDump()).toBeUndefined();
    // The capture that adopts it takes the dump or drops it: none is left for the next.
    readAheadAll();
    const snap = await captureProc({ all: true });
    expect(snap.header.options.reader).toBe('native');
    expect(snap.files.some((f) => f.kind === 'unix-socket' && f.attrs.peer !== 0)).toBe(true);
    expect(takeEarlyUnixDump()).toBeUndefined();
  });

  it('keeps non-UTF-8 unix socket names exact across a dump of many replies, on both paths', async () => {
    const sdir = join(dir, 'sockets');
    fs.mkdirSync(sdir);
    const names = await start('unixnames', [sdir, '3000']);
    try {
      const inos = fs
        .readdirSync(`/proc/${names.pid}/fd`)
        .map((f) => /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${names.pid}/fd/${f}`))?.[1])
        .filter((x): x is string => x !== undefined)
        .map(Number);
      expect(inos.length).toBeGreaterThanOrEqual(3000); // and its stdio, socketpairs from spawn
      const want = new Set(
        Array.from({ length: 3000 }, (_, i) =>
          Buffer.concat([Buffer.from(`${sdir}/`), Buffer.from([0xff, 0xfe]), Buffer.from(String(i))]).toString('hex'),
        ),
      );
      for (const via of ['procfd', 'koffi'] as const) {
        const got = unixDiag(undefined, via)!;
        const seen = new Set<string>();
        for (const ino of inos) {
          const name = got.get(ino)?.name;
          if (name === '') continue; // the unnamed stdio sockets
          expect(name, `${via}: socket ${ino}`).toBeInstanceOf(Uint8Array);
          seen.add(Buffer.from(name as Uint8Array).toString('hex'));
        }
        expect(seen).toEqual(want);
      }
    } finally {
      await names.stop();
    }
  });

  it('gives up on a process whose reading hangs in the kernel, says so, and reads the rest', async () => {
    // pid 1 hangs; pids 2 and 3 are fine.
    const fake = fakeProc(join(dir, 'fakeproc'), [1, 2, 3], (pid) => pid === 1);
    const t0 = Date.now();
    // While a reader hangs, the event loop still runs (a signal handler, a host's requests).
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const r = (await nativeReadProcs(fake, [1, 2, 3], 1, undefined, undefined, 300))!;
    clearInterval(ticker);
    expect(ticks).toBeGreaterThanOrEqual(2); // blocked, it would be 0
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.failed).toBeUndefined();
    const hung = r.procs.find((p) => p.pid === 1)!;
    expect(hung.stat).toBeNull();
    expect(hung.errors).toEqual([
      {
        errno: 'ETIMEDOUT',
        pid: 1,
        fd: 3,
        where: `${fake}/1/fd/3`,
        message: expect.stringMatching(/no answer within 0\.3 s .*not captured/),
      },
    ]);
    for (const pid of [2, 3]) {
      const p = r.procs.find((x) => x.pid === pid)!;
      expect(p.errors).toEqual([]);
      expect(p.fds!.n).toBe(1);
      expect(p.fds!.link[0]).toBe('/dev/null');
    }
    // While that reader is still stuck, a new read does not send another
    // thread into the same hang: the pid is reported at once.
    expect([...procfd()!.stuck(fake)]).toContain(1);
    expect([...procfd()!.stuck('/proc')]).not.toContain(1); // the real pid 1 is not shadowed
    // (A timeout ten times longer: waiting it out would take 3 s, not under 2.)
    const t1 = Date.now();
    const again = (await nativeReadProcs(fake, [1, 2], 1, undefined, undefined, 3000))!;
    expect(Date.now() - t1).toBeLessThan(2000);
    expect(again.procs.find((p) => p.pid === 1)!.errors).toEqual([
      { errno: 'ETIMEDOUT', pid: 1, fd: -1, where: `${fake}/1`, message: expect.stringMatching(/still stuck/) },
    ]);
    expect(again.procs.find((p) => p.pid === 2)!.fds!.n).toBe(1);
    // Let the stuck reader go: it returns, sees it was given up on, drops
    // what it read, and the pid may be read again.
    const release = async () => {
      expect(releaseHang(fake, 1)).toBe(true);
      for (let i = 0; i < 100 && procfd()!.stuck(fake).includes(1); i++) await new Promise((res) => setTimeout(res, 20));
      expect([...procfd()!.stuck(fake)]).not.toContain(1);
    };
    await release();
    // And the same through a capture: an error record, the rest captured.
    const snap = await captureProc({ pids: [1, 2, 3], procRoot: fake, timeoutMs: 300 });
    expect(snap.errors).toContainEqual(expect.objectContaining({ errno: 'ETIMEDOUT', pid: 1, fd: 3 }));
    expect(snap.tasks.map((t) => t.pid).sort()).toEqual([2, 3]);
    await release();
  });

  it('the JavaScript reader gives up on a hung process too, and reads the rest', async () => {
    const fake = fakeProc(join(dir, 'fakeproc-js'), [1, 2, 3], (pid) => pid === 1);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const t0 = Date.now();
    const snap = await captureProc({ pids: [1, 2, 3], procRoot: fake, timeoutMs: 300, reader: 'js' });
    clearInterval(ticker);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(ticks).toBeGreaterThanOrEqual(2); // the event loop ran while a reader hung
    expect(snap.header.options.reader).toBe('js');
    expect(snap.errors).toContainEqual(
      expect.objectContaining({
        errno: 'ETIMEDOUT',
        pid: 1,
        fd: 3,
        where: `${fake}/1/fd/3`,
        message: expect.stringMatching(/no answer within 0\.3 s/),
      }),
    );
    expect(snap.tasks.map((t) => t.pid).sort()).toEqual([2, 3]);
    // While that reader still hangs, another capture does not send a new one after it.
    const t1 = Date.now();
    const again = await captureProc({ pids: [1, 2], procRoot: fake, timeoutMs: 300, reader: 'js' });
    expect(Date.now() - t1).toBeLessThan(2000);
    expect(again.errors).toContainEqual(
      expect.objectContaining({ errno: 'ETIMEDOUT', pid: 1, fd: -1, message: expect.stringMatching(/still stuck/) }),
    );
    expect(again.tasks.map((t) => t.pid)).toEqual([2]);
    // Released, the stuck reader's worker ends, and the pid reads again.
    expect(releaseHang(fake, 1)).toBe(true);
    let after = again;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 40));
      after = await captureProc({ pids: [1], procRoot: fake, timeoutMs: 300, reader: 'js' });
      if (!after.errors.some((e) => /still stuck/.test(e.message))) break;
    }
    expect(after.errors.some((e) => /still stuck/.test(e.message))).toBe(false);
    releaseHang(fake, 1); // the last capture's reader, hung on the FIFO again
  });

  it('a hung reader does not keep the process from ending, with its exit code (both readers)', async () => {
    for (const reader of ['js', 'native'])
      for (const how of ['natural', 'exit']) {
        const root = join(dir, `hang-child-${reader}-${how}`);
        const { code, out } = await runHangChild('hang-child.ts', [root, how, reader], join(root, '1', 'fdinfo', '3'), 8000);
        expect(out, `${reader} ${how}`).toBe('captured 2 tasks, errors ETIMEDOUT\n');
        expect(code, `${reader} ${how}`).toBe(how === 'exit' ? 4 : 3);
      }
    // Ending that way leaves its output pipe as it found it (blocking): the
    // next program writing to the same pipe loses nothing.
    const root = join(dir, 'hang-child-pipe');
    const script = `(${JSON.stringify(process.execPath)} --import tsx test/proc/hang-child.ts ${root} natural js; head -c 4000000 /dev/zero) | (sleep 1; wc -c)`;
    const r = spawnSync('sh', ['-c', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8', timeout: 30_000 });
    releaseHang(root, 1);
    expect(r.stderr).not.toMatch(/Resource temporarily unavailable/);
    expect(Number(r.stdout.trim())).toBe(4_000_000 + 'captured 2 tasks, errors ETIMEDOUT\n'.length);
  });

  it('the supervised JavaScript reader reads what the plain one does (a name in fd/ that is not a number)', async () => {
    const root = fakeProc(join(dir, 'oddname'), [1, 2, 3]);
    fs.symlinkSync('/dev/null', join(root, '2', 'fd', 'x'));
    const plain = await captureProc({ pids: [1, 2, 3], procRoot: root, timeoutMs: 0, reader: 'js' });
    const supervised = await captureProc({ pids: [1, 2, 3], procRoot: root, timeoutMs: 300, reader: 'js' });
    expect(supervised.tasks.map((t) => t.pid).sort()).toEqual([1, 2, 3]);
    expect(supervised.errors).toEqual(plain.errors);
    expect(supervised.fdTables.map((t) => t.fds.length)).toEqual(plain.fdTables.map((t) => t.fds.length));
  });

  it('accounts for every pid when more readers hang than it may start', async () => {
    // 70 processes hang, 10 do not, on 16 threads: every pid is read or reported.
    const pidsHere = Array.from({ length: 80 }, (_, i) => 1001 + i);
    const fake = fakeProc(join(dir, 'manyhung'), pidsHere, (pid) => pid <= 1070);
    const r = (await nativeReadProcs(fake, pidsHere, 16, undefined, undefined, 100))!;
    expect(r.procs.map((p) => p.pid).sort((a, b) => a - b)).toEqual(pidsHere);
    for (const p of r.procs) {
      if (p.fds) expect(p.pid).toBeGreaterThan(1070);
      else expect(p.errors).toEqual([expect.objectContaining({ errno: 'ETIMEDOUT', pid: p.pid })]);
    }
    expect(r.procs.filter((p) => p.fds).length).toBeGreaterThan(0);
    for (const pid of pidsHere.slice(0, 70)) releaseHang(fake, pid); // false for those no reader reached
    for (let i = 0; i < 100 && procfd()!.stuck(fake).length; i++) await new Promise((res) => setTimeout(res, 20));
    expect([...procfd()!.stuck(fake)]).toEqual([]);
  });

  it('refuses bad arguments with a TypeError instead of crashing', () => {
    const m = createRequire(import.meta.url)(procfdPath()) as Record<string, (...a: unknown[]) => unknown>;
    expect(() => m.start!('/proc', [1, 2], 1)).toThrow(TypeError);
    expect(() => m.start!(42, new Int32Array([1]), 1)).toThrow(TypeError);
    expect(() => m.start!('/proc\0/elsewhere', new Int32Array([1]), 1)).toThrow(/NUL/);
    expect(() => m.start!('/proc', new Int32Array([1]))).toThrow(TypeError);
    expect(() => m.next!({})).toThrow(TypeError);
    expect(() => m.next!()).toThrow(TypeError);
    expect(() => m.next!(m.start!('/proc', new Int32Array([1]), 1), -5)).toThrow(TypeError);
    expect(() => m.next!(m.start!('/proc', new Int32Array([1]), 1), 'soon')).toThrow(TypeError);
    expect(() => m.next!(m.start!('/proc', new Int32Array([1]), 1), 0, -1)).toThrow(/yieldMs/);
    expect(() => m.cancel!('job')).toThrow(TypeError);
    expect(() => m.kcmp!(1, 2, 'x', 0, 0)).toThrow(TypeError);
    expect(() => m.kcmpEpoll!(1, 2, 3)).toThrow(TypeError);
    expect(() => m.getxattr!('/a\0b', 'user.x')).toThrow(/NUL/);
    expect(() => m.getxattr!({}, 'user.x')).toThrow(TypeError);
    expect(() => m.diagDump!('not a buffer', null)).toThrow(TypeError);
    expect(() => m.diagDump!(Buffer.alloc(4), null)).toThrow(TypeError);
    expect(() => m.diagDump!(Buffer.alloc(40), 42)).toThrow(TypeError);
    expect(() => m.diagStart!('not a buffer', null)).toThrow(TypeError);
    expect(() => m.diagStart!(Buffer.alloc(40), 42)).toThrow(TypeError);
    expect(() => m.diagTake!({})).toThrow(TypeError);
    expect(() => m.newestMtime!('/etc/hostname')).toThrow(TypeError);
    expect(() => m.newestMtime!([42])).not.toThrow(); // not a path: no such file, Infinity (below)
    const empty = m.start!('/proc', new Int32Array(0), 2);
    expect(m.next!(empty)).toBeNull();
  });

  it("gives the newest modification time of files as fs.statSync's mtimeMs has it, Infinity when one is missing (the launchers' staleness check)", () => {
    const m = createRequire(import.meta.url)(procfdPath()) as { newestMtime: (p: unknown[]) => number };
    const dir = fs.mkdtempSync(join(tmpdir(), 'ckpt-mtime-'));
    try {
      const a = join(dir, 'a');
      const b = join(dir, 'b \u00e9\n');
      fs.writeFileSync(a, 'a');
      fs.writeFileSync(b, 'b');
      fs.utimesSync(a, new Date(1_700_000_000_123), new Date(1_700_000_000_123));
      fs.utimesSync(b, new Date(1_600_000_000_456), new Date(1_600_000_000_456));
      expect(m.newestMtime([a, b])).toBe(fs.statSync(a).mtimeMs);
      expect(m.newestMtime([b])).toBe(fs.statSync(b).mtimeMs);
      expect(m.newestMtime([])).toBe(0);
      expect(m.newestMtime([a, join(dir, 'gone'), b])).toBe(Infinity);
      expect(m.newestMtime([42])).toBe(Infinity);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
