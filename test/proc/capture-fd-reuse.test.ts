/**
 * fd numbers closed and reopened as other files while they are read (no
 * --freeze): a capture must record each fd as one file (its link, kind,
 * inode, mode, size, flags and kind attributes all of it) or leave it out
 * with an error record, never mix two files; and an fd closed between the
 * listing and its reading is never kept as a file it was not. The fdreuse
 * fixture keeps dup2-ing fds 1000-1199 over with file A, file B, a unix
 * socket and an eventfd, whose every value it knows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { displayBStr, O, O_ACCMODE, type OpenFile } from '../../src-shared/model/index.js';
import { start, type Running } from './fixture.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFSOCK = 0o140000;

let dir: string;
let fx: Running;
let facts: { aIno: number; bIno: number; first: number; count: number };

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'ckpt-fdreuse-')));
  fx = await start('fdreuse', [dir, '3']);
  facts = JSON.parse(fx.line) as typeof facts;
});
afterAll(async () => {
  await fx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What is wrong with `f` as one of the fixture's four files, or '' when it is one of them whole. */
function mixed(f: OpenFile): string {
  const path = displayBStr(f.path);
  const ino = Number(f.ino);
  const type = f.mode & S_IFMT;
  const acc = f.flags & O_ACCMODE;
  const append = (f.flags & O.O_APPEND) !== 0;
  if (path === `${dir}/A`)
    return f.kind === 'regular' && type === S_IFREG && ino === facts.aIno && Number(f.size) === 111 && acc === O.O_RDONLY && !append
      ? ''
      : 'A';
  if (path === `${dir}/B`)
    return f.kind === 'regular' && type === S_IFREG && ino === facts.bIno && Number(f.size) === 2222 && acc === O.O_WRONLY && append
      ? ''
      : 'B';
  if (path.startsWith('socket:'))
    return (f.kind === 'unix-socket' || f.kind === 'socket') && type === S_IFSOCK && path === `socket:[${ino}]` && acc === O.O_RDWR
      ? ''
      : 'socket';
  if (path === 'anon_inode:[eventfd]') return f.kind === 'eventfd' && f.attrs.count === 5 && f.flags === O.O_RDWR ? '' : 'eventfd';
  return 'another file';
}

/**
 * `n` captures, by both readers in turn: each fd of the range recorded as
 * one of the fixture's files whole, or left out with its error record.
 */
async function captures(n: number): Promise<{ kept: number; left: number }> {
  let left = 0;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const reader = i % 2 === 0 ? 'native' : 'js';
    const snap = decodeImage(encodeSnapshot(await captureProc({ pids: [fx.pid], reader })));
    const task = snap.tasks.find((t) => t.pid === fx.pid)!;
    const table = snap.fdTables.find((t) => t.ref === task.fdTable)!;
    const files = new Map(snap.files.map((f) => [f.ref, f]));
    const errorFds = new Set(snap.errors.filter((e) => e.pid === fx.pid && e.fd >= 0).map((e) => e.fd));
    const recorded = new Set<number>();
    for (const fd of table.fds) {
      recorded.add(fd.fd);
      const f = files.get(fd.file)!;
      // Never an invented file: an fd whose link could not be read because it was closed is left out.
      expect(displayBStr(f.path) === '' || f.mode === 0, `${reader} fd ${fd.fd}: ${JSON.stringify(f)}`).toBe(false);
      if (fd.fd < 3) continue; // the fixture's stdio
      const what = mixed(f);
      expect(what, `${reader} capture ${i}, fd ${fd.fd} mixes two files (${what}): ${JSON.stringify({ ...f, attrs: f.attrs })}`).toBe('');
      if (fd.fd >= facts.first) kept++;
    }
    // fds 1000-1199 are never free (dup2): each is recorded or has its error record.
    for (let fd = facts.first; fd < facts.first + facts.count; fd++)
      if (!recorded.has(fd)) {
        expect(errorFds.has(fd), `${reader} capture ${i}: fd ${fd} left out without an error record`).toBe(true);
        left++;
      }
    for (const e of snap.errors.filter((x) => x.pid === fx.pid && x.errno === 'EAGAIN'))
      expect(e.message).toMatch(
        new RegExp(`^fd ${e.fd} (was|may have been) closed and reopened while it was read \\(.+\\): not recorded$`),
      );
  }
  return { kept, left };
}

it('records each reused fd as one file or leaves it out with an error record, in 30 captures by both readers', async () => {
  const { kept, left } = await captures(30);
  // Nearly all of them read whole.
  expect(kept).toBeGreaterThan(30 * facts.count * 0.9);
  console.log(`fd reuse: ${kept} fds recorded, ${left} left out with an error record`);
}, 120_000);

// A reader preempted between an fd's reads can find it reopened twice
// meanwhile, back to a file of the inode it had: fdinfo and statx of A, and
// between them the link of B, which no check of one read against another
// sees. A reading that took that long is read again.
it('a reader that pauses between the reads, as a preempted one does, still never mixes two files', async () => {
  const { kept, left } = await withHooks({ CKPT_TEST_READ_GAP_US: '2000' }, () => captures(10));
  // Read again after the pause, nearly all of them whole (without the
  // second reading a few in each capture were one file's link and
  // another's figures).
  expect(kept).toBeGreaterThan(10 * facts.count * 0.9);
  console.log(`fd reuse with a pause: ${kept} fds recorded, ${left} left out with an error record`);
}, 120_000);

