/**
 * The CRIU source end to end: dumps encoded by CRIU's own encoder (crit),
 * imported with the real `ckpt import`, checked through the library and
 * through the image `-o` writes: every attribute and every sharing relation.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../src-main/engine/reader.js';
import { Store } from '../../src-main/store/index.js';
import { bytesToHex, describeFile, diskHeld, type OpenFile, type Snapshot, type Task } from '../../src-shared/model/index.js';
import { ckpt } from '../cli/run.js';
import {
  HOSTILE_BYTES,
  ZERO_FOWN,
  ZERO_SK_OPTS,
  encode,
  haveCrit,
  writeDump,
  writeOneProcessDump,
  writeOtherTypesDump,
} from './dump-fixture.js';

// In CI crit must be there (.ci/run installs criu): a missing crit fails there, never skips.
const skip = !haveCrit() && !process.env.CI;

let root: string;
let dump: string;
const MTIME = Date.parse('2026-11-19T08:30:00Z');

beforeAll(() => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), 'ckpt-criu-'));
  dump = join(root, 'checkpoint');
  writeDump(dump);
  utimesSync(join(dump, 'inventory.img'), MTIME / 1000, MTIME / 1000);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function home(): string {
  return mkdtempSync(join(root, 'home-'));
}

function task(s: Snapshot, pid: number): Task {
  const t = s.tasks.find((x) => x.pid === pid);
  if (!t) throw new Error(`no task ${pid}`);
  return t;
}
function fileAt(s: Snapshot, pid: number, fd: number): OpenFile {
  const table = s.fdTables.find((t) => t.ref === task(s, pid).fdTable)!;
  const d = table.fds.find((x) => x.fd === fd);
  if (!d) throw new Error(`no fd ${fd} in ${pid}`);
  return s.files.find((f) => f.ref === d.file)!;
}
function fdOf(s: Snapshot, pid: number, fd: number) {
  return s.fdTables.find((t) => t.ref === task(s, pid).fdTable)!.fds.find((x) => x.fd === fd)!;
}

/** Every assertion on the scenario of dump-fixture.ts, whichever way the snapshot came. */
function checkScenario(s: Snapshot): void {
  expect(s.header.source).toBe('criu');
  expect(s.header.frozen).toBe(true);
  expect(s.header.arch).toBe('x86_64');
  expect(s.header.hostname).toBe('box');
  expect(s.header.options['criu.imgVersion']).toBe('2');

  // Tasks: the pid tree, threads, comm, credentials, fd limits, the zombie.
  expect(s.tasks.map((t) => [t.pid, t.tgid, t.ppid])).toEqual([
    [100, 100, 0],
    [101, 100, 0],
    [102, 100, 0],
    [200, 200, 100],
    [300, 300, 100],
    [400, 400, 100],
  ]);
  expect(s.tasks.map((t) => t.comm)).toEqual(['server', 'server-io', 'server-gc', 'worker', 'clone', 'defunct']);
  expect(s.tasks.map((t) => [t.uid, t.gid])).toEqual([
    [33, 34],
    [33, 34],
    [33, 35],
    [1000, 1000],
    [33, 34],
    [33, 34],
  ]);
  expect(task(s, 100).fdLimit).toEqual({ soft: 1024, hard: 524288 });
  expect(task(s, 200).fdLimit).toEqual({ soft: null, hard: null });
  expect(task(s, 300).fdLimit).toEqual({ soft: 4096, hard: 4096 });
  expect(task(s, 100).cwd).toBe('/srv');
  expect(task(s, 100).root).toBe('/');
  expect(task(s, 400).zombie).toBe(true);
  expect(task(s, 400).fdTable).toBe(0);
  expect(task(s, 100).zombie).toBeUndefined();

  // fd tables: files_id 1 is shared by 100, its threads and 300 (CLONE_FILES); 200 has its own.
  expect(s.fdTables).toHaveLength(2);
  const t1 = task(s, 100).fdTable;
  expect([101, 102, 300].map((p) => task(s, p).fdTable)).toEqual([t1, t1, t1]);
  expect(task(s, 200).fdTable).not.toBe(t1);
  expect(s.fdTables.every((t) => !t.sharingInferred)).toBe(true);
  const t1fds = s.fdTables.find((t) => t.ref === t1)!.fds.map((d) => d.fd);
  expect(t1fds).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20]);

  // dup'ed fds share one open file: 0, 1, 2 (the tty), 3 and 20 (the log); the tty also with 200's fd 2.
  expect(fileAt(s, 100, 1)).toBe(fileAt(s, 100, 0));
  expect(fileAt(s, 100, 2)).toBe(fileAt(s, 100, 0));
  expect(fileAt(s, 200, 2)).toBe(fileAt(s, 100, 0));
  expect(fileAt(s, 100, 20)).toBe(fileAt(s, 100, 3));
  // 17 distinct file ids behind the fds.
  expect(s.files).toHaveLength(17);
  expect(s.files.every((f) => !f.sharingInferred)).toBe(true);

  // close-on-exec is the fd's (fdinfo flags), O_CLOEXEC never in a file's flags.
  expect(fdOf(s, 100, 3).cloexec).toBe(true);
  expect(fdOf(s, 100, 20).cloexec).toBe(false);
  expect(fdOf(s, 100, 6).cloexec).toBe(true);
  expect(s.files.every((f) => (f.flags & 0o2000000) === 0)).toBe(true);

  const tty = fileAt(s, 100, 0);
  expect(tty).toMatchObject({
    kind: 'pty',
    path: '/dev/pts/3',
    flags: 2,
    mode: 0o020620,
    rdev: (136 << 8) | 3,
    attrs: { index: 3, master: false },
  });

  const log = fileAt(s, 100, 3);
  expect(log).toMatchObject({
    kind: 'regular',
    path: '/var/log/app.log',
    flags: 0o2001,
    pos: 4096,
    size: 0,
    mode: 0o100640,
    mntId: 27,
    deleted: false,
    nlink: 1,
  });
  expect(log.locks).toEqual([{ kind: 'posix', write: true, pid: 100, start: 0, end: null }]);

  expect(fileAt(s, 100, 4)).toMatchObject({ kind: 'regular', path: '/tmp/scratch', deleted: true, nlink: 0, pos: 10, size: 100, flags: 2 });
  // CRIU records no st_blocks: the deleted file's hold on the disk is its size, said to be the apparent one (format 1.7).
  expect(fileAt(s, 100, 4).attrs).toEqual({ blocksKnown: false, blocks: 0 });
  expect(diskHeld(fileAt(s, 100, 4))).toEqual({ bytes: 100, allocated: false });
  // An OFD lock (CRIU's FL_OFD 4): owned by the open file, pid -1 as /proc/locks shows it.
  expect(fileAt(s, 100, 4).locks).toEqual([{ kind: 'ofd', write: false, pid: -1, start: 10, end: 14 }]);
  expect(fileAt(s, 100, 11).locks).toEqual([{ kind: 'lease', write: true, pid: 100, start: 0, end: null }]);

  // One pipe shared by two processes: 100's fd 5 and 200's fd 1 are one open file (the read end), 200's fd 0 the write end.
  const rd = fileAt(s, 100, 5);
  expect(fileAt(s, 200, 1)).toBe(rd);
  const wr = fileAt(s, 200, 0);
  expect(wr).not.toBe(rd);
  expect(rd).toMatchObject({ kind: 'pipe', path: 'pipe:[5000]', ino: 5000, flags: 0, attrs: { end: 'read' } });
  expect(wr).toMatchObject({ kind: 'pipe', path: 'pipe:[5000]', ino: 5000, flags: 1, attrs: { end: 'write' } });

  expect(fileAt(s, 100, 6)).toMatchObject({
    kind: 'inet-socket',
    path: 'socket:[7000]',
    ino: 7000,
    attrs: {
      proto: 'tcp',
      family: 4,
      state: 'LISTEN',
      localAddr: '0.0.0.0',
      localPort: 8080,
      remoteAddr: '0.0.0.0',
      remotePort: 0,
      rxQueue: 0,
      txQueue: 0,
      // inet_sk_entry's backlog of a listener (its accept queue is empty: CRIU dumps no listener with one).
      backlogKnown: true,
      backlog: 128,
    },
  });
  expect(describeFile(fileAt(s, 100, 6))).toBe('tcp4 0.0.0.0:8080 LISTEN accept-q 0 of 128');
  // Another socket's backlog field (CRIU writes its wqlen there) says nothing of a listen queue.
  expect(fileAt(s, 100, 12).attrs).toMatchObject({ backlogKnown: false, backlog: 0 });
  expect(fileAt(s, 100, 12)).toMatchObject({
    kind: 'inet-socket',
    ino: 7001,
    flags: 0o4002,
    attrs: {
      proto: 'tcp',
      family: 6,
      state: 'ESTABLISHED',
      localAddr: '::1',
      localPort: 5432,
      remoteAddr: '::ffff:10.0.0.7',
      remotePort: 40000,
      rxQueue: 5,
      txQueue: 3,
    },
  });

  // The socket pair: each names the other by inode.
  expect(fileAt(s, 100, 7)).toMatchObject({
    kind: 'unix-socket',
    ino: 8001,
    attrs: { type: 'stream', state: 'CONNECTED', peer: 8002, name: '', listening: false },
  });
  expect(fileAt(s, 100, 8)).toMatchObject({ kind: 'unix-socket', ino: 8002, attrs: { type: 'stream', state: 'CONNECTED', peer: 8001 } });
  expect(fileAt(s, 100, 14)).toMatchObject({
    kind: 'unix-socket',
    ino: 8003,
    attrs: { type: 'seqpacket', state: 'LISTEN', name: '@ctl-sock', listening: true, peer: 0 },
  });
  // A dump restores a listener's queued connections rather than counting them, so its backlog is not claimed against a queue of 0.
  expect(fileAt(s, 100, 14).attrs).toMatchObject({ backlogKnown: false, backlog: 0, pendingOn: 0 });
  expect(describeFile(fileAt(s, 100, 14))).toBe('unix seqpacket [8003] @ctl-sock LISTEN');

  expect(fileAt(s, 100, 9)).toMatchObject({
    kind: 'eventfd',
    path: 'anon_inode:[eventfd]',
    flags: 0o4002,
    attrs: { count: 5, semaphore: false },
  });

  // The epoll watches fds 6 and 9: their open files, by ref.
  const ep = fileAt(s, 100, 10);
  expect(ep.kind).toBe('epoll');
  expect(ep.attrs.watches).toEqual([
    { tfd: 6, events: 1, data: 6, ino: 7000, sdev: 8, file: fileAt(s, 100, 6).ref },
    { tfd: 9, events: 0x80000001, data: 0xfeedface00000009n, ino: 9001, sdev: 14, file: fileAt(s, 100, 9).ref },
  ]);

  // The hostile name: byte for byte (control characters, invalid UTF-8, a bidi override).
  const evil = fileAt(s, 100, 11);
  expect(evil.path).toBeInstanceOf(Uint8Array);
  // A linked remap: deleted from this path, but the inode still had a link (st_nlink > 0).
  expect(evil).toMatchObject({ deleted: true, nlink: 1 });
  expect(bytesToHex(evil.path as Uint8Array)).toBe(bytesToHex(HOSTILE_BYTES));

  // A type this version does not read: kept as anon, with its CRIU type and an error record.
  expect(fileAt(s, 100, 13)).toMatchObject({ kind: 'anon', path: 'criu:TUNF', attrs: { fdinfo: 'criu_type:\tTUNF\n' } });
  expect(s.errors).toEqual([
    expect.objectContaining({ pid: 100, fd: 13, message: expect.stringContaining('CRIU fd type TUNF is not read') }),
  ]);

  expect(fileAt(s, 100, 15)).toMatchObject({
    kind: 'timerfd',
    attrs: { clockid: 1, ticks: 3, settimeFlags: 0, valueSec: 4, valueNsec: 500, intervalSec: 5, intervalNsec: 0 },
  });
  expect(fileAt(s, 100, 16)).toMatchObject({ kind: 'signalfd', attrs: { sigmask: 0x4001 } });
  expect(fileAt(s, 100, 17)).toMatchObject({ kind: 'nsfd', attrs: { nsType: 'net' } });
}

