/**
 * A CRIU dump written as crit JSON and encoded by CRIU's own encoder
 * (`crit encode`), the bytes `criu dump` would write for these processes.
 * criu itself cannot dump on every kernel (vdso), crit can always encode.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function haveCrit(): boolean {
  return spawnSync('crit', ['--help'], { stdio: 'ignore' }).status === 0;
}

type Json = Record<string, unknown>;

/** Writes `entries` as crit JSON with `magic` and encodes it into DIR/NAME with crit. */
let jsonDir: string | undefined;
export function encode(dir: string, name: string, magic: string, entries: Json[]): void {
  jsonDir ??= mkdtempSync(join(tmpdir(), 'criu-json-'));
  const js = join(jsonDir, `${name}.json`);
  writeFileSync(js, JSON.stringify({ magic, entries }));
  execFileSync('crit', ['encode', '-i', js, '-o', join(dir, name)], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Replaces the bytes `from` with `to` (same length) in a file: a name crit's JSON cannot carry (invalid UTF-8), as CRIU's C encoder writes it. */
export function patchBytes(file: string, from: Uint8Array, to: Uint8Array): void {
  if (from.length !== to.length) throw new Error('patch must keep the length');
  const b = readFileSync(file);
  const at = b.indexOf(Buffer.from(from));
  if (at < 0 || b.indexOf(Buffer.from(from), at + 1) >= 0) throw new Error('patch: placeholder not found exactly once');
  Buffer.from(to).copy(b, at);
  writeFileSync(file, b);
}

const fown = { uid: 0, euid: 0, signum: 0, pid_type: 0, pid: 0 };
const skOpts = { so_sndbuf: 212992, so_rcvbuf: 212992, so_snd_tmo_sec: 0, so_snd_tmo_usec: 0, so_rcv_tmo_sec: 0, so_rcv_tmo_usec: 0 };
const creds = (uid: number, gid: number) => ({
  uid,
  gid,
  euid: uid,
  egid: gid,
  suid: uid,
  sgid: gid,
  fsuid: uid,
  fsgid: gid,
  secbits: 0,
});
/** The kernel's dev_t (MAJOR << 20 | MINOR), as fdinfo prints an epoll or inotify watch's sdev and CRIU keeps it. */
const kdev = (major: number, minor: number) => major * (1 << 20) + minor;
/** st_rdev as fstat() gives it (glibc's makedev), as CRIU keeps a tty's rdev (tty.c: info.rdev = p->stat.st_rdev). */
const udev = (major: number, minor: number) => ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & ~0xff) << 12);

function core(
  comm: string,
  opts: {
    uid?: number;
    gid?: number;
    state?: number;
    filesId?: number;
    nofile?: [number | string, number | string];
    thread?: boolean;
  } = {},
): Json {
  const rl = [];
  for (let i = 0; i < 16; i++) rl.push(i === 7 && opts.nofile ? { cur: opts.nofile[0], max: opts.nofile[1] } : { cur: 0, max: 0 });
  const c: Json = {
    mtype: 'X86_64',
    thread_core: { futex_rla: 0, futex_rla_len: 0, creds: creds(opts.uid ?? 0, opts.gid ?? 0), ...(opts.thread ? { comm } : {}) },
  };
  if (!opts.thread)
    c.tc = {
      task_state: opts.state ?? 1,
      exit_code: 0,
      personality: 0,
      flags: 0,
      blk_sigset: 0,
      comm,
      ...(opts.nofile ? { rlimits: { rlimits: rl } } : {}),
    };
  return c;
}

const ids = (filesId: number) => ({ vm_id: filesId, files_id: filesId, fs_id: filesId, sighand_id: filesId, uts_ns_id: 1 });

/** The placeholder crit can carry, patched afterwards into the hostile name's bytes. */
/** An all-zero fown_t and inet socket options, for the one-process dumps below. */
export const ZERO_FOWN = { uid: 0, euid: 0, signum: 0, pid_type: 0, pid: 0 };
export const ZERO_SK_OPTS = { so_sndbuf: 0, so_rcvbuf: 0, so_snd_tmo_sec: 0, so_snd_tmo_usec: 0, so_rcv_tmo_sec: 0, so_rcv_tmo_usec: 0 };

/**
 * A dump of one single-threaded process in DIR: inventory (fdinfo per
 * files_id), pstree, its core (machine `mtype`, `comm`, `tc` added to the
 * task core), its ids, files.img with `files` and its fd table with `fds`.
 */
