/**
 * Sockets, "socket:[INO]", resolved through the socket tables of the owner's
 * network namespace. One the tables do not list (a protocol /proc does not
 * show, or one created after the tables were read) stays a socket with its
 * inode and, where the kernel names it, its protocol.
 */
import type { Classifier } from './types.js';

export const socket: Classifier = (raw, _text, base, ctx) => {
  const ino = Number(base.ino);
  const key = `s:${ino}`;
  const net = ctx.net();
  const unix = net?.unix.get(ino);
  if (unix) {
    base.kind = 'unix-socket';
    // The table's record has exactly the kind's attributes: shared, not copied
    // (one socket inode is one open file, and nothing writes to either).
    base.attrs = unix;
    return key;
  }
  const nl = net?.netlink.get(ino);
  if (nl) {
    base.kind = 'netlink-socket';
    base.attrs = { protocol: nl.protocol, portId: nl.portId, groups: nl.groups };
    return key;
  }
  const pk = net?.packet.get(ino);
  if (pk) {
    base.kind = 'packet-socket';
    base.attrs = { type: pk.type, protocol: pk.protocol, ifindex: pk.ifindex };
    return key;
  }
  // Last: the inet tables cost the most to read (net-tables.ts).
  const inet = net?.inet.get(ino);
  if (inet) {
    base.kind = 'inet-socket';
    base.attrs = { ...inet };
    return key;
  }
  base.kind = 'socket';
  base.attrs = { family: ctx.sockProtoName(ctx.pid, raw.fd) };
  return key;
};
