/**
 * The hot loop of a capture: for each process, read what /proc says about it
 * and about every fd it holds, with as few syscalls and allocations per fd as
 * we can (openat/readlinkat/statx relative to directory fds, one preallocated
 * buffer, fdinfo parsed from bytes). No interpretation happens here; the
 * classify/ modules turn these raw records into open files.
 *
 * `rawRead` is self-contained on purpose: it is also run in a worker thread
 * from its own source text (see worker-pool.ts), because the CLI ships as one
 * bundle and a worker cannot import a module of it. So it imports nothing and
 * touches no module-level name; its dependencies come in as arguments.
 */

/**
 * The fds of one table as read, in columns: typed arrays for the numbers
 * (no object per fd, cheap to hand over from the worker thread), arrays for
 * the strings. rawFdAt() gives a view of one fd.
 */
export interface RawFdTable {
  n: number;
  fd: Int32Array;
  /** Per fd: flags (O_CLOEXEC included), mnt_id, st_mode, st_nlink. */
  i32: Int32Array;
  /** Per fd: st_dev, st_ino, st_rdev, st_size, pos, fdinfo ino (-1 when absent), st_blocks (-1 when statx did not give it); NaN: see big. */
  f64: Float64Array;
  /** statx of the target was taken (path-like links, and one per pseudo-fs kind). */
  statted: Uint8Array;
  /** The link's bytes are all ASCII, so the latin1 string is already its text. */
  linkAscii: Uint8Array;
  /**
   * Link bytes as latin1 strings: one char per byte, exact and cheap. A link
   * that could not be read (ENAMETOOLONG: a name beyond PATH_MAX) of an fd
   * whose fdinfo could is NUL and the errno name ("\0ENAMETOOLONG"): no
   * link the kernel gives holds a NUL, and the link column stays one type.
   */
  link: string[];
  /** fdinfo lines after the common ones, verbatim. */
  extra: string[];
  /** [f64 slot, decimal text] for values above 2^53 (overlayfs inodes, huge offsets). */
  big: [number, string][];
  /**
   * Per fd: its open file's id in the native reader's BPF snapshot, equal
   * for fds of one open file, so fds with different ids are different open
   * files; one id is usually one open file, which kcmp proves (build.ts). 0
   * (or no column) where the fd was not in it.
   */
  fileId?: Int32Array;
}

/** One fd as read: link bytes, the target's stat when taken, fdinfo. */
export interface RawFd {
  fd: number;
  link: string;
  linkAscii: boolean;
  statted: boolean;
  dev: number;
  ino: number | bigint;
  mode: number;
  nlink: number;
  rdev: number;
  size: number | bigint;
  /** st_blocks (512-byte blocks allocated) when statted and the filesystem gives it, else -1. */
  blocks: number | bigint;
  pos: number | bigint;
  /** f_flags as fdinfo prints them, O_CLOEXEC included. */
  flags: number;
  mntId: number;
  /** fdinfo's ino line, -1 when the kernel does not print it. */
  fdinfoIno: number | bigint;
  extra: string;
}

/**
 * f64 slot `slot` of the table as U64: the number, or from `big` when NaN.
 * A function of its own, not a closure in rawFdAt: a closure would be
 * allocated per fd wherever the JIT does not inline rawFdAt's body.
 */
function u64At(t: RawFdTable, slot: number): number | bigint {
  const v = t.f64[slot]!;
  if (v >= 0 && v <= 0x7fffffff) return v | 0;
  if (v === v) return v;
  const hit = t.big.find((x) => x[0] === slot);
  return hit ? BigInt(hit[1]) : 0;
}

/** v as a small integer where it is one (a typed array's element is a boxed double until then). */
function smi(v: number): number {
  return v >= 0 && v <= 0x7fffffff ? v | 0 : v;
}

/** Fills `into` with fd i of the table (one reusable view: no allocation per fd). */
export function rawFdAt(t: RawFdTable, i: number, into: RawFd): RawFd {
  const b4 = i * 4;
  const b6 = i * 7;
  into.fd = t.fd[i]!;
  into.link = t.link[i]!;
  into.linkAscii = t.linkAscii[i] === 1;
  into.statted = t.statted[i] === 1;
  into.flags = t.i32[b4]!;
  into.mntId = t.i32[b4 + 1]!;
  into.mode = t.i32[b4 + 2]!;
  into.nlink = t.i32[b4 + 3]! >>> 0;
  into.dev = smi(t.f64[b6]!);
  into.ino = u64At(t, b6 + 1);
  into.rdev = smi(t.f64[b6 + 2]!);
  into.size = u64At(t, b6 + 3);
  into.pos = u64At(t, b6 + 4);
  into.fdinfoIno = u64At(t, b6 + 5);
  into.blocks = into.statted ? u64At(t, b6 + 6) : -1;
  into.extra = t.extra[i]!;
  return into;
}

/**
 * The reusable view rawFdAt() fills. Its number fields start as null so
 * they hold any value from the first fd on (no change of class in the
 * loop), small integers unboxed: the files made from it (classify's
 * newFile) keep them so, instead of a boxed double per field per file.
 */
