/**
 * Socket tables of one network namespace, keyed by socket inode: unix (from
 * sock_diag when the namespace is ours, for exact names and peers; else from
 * /proc/PID/net/unix), tcp/udp/raw over IPv4 and IPv6, netlink and packet.
 */
import { TCP_STATES, UNIX_STATES } from '../../../src-shared/query-fields.js';
import { readFileSync } from 'node:fs';
import { bstrFromBytes, type AttrRecord, type BStr } from '../../../src-shared/model/index.js';
import type { RawError } from './raw-read.js';
import { unixDiag } from './unix-diag.js';
import { AF_INET, AF_INET6, tcpListeners } from './inet-diag.js';

/** Also the attributes of a unix-socket file, as they are (classify/sockets.ts). */
export interface UnixInfo extends AttrRecord {
  type: string;
  state: string;
  name: BStr;
  peer: number;
  listening: boolean;
  /** Only sock_diag gives the queues: 0 from /proc/net/unix. */
  txQueue: number;
  rxQueue: number;
  /** A listener's accept queue limit, from sock_diag (UNIX_DIAG_RQLEN's wqueue): /proc/net/unix lacks it. */
  backlogKnown: boolean;
  backlog: number;
  /** A client waiting in a listener's accept queue: the listener's inode (sock_diag's UNIX_DIAG_ICONS), else 0. */
  pendingOn: number;
}
export interface InetInfo {
  proto: string;
  family: number;
  state: string;
  localAddr: string;
  localPort: number;
  remoteAddr: string;
  remotePort: number;
  txQueue: number;
  rxQueue: number;
  /** A TCP listener's accept queue limit, from sock_diag (inet-diag.ts): /proc/net/tcp lacks it. */
  backlogKnown: boolean;
  backlog: number;
}
export interface NetlinkInfo {
  protocol: number;
  portId: number;
  groups: number;
}
export interface PacketInfo {
  type: number;
  protocol: number;
  ifindex: number;
}
export interface NetTables {
  unix: Map<number, UnixInfo>;
  inet: Map<number, InetInfo>;
  netlink: Map<number, NetlinkInfo>;
  packet: Map<number, PacketInfo>;
  /** Where unix peers came from: sock_diag gives them, /proc/net/unix does not. */
  unixPeers: boolean;
}

export const UNIX_TYPES: Record<number, string> = { 1: 'stream', 2: 'dgram', 3: 'raw', 4: 'rdm', 5: 'seqpacket' };

function ipv4(hex: string): string {
  const v = parseInt(hex, 16) >>> 0;
  return `${v & 255}.${(v >>> 8) & 255}.${(v >>> 16) & 255}.${v >>> 24}`;
}

/**
 * Text of 16 address bytes as inet_ntop (and so ss) gives it: RFC 5952's
 * longest zero run as ::, and an IPv4 address inside an IPv6 one in dotted
 * form: `::ffff:127.0.0.1` for a v4-mapped address (an IPv4 peer of a
 * dual-stack socket), `::10.0.0.1` for the old IPv4-compatible ones.
 */
