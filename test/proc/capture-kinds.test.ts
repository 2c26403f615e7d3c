/**
 * Captures the kinds fixture (every kind of fd, with known attributes, over
 * a fork child, a CLONE_FILES sibling and threads) and checks every
 * attribute and sharing relation against what the fixture reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderShow } from '../../src-main/cli/render-show.js';
import { lockLong } from '../../src-shared/model/lock-text.js';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { hostname, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureProc } from '../../src-main/sources/proc/index.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { O, O_ACCMODE, describeFile, diskHeld, type Fd, type OpenFile, type Snapshot, type Task } from '../../src-shared/model/index.js';
import { runHangChild, start, startNamed, type Running } from './fixture.js';
import { withDeletedSize } from '../../src-main/report/text.js';
import { formatSize } from '../../src-shared/model/size-text.js';

interface Fact {
  fd: number;
  ino: number;
  dev: number;
  rdev: number;
  size: number;
  mode: number;
  /** st_blocks from fstat. */
  blocks: number;
}
type Facts = Record<string, Fact> & Record<string, unknown>;

let dir: string;
let fx: Running;
let facts: Facts;
let snap: Snapshot;

const num = (k: string) => facts[k] as unknown as number;
const fact = (k: string) => facts[k] as Fact;

function task(pid: number, s = snap): Task {
  const t = s.tasks.find((x) => x.pid === pid);
  if (!t) throw new Error(`task ${pid} not captured`);
  return t;
}
function fdOf(pid: number, fd: number, s = snap): Fd {
  const t = task(pid, s);
  const table = s.fdTables.find((x) => x.ref === t.fdTable);
  const f = table?.fds.find((x) => x.fd === fd);
  if (!f) throw new Error(`fd ${fd} of ${pid} not captured`);
  return f;
}
function fileOf(pid: number, fd: number, s = snap): OpenFile {
  const ref = fdOf(pid, fd, s).file;
  return s.files.find((f) => f.ref === ref)!;
}
/** The parent's file for a fact name. */
const pf = (k: string) => fileOf(fx.pid, fact(k).fd);

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'ckpt-kinds-')));
  fx = await start('kinds', [dir]);
  facts = JSON.parse(fx.line) as Facts;
  const captured = await captureProc({ pids: [fx.pid], tree: true });
  // Everything below is asserted on the decoded image, so the image format
  // carries every attribute too.
  snap = decodeImage(encodeSnapshot(captured));
});

