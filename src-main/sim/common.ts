/** File shapes every scenario uses: paths on one root fs, std streams, sockets. */
import { O } from '../../src-shared/model/index.js';
import type { AttrRecord, BStr } from '../../src-shared/model/index.js';
import { S_IFCHR, S_IFDIR, S_IFREG, S_IFSOCK, hashName, mkdev, type FileInit, type Proc } from './builder.js';

export const ROOT_DEV = mkdev(259, 2);
export const ROOT_MNT = 29;

export function openFile(p: Proc, path: string | BStr, init: FileInit & { cloexec?: boolean; at?: number } = {}): number {
  const key = typeof path === 'string' ? path : Buffer.from(path).toString('latin1');
  const { cloexec, at, ...rest } = init;
  return p.open(
    'regular',
    { path, mode: S_IFREG | 0o644, dev: ROOT_DEV, mntId: ROOT_MNT, ino: p.b.inodeFor(key), size: 4096, flags: O.O_LARGEFILE, ...rest },
    { cloexec, at },
  );
}

export function openDir(p: Proc, path: string, cloexec = true): number {
  return p.open(
    'directory',
    {
      path,
      mode: S_IFDIR | 0o755,
      dev: ROOT_DEV,
      mntId: ROOT_MNT,
      ino: p.b.inodeFor(path),
      size: 4096,
      flags: O.O_DIRECTORY | O.O_NONBLOCK | O.O_LARGEFILE,
    },
    { cloexec },
  );
}

export function openDevNull(p: Proc, at?: number): number {
  return p.open(
    'chardev',
    { path: '/dev/null', flags: O.O_RDWR | O.O_LARGEFILE, mode: S_IFCHR | 0o666, rdev: mkdev(1, 3), dev: 5, mntId: 24, ino: 4 },
    { at },
  );
}

/** fds 0, 1, 2 on one open file, the way a daemon dup2()s /dev/null. */
export function stdNull(p: Proc): void {
  openDevNull(p, 0);
  p.dup(0, { at: 1 });
  p.dup(0, { at: 2 });
}

/** fds 0, 1, 2 on one pty slave, the way a login shell has them. */
export function stdPty(p: Proc, index: number): void {
  p.open(
    'pty',
    {
      path: `/dev/pts/${index}`,
      flags: O.O_RDWR | O.O_LARGEFILE,
      mode: S_IFCHR | 0o620,
      rdev: mkdev(136, index),
      dev: 25,
      mntId: 26,
      ino: index + 3,
      attrs: { index, master: false },
    },
    { at: 0 },
  );
  p.dup(0, { at: 1 });
  p.dup(0, { at: 2 });
}

/**
 * A TCP listener. `accept`: the scenario's made-up accept queue (connections
 * not yet accepted) and backlog, recorded as known; without it the backlog is
 * left unknown, as a /proc capture leaves it where sock_diag did not answer.
 */
export function tcpListen(
  p: Proc,
  addr: string,
  port: number,
  family: 4 | 6,
  cloexec = false,
  accept?: { queued: number; backlog: number },
): number {
  const queue: AttrRecord = accept ? { rxQueue: accept.queued, backlogKnown: true, backlog: accept.backlog } : {};
  return p.open(
    'inet-socket',
    {
      path: '',
      mode: S_IFSOCK | 0o777,
      dev: 8,
      flags: O.O_RDWR | O.O_NONBLOCK,
      attrs: {
        proto: 'tcp',
        family,
        state: 'LISTEN',
        localAddr: addr,
        localPort: port,
        remoteAddr: family === 4 ? '0.0.0.0' : '::',
        remotePort: 0,
        ...queue,
      },
    },
    { cloexec },
  );
}