export function writeOneProcessDump(
  dir: string,
  p: { pid: number; filesId: number; mtype: string; comm: string; tc?: Json; files: Json[]; fds: Json[] },
): void {
  mkdirSync(dir, { recursive: true });
  const { pid, filesId: id } = p;
  encode(dir, 'inventory.img', 'INVENTORY', [{ img_version: 2, fdinfo_per_id: true }]);
  encode(dir, 'pstree.img', 'PSTREE', [{ pid, ppid: 0, pgid: pid, sid: pid, threads: [pid] }]);
  encode(dir, `core-${pid}.img`, 'CORE', [
    { mtype: p.mtype, tc: { task_state: 1, exit_code: 0, personality: 0, flags: 0, blk_sigset: 0, comm: p.comm, ...p.tc } },
  ]);
  encode(dir, `ids-${pid}.img`, 'IDS', [{ vm_id: id, files_id: id, fs_id: id, sighand_id: id }]);
  encode(dir, 'files.img', 'FILES', p.files);
  encode(dir, `fdinfo-${id}.img`, 'FDINFO', p.fds);
}

export const HOSTILE_PLACEHOLDER = '/tmp/evil-PLACEHOLDER-XY';
/** "/tmp/evil\n\x1b[31m" + invalid UTF-8 (ff fe) + "\u202e" (RLO) ... the same length as the placeholder. */
export const HOSTILE_BYTES = (() => {
  const b = Buffer.concat([Buffer.from('/tmp/evil\n\x1b[31m'), Buffer.from([0xff, 0xfe]), Buffer.from('\u202e'), Buffer.from('x\tz')]);
  const pad = Buffer.alloc(Buffer.byteLength(HOSTILE_PLACEHOLDER) - b.length, 0x41);
  return new Uint8Array(Buffer.concat([b, pad]));
})();

/**
 * The scenario: processes 100 (server, threads 101 and 102), 200 (worker,
 * a child of 100), 300 (clone, CLONE_FILES: 100's fd table), 400 (a
 * zombie child of 100).
 */
