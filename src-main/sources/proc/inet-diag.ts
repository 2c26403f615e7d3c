/**
 * TCP listeners' backlogs through NETLINK_SOCK_DIAG (inet_diag): for a
 * listening socket the kernel answers idiag_rqueue = connections waiting to
 * be accepted (sk_ack_backlog) and idiag_wqueue = the most it holds
 * (sk_max_ack_backlog: listen()'s backlog capped at somaxconn), what `ss
 * -lnt` shows as Recv-Q and Send-Q. /proc/net/tcp has only the first.
 *
 * One dump per address family, asking the kernel for listeners only
 * (idiag_states), so its cost follows the listeners, not the connections.
 */
import { NLMSG_DONE, NLMSG_ERROR, SOCK_DIAG_BY_FAMILY, TCP_LISTEN, sockDiagDump, u32le } from './sock-diag.js';
import { sockDiagRequest } from './unix-diag-request.js';

const IPPROTO_TCP = 6;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** nlmsghdr (16) + inet_diag_req_v2 (56): every TCP listener of `family`, no extensions. */
export function listenerDumpRequest(family: number): Buffer {
  const req = sockDiagRequest(72, family);
  req.writeUInt8(IPPROTO_TCP, 17);
  req.writeUInt32LE(1 << TCP_LISTEN, 20);
  return req;
}

export interface ListenerQueue {
  /** Connections waiting to be accepted. */
  queued: number;
  /** The accept queue's limit. */
  backlog: number;
}

/** The listeners in a dump's replies, by socket inode; null for an error or a malformed reply. */
export function parseListeners(buf: Buffer): Map<number, ListenerQueue> | null {
  const out = new Map<number, ListenerQueue>();
  let off = 0;
  while (off + 16 <= buf.length) {
    const len = u32le(buf, off);
    const type = buf[off + 4]! | (buf[off + 5]! << 8);
    if (len < 16 || off + len > buf.length || type === NLMSG_ERROR) return null;
    if (type === NLMSG_DONE) return out;
    // inet_diag_msg: family, state, timer, retrans, sockid (48), expires, rqueue, wqueue, uid, inode.
    if (type === SOCK_DIAG_BY_FAMILY && len >= 16 + 72 && buf[off + 17] === TCP_LISTEN) {
      const m = off + 16;
      out.set(u32le(buf, m + 68), { queued: u32le(buf, m + 56), backlog: u32le(buf, m + 60) });
    }
    off += (len + 3) & ~3;
  }
  return null;
}

/** The TCP listeners of `family` in the namespace of `nsPath` (ours when absent); null where sock_diag refused. */
export function tcpListeners(family: number, nsPath?: string): Map<number, ListenerQueue> | null {
  const replies = sockDiagDump(listenerDumpRequest(family), nsPath);
  return replies ? parseListeners(replies) : null;
}