export function tcpConn(
  p: Proc,
  local: string,
  lport: number,
  remote: string,
  rport: number,
  state = 'ESTABLISHED',
  cloexec = true,
): number {
  const family = local.includes(':') ? 6 : 4;
  // A connection's inode is its own, whatever else a scenario opened before
  // it: the same connection in two steps of a series is one socket, and a
  // connection that took a closed one's fd number is another (as the kernel
  // gives each socket a new inode). From its ends, above the counter's
  // range; the counter still moves, so the other inodes stay as they were.
  p.b.nextIno();
  const key = `tcp|${local}|${lport}|${remote}|${rport}`;
  const ino = 2 ** 32 + hashName(key) * 1024 + (hashName(`${key}#`) & 1023);
  return p.open(
    'inet-socket',
    {
      mode: S_IFSOCK | 0o777,
      dev: 8,
      ino,
      flags: O.O_RDWR | O.O_NONBLOCK,
      attrs: { proto: 'tcp', family, state, localAddr: local, localPort: lport, remoteAddr: remote, remotePort: rport },
    },
    { cloexec },
  );
}

/** Socket paths are what readlink shows: socket:[INO]. */
export function fixSocketPaths(files: { kind: string; path: BStr; ino: unknown }[]): void {
  for (const f of files) if (f.kind.endsWith('socket') && f.path === '') f.path = `socket:[${String(f.ino)}]`;
}

/** A client connected to `listener` (an fd of `on`) that the listener's process has not accepted yet: CONNECTED, no peer. */
export function unixPending(p: Proc, on: Proc, listener: number): number {
  return p.open('unix-socket', {
    mode: S_IFSOCK | 0o777,
    dev: 8,
    flags: O.O_RDWR,
    attrs: { type: 'stream', state: 'CONNECTED', name: '', peer: 0, listening: false, pendingOn: on.fileAt(listener).ino },
  });
}

export function unixPair(a: Proc, b: Proc, type = 'stream', cloexec = true): [number, number] {
  const ia = a.b.nextIno();
  const ib = a.b.nextIno();
  const fa = a.open(
    'unix-socket',
    { mode: S_IFSOCK | 0o777, dev: 8, ino: ia, flags: O.O_RDWR, attrs: { type, state: 'CONNECTED', name: '', peer: ib, listening: false } },
    { cloexec },
  );
  const fb = b.open(
    'unix-socket',
    { mode: S_IFSOCK | 0o777, dev: 8, ino: ib, flags: O.O_RDWR, attrs: { type, state: 'CONNECTED', name: '', peer: ia, listening: false } },
    { cloexec },
  );
  return [fa, fb];
}

/** A unix stream listener; `queue`: connections waiting to be accepted, of its `backlog` (format 1.7; default not known). */
export function unixListen(p: Proc, name: string, cloexec = true, queue?: { queued: number; backlog: number }): number {
  const backlog: AttrRecord = queue ? { rxQueue: queue.queued, backlogKnown: true, backlog: queue.backlog } : {};
  return p.open(
    'unix-socket',
    {
      mode: S_IFSOCK | 0o777,
      dev: 8,
      flags: O.O_RDWR | O.O_NONBLOCK,
      attrs: { type: 'stream', state: 'LISTEN', name, peer: 0, listening: true, ...backlog },
    },
    { cloexec },
  );
}

export function eventfd(p: Proc, id: number, count = 0): number {
  return p.open(
    'eventfd',
    { path: 'anon_inode:[eventfd]', flags: O.O_RDWR | O.O_NONBLOCK, dev: 15, ino: 1051, attrs: { count, id, semaphore: false } },
    { cloexec: true },
  );
}

/** An epoll watching fds of `p`, each resolved to its open file. */
export function epoll(p: Proc, watched: number[]): number {
  const watches = watched.map((tfd) => {
    const f = p.fileAt(tfd);
    return { tfd, events: 0x19, data: tfd, ino: f.ino, sdev: Number(f.dev), file: f.ref };
  });
  return p.open('epoll', { path: 'anon_inode:[eventpoll]', flags: O.O_RDWR, dev: 15, ino: 1051, attrs: { watches } }, { cloexec: true });
}
