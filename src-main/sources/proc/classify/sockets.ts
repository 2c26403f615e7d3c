/**
 * Sockets, "socket:[INO]", resolved through the socket tables of the owner's
 * network namespace. One the tables do not list stays a socket with its
 * inode and, where the kernel names it, its protocol: a protocol /proc does
 * not show, or one opened after the tables were read or closed before, which
 * the builder looks up once more in fresh tables (lateSocket) and marks
 * `unlisted` when they do not have it either.
 */
import type { OpenFile } from '../../../../src-shared/model/index.js';
import type { NetTables } from '../net-tables.js';
import type { Classifier } from './types.js';
import { socketTable, type SocketTable } from '../../../../src-shared/kinds/socket.js';

/**
 * Whether a socket of protocol `name` missing from its table can only have
 * been opened or closed while the capture ran: unix (sock_diag and
 * /proc/net/unix list every one) and packet sockets are listed from their
 * creation, and an unreadable name means the fd closed. TCP and UDP sockets
 * are listed only once hashed (bound, listening, connected: a socket only
 * created, or left in CLOSE after a failed connect, is not), netlink ones
 * once bound: their absence says nothing, so they are not looked up again
 * nor marked.
 */
export function alwaysListed(name: string): boolean {
  const t = socketTable(name);
  return t === 'unix' || t === 'packet' || t === 'any';
}

/**
 * Gives `f` the kind and attributes socket `ino` has in `net`'s table
 * `which`; false, `f` untouched, when that table lacks it.
 */
function resolveIn(f: OpenFile, net: NetTables, which: SocketTable, ino: number): boolean {
  switch (which) {
    case 'unix': {
      // The table's record has exactly the kind's attributes: shared, not copied
      // (one socket inode is one open file, and nothing writes to either).
      const u = net.unix.get(ino);
      if (!u) return false;
      f.kind = 'unix-socket';
      f.attrs = u;
      return true;
    }
    case 'netlink': {
      const nl = net.netlink.get(ino);
      if (!nl) return false;
      f.kind = 'netlink-socket';
      f.attrs = { protocol: nl.protocol, portId: nl.portId, groups: nl.groups };
      return true;
    }
    case 'packet': {
      const pk = net.packet.get(ino);
      if (!pk) return false;
      f.kind = 'packet-socket';
      f.attrs = { type: pk.type, protocol: pk.protocol, ifindex: pk.ifindex };
      return true;
    }
    case 'inet': {
      const inet = net.inet.get(ino);
      if (!inet) return false;
      f.kind = 'inet-socket';
      f.attrs = { ...inet };
      return true;
    }
  }
}

/** Looked up in this order: the inet tables cost the most to read (net-tables.ts). */
const ALL_TABLES: readonly SocketTable[] = ['unix', 'netlink', 'packet', 'inet'];

export const socket: Classifier = (raw, _text, base, ctx) => {
  const ino = Number(base.ino);
  const key = `s:${ino}`;
  const net = ctx.net();
  if (net) for (const which of ALL_TABLES) if (resolveIn(base, net, which, ino)) return key;
  base.kind = 'socket';
  base.attrs = { family: ctx.sockProtoName(ctx.pid, raw.fd), unlisted: false };
  return key;
};

/**
 * A socket the tables read during the capture did not list, looked up in
 * `fresh` tables (only the one its protocol names): its own namespace's
 * first, then the others' (a socket stays in the namespace it was made in,
 * and a process in another may hold it: stdio socketpairs from a parent
 * outside its container). Found, it becomes what the classifier would have
 * made of it; not found, though its family is one the tables list, it is
 * marked `unlisted` (opened or closed while the capture ran), unless `mark`
 * is false (its own namespace could not be read again: no process is left
 * in it). True when it is so marked.
 */
export function lateSocket(f: OpenFile, fresh: readonly NetTables[], mark: boolean): boolean {
  const family = String(f.attrs.family ?? '');
  const where = socketTable(family);
  if (where === null) return false;
  const ino = Number(f.ino);
  for (const net of fresh) for (const which of where === 'any' ? ALL_TABLES : [where]) if (resolveIn(f, net, which, ino)) return false;
  if (!mark) return false;
  f.attrs = { family: f.attrs.family ?? '', unlisted: true };
  return true;
}
