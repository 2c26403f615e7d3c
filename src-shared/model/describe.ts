/** How a file reads to a person: one line for lists, shared by the CLI, reports and the UI. */
import { kindByName } from '../kinds/index.js';
import { mappedIpv4 } from '../kinds/inet-socket.js';
import { displayBStr } from './bstr.js';
import type { OpenFile, Snapshot, Task } from './snapshot.js';

/** What an fd kept without its name (see NAME_NOT_READABLE) reads as everywhere, rather than nothing. */
export const UNNAMED = '(name not readable)';

export function describeFile(f: OpenFile): string {
  const spec = kindByName(f.kind);
  const base = (spec?.summary ? spec.summary(f) : displayBStr(f.path)) || UNNAMED;
  return f.deleted ? `${base} (deleted)` : base;
}

/** Which fds (pid, fd) hold each file, and which tasks use each table. */
export interface Holders {
  fileHolders: Map<number, { pid: number; fd: number }[]>;
  tableTasks: Map<number, Task[]>;
}

/**
 * Whose fds a table's are, as "pid:fd" names them: the process (its
 * leader's pid) for the table its threads share; a thread's own pid for a
 * table only it and its sibling threads use (unshare(CLONE_FILES)), as
 * lsof -K does: else two tables of one process would both say pid:fd.
 * One per process using the table (CLONE_FILES across processes).
 */
export function tableHolderPids(tasks: readonly Task[]): number[] {
  const byProcess = new Map<number, number>();
  for (const t of tasks) {
    const cur = byProcess.get(t.tgid);
    if (t.pid === t.tgid) byProcess.set(t.tgid, t.pid);
    else if (cur === undefined || (cur !== t.tgid && t.pid < cur)) byProcess.set(t.tgid, t.pid);
  }
  return [...byProcess.values()];
}

/** Holders of each file counted once per process (threads share a table), or per thread for a thread's own table. */
export function holders(s: Snapshot): Holders {
  const tableTasks = new Map<number, Task[]>();
  for (const t of s.tasks) {
    if (!t.fdTable) continue;
    let l = tableTasks.get(t.fdTable);
    if (!l) tableTasks.set(t.fdTable, (l = []));
    l.push(t);
  }
  const fileHolders = new Map<number, { pid: number; fd: number }[]>();
  for (const table of s.fdTables) {
    const tasks = tableTasks.get(table.ref) ?? [];
    const pids = tableHolderPids(tasks);
    for (const d of table.fds) {
      let l = fileHolders.get(d.file);
      if (!l) fileHolders.set(d.file, (l = []));
      for (const pid of pids) l.push({ pid, fd: d.fd });
    }
  }
  return { fileHolders, tableTasks };
}

/**
 * The capture error message of an fd kept without its name (its link could
 * not be read, e.g. ENAMETOOLONG beyond PATH_MAX, but its fdinfo could): the
 * file's path is empty. Written by both /proc readers (raw-read.ts and
 * procfd.c, which cannot import it), matched here.
 */
export const NAME_NOT_READABLE = 'cannot read link: the fd is kept, its name not known';

/** Whether capture error `e` is the one that kept a process's fd table out: its fd or fdinfo directory could not be read. */
export function keptTableOut(e: Pick<Snapshot['errors'][number], 'fd' | 'where'>): boolean {
  return e.fd === -1 && /\/(fd|fdinfo)$/.test(displayBStr(e.where));
}

/** Per `${pid}:${fd}` of an fd kept without its name, the errno that hid it ("ENAMETOOLONG"): show says "(name not readable: ENAMETOOLONG)". */
export function unreadableNames(s: Pick<Snapshot, 'errors'>): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of s.errors) if (e.fd >= 0 && e.message === NAME_NOT_READABLE) m.set(`${e.pid}:${e.fd}`, e.errno);
  return m;
}

