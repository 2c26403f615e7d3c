/**
 * An fd whose name is longer than PATH_MAX: readlink on /proc/PID/fd/N says
 * ENAMETOOLONG, but the fd is there, and so are its fdinfo and the file's
 * stat. The capture keeps it (as lsof does), with the name empty and an
 * error record saying why, in both readers, and kcmp still proves which
 * fds share it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { loadKoffi } from '../../src-main/sources/proc/native.js';
import { nativeReadProcs } from '../../src-main/sources/proc/procfd-reader.js';
import { emptyRawFd, rawFdAt, rawRead, type RawProc } from '../../src-main/sources/proc/raw-read.js';
import { readImageFile } from '../../src-main/engine/reader.js';
import { NAME_NOT_READABLE, unreadableNames, type Snapshot } from '../../src-shared/model/index.js';
import { ROOT, start, type Running } from './fixture.js';

let work: string;
let deep: Running;
let child: number;
let fd: number;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ckpt-long-name-'));
  chmodSync(work, 0o777);
  mkdirSync(join(work, 'root'));
  deep = await start('deep', [join(work, 'root')]);
  [, child, fd] = deep.line.split(' ').map(Number) as [number, number, number];
});

afterAll(async () => {
  await deep?.stop();
  // rm(1) walks with openat: a path too long for unlink(2) is no obstacle to it.
  spawnSync('rm', ['-rf', work]);
});

/** The JavaScript reader lists fd/ sorted as text (10 before 4), the native one in fd order. */
const byFd = <T extends { pid: number; fd: number }>(l: T[]) => [...l].sort((a, b) => a.pid - b.pid || a.fd - b.fd);

function fdsOf(s: Snapshot, pid: number) {
  const t = s.tasks.find((x) => x.pid === pid)!;
  return s.fdTables.find((x) => x.ref === t.fdTable)!.fds;
}

/** What a capture of the fixture must say about its long-named file. */
function expectKept(s: Snapshot, owner: number, kid: number, fdn: number): void {
  const st = statSync(`/proc/${owner}/fd/${fdn}`); // follows the fd, no name needed
  expect(() => fs.readlinkSync(`/proc/${owner}/fd/${fdn}`)).toThrow(/ENAMETOOLONG/);
  const parent = fdsOf(s, owner);
  const mine = parent.filter((x) => x.fd === fdn || x.fd === 10);
  expect(mine.map((x) => x.fd).sort((a, b) => a - b)).toEqual([fdn, 10]);
  // fd, its dup and the child's inherited copy: one open file, proven.
  const kidFd = fdsOf(s, kid).find((x) => x.fd === fdn)!;
  expect(new Set([...mine.map((x) => x.file), kidFd.file]).size).toBe(1);
  const f = s.files.find((x) => x.ref === mine[0]!.file)!;
  expect(f).toMatchObject({
    kind: 'regular',
    path: '',
    pos: 7,
    size: 16,
    ino: st.ino,
    dev: st.dev,
    nlink: 1,
    deleted: false,
    sharingInferred: false,
  });
  expect(f.flags & 3).toBe(2); // O_RDWR
  // The error record still names pid, fd and errno, for every fd so kept.
  const errs = s.errors.filter((e) => e.errno === 'ENAMETOOLONG');
  expect(errs.map((e) => `${e.pid}:${e.fd}`).sort()).toEqual([`${kid}:${fdn}`, `${kid}:10`, `${owner}:${fdn}`, `${owner}:10`].sort());
  for (const e of errs) expect(e).toMatchObject({ where: `/proc/${e.pid}/fd/${e.fd}`, message: NAME_NOT_READABLE });
  // What ckpt show looks up to say why the name is missing.
  expect(unreadableNames(s).get(`${owner}:${fdn}`)).toBe('ENAMETOOLONG');
}

describe('an fd whose name is longer than PATH_MAX', () => {
  it('is kept with its open file, by the native reader and the JavaScript one alike', async () => {
    const a = await captureProc({ pids: [deep.pid], tree: true });
    const b = await captureProc({ pids: [deep.pid], tree: true, reader: 'js' });
    expect(a.header.options.reader).toBe('native');
    expect(b.header.options.reader).toBe('js');
    expectKept(a, deep.pid, child, fd);
    expectKept(b, deep.pid, child, fd);
    expect(a.tasks).toEqual(b.tasks);
    expect(a.fdTables).toEqual(b.fdTables);
    expect(a.files).toEqual(b.files);
    expect(byFd(a.errors)).toEqual(byFd(b.errors));
  });

  it('reads the same raw record in both readers', async () => {
    const n = (await nativeReadProcs('/proc', [deep.pid], 1))!.procs[0]!;
    const counter = new Int32Array(new SharedArrayBuffer(8));
    const j = rawRead(loadKoffi(), fs, { procRoot: '/proc', pids: [deep.pid], counter })[0]!;
    const one = (r: RawProc) => {
      const i = r.fds!.fd.indexOf(fd);
      return { ...rawFdAt(r.fds!, i, emptyRawFd()) };
    };
    expect(one(n)).toEqual(one(j));
    expect(one(n)).toMatchObject({ link: '\0ENAMETOOLONG', statted: true, pos: 7 });
    expect(byFd(n.errors)).toEqual(byFd(j.errors));
  });

  it('is kept in an unprivileged capture of ones own process too', async () => {
    const dir = join(work, 'nobody');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const mine = await start('deep', [dir], { uid: 65534, gid: 65534 });
    try {
      const [, kid, myFd] = mine.line.split(' ').map(Number) as [number, number, number];
      const img = join(work, 'nobody.img');
      // The bundle, built by root (bin/ckpt.mjs rebuilds it when stale): nobody may not write it.
      expect(spawnSync(process.execPath, [join(ROOT, 'bin', 'ckpt.mjs'), '--version']).status).toBe(0);
      const r = spawnSync(
        process.execPath,
        [join(ROOT, 'out', 'cli', 'ckpt.mjs'), 'capture', '--pid', String(mine.pid), '--tree', '-o', img],
        {
          uid: 65534,
          gid: 65534,
          timeout: 60_000,
        },
      );
      expect(r.status, r.stderr.toString()).toBe(0);
      const s = readImageFile(img);
      expect(s.header.options.sharing).toBe('kcmp');
      expectKept(s, mine.pid, kid, myFd);
      expect(s.errors.filter((e) => e.errno !== 'ENAMETOOLONG')).toEqual([]);
    } finally {
      await mine.stop();
    }
  });
});