afterAll(async () => {
  await fx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('live capture of every kind of fd', () => {
  it('records the machine and the request in the header', () => {
    expect(snap.header.source).toBe('proc');
    expect(snap.header.frozen).toBe(false);
    expect(snap.header.kernelRelease).toBe(release());
    expect(snap.header.hostname).toBe(hostname());
    expect(snap.header.options).toMatchObject({ pids: String(fx.pid), tree: 'true', sharing: 'kcmp' });
  });

  it('captures the process, its threads, the fork child and the CLONE_FILES sibling', () => {
    const p = task(fx.pid);
    expect(p.tgid).toBe(fx.pid);
    expect(p.ppid).toBe(process.pid);
    expect(p.comm).toBe('ckpt-kinds');
    expect(p.cmdline).toEqual([expect.stringMatching(/kinds$/), dir]);
    expect(p.cwd).toBe(realpathSync(process.cwd()));
    expect(p.root).toBe('/');
    expect(p.uid).toBe(process.getuid!());
    expect(p.namespaces.find((n) => n.type === 'net')?.ino).toBe(fact('netns').ino);
    const threads = snap.tasks.filter((t) => t.tgid === fx.pid && t.pid !== fx.pid);
    expect(threads).toHaveLength(num('threads'));
    for (const t of threads) if (t.pid !== num('loneThread')) expect(t.fdTable).toBe(p.fdTable);
    const child = task(num('child'));
    expect(child.ppid).toBe(fx.pid);
    expect(child.tgid).toBe(child.pid);
    expect(child.fdTable).not.toBe(p.fdTable);
    const sib = task(num('sibling'));
    expect(sib.tgid).toBe(sib.pid);
    expect(sib.fdTable).toBe(p.fdTable); // clone(CLONE_FILES): one files_struct
    for (const t of snap.fdTables) expect(t.sharingInferred).toBe(false);
    expect(snap.errors).toEqual([]);
  });

  it('a thread that unshared its fd table gets its own table, sharing the copied fds, in both readers', async () => {
    // Its table is read apart from its process's (supervised, as every
    // table: capture.ts), by the JavaScript reader whichever read the rest.
    for (const reader of ['native', 'js'] as const) {
      const s = decodeImage(encodeSnapshot(await captureProc({ pids: [fx.pid], tree: true, reader })));
      expect(s.header.options.reader, reader).toBe(reader);
      expect(s.errors, reader).toEqual([]);
      const lone = task(num('loneThread'), s);
      expect(lone.tgid).toBe(fx.pid);
      expect(lone.fdTable, reader).not.toBe(task(fx.pid, s).fdTable);
      expect(lone.fdTable).not.toBe(0);
      const only = fileOf(lone.pid, num('loneFd'), s);
      expect(only.path, reader).toBe(`${dir}/thread-only.txt`);
      // unshare(CLONE_FILES) copies the table: the copies point at the same open files.
      expect(fileOf(lone.pid, fact('file').fd, s).ref, reader).toBe(fileOf(fx.pid, fact('file').fd, s).ref);
      expect(fileOf(lone.pid, fact('eventfd').fd, s).ref, reader).toBe(fileOf(fx.pid, fact('eventfd').fd, s).ref);
      // The process's own table does not hold the thread's file.
      const table = s.fdTables.find((t) => t.ref === task(fx.pid, s).fdTable)!;
      expect(
        table.fds.some((x) => x.file === only.ref),
        reader,
      ).toBe(false);
    }
  });

  it('regular files: flags, pos, inode, close-on-exec per fd, dup shares, reopen does not', () => {
    const f = pf('file');
    expect(f.kind).toBe('regular');
    expect(f.path).toBe(`${dir}/data.txt`);
    expect(f.flags & O_ACCMODE).toBe(O.O_RDWR);
    expect(f.flags & O.O_CLOEXEC).toBe(0);
    expect(f.pos).toBe(37);
    expect(f.ino).toBe(fact('file').ino);
    expect(f.dev).toBe(fact('file').dev);
    expect(f.size).toBe(100);
    expect(f.mode).toBe(fact('file').mode);
    expect(f.nlink).toBe(1);
    expect(f.deleted).toBe(false);
    expect(fdOf(fx.pid, fact('file').fd).cloexec).toBe(false);
    expect(fdOf(fx.pid, fact('fileDup').fd).cloexec).toBe(true);
    expect(pf('fileDup').ref).toBe(f.ref);
    const again = pf('fileAgain');
    expect(again.ref).not.toBe(f.ref);
    expect(again.ino).toBe(f.ino);
    expect(again.pos).toBe(5);
    expect(again.flags & O_ACCMODE).toBe(O.O_RDONLY);
    expect(again.flags & O.O_APPEND).toBe(O.O_APPEND);
    expect(fdOf(fx.pid, fact('fileAgain').fd).cloexec).toBe(true);
    for (const x of snap.files) expect(x.sharingInferred).toBe(false);
  });

  it('locks held through an open file, from its fdinfo', () => {
    expect(pf('file').locks).toEqual([{ kind: 'posix', write: true, pid: fx.pid, start: 10, end: 29 }]);
    expect(pf('dir').locks).toEqual([{ kind: 'flock', write: false, pid: fx.pid, start: 0, end: null }]);
    expect(pf('fileAgain').locks).toEqual([]);
    // As show and reports print them on the fd's line, and the app in a file's details.
    const shown = renderShow(snap, { pids: new Set([fx.pid]) }).split('\n');
    const lineOf = (k: string) => shown.find((l) => new RegExp(`^ +${fact(k).fd}[ *] `).test(l))!;
    expect(lineOf('file')).toContain('  [lock posix W 10-29]');
    expect(lineOf('dir')).toContain('  [lock flock R]');
    expect(lineOf('fileAgain')).not.toContain('[lock');
    // The fork child holds the same open files: the flock is the open file's, so it shows there too; the
    // POSIX lock is the parent's (its fd table's processes), and the child's fdinfo has no lock line for it.
    const child = num('child');
    expect(fileOf(child, fact('file').fd).ref).toBe(pf('file').ref);
    const childLines = renderShow(snap, { pids: new Set([child]) }).split('\n');
    const childLine = (k: string) => childLines.find((l) => new RegExp(`^ +${fact(k).fd}[ *] `).test(l))!;
    expect(childLine('file')).toContain(`${dir}/data.txt`);
    expect(childLine('file')).not.toContain('[lock');
    expect(childLine('dir')).toContain('  [lock flock R]');
    expect(pf('file').locks.map(lockLong)).toEqual([`POSIX record lock, exclusive (write), bytes 10-29, held by process ${fx.pid}`]);
    expect(pf('dir').locks.map(lockLong)).toEqual([`flock lock, shared (read), whole file, held by process ${fx.pid}`]);
  });

  it('a deleted sparse file: its allocated blocks as fstat gives them, the disk it holds far below its size', () => {
    const f = pf('sparse');
    const st = fact('sparse');
    expect(f.deleted).toBe(true);
    expect(f.path).toBe(`${dir}/sparse.log`);
    expect(f.size).toBe(2 ** 30);
    expect(st.blocks).toBeGreaterThan(0);
    expect(st.blocks * 512).toBeLessThan(2 ** 20);
    expect(f.attrs).toEqual({ blocksKnown: true, blocks: st.blocks });
    expect(diskHeld(f)).toEqual({ bytes: st.blocks * 512, allocated: true });
    expect(withDeletedSize(describeFile(f), f, diskHeld(f))).toBe(
      `${dir}/sparse.log (deleted, ${formatSize(st.blocks * 512)} on disk, size 1.0 GiB)`,
    );
  });

  it('directories, O_PATH fds, unlinked files and names that only look deleted', () => {
    const d = pf('dir');
    expect(d.kind).toBe('directory');
    expect(d.path).toBe(dir);
    expect(d.flags & O.O_DIRECTORY).toBe(O.O_DIRECTORY);
    expect(d.ino).toBe(fact('dir').ino);
    const op = fileOf(fx.pid, fact('opath').fd);
    expect(op.kind).toBe('regular');
    expect(op.flags & O.O_PATH).toBe(O.O_PATH);
    expect(op.ino).toBe(fact('file').ino);
    expect(op.ref).not.toBe(pf('file').ref);
    const gone = pf('deleted');
    expect(gone.deleted).toBe(true);
    expect(gone.path).toBe(`${dir}/gone.txt`);
    expect(gone.nlink).toBe(0);
    expect(gone.pos).toBe(10);
    expect(gone.size).toBe(10);
    // Held to fstat's st_blocks in the fixture: a live file's blocks, as statx gave them.
    expect(pf('file').attrs).toEqual({ blocksKnown: true, blocks: fact('file').blocks });
    expect(gone.attrs).toEqual({ blocksKnown: true, blocks: fact('deleted').blocks });
    const fake = pf('fakeDeleted');
    expect(fake.deleted).toBe(false);
    expect(fake.path).toBe(`${dir}/alive (deleted)`);
    const odd = pf('oddName');
    expect(odd.path).toEqual(new Uint8Array(Buffer.concat([Buffer.from(`${dir}/odd`), Buffer.from([0xff, 0x0a]), Buffer.from('.txt')])));
    expect(odd.flags & (O_ACCMODE | O.O_APPEND)).toBe(O.O_WRONLY | O.O_APPEND);
  });

  it('memfds, devices and ptys', () => {
    const m = pf('memfd');
    expect(m.kind).toBe('memfd');
    expect(m.attrs.name).toBe('fixture-mem');
    expect(m.size).toBe(4096);
    expect(fdOf(fx.pid, fact('memfd').fd).cloexec).toBe(true);
    const n = pf('devnull');
    expect(n.kind).toBe('chardev');
    expect(n.rdev).toBe(fact('devnull').rdev);
    expect(n.path).toBe('/dev/null');
    const ptm = pf('ptmx');
    expect(ptm.kind).toBe('pty');
    expect(ptm.attrs).toEqual({ index: num('ptyIndex'), master: true });
    const pts = pf('pts');
    expect(pts.kind).toBe('pty');
    expect(pts.attrs).toEqual({ index: num('ptyIndex'), master: false });
    expect(pts.rdev).toBe(fact('pts').rdev);
  });

  it('pipes and FIFOs: both ends of one pipe in two processes show one pipe inode', () => {
    const r = pf('pipeRead');
    const w = fileOf(num('child'), fact('pipeWrite').fd);
    expect(r.kind).toBe('pipe');
    expect(w.kind).toBe('pipe');
    expect(r.attrs.end).toBe('read');
    expect(w.attrs.end).toBe('write');
    expect(r.ino).toBe(fact('pipeRead').ino);
    expect(w.ino).toBe(r.ino);
    expect(w.ref).not.toBe(r.ref);
    expect(r.path).toBe(`pipe:[${fact('pipeRead').ino}]`);
    const fifo = pf('fifo');
    expect(fifo.kind).toBe('fifo');
    expect(fifo.path).toBe(`${dir}/fifo`);
    expect(fifo.attrs.end).toBe('both');
    expect(fifo.flags & O.O_NONBLOCK).toBe(O.O_NONBLOCK);
  });

  it('unix sockets: pair peers across processes, bound path, abstract name, listening', () => {
    const a = pf('pairA');
    const b = fileOf(num('child'), fact('pairB').fd);
    expect(a.kind).toBe('unix-socket');
    expect(b.kind).toBe('unix-socket');
    expect(a.ino).toBe(fact('pairA').ino);
    expect(b.ino).toBe(fact('pairB').ino);
    expect(a.attrs).toMatchObject({ type: 'stream', state: 'CONNECTED', peer: fact('pairB').ino });
    expect(b.attrs).toMatchObject({ type: 'stream', state: 'CONNECTED', peer: fact('pairA').ino });
    expect(pf('unixListen').attrs).toMatchObject({ type: 'stream', state: 'LISTEN', listening: true, name: `${dir}/sock` });
    expect(pf('unixAbstract').attrs).toMatchObject({ type: 'dgram', name: `@${String(facts.abstractName)}`, listening: false });
  });

  it('tcp, udp, raw, netlink and packet sockets resolved through /proc/net', () => {
    expect(pf('tcpListen').kind).toBe('inet-socket');
    expect(pf('tcpListen').attrs).toMatchObject({
      proto: 'tcp',
      family: 4,
      state: 'LISTEN',
      localAddr: '127.0.0.1',
      localPort: num('tcpPort'),
    });
    expect(pf('tcpClient').attrs).toMatchObject({
      proto: 'tcp',
      state: 'ESTABLISHED',
      localPort: num('tcpClientPort'),
      remoteAddr: '127.0.0.1',
      remotePort: num('tcpPort'),
    });
    expect(pf('tcpAccepted').attrs).toMatchObject({ state: 'ESTABLISHED', localPort: num('tcpPort'), remotePort: num('tcpClientPort') });
    if (facts.tcp6Listen)
      expect(pf('tcp6Listen').attrs).toMatchObject({
        proto: 'tcp',
        family: 6,
        state: 'LISTEN',
        localAddr: '::1',
        localPort: num('tcp6Port'),
      });
    expect(pf('udp').attrs).toMatchObject({ proto: 'udp', family: 4, localAddr: '127.0.0.1', localPort: num('udpPort') });
    const nl = pf('netlink');
    expect(nl.kind).toBe('netlink-socket');
    expect(nl.attrs).toMatchObject({ protocol: 0, portId: num('netlinkPort') });
    expect(fdOf(fx.pid, fact('netlink').fd).cloexec).toBe(true);
    if (facts.packet) expect(pf('packet')).toMatchObject({ kind: 'packet-socket', attrs: { type: 2, protocol: 0x0800 } });
    if (facts.raw) expect(pf('raw').attrs).toMatchObject({ proto: 'raw', family: 4, localPort: 1 });
    if (facts.unlisted) {
      // No table lists it: still a socket, with its inode and the protocol the kernel names.
      const u = pf('unlisted');
      expect(u.kind).toBe('socket');
      expect(u.ino).toBe(fact('unlisted').ino);
      expect(u.path).toBe(`socket:[${fact('unlisted').ino}]`);
      expect(u.attrs.family).toBe('AF_VSOCK');
    }
  });

  it('eventfd, signalfd, timerfd, userfaultfd, pidfd and namespace fds with their fdinfo', () => {
    const ev = pf('eventfd');
    expect(ev.kind).toBe('eventfd');
    expect(ev.attrs).toMatchObject({ count: 7, semaphore: true });
    expect(ev.flags & O.O_NONBLOCK).toBe(O.O_NONBLOCK);
    const sfd = pf('signalfd');
    expect(sfd.kind).toBe('signalfd');
    expect(sfd.attrs.sigmask).toBe((1 << 9) | (1 << 11)); // SIGUSR1, SIGUSR2
    const tfd = pf('timerfd');
    expect(tfd.kind).toBe('timerfd');
    expect(tfd.attrs).toMatchObject({ clockid: 1, intervalSec: 1, intervalNsec: 500_000_000 });
    expect(tfd.attrs.valueSec as number).toBeGreaterThan(900);
    expect(tfd.attrs.valueSec as number).toBeLessThanOrEqual(1000);
    if (facts.userfaultfd) {
      const u = pf('userfaultfd');
      expect(u.kind).toBe('userfaultfd');
      expect(u.attrs).toMatchObject({ api: 0xaa, pending: 0, total: 0 });
      expect(fdOf(fx.pid, fact('userfaultfd').fd).cloexec).toBe(true);
    }
    if (facts.pidfd) expect(pf('pidfd')).toMatchObject({ kind: 'pidfd', attrs: { pid: num('child') } });
    const ns = pf('netns');
    expect(ns).toMatchObject({ kind: 'nsfd', attrs: { nsType: 'net' }, ino: fact('netns').ino });
  });

  it('anon inodes without a kind of their own keep their fdinfo lines, the lock: lines going to locks', () => {
    const checked: string[] = [];
    if (facts.ioUring) {
      const r = pf('ioUring');
      expect(r.kind).toBe('anon');
      expect(r.path).toBe('anon_inode:[io_uring]');
      const info = r.attrs.fdinfo as string;
      expect(info).toMatch(new RegExp(`^SqMask:\\t0x${(num('ioUringSq') - 1).toString(16)}\n`));
      expect(info).toContain(`\nCqMask:\t0x${(num('ioUringCq') - 1).toString(16)}\n`);
      expect(info).toMatch(/\n$/);
      expect(info).not.toMatch(/^(pos|flags|mnt_id|ino|lock):/m);
      expect(r.locks).toEqual([{ kind: 'flock', write: true, pid: fx.pid, start: 0, end: null }]);
      checked.push('io_uring');
    } else console.warn(`io_uring fdinfo not checked: io_uring_setup refused (${String(facts.ioUringRefused)})`);
    if (facts.bpfMap) {
      const m = pf('bpfMap');
      expect(m.kind).toBe('anon');
      expect(m.path).toBe('anon_inode:bpf-map');
      expect(m.attrs.fdinfo).toMatch(/^map_type:\t2\nkey_size:\t4\nvalue_size:\t8\nmax_entries:\t3\n/);
      expect(m.attrs.fdinfo).toMatch(/^map_id:\t\d+$/m);
      // Its one-line name says which map it is, by id and type.
      const id = /^map_id:\t(\d+)$/m.exec(m.attrs.fdinfo as string)![1];
      expect(describeFile(m)).toBe(`anon_inode:bpf-map (map_type: 2, map_id: ${id})`);
      checked.push('bpf-map');
    } else console.warn(`bpf map fdinfo not checked: BPF_MAP_CREATE refused (${String(facts.bpfMapRefused)})`);
    if (!checked.length) console.warn('no anon inode without a kind could be made here: fdinfo capture not checked live');
  });

  it('epoll watches resolve to the watched open files; inotify and fanotify list their marks', () => {
    const ep = pf('epoll');
    expect(ep.kind).toBe('epoll');
    const w = ep.attrs.watches as Record<string, unknown>[];
    expect(w).toHaveLength(2);
    const wev = w.find((x) => x.tfd === fact('eventfd').fd)!;
    expect(wev.data).toBe(0x1122334455);
    expect((wev.events as number) & 1).toBe(1);
    expect(wev.file).toBe(pf('eventfd').ref);
    const wp = w.find((x) => x.tfd === fact('pipeRead').fd)!;
    expect(wp.data).toBe(42);
    expect(((wp.events as number) & 0x80000000) >>> 0).toBe(0x80000000); // EPOLLET
    expect(wp.file).toBe(pf('pipeRead').ref);
    expect(wp.ino).toBe(fact('pipeRead').ino);
    expect(wp.sdev).toBe(fact('pipeRead').dev);
    const ino = pf('inotify');
    expect(ino.kind).toBe('inotify');
    expect(ino.attrs.watches).toEqual([{ wd: num('inotifyWd'), ino: fact('dir').ino, sdev: fact('dir').dev, mask: 0x300, ignoredMask: 0 }]);
    if (facts.fanotify) {
      const fan = pf('fanotify');
      expect(fan.kind).toBe('fanotify');
      expect(((fan.attrs.eventFlags as number) & O.O_LARGEFILE) !== 0).toBe(true);
      expect(fan.attrs.marks).toHaveLength(1);
    }
  });

  it('sharing across processes: fork inheritance and SCM_RIGHTS give one open file', () => {
    const child = num('child');
    expect(fileOf(child, fact('file').fd).ref).toBe(pf('file').ref);
    expect(fileOf(child, fact('eventfd').fd).ref).toBe(pf('eventfd').ref);
    const passed = pf('passed');
    expect(passed.pos).toBe(3);
    expect(fileOf(child, num('childPassedFd')).ref).toBe(passed.ref);
    // The child closed its copy of the read end; it holds only the write end.
    const childTable = snap.fdTables.find((t) => t.ref === task(child).fdTable)!;
    expect(childTable.fds.some((x) => x.file === pf('pipeRead').ref)).toBe(false);
  });
});

describe('two reader threads', () => {
  it('read the same as one', async () => {
    // fs.file-nr counts the whole machine's open files, which other processes move.
    const strip = (x: Snapshot) => ({
      ...x,
      header: { ...x.header, captureTime: 0, kernelLimits: { ...x.header.kernelLimits, 'fs.file-nr': 0 } },
    });
    const one = await captureProc({ pids: [fx.pid], tree: true, worker: false });
    const two = await captureProc({ pids: [fx.pid], tree: true, worker: true });
    expect(two.errors).toEqual([]);
    // timerfd's remaining time moves between two captures; everything else must not.
    const still = (x: Snapshot) => ({ ...strip(x), files: x.files.map((f) => (f.kind === 'timerfd' ? { ...f, attrs: {} } : f)) });
    expect(still(two)).toEqual(still(one));
  });
});

describe('selection', () => {
  it('a thread id selects its process', async () => {
    const tid = snap.tasks.find((t) => t.tgid === fx.pid && t.pid !== fx.pid)!.pid;
    const s = await captureProc({ pids: [tid] });
    expect(s.errors).toEqual([]);
    expect(s.tasks.filter((t) => t.pid === t.tgid).map((t) => t.pid)).toEqual([fx.pid]);
    expect(s.tasks.some((t) => t.pid === tid)).toBe(true);
  });
});

describe('sharing without kcmp', () => {
  it('falls back to inference and marks what was inferred', async () => {
    const s = await captureProc({ pids: [fx.pid], tree: true, noKcmp: true });
    expect(s.header.options.sharing).toBe('inferred');
    const p = s.tasks.find((t) => t.pid === fx.pid)!;
    const table = s.fdTables.find((t) => t.ref === p.fdTable)!;
    const ref = (fd: number) => table.fds.find((x) => x.fd === fd)!.file;
    const file = s.files.find((f) => f.ref === ref(fact('file').fd))!;
    expect(ref(fact('fileDup').fd)).toBe(file.ref); // same pos and flags: inferred one file
    expect(file.sharingInferred).toBe(true);
    expect(ref(fact('fileAgain').fd)).not.toBe(file.ref);
    // Threads are presumed to share; marked inferred.
    const th = s.tasks.find((t) => t.tgid === fx.pid && t.pid !== fx.pid)!;
    expect(th.fdTable).toBe(p.fdTable);
    expect(table.sharingInferred).toBe(true);
    decodeImage(encodeSnapshot(s));
  });
});

describe('a thread with an fd table of its own', () => {
  it('whose table hangs (a dead NFS mount) is given up on within --timeout, in both readers', async () => {
    // A real process and thread (kcmp asks the kernel about real pids), seen through a fake /proc.
    const lone = await startNamed('unshared', 'unshared');
    try {
      const tid = lone.line.split(' ')[1]!;
      for (const reader of ['js', 'native']) {
        const root = join(dir, `unshared-hang-${reader}`);
        const hang = join(root, String(lone.pid), 'task', tid, 'fdinfo', '3');
        const { code, out, err } = await runHangChild('unshared-hang-child.ts', [root, reader, String(lone.pid), tid], hang, 10_000);
        expect(code, `${reader}: ${err}`).toBe(0);
        // The process and its thread, each with its table (the thread's
        // empty), and the one record saying the thread's was not read.
        expect(out, reader).toBe(`captured 2 tasks, 2 tables, errors ETIMEDOUT ${tid}\n`);
      }
    } finally {
      await lone.stop();
    }
  }, 40_000);
});