export function writeDump(dir: string): void {
  mkdirSync(dir, { recursive: true });
  encode(dir, 'inventory.img', 'INVENTORY', [{ img_version: 2, fdinfo_per_id: true, root_ids: ids(1), ns_per_id: true }]);
  encode(dir, 'pstree.img', 'PSTREE', [
    { pid: 100, ppid: 0, pgid: 100, sid: 100, threads: [100, 101, 102] },
    { pid: 200, ppid: 100, pgid: 100, sid: 100, threads: [200] },
    { pid: 300, ppid: 100, pgid: 100, sid: 100, threads: [300] },
    { pid: 400, ppid: 100, pgid: 100, sid: 100, threads: [400] },
  ]);
  encode(dir, 'core-100.img', 'CORE', [core('server', { uid: 33, gid: 34, nofile: [1024, 524288] })]);
  encode(dir, 'core-101.img', 'CORE', [core('server-io', { uid: 33, gid: 34, thread: true })]);
  encode(dir, 'core-102.img', 'CORE', [core('server-gc', { uid: 33, gid: 35, thread: true })]);
  encode(dir, 'core-200.img', 'CORE', [core('worker', { uid: 1000, gid: 1000, nofile: ['18446744073709551615', '18446744073709551615'] })]);
  encode(dir, 'core-300.img', 'CORE', [core('clone', { uid: 33, gid: 34, nofile: [4096, 4096] })]);
  encode(dir, 'core-400.img', 'CORE', [core('defunct', { uid: 33, gid: 34, state: 2 })]);
  encode(dir, 'ids-100.img', 'IDS', [ids(1)]);
  encode(dir, 'ids-200.img', 'IDS', [ids(2)]);
  encode(dir, 'ids-300.img', 'IDS', [ids(1)]);
  for (const pid of [100, 200, 300]) encode(dir, `fs-${pid}.img`, 'FS', [{ cwd_id: 50, root_id: 51, umask: 18 }]);
  encode(dir, 'utsns-1.img', 'UTSNS', [{ nodename: 'box', domainname: '(none)' }]);

  const reg = (id: number, name: string, flags: number, extra: Json = {}) => ({
    type: 'REG',
    id,
    reg: { id, flags, pos: 0, fown, name, ...extra },
  });
  encode(dir, 'files.img', 'FILES', [
    reg(50, '/srv', 0o200000, { mode: 0o040755 }),
    reg(51, '/', 0o200000, { mode: 0o040755 }),
    reg(60, '/dev/pts/3', 2, { mode: 0o020620 }),
    { type: 'TTY', id: 1, tty: { id: 1, tty_info_id: 1, flags: 2, fown, regf_id: 60 } },
    // O_WRONLY|O_APPEND|O_CLOEXEC as fdinfo's flags give it; no size: CRIU records none for an O_WRONLY|O_APPEND file (files-reg.c should_check_size)
    reg(2, '/var/log/app.log', 0o2002001, { pos: 4096, mode: 0o100640, mnt_id: 27 }),
    reg(3, '/tmp/scratch', 2, { pos: 10, size: 100, mode: 0o100600, mnt_id: 27 }),
    { type: 'PIPE', id: 4, pipe: { id: 4, pipe_id: 5000, flags: 0, fown } },
    { type: 'PIPE', id: 10, pipe: { id: 10, pipe_id: 5000, flags: 1, fown } },
    {
      type: 'INETSK',
      id: 5,
      isk: {
        id: 5,
        ino: 7000,
        family: 2,
        type: 1,
        proto: 6,
        state: 10,
        src_port: 8080,
        dst_port: 0,
        flags: 2,
        backlog: 128,
        src_addr: ['0.0.0.0'],
        fown,
        opts: skOpts,
      },
    },
    {
      type: 'INETSK',
      id: 11,
      isk: {
        id: 11,
        ino: 7001,
        family: 10,
        type: 1,
        proto: 6,
        state: 1,
        src_port: 5432,
        dst_port: 40000,
        flags: 0o4002,
        backlog: 0,
        src_addr: ['::1'],
        dst_addr: ['::ffff:10.0.0.7'],
        fown,
        opts: skOpts,
      },
    },
    {
      type: 'UNIXSK',
      id: 6,
      usk: { id: 6, ino: 8001, type: 1, state: 1, flags: 2, uflags: 0, backlog: 0, peer: 8002, fown, opts: skOpts, name: '' },
    },
    {
      type: 'UNIXSK',
      id: 7,
      usk: { id: 7, ino: 8002, type: 1, state: 1, flags: 2, uflags: 0, backlog: 0, peer: 8001, fown, opts: skOpts, name: '' },
    },
    {
      type: 'UNIXSK',
      id: 12,
      // quopri of "\0ctl-sock": an abstract name
      usk: { id: 12, ino: 8003, type: 5, state: 10, flags: 2, uflags: 0, backlog: 5, peer: 0, fown, opts: skOpts, name: '=00ctl-sock' },
    },
    { type: 'EVENTFD', id: 8, efd: { id: 8, flags: 0o4002, fown, counter: 5 } },
    {
      type: 'EVENTPOLL',
      id: 9,
      epfd: {
        id: 9,
        flags: 2,
        fown,
        tfd: [
          { id: 9, tfd: 6, events: 1, data: 6, dev: kdev(0, 8), inode: 7000 },
          { id: 9, tfd: 9, events: 0x80000001, data: '0xfeedface00000009', dev: kdev(0, 14), inode: 9001 },
        ],
      },
    },
    reg(13, HOSTILE_PLACEHOLDER, 0, { mode: 0o100644, size: 1 }),
    { type: 'TUNF', id: 14, tunf: { id: 14, netdev: 'tun0' } },
    {
      type: 'TIMERFD',
      id: 15,
      tfd: { id: 15, flags: 2, fown, clockid: 1, ticks: 3, settime_flags: 0, vsec: 4, vnsec: 500, isec: 5, insec: 0 },
    },
    { type: 'SIGNALFD', id: 16, sgfd: { id: 16, flags: 2, fown, sigmask: 0x4001 } },
    { type: 'NS', id: 17, nsf: { id: 17, ns_id: 3, ns_cflag: 0x40000000, flags: 0 } },
  ]);
  patchBytes(join(dir, 'files.img'), Buffer.from(HOSTILE_PLACEHOLDER), HOSTILE_BYTES);
  // The established TCP socket's queues: 5 bytes unread, 3 not yet acknowledged, then those bytes.
  // CRIU names it by the inode in hex (image-desc.c: "tcp-stream-%x"): 7001 is 0x1b59.
  encode(dir, 'tcp-stream-1b59.img', 'TCP_STREAM', [
    {
      inq_len: 5,
      inq_seq: 1000,
      outq_len: 3,
      outq_seq: 2000,
      opt_mask: 0,
      snd_wscale: 7,
      mss_clamp: 65483,
      extra: { inq: Buffer.from('hello').toString('base64'), outq: Buffer.from('abc').toString('base64') },
    },
  ]);
  encode(dir, 'tty-info.img', 'TTY_INFO', [
    { id: 1, type: 'PTY', locked: false, exclusive: false, packet_mode: false, sid: 100, pgrp: 100, rdev: udev(136, 3), pty: { index: 3 } },
  ]);
  // /tmp/scratch a ghost (no link left); the hostile-named file a linked remap (its path gone, a link elsewhere).
  encode(dir, 'remap-fpath.img', 'REMAP_FPATH', [
    { orig_id: 3, remap_id: 30, remap_type: 'GHOST' },
    { orig_id: 13, remap_id: 31, remap_type: 'LINKED' },
  ]);
  // CRIU's own lock kinds (file-lock.h): FL_POSIX 1 with F_WRLCK on the whole file; FL_OFD 4 with F_RDLCK on bytes 10-14; FL_LEASE 8 with F_WRLCK.
  encode(dir, 'filelocks.img', 'FILE_LOCKS', [
    { flag: 1, type: 1, pid: 100, fd: 3, start: 0, len: 0 },
    { flag: 4, type: 0, pid: 100, fd: 4, start: 10, len: 5 },
    { flag: 8, type: 1, pid: 100, fd: 11, start: 0, len: 0 },
  ]);

  const fd = (n: number, id: number, type: string, flags = 0) => ({ id, flags, type, fd: n });
  encode(dir, 'fdinfo-1.img', 'FDINFO', [
    fd(0, 1, 'TTY'),
    fd(1, 1, 'TTY'),
    fd(2, 1, 'TTY'),
    fd(3, 2, 'REG', 1),
    fd(4, 3, 'REG'),
    fd(5, 4, 'PIPE'),
    fd(6, 5, 'INETSK', 1),
    fd(7, 6, 'UNIXSK'),
    fd(8, 7, 'UNIXSK'),
    fd(9, 8, 'EVENTFD'),
    fd(10, 9, 'EVENTPOLL'),
    fd(11, 13, 'REG'),
    fd(12, 11, 'INETSK'),
    fd(13, 14, 'TUNF'),
    fd(14, 12, 'UNIXSK'),
    fd(15, 15, 'TIMERFD'),
    fd(16, 16, 'SIGNALFD'),
    fd(17, 17, 'NS'),
    fd(20, 2, 'REG'),
  ]);
  encode(dir, 'fdinfo-2.img', 'FDINFO', [fd(0, 10, 'PIPE'), fd(1, 4, 'PIPE'), fd(2, 1, 'TTY')]);
}

