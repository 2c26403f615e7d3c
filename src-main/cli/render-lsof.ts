/**
 * `ckpt show --lsof` and `--lsof-fields`: an image as `lsof -n -P -w` (and
 * `lsof -F`) would have listed its processes at capture time, for people
 * and scripts used to lsof. Checked column by column against lsof 4.95 on
 * Linux (test/cli/lsof.test.ts). What an image does not hold is left blank
 * rather than invented: txt and mem lines (mappings are not captured), a
 * unix socket's kernel address (lsof's DEVICE for it), cwd/rtd's device,
 * size and inode (only their paths are captured), the process group (-F g).
 */
import { deviceNumbers } from '../../src-shared/kinds/format.js';
import { mappedIpv4 } from '../../src-shared/kinds/inet-socket.js';
import { displayBStr, type BStr } from '../../src-shared/model/bstr.js';
import { modeType, O, O_ACCMODE } from '../../src-shared/model/flags.js';
import type { FileLock, OpenFile, Snapshot, Task, U64 } from '../../src-shared/model/snapshot.js';
import { TCP_STATES } from '../../src-shared/query-fields.js';
import { SOCK_TYPES } from '../../src-shared/kinds/masks.js';
import { parseIp } from '../query/parse.js';
import { systemUserNames } from '../util/passwd.js';
import type { ShowFilter } from './render-show.js';

/** One open file as lsof describes it. */
export interface LsofFile {
  type: string;
  /** DEVICE: st_dev, the device itself (rdev), the socket's inode (as lsof prints for inet and packet sockets), or nothing known. */
  device: 'dev' | 'rdev' | 'ino' | 'none';
  /** SIZE/OFF: the file's size, or its offset as 0t<N>; lsof's choice by type. */
  size: boolean;
  /** NODE: the protocol for sockets lsof names that way (TCP, UDP, IP...), else the inode. */
  proto?: string;
  /** NAME, already escaped. */
  name: string;
  /** A socket state: the table prints it as " (STATE)" after the name (UDP with an empty one: a trailing space, as lsof), -F as TST=. */
  state?: string;
  /** -F TQR/TQS: lsof reports an inet socket's queues. */
  queues?: { rx: U64; tx: U64 };
}

const ANON = 'anon_inode:';

/**
 * lsof's escaping where it is safe: \b \f \n \r \t and \\ as C escapes,
 * other C0 controls as ^X, C1 controls and bytes that are not UTF-8 as \xNN.
 * Unlike lsof, bidi overrides stay escaped (\u202e): lsof prints them raw,
 * and they can make a name read as another.
 */
export function lsofEscape(b: BStr): string {
  return displayBStr(b).replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt\\])/g, (all, e: string) => {
    if (e[0] === 'x') {
      const c = parseInt(e.slice(1), 16);
      if (c === 0x08) return '\\b';
      if (c === 0x0c) return '\\f';
      if (c < 0x20) return '^' + String.fromCharCode(c + 0x40);
      return all;
    }
    if (e[0] === 'u') {
      const cp = parseInt(e.slice(1), 16);
      // A C1 control is two UTF-8 bytes, which lsof escapes one by one.
      if (cp >= 0x80 && cp < 0xa0) return `\\xc2\\x${cp.toString(16)}`;
      return all;
    }
    return all;
  });
}

const filePath = (f: OpenFile) => lsofEscape(f.path) + (f.deleted ? ' (deleted)' : '');
const anonName = (f: OpenFile) => {
  const p = lsofEscape(f.path);
  return p.startsWith(ANON) ? p.slice(ANON.length) : p;
};
/** What lsof says of an anon inode: its fdinfo's name for it where it has one, else the link text without "anon_inode:". */
const aInode = (f: OpenFile, name = anonName(f)): LsofFile => ({ type: 'a_inode', device: 'dev', size: true, name });
const str = (v: unknown) => (v === undefined ? '' : typeof v === 'string' || v instanceof Uint8Array ? lsofEscape(v) : String(v));

