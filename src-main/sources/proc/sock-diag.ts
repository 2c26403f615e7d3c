/**
 * NETLINK_SOCK_DIAG dumps, whatever the family asked for (unix-diag.ts,
 * inet-diag.ts): a request sent, every reply back up to NLMSG_DONE. The
 * kernel answers for the namespace the netlink socket was created in, so for
 * another namespace the calling thread enters it with setns just long enough
 * to create the socket (root or CAP_SYS_ADMIN; where that is refused the dump
 * is null and the caller does without).
 */
import { native } from './native.js';
import { procfd } from './procfd-reader.js';

const AF_NETLINK = 16;
const SOCK_DGRAM_CLOEXEC = 2 | 0o2000000;
const NETLINK_SOCK_DIAG = 4;
export const SOCK_DIAG_BY_FAMILY = 20;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
/** The kernel's TCP_LISTEN, the state sock_diag reports a listener in (unix sockets' too). */
export const TCP_LISTEN = 10;

const CLONE_NEWNET = 0x40000000;
const O_RDONLY_CLOEXEC = 0o2000000;

/** A sock_diag socket in the namespace of `nsPath` (a /proc/PID/ns/net), or in ours. */
function diagSocket(lib: ReturnType<typeof native>, nsPath?: string): number {
  if (!nsPath) return lib.socket(AF_NETLINK, SOCK_DGRAM_CLOEXEC, NETLINK_SOCK_DIAG);
  const own = lib.open('/proc/thread-self/ns/net', O_RDONLY_CLOEXEC);
  if (own < 0) return -1;
  const target = lib.open(nsPath, O_RDONLY_CLOEXEC);
  if (target < 0) {
    lib.close(own);
    return -1;
  }
  let fd = -1;
  try {
    if (lib.setns(target, CLONE_NEWNET) === 0) {
      fd = lib.socket(AF_NETLINK, SOCK_DGRAM_CLOEXEC, NETLINK_SOCK_DIAG);
      if (lib.setns(own, CLONE_NEWNET) !== 0) {
        // Stuck in the other namespace: every later socket would lie.
        throw new Error('setns back to our own network namespace failed');
      }
    }
  } finally {
    lib.close(target);
    lib.close(own);
  }
  return fd;
}

/** The little-endian u32 at buf[at]: inline byte reads (Buffer#readUInt32LE is a call with its own bounds checks). */
export function u32le(buf: Buffer, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}

/**
 * Every reply of one sock_diag dump (`request`) in the namespace of `nsPath`
 * (a /proc/PID/ns/net) or ours, back to back up to NLMSG_DONE; null when
 * sock_diag refused or is not there. Through the procfd addon where it loads
 * (which enters another namespace on a short-lived thread of its own), else
 * koffi.
 */
export function sockDiagDump(request: Buffer, nsPath?: string, via: 'procfd' | 'koffi' = procfd() ? 'procfd' : 'koffi'): Buffer | null {
  const p = via === 'procfd' ? procfd() : null;
  if (p) {
    const replies = p.diagDump(request, nsPath ?? null);
    return typeof replies === 'string' ? null : replies;
  }
  let lib;
  try {
    lib = native();
  } catch {
    return null;
  }
  const fd = diagSocket(lib, nsPath);
  if (fd < 0) return null;
  try {
    if (lib.send(fd, request) !== request.length) return null;
    const parts: Buffer[] = [];
    for (;;) {
      const buf = Buffer.alloc(256 * 1024);
      const n = lib.recv(fd, buf);
      if (n <= 0) return null;
      parts.push(buf.subarray(0, n));
      // Each read holds whole messages: the dump ends with the one whose type is DONE (or an ERROR).
      let off = 0;
      let last = -1;
      while (off + 16 <= n) {
        const len = u32le(buf, off);
        // A malformed message: the dump's end cannot be found after it, and
        // another recv would wait for replies that never come.
        if (len < 16 || off + len > n) return null;
        last = buf[off + 4]! | (buf[off + 5]! << 8);
        off += (len + 3) & ~3;
      }
      if (last === NLMSG_DONE || last === NLMSG_ERROR) return Buffer.concat(parts);
    }
  } finally {
    lib.close(fd);
  }
}
