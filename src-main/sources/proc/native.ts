/**
 * The few syscalls Node lacks, through koffi: kcmp (the kernel's proof that
 * two fds share an open file, or two tasks a table), getxattr for a socket's
 * protocol name, and the netlink socket calls sock_diag needs. koffi is
 * loaded on first use so commands that never capture do not pay for it.
 */
import { createRequire } from 'node:module';
import { arch } from 'node:os';
import { procfd } from './procfd-reader.js';

export type Koffi = typeof import('koffi');

const req = createRequire(import.meta.url);
let koffiMod: Koffi | undefined;

export function loadKoffi(): Koffi {
  koffiMod ??= req('koffi') as Koffi;
  return koffiMod;
}

/**
 * Ends the process at once with `code` (libc _exit): no wait for threads.
 * Only for a process holding a worker thread stuck in a hung syscall,
 * which Node would otherwise wait for at exit, forever on a dead mount.
 * Called from an 'exit' listener, after the event loop has drained (what
 * was written is out). Node's own exit would also put stdin, stdout and
 * stderr back to blocking mode; _exit skips that, so it is done here: a
 * pipe left non-blocking breaks the next program writing to it.
 */
export function hardExit(code: number): never {
  const libc = loadKoffi().load('libc.so.6');
  const fcntl = libc.func('int fcntl(int, int, int)') as (fd: number, cmd: number, arg: number) => number;
  const F_GETFL = 3;
  const F_SETFL = 4;
  const O_NONBLOCK = 0o4000;
  for (const fd of [0, 1, 2]) {
    const fl = fcntl(fd, F_GETFL, 0);
    if (fl >= 0 && fl & O_NONBLOCK) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
  (libc.func('void _exit(int)') as (c: number) => void)(code);
  process.exit(code); // not reached
}

/** Absolute path of koffi's entry, so a worker thread can require it. */
export function koffiPath(): string {
  return req.resolve('koffi');
}

const SYS_KCMP: Record<string, number> = { x64: 312, arm64: 272, riscv64: 272, ia32: 349, arm: 378, loong64: 272 };

export const KCMP_FILE = 0;
export const KCMP_FILES = 2;
export const KCMP_EPOLL_TFD = 7;

const ERRNO: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  9: 'EBADF',
  13: 'EACCES',
  22: 'EINVAL',
  38: 'ENOSYS',
  61: 'ENODATA',
  95: 'EOPNOTSUPP',
};
export function errnoName(e: number): string {
  return ERRNO[e] ?? `E${e}`;
}

/** kcmp result: 0 equal, 1 or 2 a stable order, or an errno name when the kernel would not say. */
export type KcmpResult = 0 | 1 | 2 | string;

interface Libc {
  kcmp: (pid1: number, pid2: number, type: number, idx1: number, idx2: number) => KcmpResult;
  kcmpEpoll: (pid1: number, fd1: number, pid2: number, efd: number, tfd: number, toff: number) => KcmpResult;
  getxattr: (path: string, name: string) => string | null;
  socket: (domain: number, type: number, proto: number) => number;
  send: (fd: number, buf: Buffer) => number;
  recv: (fd: number, buf: Buffer) => number;
  close: (fd: number) => number;
  open: (path: string, flags: number) => number;
  /** setns(2) for the calling thread; 0 or -1. */
  setns: (fd: number, nstype: number) => number;
  errno: () => number;
}

export type SharingCalls = Pick<Libc, 'kcmp' | 'kcmpEpoll' | 'getxattr'> & {
  /** The addon's sort by kcmp (procfd-reader.ts); absent through koffi. */
  kcmpSort?: KcmpSort;
};

/**
 * Sorts items (pids[i], idxs[i]) by kcmp's order of their objects: order
 * the item numbers, same[i] = 1 where order[i] is order[i-1]'s object;
 * returns the calls made. A refusal: info = [errno, item, item], order not whole.
 */
export type KcmpSort = (type: number, pids: Int32Array, idxs: Int32Array, order: Int32Array, same: Uint8Array, info: Int32Array) => number;

let calls: SharingCalls | undefined;

/**
 * kcmp and getxattr from the procfd addon where it loads, so a capture
 * loads no FFI at all (koffi's start is ~6 ms); through koffi elsewhere.
 */
export function sharingCalls(): SharingCalls {
  if (calls) return calls;
  const p = procfd();
  calls = p ? { kcmp: p.kcmp, kcmpSort: p.kcmpSort, kcmpEpoll: p.kcmpEpoll, getxattr: p.getxattr } : native();
  return calls;
}

let libc: Libc | undefined;

/** libc through koffi: the fallback for what the procfd addon does, and the calls it does not. */
export function native(): Libc {
  if (libc) return libc;
  const k = loadKoffi();
  const lib = k.load('libc.so.6');
  const nr = SYS_KCMP[arch()];
  // syscall(2) is variadic; every argument here is an integer or pointer,
  // which x86_64 and aarch64 pass alike either way, and a fixed prototype
  // is much cheaper to call than koffi's variadic path.
  const sys = lib.func('syscall', 'long', ['long', 'long', 'long', 'long', 'long', 'long']);
  const sysPtr = lib.func('syscall', 'long', ['long', 'long', 'long', 'long', 'long', 'void *']);
  const gx = lib.func('long getxattr(const char *, const char *, _Out_ uint8_t *buf, size_t)');
  const sock = lib.func('int socket(int, int, int)');
  const snd = lib.func('long send(int, const uint8_t *buf, size_t, int)');
  const rcv = lib.func('long recv(int, _Out_ uint8_t *buf, size_t, int)');
  const cls = lib.func('int close(int)');
  const opn = lib.func('int open(const char *, int)');
  const sns = lib.func('int setns(int, int)');
  const xbuf = Buffer.alloc(256);
  const slot = Buffer.alloc(12);
  const fail = (): string => errnoName(k.errno());
  libc = {
    kcmp(pid1, pid2, type, idx1, idx2) {
      if (nr === undefined) return 'ENOSYS';
      const r = Number(sys(nr, pid1, pid2, type, idx1, idx2));
      return r === 0 || r === 1 || r === 2 ? r : fail();
    },
    kcmpEpoll(pid1, fd1, pid2, efd, tfd, toff) {
      if (nr === undefined) return 'ENOSYS';
      slot.writeUInt32LE(efd, 0);
      slot.writeUInt32LE(tfd, 4);
      slot.writeUInt32LE(toff, 8);
      const r = Number(sysPtr(nr, pid1, pid2, KCMP_EPOLL_TFD, fd1, slot));
      return r === 0 || r === 1 || r === 2 ? r : fail();
    },
    getxattr(path, name) {
      const n = Number(gx(path, name, xbuf, xbuf.length));
      return n < 0 ? null : xbuf.toString('latin1', 0, n).replace(/\0+$/, '');
    },
    socket: (d, t, p) => Number(sock(d, t, p)),
    send: (fd, b) => Number(snd(fd, b, b.length, 0)),
    recv: (fd, b) => Number(rcv(fd, b, b.length, 0)),
    close: (fd) => Number(cls(fd)),
    open: (path, flags) => Number(opn(path, flags)),
    setns: (fd, t) => Number(sns(fd, t)),
    errno: () => k.errno(),
  };
  return libc;
}
