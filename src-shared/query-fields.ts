/**
 * The search language's fields (docs/search.md) in one list: the parser
 * refuses any other, `ckpt search --help` names them and the app's search
 * box offers them, so the three cannot drift apart.
 */

export interface FieldHelp {
  name: string;
  example: string;
  help: string;
}

export const QUERY_FIELDS: readonly FieldHelp[] = [
  {
    name: 'path',
    example: 'path:/var/log',
    help: "path (link text) or a unix socket's bound name contains the text; a bare word means the same; * and ? make it a whole-path glob",
  },
  {
    name: 'kind',
    example: 'kind:socket',
    help: 'kind of file: a kind name, inet/unix/netlink/packet, or a group: socket, file, device, anon',
  },
  { name: 'pid', example: 'pid:1200-1300', help: 'held by process N; ranges 100-200, >1000, <50' },
  { name: 'comm', example: 'comm:nginx', help: 'process comm contains the text (a glob with * or ?)' },
  { name: 'uid', example: 'uid:0', help: "the process's (effective) uid; ranges as for pid" },
  { name: 'user', example: 'user:root', help: "the process's user, by name (this machine's /etc/passwd) or uid" },
  { name: 'limit', example: 'limit:80%', help: 'the process holds at least this share of its soft fd limit (100%: at it)' },
  { name: 'fd', example: 'fd:>2', help: 'fd number; ranges as for pid' },
  { name: 'flags', example: 'flags:wronly,append', help: 'every named O_ flag is set (O_ optional)' },
  { name: 'deleted', example: 'deleted:yes', help: 'the file was unlinked while open' },
  { name: 'shared', example: 'shared:yes', help: 'the open file is held by fds of more than one process' },
  { name: 'cloexec', example: 'cloexec:no', help: 'close-on-exec is set on the descriptor' },
  { name: 'port', example: 'port:443', help: 'an inet socket with this local or remote port; ranges 8000-8999, >1023' },
  { name: 'lport', example: 'lport:80', help: "an inet socket's local port" },
  { name: 'rport', example: 'rport:5432', help: "an inet socket's remote (peer) port" },
  {
    name: 'addr',
    example: 'addr:10.0.0.0/8',
    help: 'an inet socket whose local or remote address is this address (IPv4 also as ::ffff:a.b.c.d), in this CIDR prefix, or matches a * glob',
  },
  { name: 'laddr', example: 'laddr:127.0.0.1', help: "an inet socket's local address, as for addr" },
  { name: 'raddr', example: 'raddr:10.0.3.20', help: "an inet socket's remote address, as for addr" },
  {
    name: 'state',
    example: 'state:listen',
    help: 'socket state: tcp LISTEN, ESTABLISHED, CLOSE_WAIT ...; unix CONNECTED, UNCONNECTED ...',
  },
  { name: 'label', example: 'label:prod-web', help: "the image's label is exactly the text" },
  { name: 'tag', example: 'tag:weekly', help: 'the image carries the tag' },
  { name: 'image', example: 'image:3fa2', help: 'the image id starts with the hex' },
  { name: 'after', example: 'after:7d', help: 'captured at/after a date (2026-11-20, 2026-11-20T10:00, 30m, 12h, 7d, 2w ago)' },
  { name: 'before', example: 'before:2026-11-20', help: 'captured at/before a date (a whole day for a bare date)' },
  { name: 'time', example: 'time:2026-11-01..2026-11-20', help: 'captured between FROM and TO (either may be empty)' },
];

export const QUERY_FIELD_NAMES: readonly string[] = QUERY_FIELDS.map((f) => f.name);

/** TCP states by the number /proc/net/tcp and sock_diag give (index 0 unused). */
export const TCP_STATES: readonly string[] = [
  '',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

/** Unix socket states by the number /proc/net/unix gives (index 0 unused). */
export const UNIX_STATES: readonly string[] = ['', 'UNCONNECTED', 'CONNECTING', 'CONNECTED', 'DISCONNECTING'];

/**
 * Socket states `state:` knows: the kernel's TCP states as /proc/net/tcp
 * names them (UDP and raw sockets use ESTABLISHED and CLOSE too), then the
 * unix socket states of /proc/net/unix and sock_diag (LISTEN is both).
 */
export const SOCKET_STATES: readonly string[] = [...new Set(['LISTEN', ...TCP_STATES.slice(1), ...UNIX_STATES.slice(1)])];