/** Netlink protocols by number, as lsof names them (the kernel's NETLINK_* without the prefix). */
const NETLINK: Record<number, string> = {
  0: 'ROUTE',
  1: 'UNUSED',
  2: 'USERSOCK',
  3: 'FIREWALL',
  4: 'INET_DIAG',
  5: 'NFLOG',
  6: 'XFRM',
  7: 'SELINUX',
  8: 'ISCSI',
  9: 'AUDIT',
  10: 'FIB_LOOKUP',
  11: 'CONNECTOR',
  12: 'NETFILTER',
  13: 'IP6_FW',
  14: 'DNRTMSG',
  15: 'KOBJECT_UEVENT',
  16: 'GENERIC',
  18: 'SCSITRANSPORT',
  19: 'ECRYPTFS',
  20: 'RDMA',
  21: 'CRYPTO',
};
/** Ethernet protocols of packet sockets as lsof names them; others print as a decimal number (checked: 0x88cc is 35020). */
const ETHER: Record<number, string> = {
  0x0003: 'ALL',
  0x0800: 'IP',
  0x0806: 'ARP',
  0x86dd: 'IPV6',
  0x8035: 'RARP',
  0x0004: '802_2',
  0x0005: 'SNAP',
};

function isWildcard(addr: string): boolean {
  return addr === '0.0.0.0' || addr === '::' || addr === '';
}
function endpoint(family: unknown, addr: string, port: number): string {
  let host = isWildcard(addr) ? '*' : family === 6 ? `[${addr}]` : addr;
  // lsof shows an IPv4-mapped IPv6 address (a v4 peer of a v6 socket) as the IPv4 address it is.
  if (family === 6 && host !== '*') host = mappedIpv4(addr) ?? host;
  return `${host}:${port ? String(port) : '*'}`;
}

/** An address as /proc/net/raw[6] prints it (each 32-bit word in host order, little-endian here): what lsof shows for raw sockets. */
function rawHex(family: unknown, addr: string): string {
  const bytes = family === 6 ? (parseIp(addr) ?? []) : addr.split('.').map(Number);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4)
    for (let k = 3; k >= 0; k--) out += (bytes[i + k] ?? 0).toString(16).padStart(2, '0').toUpperCase();
  return out;
}

