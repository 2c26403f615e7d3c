import { defineKind } from './schema.js';
import { displayBStr, type BStr } from '../model/bstr.js';

/** What a socket marked `unlisted` reads as, after its inode and family. */
export const UNLISTED_NOTE = '(not in the socket tables at capture time: opened or closed during the capture)';

/**
 * What a TCP, UDP or netlink socket no table lists reads as: the kernel
 * lists those only once bound, listening or connected, so one that is not
 * was never bound, or is closed (a TCP socket after a refused or reset
 * connect stays open in CLOSE: a leak lsof shows as a bare "protocol: TCP").
 */
export const UNHASHED_NOTE = '(in no socket table: never bound or connected, or closed)';

/** The tables a socket of the kernel's protocol name (system.sockprotoname) is listed in, if any. */
export type SocketTable = 'unix' | 'netlink' | 'packet' | 'inet';

/**
 * Which table lists sockets of protocol `name` (`UNIX-STREAM`, `TCPv6`,
 * `PINGv6` ...); 'any' for no name (the xattr could not be read: the fd
 * closed meanwhile); null for a family no table lists (vsock, alg, sctp ...).
 * One definition for the capture (which table to look a socket up in) and
 * for the summary (which sockets are listed only once hashed).
 */
export function socketTable(name: string): SocketTable | 'any' | null {
  if (name === '') return 'any';
  if (name.startsWith('UNIX')) return 'unix';
  if (name === 'NETLINK') return 'netlink';
  if (name === 'PACKET') return 'packet';
  if (/^(TCP|UDP|UDP-Lite|UDPLITE|RAW|PING)(v6)?$/.test(name)) return 'inet';
  return null;
}

/** Whether sockets of protocol `name` are listed only once hashed (bound, listening, connected): inet and netlink ones. */
function listedOnceHashed(name: string): boolean {
  const t = socketTable(name);
  return t === 'inet' || t === 'netlink';
}

/** A socket the /proc/net tables do not list: still a socket, known by its inode. */
export default defineKind({
  code: 12,
  name: 'socket',
  label: 'Socket (unresolved)',
  fields: [
    { name: 'family', type: 'bstr', label: 'Address family if known' },
    // A unix or packet socket (listed from creation) the tables did not have, read twice: it was opened or closed while the capture ran.
    // Since 1.5: it first went out in 1.4 builds of one afternoon, whose 1.4 images without it must still read.
    // Labelled as what a true says (a false is not "it is in the tables": an inet socket never bound is in none either).
    { name: 'unlisted', type: 'bool', label: 'Opened or closed while the capture ran (missing from the tables read twice)', since: 5 },
  ],
  // The kernel's protocol name where it gave one (TCP for a socket never bound), as lsof prints it.
  summary: (f) => {
    const family = f.attrs.family !== undefined ? displayBStr(f.attrs.family as BStr) : '';
    const base = family ? `socket:[${String(f.ino)}] ${family}` : `socket:[${String(f.ino)}]`;
    return f.attrs.unlisted ? `${base} ${UNLISTED_NOTE}` : listedOnceHashed(family) ? `${base} ${UNHASHED_NOTE}` : base;
  },
});