/**
 * A second dump for the other fd types, in the older fdinfo-PID.img layout
 * (inventory without fdinfo_per_id) and with eventpoll-tfd.img: process 500
 * (tgid 500, no threads).
 */
export function writeOtherTypesDump(dir: string): void {
  mkdirSync(dir, { recursive: true });
  encode(dir, 'inventory.img', 'INVENTORY', [{ img_version: 2, fdinfo_per_id: false }]);
  encode(dir, 'pstree.img', 'PSTREE', [{ pid: 500, ppid: 1, pgid: 500, sid: 500 }]);
  encode(dir, 'core-500.img', 'CORE', [
    {
      mtype: 'AARCH64',
      tc: { task_state: 1, exit_code: 0, personality: 0, flags: 0, blk_sigset: 0, comm: 'misc' },
      ids: ids(5),
      thread_core: { futex_rla: 0, futex_rla_len: 0, creds: creds(7, 8) },
    },
  ]);
  const fh = { bytes: 8, type: 1, handle: [1, 2] };
  const reg = (id: number, name: string, flags: number, extra: Json = {}) => ({
    type: 'REG',
    id,
    reg: { id, flags, pos: 0, fown, name, ...extra },
  });
  encode(dir, 'files.img', 'FILES', [
    reg(1, '/etc', 0o200000, { mode: 0o040755 }),
    reg(2, '/dev/null', 2, { mode: 0o020666 }),
    reg(3, '/run/ctl.fifo', 0o4002, { mode: 0o010600 }),
    { type: 'FIFO', id: 4, fifo: { id: 4, pipe_id: 6000, regf_id: 3 } },
    reg(5, '/dev/ptmx', 0o4002, { mode: 0o020666 }),
    { type: 'TTY', id: 6, tty: { id: 6, tty_info_id: 2, flags: 0o4002, fown, regf_id: 5 } },
    { type: 'MEMFD', id: 7, memfd: { id: 7, flags: 2, pos: 12, fown, inode_id: 3 } },
    {
      type: 'INOTIFY',
      id: 8,
      ify: {
        id: 8,
        flags: 0o4000,
        fown,
        wd: [{ id: 8, i_ino: 4242, mask: 0x100, ignored_mask: 0, s_dev: kdev(8, 1), wd: 1, f_handle: fh }],
      },
    },
    {
      type: 'FANOTIFY',
      id: 9,
      ffy: {
        id: 9,
        flags: 0,
        fown,
        faflags: 0x10,
        evflags: 0o100000,
        mark: [
          { id: 9, type: 'INODE', mflags: 0, mask: 0x20, ignored_mask: 0, s_dev: kdev(8, 1), ie: { i_ino: 77, f_handle: fh } },
          { id: 9, type: 'MOUNT', mflags: 1, mask: 0x8, ignored_mask: 0, s_dev: 0, me: { mnt_id: 31 } },
        ],
      },
    },
    {
      type: 'NETLINKSK',
      id: 10,
      nlsk: {
        id: 10,
        ino: 9100,
        protocol: 0,
        state: 0,
        flags: 2,
        portid: 500,
        groups: [1],
        dst_portid: 0,
        dst_group: 0,
        fown,
        opts: skOpts,
      },
    },
    {
      type: 'PACKETSK',
      id: 11,
      psk: {
        id: 11,
        type: 3,
        protocol: 768,
        flags: 2,
        ifindex: 2,
        fown,
        opts: skOpts,
        version: 0,
        reserve: 0,
        aux_data: false,
        orig_dev: false,
        vnet_hdr: false,
        loss: false,
        timestamp: 0,
        copy_thresh: 0,
      },
    },
    { type: 'EVENTPOLL', id: 12, epfd: { id: 12, flags: 2, fown } },
    { type: 'EVENTFD', id: 13, efd: { id: 13, flags: 2, fown, counter: '18446744073709551614' } },
    {
      type: 'INETSK',
      id: 14,
      isk: {
        id: 14,
        ino: 9200,
        family: 2,
        type: 2,
        proto: 17,
        state: 7,
        src_port: 53,
        dst_port: 0,
        flags: 2,
        backlog: 0,
        src_addr: ['127.0.0.53'],
        fown,
        opts: skOpts,
      },
    },
  ]);
  encode(dir, 'tty-info.img', 'TTY_INFO', [
    { id: 2, type: 'PTY', locked: false, exclusive: false, packet_mode: false, sid: 0, pgrp: 0, rdev: udev(5, 2), pty: { index: 7 } },
  ]);
  encode(dir, 'memfd.img', 'MEMFD_INODE', [{ name: 'jit-cache', uid: 7, gid: 8, size: 4096, shmid: 0, seals: 0, inode_id: 3 }]);
  encode(dir, 'eventpoll-tfd.img', 'EVENTPOLL_TFD', [
    { id: 12, tfd: 13, events: 0x19, data: 42 },
    { id: 99, tfd: 13, events: 1, data: 1 },
    { id: 12, tfd: 40, events: 1, data: 7 },
  ]);
  const fd = (n: number, id: number, type: string) => ({ id, flags: 0, type, fd: n });
  encode(dir, 'fdinfo-500.img', 'FDINFO', [
    fd(3, 1, 'REG'),
    fd(4, 2, 'REG'),
    fd(5, 4, 'FIFO'),
    fd(6, 6, 'TTY'),
    fd(7, 7, 'MEMFD'),
    fd(8, 8, 'INOTIFY'),
    fd(9, 9, 'FANOTIFY'),
    fd(10, 10, 'NETLINKSK'),
    fd(11, 11, 'PACKETSK'),
    fd(12, 12, 'EVENTPOLL'),
    fd(13, 13, 'EVENTFD'),
    fd(14, 14, 'INETSK'),
  ]);
}