/**
 * `f` run with these test hooks set, and read from /proc: not from a BPF
 * snapshot (CKPT_CAPTURE_SNAPSHOT=on in npm test's second run), whose
 * records the hooks do not reach. The environment is as it was after.
 */
async function withHooks<T>(hooks: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const set = { CKPT_CAPTURE_SNAPSHOT: 'off', ...hooks };
  const was = Object.fromEntries(Object.keys(set).map((k) => [k, process.env[k]]));
  Object.assign(process.env, set);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(was)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * A process (sh, then sleep) holding the files sh's `redirects` open, once
 * it is sleep (sh's own fds gone) and sleep's start-up has finished.
 */
async function holding(redirects: string): Promise<ChildProcess> {
  const holder = spawn('sh', ['-c', `exec ${redirects}; exec sleep 600`], {
    stdio: 'ignore',
    env: { PATH: process.env.PATH, LC_ALL: 'C' }, // no locale files opened as it starts
  });
  const comm = (): string => {
    try {
      return readFileSync(`/proc/${holder.pid}/comm`, 'utf8');
    } catch {
      return '';
    }
  };
  for (let i = 0; i < 200 && comm() !== 'sleep\n'; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  return holder;
}

// A file system whose getattr is slow (NFS without attribute caching, FUSE)
// makes every reading of its fds slow, the second look at link and inode
// too: the same link and inode each time keep them, where they were all
// left out as possibly reopened.
it('fds on a file system whose stat is slow are kept, not left out as reopened (both readers)', async () => {
  const slowDir = join(dir, 'slow');
  mkdirSync(slowDir);
  const redirects = Array.from({ length: 7 }, (_, i) => {
    writeFileSync(join(slowDir, `f${i}`), 'x'.repeat(i));
    return `${i + 3}<${join(slowDir, `f${i}`)}`;
  });
  const holder = await holding(redirects.join(' '));
  try {
    const pid = holder.pid!;
    // Each fd as its number and its file's path.
    const held = (s: Awaited<ReturnType<typeof captureProc>>): string[] => {
      const table = s.fdTables.find((t) => t.ref === s.tasks.find((x) => x.pid === pid)!.fdTable)!;
      const files = new Map(s.files.map((f) => [f.ref, f]));
      return table.fds.map((fd) => `${fd.fd} ${displayBStr(files.get(fd.file)!.path)}`);
    };
    for (const reader of ['native', 'js'] as const) {
      const before = await captureProc({ pids: [pid], reader });
      expect(held(before).filter((f) => f.includes(`${slowDir}/`)).length, reader).toBe(7);
      const slow = await withHooks({ CKPT_TEST_SLOW_STAT_US: '300' }, () => captureProc({ pids: [pid], reader }));
      expect(
        slow.errors.filter((e) => e.errno === 'EAGAIN'),
        reader,
      ).toEqual([]);
      expect({ fds: held(slow), errors: slow.errors }, reader).toEqual({ fds: held(before), errors: before.errors });
    }
  } finally {
    holder.kill();
  }
}, 60_000);

// A process that reopens an fd every microsecond can have fdinfo and statx
// read file A and the link between them read B, however quickly the three
// are read (A, B, A): each check of one read against another passes. The
// path the link names is B's, not the inode statx found: the reading is
// taken again. CKPT_TEST_LINK_SWAP makes each fd's first reading find B's
// link where it is A's.
it('an fd whose link was read while it was another file (A, B, A) is read again, not recorded as B with A’s figures (both readers)', async () => {
  const swapDir = join(dir, 'swap');
  mkdirSync(swapDir);
  const [a, b] = [join(swapDir, 'A'), join(swapDir, 'B')];
  writeFileSync(a, 'a'.repeat(111));
  writeFileSync(b, 'b'.repeat(2222));
  const holder = await holding(`3<${a} 4<${a} 5>>${b}`);
  try {
    const pid = holder.pid!;
    for (const reader of ['native', 'js'] as const) {
      const snap = await withHooks({ CKPT_TEST_LINK_SWAP: `${a}|${b}` }, () => captureProc({ pids: [pid], reader }));
      const table = snap.fdTables.find((t) => t.ref === snap.tasks.find((x) => x.pid === pid)!.fdTable)!;
      const files = new Map(snap.files.map((f) => [f.ref, f]));
      const got = table.fds
        .filter((fd) => fd.fd >= 3 && fd.fd <= 5)
        .map((fd) => {
          const f = files.get(fd.file)!;
          return { fd: fd.fd, path: displayBStr(f.path), size: Number(f.size), append: (f.flags & O.O_APPEND) !== 0 };
        });
      expect(got, reader).toEqual([
        { fd: 3, path: a, size: 111, append: false },
        { fd: 4, path: a, size: 111, append: false },
        { fd: 5, path: b, size: 2222, append: true },
      ]);
      expect(
        snap.errors.filter((e) => e.pid === pid),
        reader,
      ).toEqual([]);
    }
  } finally {
    holder.kill();
  }
}, 60_000);