export function emptyRawFd(): RawFd {
  const any = null as unknown as number;
  return {
    fd: 0,
    link: '',
    linkAscii: true,
    statted: false,
    dev: any,
    ino: any,
    mode: 0,
    nlink: 0,
    rdev: any,
    size: any,
    blocks: any,
    pos: any,
    flags: 0,
    mntId: 0,
    fdinfoIno: any,
    extra: '',
  };
}

export interface RawError {
  errno: string;
  pid: number;
  fd: number;
  where: string;
  message: string;
}

export interface RawThread {
  tid: number;
  stat: Uint8Array | null;
}

export interface RawProc {
  pid: number;
  /** /proc/PID/stat bytes, null when the process could not be read at all. */
  stat: Uint8Array | null;
  status: string | null;
  cmdline: Uint8Array | null;
  /** The "Max open files" line of /proc/PID/limits; null when there is none. */
  nofile: string | null;
  cwd: Uint8Array | null;
  root: Uint8Array | null;
  ns: [string, string][];
  threads: RawThread[];
  /** null when the fd directory could not be listed. */
  fds: RawFdTable | null;
  errors: RawError[];
}

export interface RawReadJob {
  /** Directory to read under, e.g. "/proc" (tests may point elsewhere). */
  procRoot: string;
  pids: number[];
  /** Next index into pids, shared between threads through Atomics. */
  counter: Int32Array;
  /** Read /proc/PID/task/TID/fd of these "PID/TID" instead of the process view. */
  fdDirOverride?: Record<number, string>;
  /** Skip metadata, read only fds (re-reading one thread's own table). */
  fdsOnly?: boolean;
  /**
   * A supervised reader (worker-pool.ts, --timeout): its slot in `beat`,
   * where it stamps (pid, fd, process.hrtime; time 0 when it is not
   * reading) as it starts each process and fd, under `gen[slot]`, a
   * seqlock: odd while it writes, even when the stamp is whole, -1 once the
   * supervisor gave up on it (a compare-exchange, so a reader that moved on
   * is never given up on, and one given up on knows it at its next stamp
   * and delivers nothing more).
   */
  slot?: number;
  beat?: BigInt64Array;
  gen?: Int32Array;
}

type Koffi = typeof import('koffi');
type Fs = typeof import('node:fs');

/**
 * Reads the job's pids (those this thread wins from the shared counter);
 * `onProc`, when given, sees each process as soon as it is read.
 */