function inet(f: OpenFile): LsofFile {
  const a = f.attrs;
  const proto = String(a.proto);
  const local = String(a.localAddr);
  const remote = String(a.remoteAddr);
  const lport = Number(a.localPort);
  const rport = Number(a.remotePort);
  if (proto === 'raw') {
    const st = Math.max(0, TCP_STATES.indexOf(String(a.state)));
    const hex = (addr: string, port: number) => `${rawHex(a.family, addr)}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
    return {
      type: a.family === 6 ? 'raw6' : 'raw',
      device: 'none',
      size: false,
      name: `${hex(local, lport)}->${hex(remote, rport)} st=${st.toString(16).padStart(2, '0').toUpperCase()}`,
    };
  }
  const connected = rport !== 0 || !isWildcard(remote);
  return {
    type: a.family === 6 ? 'IPv6' : 'IPv4',
    device: 'ino',
    size: false,
    proto: proto.toUpperCase(),
    name: endpoint(a.family, local, lport) + (connected ? `->${endpoint(a.family, remote, rport)}` : ''),
    // lsof has a state only for TCP; a UDP line ends in the space before where it would be.
    state: proto === 'tcp' ? String(a.state) : '',
    queues: { rx: a.rxQueue as U64, tx: a.txQueue as U64 },
  };
}

/**
 * Our kinds as lsof shows them: one entry per kind (src-shared/kinds), so a
 * new kind is one line here. Kinds lsof sees as anon inodes print the link
 * text without "anon_inode:", or what lsof reads from their fdinfo.
 */
export const LSOF_KINDS: Readonly<Record<string, (f: OpenFile) => LsofFile>> = {
  // An O_PATH fd on a symlink or a socket file is of this kind too: lsof goes by its mode (LINK, sock).
  regular: (f) => (f.mode && modeType(f.mode) !== 'regular' ? byMode(f) : { type: 'REG', device: 'dev', size: true, name: filePath(f) }),
  directory: (f) => ({ type: 'DIR', device: 'dev', size: true, name: filePath(f) }),
  chardev: (f) => ({ type: 'CHR', device: 'rdev', size: false, name: filePath(f) }),
  blockdev: (f) => ({ type: 'BLK', device: 'rdev', size: false, name: filePath(f) }),
  pty: (f) => ({ type: 'CHR', device: 'rdev', size: false, name: filePath(f) }),
  pipe: () => ({ type: 'FIFO', device: 'dev', size: false, name: 'pipe' }),
  fifo: (f) => ({ type: 'FIFO', device: 'dev', size: false, name: filePath(f) }),
  'unix-socket': (f) => ({
    type: 'unix',
    device: 'none',
    size: false,
    name: `${f.attrs.name && (f.attrs.name as BStr).length ? `${str(f.attrs.name)} ` : ''}type=${String(f.attrs.type).toUpperCase()}`,
    state: String(f.attrs.state),
  }),
  'inet-socket': inet,
  'netlink-socket': (f) => ({
    type: 'netlink',
    device: 'none',
    size: false,
    name: NETLINK[Number(f.attrs.protocol)] ?? String(f.attrs.protocol),
  }),
  'packet-socket': (f) => ({
    type: 'pack',
    device: 'ino',
    size: false,
    proto: ETHER[Number(f.attrs.protocol)] ?? String(f.attrs.protocol),
    name: `type=${SOCK_TYPES[Number(f.attrs.type)] ?? String(f.attrs.type)}`,
  }),
  socket: (f) => ({
    type: 'sock',
    device: 'dev',
    size: false,
    name: f.attrs.family ? `protocol: ${str(f.attrs.family)}` : "can't identify protocol",
  }),
  eventfd: (f) => aInode(f, f.attrs.id !== undefined ? `[eventfd:${String(f.attrs.id)}]` : undefined),
  epoll: (f) => {
    const tfds = ((f.attrs.watches as { tfd: number }[] | undefined) ?? []).map((w) => Number(w.tfd)).sort((x, y) => x - y);
    return aInode(f, tfds.length ? `[eventpoll:${tfds.join(',')}]` : undefined);
  },
  inotify: (f) => aInode(f),
  fanotify: (f) => aInode(f),
  signalfd: (f) => aInode(f),
  timerfd: (f) => aInode(f),
  // A pidfd of a reaped process says pid -1: lsof prints no pid then.
  pidfd: (f) => aInode(f, f.attrs.pid !== undefined && Number(f.attrs.pid) >= 0 ? `[pidfd:${String(f.attrs.pid)}]` : '[pidfd]'),
  userfaultfd: (f) => aInode(f),
  // A namespace file is a regular file to stat; lsof names it by its type alone.
  nsfd: (f) => ({ type: 'REG', device: 'dev', size: true, name: str(f.attrs.nsType) }),
  memfd: (f) => ({ type: 'REG', device: 'dev', size: true, name: filePath(f) }),
  anon: (f) => aInode(f),
};

/** lsof's TYPE by st_mode's file type (modeType's names); anything else it reads as an anon inode. */
const MODE_TYPES: Readonly<Record<string, string>> = {
  regular: 'REG',
  directory: 'DIR',
  char: 'CHR',
  block: 'BLK',
  fifo: 'FIFO',
  socket: 'sock',
  symlink: 'LINK',
};

/** A kind this version cannot read: what its st_mode says, as lsof would go by. */
function byMode(f: OpenFile): LsofFile {
  const type = MODE_TYPES[modeType(f.mode)] ?? 'a_inode';
  const dev = type === 'CHR' || type === 'BLK';
  return {
    type,
    device: dev ? 'rdev' : 'dev',
    size: !dev && type !== 'FIFO' && type !== 'sock',
    name: type === 'a_inode' ? anonName(f) : filePath(f),
  };
}

export function lsofFile(f: OpenFile): LsofFile {
  return (LSOF_KINDS[f.kind] ?? byMode)(f);
}

/** lsof goes by the fd link's r/w bits, which an O_PATH (or access mode 3) file has neither of: lsof then says u. */
function accessLetter(flags: number): string {
  if (flags & O.O_PATH) return 'u';
  return ['r', 'w', 'u', 'u'][flags & O_ACCMODE]!;
}

/** lsof's lock letter: R/W a read/write lock on the whole file, r/w on part of it, u both kinds. */
function lockLetter(locks: FileLock[]): string {
  if (!locks.length) return ' ';
  const w = locks.some((l) => l.write);
  const r = locks.some((l) => !l.write);
  if (w && r) return 'u';
  const whole = locks.some((l) => BigInt(l.start) === 0n && l.end === null);
  return w ? (whole ? 'W' : 'w') : whole ? 'R' : 'r';
}

const devText = (dev: U64) => deviceNumbers(dev).join(',');
/** lsof prints an offset in decimal up to 8 digits, beyond that in hex. */
const offText = (pos: U64) => (BigInt(pos) < 100_000_000n ? `0t${String(pos)}` : `0x${BigInt(pos).toString(16)}`);

/** One line of the listing, before it is laid out. */
interface Row {
  fd: string;
  access: string;
  lock: string;
  file?: OpenFile;
  cloexec: boolean;
  l?: LsofFile;
  /** cwd and rtd: only a path. */
  path?: BStr;
}

interface Proc {
  task: Task;
  rows: Row[];
}

function processes(s: Snapshot, filter: ShowFilter): Proc[] {
  const files = new Map(s.files.map((f) => [f.ref, f]));
  const tables = new Map(s.fdTables.map((t) => [t.ref, t]));
  // lsof matches /proc/locks to a process by pid and inode, so every fd of the process on a locked inode shows the letter.
  const locksOf = new Map<string, FileLock[]>();
  for (const f of s.files)
    for (const l of f.locks) {
      const key = `${l.pid}:${String(f.dev)}:${String(f.ino)}`;
      const list = locksOf.get(key) ?? [];
      if (!list.some((o) => o.kind === l.kind && o.write === l.write && o.start === l.start && o.end === l.end)) list.push(l);
      locksOf.set(key, list);
    }
  // Without -K lsof lists processes, not threads: the leader stands for its thread group.
  const leaders = new Map<number, Task>();
  for (const t of s.tasks) {
    const seen = leaders.get(t.tgid);
    if (!seen || (t.pid === t.tgid && seen.pid !== seen.tgid)) leaders.set(t.tgid, t);
  }
  // An image from before the capture gave a process whose main thread
  // exited (pthread_exit) its table on the leader: its first thread holds it.
  const threadTable = new Map<number, number>();
  for (const t of s.tasks) if (t.pid !== t.tgid && t.fdTable && !threadTable.has(t.tgid)) threadTable.set(t.tgid, t.fdTable);
  const out: Proc[] = [];
  for (const t of [...leaders.values()].sort((a, b) => a.tgid - b.tgid)) {
    if (filter.pids && !filter.pids.has(t.pid) && !filter.pids.has(t.tgid)) continue;
    const rows: Row[] = [];
    // cwd and rtd are directories: a --kind filter keeps them only when it keeps directories.
    if (!filter.kinds || filter.kinds.has('directory')) {
      if (t.cwd.length) rows.push({ fd: 'cwd', access: ' ', lock: ' ', cloexec: false, path: t.cwd });
      if (t.root.length) rows.push({ fd: 'rtd', access: ' ', lock: ' ', cloexec: false, path: t.root });
    }
    const ref = t.fdTable || (t.zombie ? 0 : (threadTable.get(t.tgid) ?? 0));
    const table = ref ? tables.get(ref) : undefined;
    for (const fd of [...(table?.fds ?? [])].sort((a, b) => a.fd - b.fd)) {
      const f = files.get(fd.file);
      if (!f || (filter.kinds && !filter.kinds.has(f.kind))) continue;
      const locks = locksOf.get(`${t.tgid}:${String(f.dev)}:${String(f.ino)}`) ?? [];
      rows.push({
        // lsof's FD is four characters: 10000 and above as * and the last three digits.
        fd: fd.fd < 10000 ? String(fd.fd) : `*${String(fd.fd % 1000).padStart(3, '0')}`,
        access: accessLetter(f.flags),
        lock: lockLetter(locks),
        file: f,
        cloexec: fd.cloexec,
        l: lsofFile(f),
      });
    }
    out.push({ task: t, rows });
  }
  return out;
}

function commandText(comm: BStr): string {
  // lsof shows the first 9 characters of the command.
  const cut = typeof comm === 'string' ? Array.from(comm).slice(0, 9).join('') : comm.slice(0, 9);
  return lsofEscape(cut);
}

function deviceCell(r: Row): string {
  if (!r.file || !r.l) return '';
  switch (r.l.device) {
    case 'dev':
      return devText(r.file.dev);
    case 'rdev':
      return devText(r.file.rdev);
    case 'ino':
      return String(r.file.ino);
    case 'none':
      return '';
  }
}

export interface LsofOptions {
  filter?: ShowFilter;
  /** uid to user name; this machine's /etc/passwd by default. */
  users?: Map<number, string>;
}

/** The table `lsof -n -P -w` prints: columns as wide as their widest cell, one space apart. */
export function renderLsof(s: Snapshot, opts: LsofOptions = {}): string {
  const users = opts.users ?? systemUserNames();
  const head = ['COMMAND', 'PID', 'USER', 'FD', 'TYPE', 'DEVICE', 'SIZE/OFF', 'NODE', 'NAME'];
  const right = [false, true, true, true, true, true, true, true, false];
  const rows: string[][] = [];
  for (const p of processes(s, opts.filter ?? {})) {
    const cmd = commandText(p.task.comm);
    const user = users.get(p.task.uid) ?? String(p.task.uid);
    for (const r of p.rows) {
      // lsof keeps a number as at least 4 characters (" cwd", "   3"), and access and lock as two more.
      const fd = r.fd.padStart(4) + r.access + r.lock;
      if (r.path !== undefined) {
        rows.push([cmd, String(p.task.tgid), user, fd, 'DIR', '', '', '', lsofEscape(r.path)]);
        continue;
      }
      const f = r.file!;
      const l = r.l!;
      const name = l.state !== undefined ? `${l.name} ${l.state ? `(${l.state})` : ''}` : l.name;
      rows.push([
        cmd,
        String(p.task.tgid),
        user,
        fd,
        l.type,
        deviceCell(r),
        l.size ? String(f.size) : offText(f.pos),
        l.proto ?? String(f.ino),
        name,
      ]);
    }
  }
  if (!rows.length) return '';
  const width = head.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < width.length; i++) width[i] = Math.max(width[i]!, r[i]!.length);
  // The FD header sits over the numbers, left of the access and lock letters.
  const fdw = width[3]! - 2;
  const fmt = (r: string[], isHead: boolean) =>
    r
      .map((c, i) => {
        if (i === r.length - 1) return c;
        if (i === 3 && isHead) return c.padStart(fdw).padEnd(width[3]!);
        return right[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!);
      })
      .join(' ');
  return [fmt(head, true), ...rows.map((r) => fmt(r, false))].join('\n');
}

/**
 * `lsof -F` with its default fields, one per line: p R c u L for each
 * process (not g: the image has no process group), then f a l t G D|d s|o
 * i|P k n and T (TST, TQR, TQS) for each file, in lsof's order.
 */
export function renderLsofFields(s: Snapshot, opts: LsofOptions = {}): string {
  const users = opts.users ?? systemUserNames();
  const out: string[] = [];
  for (const p of processes(s, opts.filter ?? {})) {
    const t = p.task;
    out.push(`p${t.tgid}`, `R${t.ppid}`, `c${lsofEscape(t.comm)}`, `u${t.uid}`);
    const login = users.get(t.uid);
    if (login !== undefined) out.push(`L${login}`);
    for (const r of p.rows) {
      out.push(`f${r.fd}`, `a${r.access}`, `l${r.lock}`);
      if (r.path !== undefined) {
        out.push('tDIR', `n${lsofEscape(r.path)}`);
        continue;
      }
      const f = r.file!;
      const l = r.l!;
      out.push(`t${l.type}`, `G0x${(f.flags | (r.cloexec ? O.O_CLOEXEC : 0)).toString(16)};0x0`);
      // -F D is the file's own st_dev even for a device file (DEVICE shows the device it is); sockets lsof finds in /proc/net go by inode (d).
      if (l.device === 'dev' || l.device === 'rdev') out.push(`D0x${BigInt(f.dev).toString(16)}`);
      else if (l.device === 'ino') out.push(`d${String(f.ino)}`);
      out.push(l.size ? `s${String(f.size)}` : `o${offText(f.pos)}`);
      out.push(l.proto !== undefined ? `P${l.proto}` : `i${String(f.ino)}`);
      // lsof reports a link count for files, not for sockets.
      if (!f.kind.endsWith('socket') && l.type !== 'sock') out.push(`k${f.nlink}`);
      out.push(`n${l.name}`);
      if (l.state) out.push(`TST=${l.state}`);
      if (l.queues) out.push(`TQR=${String(l.queues.rx)}`, `TQS=${String(l.queues.tx)}`);
    }
  }
  return out.join('\n');
}
