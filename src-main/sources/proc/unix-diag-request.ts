/**
 * The sock_diag request for every unix socket of a namespace, with the
 * attributes unix-diag.ts parses (name, peer, queue lengths), and the one
 * for the clients waiting in each listener's accept queue. Its own
 * module, free of imports: procfd-reader.ts (in the CLI's entry chunk)
 * starts the dump of a `ckpt capture --all` early with it, and
 * unix-diag.ts sends it itself for every other dump. The header every
 * family's request starts with (sockDiagRequest) is here for that reason
 * too; inet-diag.ts builds its listener request on it.
 */
const AF_UNIX = 1;
const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 1;
const NLM_F_DUMP = 0x300;
const UDIAG_SHOW_NAME = 1;
const UDIAG_SHOW_PEER = 4;
const UDIAG_SHOW_ICONS = 8;
const UDIAG_SHOW_RQLEN = 0x10;

/** A sock_diag dump request of `size` bytes (nlmsghdr and the family's request) for address family `family`, the rest zero. */
export function sockDiagRequest(size: number, family: number): Buffer {
  const req = Buffer.alloc(size);
  req.writeUInt32LE(size, 0);
  req.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
  req.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  req.writeUInt32LE(1, 8);
  req.writeUInt8(family, 16);
  return req;
}

export function unixDumpRequest(): Buffer {
  const req = sockDiagRequest(40, AF_UNIX);
  req.writeUInt32LE(0xffffffff, 20);
  req.writeUInt32LE(UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN, 28);
  return req;
}

/**
 * The listeners only (udiag_states: TCP_LISTEN), each with the inodes of
 * the clients waiting in its accept queue (UNIX_DIAG_ICONS). A dump of its
 * own: a listener's ICONS attribute is 4 bytes per client waiting, and one
 * that does not fit in a netlink dump buffer (about 32 KiB: some 8,000
 * clients, where net.core.somaxconn allows it) ends the dump there, so the
 * sockets after it would be missing from the table of every socket.
 */
export function unixListenersRequest(): Buffer {
  const req = sockDiagRequest(40, AF_UNIX);
  req.writeUInt32LE(1 << 10, 20); // TCP_LISTEN
  req.writeUInt32LE(UDIAG_SHOW_ICONS, 28);
  return req;
}