/**
 * The other ends of each connected socket, pipe and FIFO whose other end is
 * in the same image, by open file ref: a list in the image's file order,
 * never empty (lists may be shared between files: do not change them).
 *
 * A socket has one: a unix socket's by its peer's inode (unique on the
 * machine), a TCP one's by the reversed address pair within one network
 * namespace (two containers may each have 10.0.0.2:5432 <-> 10.0.0.3:40000),
 * an IPv4 address and its v4-mapped IPv6 form (`::ffff:127.0.0.1`, as a
 * dual-stack listener's accepted socket has it) being one address. What
 * `ss` shows as a peer.
 *
 * A pipe's or FIFO's are every open file on it that reads what this one
 * writes or writes what it reads: a read end's, every write and read-write
 * (`both`) end; a write end's, every read and read-write end; a read-write
 * end's (a pipe reopened O_RDWR through /proc/PID/fd/N), every other open
 * file on it. For `ckpt show` and the Inspector.
 */
export function otherEnds(s: Pick<Snapshot, 'files' | 'fdTables' | 'tasks'>): Map<number, readonly number[]> {
  // Each socket's network namespace: its holders' (a socket stays in the namespace it was made in).
  const netOfTable = new Map<number, string>();
  for (const t of s.tasks) {
    const net = t.namespaces.find((n) => n.type === 'net');
    if (t.fdTable && net && !netOfTable.has(t.fdTable)) netOfTable.set(t.fdTable, String(net.ino));
  }
  const netOf = new Map<number, string>();
  for (const t of s.fdTables) {
    const net = netOfTable.get(t.ref);
    if (net !== undefined) for (const d of t.fds) if (!netOf.has(d.file)) netOf.set(d.file, net);
  }
  // An IPv4 socket connected to a dual-stack IPv6 one sees 127.0.0.1 where
  // the other sees ::ffff:127.0.0.1: one address, as the kernel routes it.
  const addr = (v: unknown) => mappedIpv4(String(v)) ?? String(v);
  const pair = (f: OpenFile, reverse: boolean) => {
    const a = f.attrs;
    const [la, ra] = [addr(a.localAddr), addr(a.remoteAddr)];
    const ends = reverse ? [ra, a.remotePort, la, a.localPort] : [la, a.localPort, ra, a.remotePort];
    return [netOf.get(f.ref) ?? '?', a.proto, ...ends].map(String).join('|');
  };
  const byIno = new Map<string, OpenFile>();
  const byPair = new Map<string, OpenFile>();
  for (const f of s.files) {
    if (f.kind === 'unix-socket') byIno.set(String(f.ino), f);
    else if (f.kind === 'inet-socket' && f.attrs.remotePort) byPair.set(pair(f, false), f);
  }
  const out = new Map<number, readonly number[]>();
  for (const f of s.files) {
    // A unix client not yet accepted: its peer is the listener's embryo socket, in no fd table; the
    // listener it waits on (pendingOn, format 1.7) is who will hold the other end once it accepts.
    const other =
      f.kind === 'unix-socket' && (f.attrs.peer || f.attrs.pendingOn)
        ? ((f.attrs.peer ? byIno.get(String(f.attrs.peer)) : undefined) ??
          (f.attrs.pendingOn ? byIno.get(String(f.attrs.pendingOn)) : undefined))
        : f.kind === 'inet-socket' && f.attrs.remotePort
          ? byPair.get(pair(f, true))
          : undefined;
    if (other && other !== f) out.set(f.ref, [other.ref]);
  }
  // A pipe's or FIFO's other ends: the open files on the same inode at the
  // other end, and those opened for both (lsof +E pairs them so too).
  const ends = new Map<string, OpenFile[]>();
  for (const f of s.files) {
    if (f.kind !== 'pipe' && f.kind !== 'fifo') continue;
    const k = `${f.kind}|${String(f.dev)}|${String(f.ino)}`;
    let e = ends.get(k);
    if (!e) ends.set(k, (e = []));
    e.push(f);
  }
  for (const files of ends.values()) {
    if (files.length < 2) continue;
    // A read end's are what writes into the pipe, a write end's what reads from it (one list each, shared by
    // every end of its side); a 'both' end reads and writes: every other open file on it is its other end.
    const endOf = (f: OpenFile) => String(f.attrs.end);
    const refs = (l: OpenFile[]) => l.map((o) => o.ref);
    const toRead = refs(files.filter((o) => endOf(o) !== 'read'));
    const toWrite = refs(files.filter((o) => endOf(o) !== 'write'));
    for (const f of files) {
      const end = endOf(f);
      const others = end === 'read' ? toRead : end === 'write' ? toWrite : refs(files.filter((o) => o !== f));
      if (others.length) out.set(f.ref, others);
    }
  }
  return out;
}
