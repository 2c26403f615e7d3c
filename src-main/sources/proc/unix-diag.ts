/**
 * Unix sockets through NETLINK_SOCK_DIAG: the only place the kernel tells a
 * socket's peer (which two sockets are the ends of one socketpair or
 * connection), and names as exact bytes (/proc/net/unix mangles names with
 * newlines or NULs). The dump itself, in our namespace or another one
 * (root or CAP_SYS_ADMIN; where that is refused the caller falls back to
 * /proc/PID/net/unix), is sock-diag.ts's; this module asks for unix sockets
 * and parses the replies, and tells which clients wait in a listener's
 * accept queue (UNIX_DIAG_ICONS).
 */
import { bstrFromBytes, type BStr } from '../../../src-shared/model/index.js';
import { procfd, takeEarlyUnixDump } from './procfd-reader.js';
import { NLMSG_DONE, NLMSG_ERROR, SOCK_DIAG_BY_FAMILY, TCP_LISTEN, sockDiagDump, u32le } from './sock-diag.js';
import { unixDumpRequest, unixListenersRequest } from './unix-diag-request.js';
import type { UnixInfo } from './net-tables.js';
import { UNIX_TYPES } from './net-tables.js';

const UNIX_DIAG_NAME = 0;
const UNIX_DIAG_PEER = 2;
/** A listener's accept queue: per connection waiting, the inode of its client socket (u32 each). */
const UNIX_DIAG_ICONS = 3;
/** struct unix_diag_rqlen { u32 udiag_rqueue, udiag_wqueue }. */
const UNIX_DIAG_RQLEN = 4;
const TCP_ESTABLISHED = 1;
const TCP_SYN_SENT = 2;

/** A bound name as /proc/net/unix shows it, from the attribute's bytes [from, to). */
function diagName(buf: Buffer, from: number, to: number): BStr {
  // Abstract names start with NUL; show them the way /proc/net/unix does, with '@'.
  if (buf[from] === 0) {
    const name = Uint8Array.prototype.slice.call(buf, from, to);
    name[0] = 0x40;
    return bstrFromBytes(name);
  }
  // A path name comes with the NUL its bind() address carried.
  while (to > from && buf[to - 1] === 0) to--;
  // A copy: buf is reused for the next replies.
  return bstrFromBytes(Uint8Array.prototype.slice.call(buf, from, to));
}

/**
 * The messages in buf[0, n) into `out`: 'done' at NLMSG_DONE, 'more' when
 * the dump goes on in the next read, 'fail' on an error or a malformed message.
 *
 * Runs once per capture over every unix socket of the machine (thousands),
 * mostly before the JIT has compiled it: the fields are read with inline
 * byte arithmetic, no Buffer method calls, which there cost the most.
 */
function parseReplies(buf: Buffer, n: number, out: Map<number, UnixInfo>): 'done' | 'more' | 'fail' {
  return parseMessages(buf, n, out);
}

/** Listener inode, then its clients' inodes, per listener with a queue: markPending's input. */
const icons: number[][] = [];

/**
 * Each client a listener's UNIX_DIAG_ICONS names gets pendingOn, the
 * listener's inode: its own peer is the embryo socket the listener will
 * hand to accept(), in no one's fd table, so without this it reads as
 * CONNECTED to nothing. A client in another network namespace (connected
 * by path) is not in this dump and is left as it is.
 */
function markPending(replies: Buffer, out: Map<number, UnixInfo>): void {
  icons.length = 0;
  // Into a map of its own: only the listeners' ICONS are taken from it. A
  // dump that ended early (a listener whose queue did not fit) still marks
  // the clients of the listeners before it.
  parseMessages(replies, replies.length, new Map());
  for (const q of icons) {
    const listener = q[0]!;
    for (let i = 1; i < q.length; i++) {
      const c = q[i] ? out.get(q[i]!) : undefined;
      if (c) c.pendingOn = listener;
    }
  }
  icons.length = 0;
}