describe.skipIf(skip)('ckpt import of a CRIU images directory', () => {
  it('stores the dump in the library with every attribute and sharing relation', () => {
    const h = home();
    const r = ckpt(['import', dump, '--json', '--home', h]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const { image } = JSON.parse(r.out) as { image: { id: string; captureTime: number; label: string } };
    expect(image.captureTime).toBe(MTIME);
    expect(image.label).toBe('');
    const s = Store.open(h);
    try {
      const snap = s.getSnapshot(image.id);
      checkScenario(snap);
      expect(snap.header.options).toEqual({ criu: dump, 'criu.imgVersion': '2', 'time.from': 'inventory.img mtime' });
    } finally {
      s.close();
    }
    // Search sees it like any image: the listener, and who holds the log.
    const q = ckpt(['search', 'port:8080 state:listen', '--json', '--home', h]);
    expect(q.code).toBe(0);
    const hits = (JSON.parse(q.out) as { groups: { hits: { pid: number; fd: number }[] }[] }).groups.flatMap((g) => g.hits);
    expect(hits.map((x) => [x.pid, x.fd]).sort()).toEqual([
      [100, 6],
      [300, 6],
    ]);
    const holders = ckpt(['search', '--holders', '/var/log/app.log', '--home', h]);
    expect(holders.code).toBe(0);
    expect(holders.out).toMatch(/\b100\b/);
    expect(holders.out).toMatch(/\b300\b/);
  });

  it('-o FILE writes the converted image, the same bytes the library stores, and touches no library', () => {
    const h = home();
    const out = join(root, 'dump.ckpt');
    const r = ckpt(['import', dump, '-o', out, '--home', h]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/converted 6 tasks, 22 fds, 17 open files into /);
    expect(existsSync(join(h, 'library.db'))).toBe(false);
    const snap = readImageFile(out);
    checkScenario(snap);
    const stored = ckpt(['import', out, '--json', '--home', h]);
    const direct = ckpt(['import', dump, '--json', '--home', h]);
    expect((JSON.parse(direct.out) as { duplicate: boolean }).duplicate).toBe(true);
    expect(JSON.parse(direct.out).image.id).toBe(JSON.parse(stored.out).image.id);
    // and `ckpt show` of it lists the processes as any image
    const show = ckpt(['show', out]);
    expect(show.code).toBe(0);
    expect(show.out).toContain('criu capture of box');
    expect(show.out).toContain('/tmp/evil\\n\\x1b[31m\\xff\\xfe\\u202ex\\tz');
  });

  it('-o - writes the image to stdout', () => {
    const r = ckpt(['import', dump, '-o', '-']);
    expect(r.code).toBe(0);
    const f = join(root, 'stdout.ckpt');
    writeFileSync(f, r.stdout);
    checkScenario(readImageFile(f));
  });

  it('ckpt show reads a dump directory or archive as it is, and touches no library', () => {
    const h = home();
    const tgz = join(root, 'show.tgz');
    execFileSync('tar', ['czf', tgz, '-C', root, 'checkpoint']);
    for (const arg of [dump, tgz]) {
      // What show prints of the image import converts the dump into.
      const viaImage = join(root, 'show-ref.ckpt');
      expect(ckpt(['import', arg, '-o', viaImage]).code).toBe(0);
      const want = ckpt(['show', viaImage]);
      expect(want.out).toContain('task 100 ppid 0 uid 33 fds 19 of 1024');
      const r = ckpt(['show', arg, '--home', h]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toBe(want.out);
      expect(ckpt(['show', arg, '--lsof']).out).toBe(ckpt(['show', viaImage, '--lsof']).out);
    }
    expect(existsSync(join(h, 'library.db'))).toBe(false);
    // A damaged dump is named, not shown half.
    const bad = mkdtempSync(join(root, 'bad-'));
    execFileSync('cp', ['-r', dump, join(bad, 'checkpoint')]);
    writeFileSync(join(bad, 'checkpoint', 'files.img'), Buffer.from([1, 2, 3]));
    const r = ckpt(['show', join(bad, 'checkpoint')]);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toContain('files.img');
  });

  it('refuses -o with more than one input, or with --label', () => {
    expect(ckpt(['import', dump, dump, '-o', join(root, 'x.ckpt')]).code).toBe(2);
    expect(ckpt(['import', dump, '--label', 'x', '-o', join(root, 'x.ckpt')]).code).toBe(2);
  });
});

describe.skipIf(skip)('ckpt import of a checkpoint archive', () => {
  function podmanLayout(): string {
    const dir = mkdtempSync(join(root, 'podman-'));
    execFileSync('cp', ['-r', dump, join(dir, 'checkpoint')]);
    utimesSync(join(dir, 'checkpoint', 'inventory.img'), MTIME / 1000, MTIME / 1000);
    writeFileSync(
      join(dir, 'config.dump'),
      JSON.stringify({
        id: 'f00',
        name: 'web-1',
        rootfsImageName: 'docker.io/library/nginx:latest',
        checkpointedTime: '2026-11-20T10:11:12.5Z',
      }),
    );
    writeFileSync(join(dir, 'spec.dump'), JSON.stringify({ ociVersion: '1.0.2', annotations: {} }));
    // A large memory image the import streams past without keeping.
    writeFileSync(join(dir, 'checkpoint', 'pages-1.img'), Buffer.alloc(3 << 20, 7));
    return dir;
  }

  it('a podman .tar.gz: the container name as label, checkpointedTime as capture time', () => {
    const dir = podmanLayout();
    const tgz = join(root, 'podman.tar.gz');
    execFileSync('tar', ['czf', tgz, '-C', dir, '.']);
    const h = home();
    const r = ckpt(['import', tgz, '--json', '--home', h]);
    expect(r.err).toBe('');
    const { image } = JSON.parse(r.out) as { image: { id: string; label: string; captureTime: number } };
    expect(image.label).toBe('web-1');
    expect(image.captureTime).toBe(Date.parse('2026-11-20T10:11:12.5Z'));
    const s = Store.open(h);
    try {
      const snap = s.getSnapshot(image.id);
      checkScenario(snap);
      expect(snap.header.options).toMatchObject({
        criu: `${tgz}:checkpoint`,
        'criu.archive': tgz,
        'criu.container': 'web-1',
        'time.from': 'config.dump checkpointedTime',
      });
    } finally {
      s.close();
    }
  });

  it('a plain .tar of the images directory alone, --label given: the mtime of inventory.img in the archive', () => {
    const tar = join(root, 'plain.tar');
    execFileSync('tar', ['cf', tar, '-C', root, 'checkpoint']);
    const h = home();
    const r = ckpt(['import', tar, '--label', 'mine', '--json', '--home', h]);
    expect(r.err).toBe('');
    const { image } = JSON.parse(r.out) as { image: { id: string; label: string; captureTime: number } };
    expect(image.label).toBe('mine');
    expect(image.captureTime).toBe(MTIME);
    const s = Store.open(h);
    try {
      const snap = s.getSnapshot(image.id);
      checkScenario(snap);
      expect(snap.header.options['time.from']).toBe('inventory.img mtime (in the archive)');
    } finally {
      s.close();
    }
  });

  it("a podman .tar.zst (podman's default compression), through the zstd program; without it, a message that says so", () => {
    const dir = podmanLayout();
    const tar = join(root, 'podman-zst.tar');
    const zst = join(root, 'podman.tar.zst');
    execFileSync('tar', ['cf', tar, '-C', dir, '.']);
    execFileSync('zstd', ['-q', '-f', tar, '-o', zst]);
    const h = home();
    const r = ckpt(['import', zst, '--json', '--home', h]);
    expect(r.err).toBe('');
    const { image } = JSON.parse(r.out) as { image: { id: string; label: string } };
    expect(image.label).toBe('web-1');
    const s = Store.open(h);
    try {
      checkScenario(s.getSnapshot(image.id));
    } finally {
      s.close();
    }
    // A PATH holding only node: no zstd to run. The archive is named, the way out given, nothing stored or written.
    const bin = mkdtempSync(join(root, 'bin-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const out = join(root, 'no-zstd.ckpt');
    const n = ckpt(['import', zst, '-o', out], { env: { PATH: bin } });
    expect(n.code).toBe(1);
    expect(n.err).toContain(zst);
    expect(n.err).toContain('no zstd program');
    expect(existsSync(out)).toBe(false);
    // A cut stream: zstd's complaint, not the tar reader's about the bytes it got.
    const cut = join(root, 'cut.tar.zst');
    const whole = readFileSync(zst);
    writeFileSync(cut, whole.subarray(0, whole.length >> 1));
    const c = ckpt(['import', cut, '-o', out]);
    expect(c.code).toBe(1);
    expect(c.err).toContain(`${cut}: not imported: zstd could not decompress it`);
    expect(existsSync(out)).toBe(false);
  });

  it('is told apart by content, not by name', () => {
    const odd = join(root, 'archive.bin');
    execFileSync('tar', ['czf', odd, '-C', root, 'checkpoint']);
    const r = ckpt(['import', odd, '-o', join(root, 'odd.ckpt')]);
    expect(r.code).toBe(0);
    checkScenario(readImageFile(join(root, 'odd.ckpt')));
  });
});

describe.skipIf(skip)('the other CRIU fd types, in the older fdinfo-PID layout', () => {
  it('maps each', () => {
    const dir = join(root, 'other');
    writeOtherTypesDump(dir);
    const out = join(root, 'other.ckpt');
    const r = ckpt(['import', dir, '-o', out]);
    expect(r.err).toMatch(/^converted 1 task, 12 fds, 12 open files/);
    const s = readImageFile(out);
    expect(s.header.arch).toBe('aarch64');
    expect(s.header.hostname).toBe('');
    expect(s.errors).toEqual([expect.objectContaining({ pid: 500, message: 'missing: cwd and root not known' })]);
    expect(s.tasks).toEqual([
      expect.objectContaining({
        pid: 500,
        tgid: 500,
        ppid: 1,
        uid: 7,
        gid: 8,
        comm: 'misc',
        cmdline: [],
        cwd: '',
        root: '',
        fdLimit: null,
      }),
    ]);
    expect(fileAt(s, 500, 3)).toMatchObject({ kind: 'directory', path: '/etc', mode: 0o040755, flags: 0o200000 });
    expect(fileAt(s, 500, 4)).toMatchObject({ kind: 'chardev', path: '/dev/null', mode: 0o020666 });
    expect(fileAt(s, 500, 5)).toMatchObject({
      kind: 'fifo',
      path: '/run/ctl.fifo',
      ino: 6000,
      flags: 0o4002,
      mode: 0o010600,
      attrs: { end: 'both' },
    });
    expect(fileAt(s, 500, 6)).toMatchObject({ kind: 'pty', path: '/dev/ptmx', rdev: (5 << 8) | 2, attrs: { index: 7, master: true } });
    expect(fileAt(s, 500, 7)).toMatchObject({
      kind: 'memfd',
      path: '/memfd:jit-cache',
      pos: 12,
      size: 4096,
      deleted: true,
      attrs: { name: 'jit-cache' },
    });
    expect(fileAt(s, 500, 8)).toMatchObject({
      kind: 'inotify',
      attrs: { watches: [{ wd: 1, ino: 4242, sdev: 8 * (1 << 20) + 1, mask: 0x100, ignoredMask: 0 }] },
    });
    expect(fileAt(s, 500, 9)).toMatchObject({
      kind: 'fanotify',
      attrs: {
        initFlags: 0x10,
        eventFlags: 0o100000,
        marks: [
          { text: `fanotify ino:4d sdev:${(8 * (1 << 20) + 1).toString(16)} mflags:0 mask:20 ignored_mask:0` },
          { text: 'fanotify mnt_id:1f mflags:1 mask:8 ignored_mask:0' },
        ],
      },
    });
    expect(fileAt(s, 500, 10)).toMatchObject({ kind: 'netlink-socket', ino: 9100, attrs: { protocol: 0, portId: 500, groups: 1 } });
    expect(fileAt(s, 500, 11)).toMatchObject({ kind: 'packet-socket', attrs: { type: 3, protocol: 768, ifindex: 2 } });
    // Watches from eventpoll-tfd.img (this epoll's only), each to its target's file, 0 where the fd is gone.
    expect(fileAt(s, 500, 12).attrs.watches).toEqual([
      { tfd: 13, events: 0x19, data: 42, ino: 0, sdev: 0, file: fileAt(s, 500, 13).ref },
      { tfd: 40, events: 1, data: 7, ino: 0, sdev: 0, file: 0 },
    ]);
    expect(fileAt(s, 500, 13)).toMatchObject({ kind: 'eventfd', attrs: { count: 18446744073709551614n } });
    expect(fileAt(s, 500, 14)).toMatchObject({
      kind: 'inet-socket',
      attrs: { proto: 'udp', family: 4, state: 'CLOSE', localAddr: '127.0.0.53', localPort: 53 },
    });
  });
});

/** A one-process dump (writeOneProcessDump) in ROOT/NAME, converted by `ckpt import -o`; `more` adds image files to it first. */
function importOneProcess(name: string, p: Parameters<typeof writeOneProcessDump>[1], more?: (dir: string) => void): Snapshot {
  const dir = join(root, name);
  writeOneProcessDump(dir, p);
  more?.(dir);
  const out = join(root, `${name}.ckpt`);
  expect(ckpt(['import', dir, '-o', out]).code).toBe(0);
  return readImageFile(out);
}

describe.skipIf(skip)('a dump from a big-endian machine (s390x)', () => {
  it("reads an inet socket's address words in that machine's byte order", () => {
    // On s390x CRIU's u32 word holding 127.0.0.53's bytes has the value 0x7f000035. crit packs the
    // dotted string in this (little-endian) machine's order, so that word is written here as "53.0.0.127".
    const s = importOneProcess('s390x', {
      pid: 600,
      filesId: 6,
      mtype: 'S390',
      comm: 'mainframe',
      files: [
        {
          type: 'INETSK',
          id: 1,
          isk: {
            id: 1,
            ino: 9300,
            family: 2,
            type: 1,
            proto: 6,
            state: 1,
            src_port: 53,
            dst_port: 40000,
            flags: 2,
            backlog: 0,
            src_addr: ['53.0.0.127'],
            dst_addr: ['7.0.0.10'],
            fown: ZERO_FOWN,
            opts: ZERO_SK_OPTS,
          },
        },
      ],
      fds: [{ id: 1, flags: 0, type: 'INETSK', fd: 3 }],
    });
    expect(s.header.arch).toBe('s390x');
    expect(fileAt(s, 600, 3)).toMatchObject({
      kind: 'inet-socket',
      attrs: { localAddr: '127.0.0.53', localPort: 53, remoteAddr: '10.0.0.7', remotePort: 40000 },
    });
  });
});

describe.skipIf(skip)('a dump from a MIPS machine', () => {
  it("reads the fd limit at MIPS's RLIMIT_NOFILE (5), not 7 (RLIMIT_RSS there)", () => {
    const rl = Array.from({ length: 16 }, (_, i) => (i === 5 ? { cur: 1024, max: 4096 } : { cur: 7777, max: 8888 }));
    const s = importOneProcess('mips', {
      pid: 700,
      filesId: 7,
      mtype: 'MIPS',
      comm: 'router',
      tc: { rlimits: { rlimits: rl } },
      files: [],
      fds: [],
    });
    expect(s.header.arch).toBe('mips64');
    expect(task(s, 700).fdLimit).toEqual({ soft: 1024, hard: 4096 });
  });
});

describe.skipIf(skip)('an external file (criu dump --external file[MNT:INO])', () => {
  it('keeps the key CRIU gives as its name and says it is not a path', () => {
    const s = importOneProcess('external', {
      pid: 800,
      filesId: 8,
      mtype: 'X86_64',
      comm: 'ext',
      files: [{ type: 'REG', id: 1, reg: { id: 1, flags: 0, pos: 0, fown: ZERO_FOWN, name: 'file[1a:2b]', ext: true, mode: 0o100644 } }],
      fds: [{ id: 1, flags: 0, type: 'REG', fd: 5 }],
    });
    expect(fileAt(s, 800, 5)).toMatchObject({ kind: 'regular', path: 'file[1a:2b]' });
    expect(s.errors).toContainEqual(expect.objectContaining({ pid: 800, fd: 5, message: expect.stringContaining('an external file') }));
  });
});

describe.skipIf(skip)('a TCP socket past ESTABLISHED', () => {
  it("reads a CLOSE_WAIT socket's queues from its tcp-stream image, as CRIU writes one for every connected TCP socket", () => {
    const s = importOneProcess(
      'closewait',
      {
        pid: 900,
        filesId: 9,
        mtype: 'X86_64',
        comm: 'cw',
        files: [
          {
            type: 'INETSK',
            id: 1,
            isk: {
              id: 1,
              ino: 48879,
              family: 2,
              type: 1,
              proto: 6,
              state: 8,
              src_port: 5000,
              dst_port: 443,
              flags: 2,
              backlog: 0,
              src_addr: ['10.0.0.1'],
              dst_addr: ['10.0.0.2'],
              fown: ZERO_FOWN,
              opts: ZERO_SK_OPTS,
            },
          },
        ],
        fds: [{ id: 1, flags: 0, type: 'INETSK', fd: 4 }],
      },
      // 48879 is 0xbeef.
      (dir) =>
        encode(dir, 'tcp-stream-beef.img', 'TCP_STREAM', [
          {
            inq_len: 7,
            inq_seq: 1,
            outq_len: 2,
            outq_seq: 2,
            opt_mask: 0,
            snd_wscale: 0,
            mss_clamp: 1460,
            extra: { inq: Buffer.from('goodbye').toString('base64'), outq: Buffer.from('ok').toString('base64') },
          },
        ]),
    );
    expect(fileAt(s, 900, 4)).toMatchObject({ attrs: { state: 'CLOSE_WAIT', rxQueue: 7, txQueue: 2 } });
  });
});