export function formatIpv6(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0) {
    const v4 = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    if (words[5] === 0xffff) return `::ffff:${v4}`;
    // glibc's rule: a zero run of exactly six words before a non-zero seventh (so ::1 stays ::1).
    if (words[5] === 0 && words[6] !== 0) return `::${v4}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestAt < 0) return hex(words);
  return `${hex(words.slice(0, bestAt))}::${hex(words.slice(bestAt + bestLen))}`;
}

function ipv6(hex: string): string {
  const b = new Uint8Array(16);
  for (let w = 0; w < 4; w++) {
    const v = parseInt(hex.slice(w * 8, w * 8 + 8), 16) >>> 0;
    b[w * 4] = v & 255;
    b[w * 4 + 1] = (v >>> 8) & 255;
    b[w * 4 + 2] = (v >>> 16) & 255;
    b[w * 4 + 3] = v >>> 24;
  }
  return formatIpv6(b);
}

function readTable(path: string, pid: number, errors: RawError[]): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    // A kernel without IPv6 or udplite simply has no such table.
    if (code !== 'ENOENT') errors.push({ errno: code, pid, fd: -1, where: path, message: 'cannot read socket table' });
    return null;
  }
}

function parseInet(text: string, proto: string, family: number, into: Map<number, InetInfo>): void {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i]!.trim().split(/\s+/);
    if (c.length < 10) continue;
    const [la, lp] = c[1]!.split(':');
    const [ra, rp] = c[2]!.split(':');
    const [tx, rx] = c[4]!.split(':');
    const ino = Number(c[9]);
    if (!ino) continue;
    into.set(ino, {
      proto,
      family,
      state: TCP_STATES[parseInt(c[3]!, 16)] ?? c[3]!,
      localAddr: family === 4 ? ipv4(la!) : ipv6(la!),
      localPort: parseInt(lp!, 16),
      remoteAddr: family === 4 ? ipv4(ra!) : ipv6(ra!),
      remotePort: parseInt(rp!, 16),
      txQueue: parseInt(tx!, 16) >>> 0,
      rxQueue: parseInt(rx!, 16) >>> 0,
      backlogKnown: false,
      backlog: 0,
    });
  }
}

/**
 * Gives the TCP listeners in `inet` their backlog (and their accept queue
 * as of that same dump) from sock_diag, one dump per address family that
 * has a listener: none at all where there is no listener. A listener
 * sock_diag refused or did not list keeps its backlog unknown.
 */
function addBacklogs(inet: Map<number, InetInfo>, nsPath: string | undefined): void {
  let v4 = false;
  let v6 = false;
  for (const i of inet.values())
    if (i.state === 'LISTEN' && i.proto === 'tcp') {
      if (i.family === 4) v4 = true;
      else v6 = true;
    }
  for (const [want, family] of [
    [v4, AF_INET],
    [v6, AF_INET6],
  ] as const) {
    if (!want) continue;
    const got = tcpListeners(family, nsPath);
    if (got)
      for (const [ino, q] of got) {
        const i = inet.get(ino);
        if (!i || i.state !== 'LISTEN') continue;
        i.backlogKnown = true;
        i.backlog = q.backlog;
        i.rxQueue = q.queued;
      }
  }
}

function parseUnixProc(bytes: Buffer, into: Map<number, UnixInfo>): void {
  let start = bytes.indexOf(10) + 1;
  while (start > 0 && start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end < 0) end = bytes.length;
    const line = bytes.subarray(start, end);
    start = end + 1;
    // Num RefCount Protocol Flags Type St Inode [Path]: seven fields, then the path bytes.
    let i = 0;
    const cols: string[] = [];
    while (cols.length < 7 && i < line.length) {
      while (i < line.length && line[i] === 32) i++;
      const s = i;
      while (i < line.length && line[i] !== 32) i++;
      cols.push(line.toString('latin1', s, i));
    }
    if (cols.length < 7) continue;
    const ino = Number(cols[6]);
    if (!ino) continue;
    const name = i < line.length ? line.subarray(i + 1) : Buffer.alloc(0);
    const listening = (parseInt(cols[3]!, 16) & 0x10000) !== 0;
    into.set(ino, {
      type: UNIX_TYPES[parseInt(cols[4]!, 16)] ?? cols[4]!,
      state: listening ? 'LISTEN' : (UNIX_STATES[parseInt(cols[5]!, 16)] ?? cols[5]!),
      name: bstrFromBytes(name),
      peer: 0,
      listening,
      txQueue: 0,
      rxQueue: 0,
      backlogKnown: false,
      backlog: 0,
      pendingOn: 0,
    });
  }
}

function parseNetlink(text: string, into: Map<number, NetlinkInfo>): void {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i]!.trim().split(/\s+/);
    if (c.length < 10) continue;
    into.set(Number(c[9]), { protocol: Number(c[1]), portId: Number(c[2]) >>> 0, groups: parseInt(c[3]!, 16) >>> 0 });
  }
}

function parsePacket(text: string, into: Map<number, PacketInfo>): void {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i]!.trim().split(/\s+/);
    if (c.length < 9) continue;
    into.set(Number(c[8]), { type: Number(c[2]), protocol: parseInt(c[3]!, 16), ifindex: Number(c[4]) });
  }
}

const INET_FILES = [
  ['tcp', 'tcp', 4],
  ['tcp6', 'tcp', 6],
  ['udp', 'udp', 4],
  ['udp6', 'udp', 6],
  ['udplite', 'udplite', 4],
  ['udplite6', 'udplite', 6],
  ['raw', 'raw', 4],
  ['raw6', 'raw', 6],
  ['icmp', 'icmp', 4],
  ['icmp6', 'icmp', 6], // ping sockets
] as const;

/**
 * The tables through /proc/PID/net of a process in the namespace; unix
 * sockets through sock_diag, in that namespace (`ownNetns` says it is ours,
 * so no setns is needed). Each family's tables are read when a socket is
 * first looked up in them: sockets are looked up unix first, so a namespace
 * of unix sockets only never pays for /proc/net/tcp, whose read walks the
 * whole TCP hash table (a millisecond and more, however few sockets).
 */
export function readNetTables(procRoot: string, pid: number, ownNetns: boolean, errors: RawError[]): NetTables {
  const base = `${procRoot}/${pid}/net`;
  let unix: Map<number, UnixInfo> | undefined;
  let inet: Map<number, InetInfo> | undefined;
  let netlink: Map<number, NetlinkInfo> | undefined;
  let packet: Map<number, PacketInfo> | undefined;
  let unixPeers = false;
  const loadUnix = (): Map<number, UnixInfo> => {
    const diag = unixDiag(ownNetns ? undefined : `${procRoot}/${pid}/ns/net`);
    if (diag) {
      unixPeers = true;
      return diag;
    }
    const m = new Map<number, UnixInfo>();
    try {
      parseUnixProc(readFileSync(`${base}/unix`), m);
    } catch (e) {
      errors.push({
        errno: (e as NodeJS.ErrnoException).code ?? 'EIO',
        pid,
        fd: -1,
        where: `${base}/unix`,
        message: 'cannot read socket table',
      });
    }
    return m;
  };
  const table = <T>(file: string, parse: (text: string, into: Map<number, T>) => void): Map<number, T> => {
    const m = new Map<number, T>();
    const text = readTable(`${base}/${file}`, pid, errors);
    if (text) parse(text, m);
    return m;
  };
  return {
    get unix() {
      return (unix ??= loadUnix());
    },
    get unixPeers() {
      unix ??= loadUnix();
      return unixPeers;
    },
    get inet() {
      if (!inet) {
        inet = new Map();
        for (const [file, proto, family] of INET_FILES) {
          const text = readTable(`${base}/${file}`, pid, errors);
          if (text) parseInet(text, proto, family, inet);
        }
        addBacklogs(inet, ownNetns ? undefined : `${procRoot}/${pid}/ns/net`);
      }
      return inet;
    },
    get netlink() {
      return (netlink ??= table('netlink', parseNetlink));
    },
    get packet() {
      return (packet ??= table('packet', parsePacket));
    },
  };
}