function parseMessages(buf: Buffer, n: number, out: Map<number, UnixInfo>): 'done' | 'more' | 'fail' {
  icons.length = 0;
  let off = 0;
  while (off + 16 <= n) {
    const len = u32le(buf, off);
    const type = buf[off + 4]! | (buf[off + 5]! << 8);
    if (len < 16 || off + len > n) return 'fail';
    if (type === NLMSG_DONE) return 'done';
    if (type === NLMSG_ERROR) return 'fail';
    if (type === SOCK_DIAG_BY_FAMILY && len >= 32) {
      const m = off + 16;
      const stype = buf[m + 1]!;
      const state = buf[m + 2]!;
      const ino = u32le(buf, m + 4);
      // Most sockets are unnamed: no bytes to copy or decode for them.
      let name: BStr = '';
      let peer = 0;
      let rqueue = 0;
      let wqueue = 0;
      let a = m + 16;
      const end = off + len;
      while (a + 4 <= end) {
        const alen = buf[a]! | (buf[a + 1]! << 8);
        const atype = buf[a + 2]! | (buf[a + 3]! << 8);
        if (alen < 4) break;
        if (atype === UNIX_DIAG_NAME && alen > 4) name = diagName(buf, a + 4, a + alen);
        else if (atype === UNIX_DIAG_PEER && alen >= 8) peer = u32le(buf, a + 4);
        else if (atype === UNIX_DIAG_RQLEN && alen >= 12) {
          rqueue = u32le(buf, a + 4);
          wqueue = u32le(buf, a + 8);
        } else if (atype === UNIX_DIAG_ICONS && alen >= 8) {
          const q = [ino];
          for (let p = a + 4; p + 4 <= a + alen; p += 4) q.push(u32le(buf, p));
          icons.push(q);
        }
        a += (alen + 3) & ~3;
      }
      const listening = state === TCP_LISTEN;
      out.set(ino, {
        type: UNIX_TYPES[stype] ?? String(stype),
        state: listening ? 'LISTEN' : state === TCP_ESTABLISHED ? 'CONNECTED' : state === TCP_SYN_SENT ? 'CONNECTING' : 'UNCONNECTED',
        name,
        peer,
        listening,
        // As /proc/net/tcp has a TCP socket's: a listener's receive queue is
        // its connections not yet accepted, and its send queue 0 (sock_diag's
        // wqueue is then the backlog, which ss shows as Send-Q, not a queue);
        // otherwise bytes unread, and bytes written the peer has not read
        // (counted in buffer memory, as ss shows them).
        txQueue: listening ? 0 : wqueue,
        rxQueue: rqueue,
        // ss -xl's Send-Q of a listener: listen()'s backlog (capped at somaxconn), what the queue is measured against.
        backlogKnown: listening,
        backlog: listening ? wqueue : 0,
        pendingOn: 0,
      });
    }
    off += (len + 3) & ~3;
  }
  return 'more';
}

/**
 * Every unix socket of a namespace (ours by default) by inode, or null when
 * sock_diag is unavailable.
 */
export function unixDiag(nsPath?: string, via: 'procfd' | 'koffi' = procfd() ? 'procfd' : 'koffi'): Map<number, UnixInfo> | null {
  // Our own namespace's first dump of a `ckpt capture --all` was started
  // early, on a thread of the addon, while the CLI loaded; one that failed
  // (its thread could not start, say) is asked again here.
  const early = via === 'procfd' && !nsPath ? takeEarlyUnixDump() : undefined;
  const replies = Buffer.isBuffer(early) ? early : sockDiagDump(unixDumpRequest(), nsPath, via);
  if (!replies) return null;
  const out = new Map<number, UnixInfo>();
  if (parseReplies(replies, replies.length, out) !== 'done') return null;
  // The listeners' waiting clients, from a dump of the listeners alone (unixListenersRequest says why).
  const listeners = sockDiagDump(unixListenersRequest(), nsPath, via);
  if (listeners) markPending(listeners, out);
  return out;
}