export function rawRead(koffi: Koffi, fs: Fs, job: RawReadJob, onProc?: (p: RawProc) => void): RawProc[] {
  const ERRNO: Record<number, string> = {
    1: 'EPERM',
    2: 'ENOENT',
    3: 'ESRCH',
    5: 'EIO',
    9: 'EBADF',
    11: 'EAGAIN',
    12: 'ENOMEM',
    13: 'EACCES',
    20: 'ENOTDIR',
    22: 'EINVAL',
    24: 'EMFILE',
    36: 'ENAMETOOLONG',
    38: 'ENOSYS',
    40: 'ELOOP',
    95: 'EOPNOTSUPP',
  };
  // NAME_NOT_READABLE (src-shared/model/describe.ts), which this self-contained function cannot import; procfd.c writes it too.
  const KEPT_UNNAMED = 'cannot read link: the fd is kept, its name not known';
  type Fn = (...a: unknown[]) => number;
  const g = globalThis as unknown as { __ckptLibc?: { openat: Fn; readlinkat: Fn; read: Fn; close: Fn; statx: Fn; statxAt: Fn } };
  if (!g.__ckptLibc?.statxAt) {
    const libc = koffi.load('libc.so.6');
    g.__ckptLibc = {
      openat: libc.func('int openat(int, const char *, int)') as never,
      readlinkat: libc.func('long readlinkat(int, const char *, _Out_ uint8_t *buf, size_t)') as never,
      read: libc.func('long read(int, _Out_ uint8_t *buf, size_t)') as never,
      close: libc.func('int close(int)') as never,
      statx: libc.func('int statx(int, const char *, int, unsigned int, _Out_ uint8_t *buf)') as never,
      // A path as its bytes (NUL-terminated), not as a string koffi would encode.
      statxAt: libc.func('int statx(int, const uint8_t *, int, unsigned int, _Out_ uint8_t *buf)') as never,
    };
  }
  const { openat, readlinkat, read, close, statx, statxAt } = g.__ckptLibc;
  const AT_FDCWD = -100;
  const O_RDONLY_CLOEXEC = 0o2000000;
  const O_DIR = 0o2000000 | 0o200000;
  const STATX_BASIC = 0x7ff;
  const STATX_BLOCKS = 0x400;
  const STATX_MNT_ID = 0x1000;
  const errnoName = (): string => {
    const e = koffi.errno();
    return ERRNO[e] ?? `E${e}`;
  };
  const fsErrno = (e: unknown): string => {
    const c = (e as { code?: string }).code;
    return typeof c === 'string' ? c : 'EIO';
  };

  let buf = Buffer.allocUnsafe(16384);
  const lbuf = Buffer.allocUnsafe(4097);
  const sbuf = Buffer.alloc(256);
  const s32 = new Uint32Array(sbuf.buffer, sbuf.byteOffset, 64);
  /** statx of one representative per pseudo-filesystem link prefix: these fields are the filesystem's, not the file's. */
  const pseudo = new Map<string, { dev: number; mode: number; nlink: number; mnt: number }>();

  const u64 = (lo: number, hi: number): number | bigint => (hi < 0x200000 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo));
  const mkdev = (major: number, minor: number): number =>
    (minor & 0xff) + (major & 0xfff) * 256 + Math.floor(minor / 256) * 1048576 + Math.floor(major / 4096) * 4294967296;

  /** Reads a whole (small) /proc file into a fresh Buffer; null and an error record on failure. */
  const readFile = (path: string, pid: number, errors: RawError[], quiet?: boolean): Buffer | null => {
    const h = openat(AT_FDCWD, path, O_RDONLY_CLOEXEC);
    if (h < 0) {
      if (!quiet) errors.push({ errno: errnoName(), pid, fd: -1, where: path, message: 'cannot open' });
      return null;
    }
    let n = 0;
    for (;;) {
      const r = read(h, n === 0 ? buf : buf.subarray(n), buf.length - n);
      if (r < 0) {
        if (!quiet) errors.push({ errno: errnoName(), pid, fd: -1, where: path, message: 'cannot read' });
        close(h);
        return null;
      }
      if (r === 0) break;
      n += r;
      if (n === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger);
        buf = bigger;
      }
    }
    close(h);
    return Buffer.from(buf.subarray(0, n));
  };

  const readLink = (dirfd: number, name: string): Uint8Array | null => {
    const n = readlinkat(dirfd, name, lbuf, 4097);
    if (n < 0) return null;
    return Uint8Array.prototype.slice.call(lbuf, 0, n);
  };

  /** Where the last num() stopped (a variable, not a returned pair: no allocation, no element-kind changes). */
  let numEnd = 0;
  /** Decimal or octal number in buf[i..] up to a non-digit; numEnd is set past it. */
  const num = (b: Buffer, i: number, end: number, base: number): number | bigint => {
    while (i < end && (b[i] === 9 || b[i] === 32)) i++;
    const start = i;
    // -0, not 0: the multiply then never speculates on int32 and never
    // deoptimises when an inode number passes 2^31.
    let v = -0;
    while (i < end && b[i]! >= 48 && b[i]! <= 57) {
      v = v * base + (b[i]! - 48);
      i++;
    }
    numEnd = i;
    if (v > Number.MAX_SAFE_INTEGER) {
      const s = b.toString('latin1', start, i);
      return base === 8 ? BigInt('0o' + s) : BigInt(s);
    }
    return v;
  };
  const nextLine = (b: Buffer, i: number, end: number): number => {
    while (i < end && b[i] !== 10) i++;
    return i + 1;
  };

  /** A u64 into its f64 slot; above 2^53 the slot is NaN and the exact value goes to big. */
  const put = (t: RawFdTable, slot: number, v: number | bigint): void => {
    if (typeof v === 'bigint') {
      t.f64[slot] = NaN;
      t.big.push([slot, v.toString()]);
    } else t.f64[slot] = v;
  };

  /** procfd.c's FDINFO_KINDS: [first line of its own, link, printed whatever its state]. */
  const FDINFO_KINDS: [string, string, boolean][] = [
    ['eventfd-count:', 'anon_inode:[eventfd]', true],
    ['clockid:', 'anon_inode:[timerfd]', true],
    ['sigmask:', 'anon_inode:[signalfd]', true],
    ['Pid:', 'anon_inode:[pidfd]', true],
    ['pending:', 'anon_inode:[userfaultfd]', true],
    ['fanotify flags:', 'anon_inode:[fanotify]', true],
    ['tfd:', 'anon_inode:[eventpoll]', false],
    ['inotify wd:', 'anon_inode:inotify', false],
    ['SqMask:', 'anon_inode:[io_uring]', false],
  ];
  /** Do the link and the kind's fdinfo lines belong to one file? (procfd.c kind_agrees) */
  const kindAgrees = (link: string, x: string): boolean => {
    let i = 0;
    while (x.startsWith('lock:', i)) {
      const nl = x.indexOf('\n', i);
      i = nl < 0 ? x.length : nl + 1;
    }
    for (const [marker, l] of FDINFO_KINDS) if (x.startsWith(marker, i)) return link === l;
    for (const [, l, always] of FDINFO_KINDS) if (always && link === l) return false;
    return true;
  };
  /** The N of "socket:[N]", "pipe:[N]", "net:[N]" (its inode number), or -1. */
  const bracketIno = (link: string): number | bigint => {
    if (link.length < 4 || link.charCodeAt(0) === 47 || !link.endsWith(']')) return -1;
    const c = link.indexOf(':');
    if (c < 0 || link.charCodeAt(c + 1) !== 91) return -1;
    const digits = link.slice(c + 2, -1);
    if (!/^[0-9]+$/.test(digits)) return -1;
    const v = Number(digits);
    return v > Number.MAX_SAFE_INTEGER ? BigInt(digits) : v;
  };
  /** Reads of one fd that found it changed under them, before it is left out (procfd.c FD_TRIES). */
  const FD_TRIES = 4;
  /** Readings in a row that found it disagree with itself the same way, with the same link, before that is the kernel's (procfd.c FD_SAME_TRIES). */
  const FD_SAME_TRIES = 8;
  /** A path link read with fdinfo and statx over longer than this is vouched for or read again (procfd.c FD_WINDOW_NS says why). */
  const FD_WINDOW_MS = 0.1;
  const FD_SLOW_TRIES = 8;
  const FD_SLOW_ALIKE = 3;
  // Not performance.now(): that loads perf_hooks on the main thread.
  const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
  /** Busy for `ms` (micro-second pauses: a timer would sleep far longer). */
  const spin = (ms: number): void => {
    const until = nowMs() + ms;
    while (nowMs() < until);
  };
  /** A pause of 0-20 us before an fd is read again (procfd.c retry_jitter). */
  const retryJitter = (): void => spin(Math.random() * 0.02);
  /** CKPT_TEST_READ_GAP_US=N: a pause of up to N us in an fd's first reading, before its link or after, as a reader preempted there has (tests). */
  const gapMs = Number(process.env.CKPT_TEST_READ_GAP_US ?? 0) / 1000;
  const gapCell = gapMs > 0 ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
  const gap = (): void => {
    if (gapCell) Atomics.wait(gapCell, 0, 0, Math.random() * gapMs);
  };
  /** CKPT_TEST_SLOW_STAT_US=N: each statx of an fd takes N us more, as on a file system whose getattr is slow (tests). */
  const slowStatMs = Number(process.env.CKPT_TEST_SLOW_STAT_US ?? 0) / 1000;
  /** CKPT_TEST_LINK_SWAP=FROM|TO: an fd's first reading finds TO where its link is FROM (tests; procfd.c link_swap_init). */
  const swap = process.env.CKPT_TEST_LINK_SWAP?.split('|');
  const swapFrom = swap?.length === 2 ? Buffer.from(swap[0]!) : undefined;
  const swapTo = swap?.length === 2 ? Buffer.from(swap[1]!) : undefined;
  /** statx of fd `name` in its fd directory (and the test's pause, after one that succeeded: errno stays untouched). */
  const fdStatx = (dfd: number, name: string, mask: number, into: Buffer): number => {
    const r = statx(dfd, name, 0, mask, into);
    if (slowStatMs > 0 && r === 0) spin(slowStatMs);
    return r;
  };

  /** Whether the statx in `x` found the inode the fd's statx (sbuf) did: ino @32, dev major and minor @136. */
  const sameInode = (x: Uint32Array): boolean => x[8] === s32[8] && x[9] === s32[9] && x[34] === s32[34] && x[35] === s32[35];
  const lbuf2 = Buffer.allocUnsafe(4097);
  const sbuf2 = Buffer.alloc(256);
  const s32b = new Uint32Array(sbuf2.buffer, sbuf2.byteOffset, 64);
  /**
   * The link and statx read again: are they `link` and the inode of the
   * statx in sbuf again within FD_WINDOW_MS? Up to FD_SLOW_ALIKE times
   * while they are the same but slow (procfd.c link_vouched).
   */
  const linkVouched = (dfd: number, name: string, link: string): boolean => {
    for (let i = 0; i < FD_SLOW_ALIKE; i++) {
      const t0 = nowMs();
      const ln2 = readlinkat(dfd, name, lbuf2, 4097);
      if (ln2 !== link.length || fdStatx(dfd, name, STATX_BASIC, sbuf2) !== 0) return false;
      if (lbuf2.toString('latin1', 0, ln2) !== link || !sameInode(s32b)) return false;
      if (nowMs() - t0 <= FD_WINDOW_MS) return true;
    }
    return true;
  };

  /** The table being read is of a task in this process's mount namespace (procfd.c same_mount_ns). */
  let pathCheck = false;
  let selfMnt: string | null | undefined;
  /** `known`: the process's ns/mnt link where it was read already (latin1), else it is read beside fdDir. */
  const sameMountNs = (fdDir: string, known: string | undefined): boolean => {
    if (selfMnt === undefined)
      try {
        selfMnt = fs.readlinkSync('/proc/self/ns/mnt');
      } catch {
        selfMnt = null;
      }
    if (!selfMnt) return false;
    if (known !== undefined) return known === selfMnt;
    if (!fdDir.endsWith('/fd')) return false;
    try {
      return fs.readlinkSync(`${fdDir.slice(0, -2)}ns/mnt`) === selfMnt;
    } catch {
      return false;
    }
  };
  const pbuf = Buffer.allocUnsafe(4097);
  const sbuf3 = Buffer.alloc(256);
  const s32c = new Uint32Array(sbuf3.buffer, sbuf3.byteOffset, 64);
  const DELETED = ' (deleted)';
  /**
   * The inode now at the path the link (lbuf, ln bytes) names, where that
   * is another file than the fd's statx in sbuf found; -1 when it is the
   * same or there is no evidence (procfd.c path_elsewhere says why).
   */
  const pathElsewhere = (ln: number, link: string): number | bigint => {
    if (ln <= 0 || ln > 4096 || lbuf[0] !== 47 || link.endsWith(DELETED)) return -1;
    lbuf.copy(pbuf, 0, 0, ln);
    pbuf[ln] = 0;
    // AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_INO
    if (statxAt(AT_FDCWD, pbuf, 0x100 | 0x800, 0x100, sbuf3) !== 0 || !(s32c[0]! & 0x100)) return -1;
    if (sameInode(s32c)) return -1;
    return u64(s32c[8]!, s32c[9]!);
  };

  /** An fd's fdinfo into buf: its length, or -1 (with an error record) when it cannot be read: the fd is gone. */
  const readInfo = (pid: number, infoDir: string, ifd: number, name: string, errors: RawError[]): number => {
    const h = openat(ifd, name, O_RDONLY_CLOEXEC);
    if (h < 0) {
      errors.push({ errno: errnoName(), pid, fd: +name, where: `${infoDir}/${name}`, message: 'cannot open fdinfo' });
      return -1;
    }
    let n = 0;
    for (;;) {
      const r = read(h, n === 0 ? buf : buf.subarray(n), buf.length - n);
      if (r <= 0) {
        if (r < 0) n = -1;
        break;
      }
      n += r;
      if (n < buf.length) break; // seq_file returns short only at the end
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger);
      buf = bigger;
    }
    if (n < 0) errors.push({ errno: errnoName(), pid, fd: +name, where: `${infoDir}/${name}`, message: 'cannot read fdinfo' });
    close(h);
    return n;
  };

  /**
   * One fd: fdinfo, then the link, then the target's statx where it says
   * something, each record checked to be of one file (procfd.c's
   * read_one_fd says how, and holds the same FDINFO_KINDS): an fd number
   * closed and reopened as another file meanwhile is read again, and left
   * out with an EAGAIN record when it keeps changing. Its own function, too
   * big to be inlined: the optimising compiler then compiles it once,
   * instead of compiling the whole loop twice (a regular and an
   * on-stack-replacement version) on every run.
   */
  const readOneFd = (
    pid: number,
    fdDir: string,
    infoDir: string,
    dfd: number,
    ifd: number,
    t: RawFdTable,
    name: string,
    errors: RawError[],
  ): void => {
    const { i32, f64 } = t;
    const fdn = +name;
    let prev = '';
    let prevLink = '';
    let same = true;
    let slow = 0;
    for (let attempt = 1; ; attempt++) {
      // Every second read of an fd that changed: statx, the link, fdinfo (procfd.c read_one_fd says why).
      const reverse = attempt % 2 === 0;
      let preOk = false;
      let preErr = '';
      let n = 0;
      const t0 = nowMs();
      let t1 = 0;
      if (reverse) {
        if (fdStatx(dfd, name, STATX_BASIC | STATX_MNT_ID, sbuf) === 0) preOk = true;
        else preErr = errnoName();
      } else if ((n = readInfo(pid, infoDir, ifd, name, errors)) < 0) return;
      // CKPT_TEST_READ_GAP_US: one pause in an fd's first reading, before its link or after.
      const gapAt = attempt === 1 && gapCell ? (Math.random() < 0.5 ? 0 : 1) : -1;
      if (gapAt === 0) gap();
      let ln = readlinkat(dfd, name, lbuf, 4097);
      if (swapFrom && attempt === 1 && ln === swapFrom.length && lbuf.subarray(0, ln).equals(swapFrom)) ln = swapTo!.copy(lbuf);
      // A name longer than PATH_MAX (ENAMETOOLONG) cannot be read back, yet
      // the fd is there: kept, with the name not known. Any other failure
      // (ENOENT, EBADF: closed after fdinfo was read) leaves it out.
      const linkErr = ln < 0 ? errnoName() : '';
      if (!reverse) t1 = nowMs();
      if (linkErr && linkErr !== 'ENAMETOOLONG') {
        errors.push({ errno: linkErr, pid, fd: fdn, where: `${fdDir}/${name}`, message: 'cannot read link' });
        return;
      }
      if (gapAt === 1) gap();
      if (reverse) {
        if ((n = readInfo(pid, infoDir, ifd, name, errors)) < 0) return;
        t1 = nowMs();
      }
      // An io_uring prints its part of fdinfo only when it gets the ring's
      // lock without waiting (see procfd.c): read it again a few times.
      if (!linkErr && ln === 21 && lbuf.toString('latin1', 0, ln) === 'anon_inode:[io_uring]')
        for (let tries = 0; tries < 20 && buf.subarray(0, n).indexOf('SqMask') < 0; tries++) {
          const again = openat(ifd, name, O_RDONLY_CLOEXEC);
          if (again < 0) break;
          const r = read(again, buf, buf.length);
          close(again);
          if (r < 0) break;
          n = r;
        }
      const link = linkErr ? `\0${linkErr}` : lbuf.toString('latin1', 0, ln);
      // fdinfo: pos, flags (octal), mnt_id, ino, then the kind's own lines.
      // One loop with one call site each: the optimising compiler inlines
      // every call site, and this function is compiled on every run.
      let i = 0;
      let fdinfoIno: number | bigint = -1;
      let pos: number | bigint = 0;
      let flags = 0;
      let mnt = 0;
      let haveMnt = false;
      for (let line = 0; line < 4 && i < n; line++) {
        let k = i;
        while (k < n && buf[k] !== 58) k++;
        const len = k - i;
        const c = buf[i];
        const which =
          c === 112 && len === 3 ? 0 : c === 102 && len === 5 ? 1 : c === 109 && len === 6 ? 2 : c === 105 && len === 3 ? 3 : -1;
        if (which < 0) break;
        // pos is a loff_t, printed signed: negative after a seek far into
        // /proc/PID/mem; kept as its 64 bits, the u64 the image holds.
        let at = k + 1;
        while (at < n && (buf[at] === 9 || buf[at] === 32)) at++;
        const neg = which === 0 && buf[at] === 45;
        const v = num(buf, neg ? at + 1 : k + 1, n, which === 1 ? 8 : 10);
        if (which === 0) pos = neg ? BigInt.asUintN(64, -BigInt(v)) : v;
        else if (which === 1) flags = Number(v) | 0;
        else if (which === 2) {
          mnt = Number(v) >>> 0;
          haveMnt = true;
        } else fdinfoIno = v;
        i = nextLine(buf, numEnd, n);
      }
      if (i > n) i = n;
      const extra = i < n ? buf.toString('latin1', i, n) : '';
      // The target's stat carries per-file facts only for path-like links;
      // pipe:, socket:, anon_inode: and namespace links live on pseudo
      // filesystems whose dev/mode/nlink are the filesystem's, so one statx
      // per link prefix serves them all (ino comes from fdinfo).
      // Anon inodes key by the whole link: "anon_inode:[pidfd]" lives on
      // pidfs, the others on anon_inodefs.
      let key = '';
      if (!linkErr && lbuf[0] !== 47) {
        const c = link.indexOf(':');
        key = c < 0 ? link : link.slice(0, c);
        if (key === 'anon_inode') key = link;
      }
      const known = key ? pseudo.get(key) : undefined;
      let stOk = false;
      let stErr = '';
      if (!known) {
        // Taken first when reversed; for a pseudo-file link (known) it is not used, as it would not be read.
        if (reverse) {
          stOk = preOk;
          stErr = preErr;
        } else {
          if (fdStatx(dfd, name, STATX_BASIC | STATX_MNT_ID, sbuf) === 0) stOk = true;
          else stErr = errnoName();
          t1 = nowMs();
        }
      }
      // Taken first, it may have failed in a gap the fd was reopened in: read it again, the other way.
      if (reverse && (stErr === 'ENOENT' || stErr === 'EBADF')) continue;
      if (stErr === 'ENOENT' || stErr === 'EBADF') {
        errors.push({
          errno: stErr,
          pid,
          fd: fdn,
          where: `${fdDir}/${name}`,
          message: 'cannot stat target: the fd was closed, not recorded',
        });
        return;
      }
      // One file throughout?
      let why = '';
      const haveIno = fdinfoIno !== -1;
      // The link as the message says it: printable ASCII, any other byte '?' (procfd.c does the same).
      const pl = link.slice(0, 100).replace(/[^\x20-\x7e]/g, '?');
      const lino = linkErr ? -1 : bracketIno(link);
      const stIno = stOk ? u64(s32[8]!, s32[9]!) : 0;
      // Numbers up to 2^53, bigints above (num, u64, bracketIno): !== compares values.
      if (haveIno && lino !== -1 && lino !== fdinfoIno) why = `its link ${pl}, its fdinfo inode ${fdinfoIno}`;
      else if (stOk && haveIno && stIno !== fdinfoIno) why = `inode ${fdinfoIno} in fdinfo, ${stIno} at its stat`;
      else if (stOk && haveMnt && s32[0]! & STATX_MNT_ID && (s32[36]! !== mnt || s32[37]! !== 0))
        why = `mount ${mnt} in fdinfo, ${u64(s32[36]!, s32[37]!)} at its stat`;
      else if (known && known.mnt >= 0 && haveMnt && known.mnt !== mnt) why = `its link ${pl}, its fdinfo mount ${mnt}`;
      else if (!linkErr && !kindAgrees(link, extra)) why = `its link ${pl}, its fdinfo of another kind`;
      else if (pathCheck && stOk && !known && !linkErr) {
        const at = pathElsewhere(ln, link);
        if (at !== -1) why = `its link ${pl}, inode ${at} at that path`;
      }
      if (why) {
        same = same && (attempt === 1 || (why === prev && link === prevLink));
        prev = why;
        prevLink = link;
        if (attempt < (same ? FD_SAME_TRIES : FD_TRIES)) {
          retryJitter();
          continue;
        }
        if (!same) {
          errors.push({
            errno: 'EAGAIN',
            pid,
            fd: fdn,
            where: `${fdDir}/${name}`,
            message: `fd ${fdn} was closed and reopened while it was read (${why}): not recorded`,
          });
          return;
        }
        // The same every time: not a race, the kernel's own figures.
      } else if (stOk && !known && !linkErr && t1 - t0 > FD_WINDOW_MS) {
        if (!linkVouched(dfd, name, link)) {
          // Not one disagreement every time: no longer the kernel's own.
          same = false;
          slow++;
          if (attempt < FD_SLOW_TRIES) continue;
          errors.push({
            errno: 'EAGAIN',
            pid,
            fd: fdn,
            where: `${fdDir}/${name}`,
            message: `fd ${fdn} may have been closed and reopened while it was read (${slow} of its readings took over ${FD_WINDOW_MS * 1000} us, time for that): not recorded`,
          });
          return;
        }
      }
      // Kept.
      if (linkErr) errors.push({ errno: linkErr, pid, fd: fdn, where: `${fdDir}/${name}`, message: KEPT_UNNAMED });
      const k = t.n++;
      const b4 = k * 4;
      const b6 = k * 7;
      t.fd[k] = fdn;
      let ascii = 1;
      for (let q = 0; q < ln; q++)
        if (lbuf[q]! >= 0x80) {
          ascii = 0;
          break;
        }
      t.linkAscii[k] = ascii;
      t.link.push(link);
      i32[b4] = flags;
      i32[b4 + 1] = mnt | 0;
      put(t, b6 + 4, pos);
      put(t, b6 + 5, fdinfoIno);
      t.extra.push(extra);
      if (known) {
        t.statted[k] = 1;
        f64[b6] = known.dev;
        i32[b4 + 2] = known.mode;
        i32[b4 + 3] = known.nlink;
        put(t, b6 + 1, fdinfoIno);
        f64[b6 + 2] = 0;
        f64[b6 + 3] = 0;
        f64[b6 + 6] = 0;
      } else if (stOk) {
        t.statted[k] = 1;
        // struct statx: mask @0, nlink @16, mode @28 (u16), ino @32, size @40, blocks @48, rdev @128, dev @136, mnt_id @144.
        const nlink = s32[4]!;
        const mode = s32[7]! & 0xffff;
        const dev = mkdev(s32[34]!, s32[35]!);
        i32[b4 + 2] = mode;
        i32[b4 + 3] = nlink;
        f64[b6] = dev;
        put(t, b6 + 1, stIno);
        f64[b6 + 2] = mkdev(s32[32]!, s32[33]!);
        put(t, b6 + 3, u64(s32[10]!, s32[11]!));
        // st_blocks, where the filesystem gives it (STATX_BLOCKS in the mask).
        if (s32[0]! & STATX_BLOCKS) put(t, b6 + 6, u64(s32[12]!, s32[13]!));
        else f64[b6 + 6] = -1;
        if (key) pseudo.set(key, { dev, mode, nlink, mnt: s32[0]! & STATX_MNT_ID ? s32[36]! : -1 });
      } else {
        errors.push({ errno: stErr, pid, fd: fdn, where: `${fdDir}/${name}`, message: 'cannot stat target' });
      }
      return;
    }
  };

  const readFds = (pid: number, fdDir: string, infoDir: string, errors: RawError[], mntLink?: string): RawFdTable | null => {
    pathCheck = sameMountNs(fdDir, mntLink);
    let names: string[];
    try {
      names = fs.readdirSync(fdDir);
    } catch (e) {
      errors.push({ errno: fsErrno(e), pid, fd: -1, where: fdDir, message: 'cannot list fds' });
      return null;
    }
    const dfd = openat(AT_FDCWD, fdDir, O_DIR);
    if (dfd < 0) {
      errors.push({ errno: errnoName(), pid, fd: -1, where: fdDir, message: 'cannot open fd directory' });
      return null;
    }
    const ifd = openat(AT_FDCWD, infoDir, O_DIR);
    if (ifd < 0) {
      errors.push({ errno: errnoName(), pid, fd: -1, where: infoDir, message: 'cannot open fdinfo directory' });
      close(dfd);
      return null;
    }
    const cap = names.length;
    const t: RawFdTable = {
      n: 0,
      fd: new Int32Array(cap),
      i32: new Int32Array(cap * 4),
      f64: new Float64Array(cap * 7),
      statted: new Uint8Array(cap),
      linkAscii: new Uint8Array(cap),
      link: [],
      extra: [],
      big: [],
    };
    for (const name of names) {
      if (gen && !stamp(pid, Number.isSafeInteger(+name) ? +name : -1, true)) break; // given up on: stop here
      readOneFd(pid, fdDir, infoDir, dfd, ifd, t, name, errors);
    }
    close(dfd);
    close(ifd);
    return t;
  };

  const NS_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
  const { beat, gen } = job;
  const slot = job.slot ?? 0;
  let mine = 0;
  let givenUp = false;
  /** Publishes (pid, fd, now or 0); false once the supervisor has given this reader up. */
  const stamp = (pid: number, fd: number, reading: boolean): boolean => {
    if (givenUp || Atomics.compareExchange(gen!, slot, mine, mine + 1) !== mine) return !(givenUp = true);
    Atomics.store(beat!, slot * 3, BigInt(pid));
    Atomics.store(beat!, slot * 3 + 1, BigInt(fd));
    Atomics.store(beat!, slot * 3 + 2, reading ? process.hrtime.bigint() : 0n);
    Atomics.store(gen!, slot, (mine += 2));
    return true;
  };
  const results: RawProc[] = [];
  const root = job.procRoot;
  try {
    for (;;) {
      const idx = Atomics.add(job.counter, 0, 1);
      if (idx >= job.pids.length) break;
      const pid = job.pids[idx]!;
      if (gen && !stamp(pid, -1, true)) break;
      const errors: RawError[] = [];
      // Written out, not procfd-reader's unreadProc: this function runs in a
      // worker as its own source text (worker-pool.ts), without the module's imports.
      const rp: RawProc = {
        pid,
        stat: null,
        status: null,
        cmdline: null,
        nofile: null,
        cwd: null,
        root: null,
        ns: [],
        threads: [],
        fds: null,
        errors,
      };
      readOne(rp);
      // Done with it (not reading: nothing to time out while it is handed
      // over), unless it was given up on while it hung: then it was reported
      // as timed out, and what came late is dropped.
      if (gen && !stamp(pid, -1, false)) break;
      results.push(rp);
      if (onProc) onProc(rp);
    }
  } finally {
    // However it ends (done, given up on, an exception), the seqlock is
    // left odd for good: the supervisor never gives up on a reader that
    // has ended. Failing means it had been given up on already (-1).
    if (gen && !givenUp && Atomics.compareExchange(gen, slot, mine, mine + 1) !== mine) givenUp = true;
  }
  return results;

  function readOne(rp: RawProc): void {
    const { pid, errors } = rp;
    const base = `${root}/${pid}`;
    const override = job.fdDirOverride?.[pid];
    if (job.fdsOnly && override) {
      rp.fds = readFds(pid, `${root}/${override}/fd`, `${root}/${override}/fdinfo`, errors);
      return;
    }
    rp.stat = readFile(`${base}/stat`, pid, errors);
    if (!rp.stat) return;
    const status = readFile(`${base}/status`, pid, errors);
    rp.status = status ? status.toString('latin1') : null;
    rp.cmdline = readFile(`${base}/cmdline`, pid, errors);
    // Quiet, as the native reader: without it the limit is just unknown.
    const limits = readFile(`${base}/limits`, pid, errors, true)?.toString('latin1');
    const at = limits ? limits.indexOf('\nMax open files ') : -1;
    if (at >= 0) {
      const end = limits!.indexOf('\n', at + 1);
      rp.nofile = limits!.slice(at + 1, end < 0 ? undefined : end);
    }
    const bd = openat(AT_FDCWD, base, O_DIR);
    if (bd >= 0) {
      rp.cwd = readLink(bd, 'cwd');
      if (!rp.cwd) errors.push({ errno: errnoName(), pid, fd: -1, where: `${base}/cwd`, message: 'cannot read link' });
      rp.root = readLink(bd, 'root');
      if (!rp.root) errors.push({ errno: errnoName(), pid, fd: -1, where: `${base}/root`, message: 'cannot read link' });
      close(bd);
    } else {
      errors.push({ errno: errnoName(), pid, fd: -1, where: base, message: 'cannot open process directory' });
    }
    const nsd = openat(AT_FDCWD, `${base}/ns`, O_DIR);
    if (nsd >= 0) {
      // A namespace the kernel lacks (time on old kernels) is ENOENT and
      // simply absent; anything else is worth a record, once per process.
      let failed = '';
      for (const t of NS_TYPES) {
        const l = readLink(nsd, t);
        if (l) rp.ns.push([t, Buffer.from(l).toString('latin1')]);
        else if (!failed) {
          const e = errnoName();
          if (e !== 'ENOENT') failed = e;
        }
      }
      if (failed) errors.push({ errno: failed, pid, fd: -1, where: `${base}/ns`, message: 'cannot read namespaces' });
      close(nsd);
    } else {
      errors.push({ errno: errnoName(), pid, fd: -1, where: `${base}/ns`, message: 'cannot read namespaces' });
    }
    try {
      for (const t of fs.readdirSync(`${base}/task`)) {
        const tid = +t;
        if (tid === pid) continue;
        rp.threads.push({ tid, stat: readFile(`${base}/task/${t}/stat`, pid, errors, true) });
      }
    } catch (e) {
      errors.push({ errno: fsErrno(e), pid, fd: -1, where: `${base}/task`, message: 'cannot list threads' });
    }
    rp.fds = readFds(pid, `${base}/fd`, `${base}/fdinfo`, errors, rp.ns.find(([t]) => t === 'mnt')?.[1]);
  }
}
