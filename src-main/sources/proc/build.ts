/**
 * Builds the snapshot of a live capture in two steps: prepare() per process
 * as it is read (tasks, per-thread table checks, classification of every
 * fd), then link() once everything is in (table and file sharing through
 * kcmp, epoll targets, refs).
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname, machine, release } from 'node:os';
import {
  FORMAT_MAJOR,
  FORMAT_MINOR,
  bstrFromBytes,
  type AttrRecord,
  type CaptureError,
  type Fd,
  type FdTable,
  type Namespace,
  type OpenFile,
  type Snapshot,
  type Task,
} from '../../../src-shared/model/index.js';
import { classify } from './classify/index.js';
import { alwaysListed, lateSocket } from './classify/sockets.js';
import { NS_TYPES } from '../../../src-shared/model/namespaces.js';
import { insideId, parseNofile, parseStat, splitCmdline, statusColumns } from './proc-text.js';
import { readKernelLimits } from './kernel-limits.js';
import { KCMP_FILE, KCMP_FILES, sharingCalls, type KcmpResult, type SharingCalls } from './native.js';
import { readNetTables, type NetTables } from './net-tables.js';
import { emptyRawFd, rawFdAt, type RawError, type RawFdTable, type RawProc } from './raw-read.js';
import { groupByKernel, partitionByKernel, type Kcmp } from './sharing.js';

export interface ProcCaptureStats {
  processes: number;
  tasks: number;
  fds: number;
  files: number;
  kcmpCalls: number;
  /** Processes read by the worker thread. */
  byWorker: number;
  kcmpRefused: Record<string, number>;
  ms: Record<string, number>;
}

function statusField(status: string | null, key: string, col: number): number {
  return Number(statusColumns(status, key)?.[col] ?? 0) >>> 0;
}

/**
 * The NSpid line of /proc/PID/status: the pid in each pid namespace the
 * process is in, from the reader's to its own; null where the kernel has
 * no such line (before 4.1) or the status is unreadable.
 */
function nsPidsOf(status: string | null): number[] | null {
  const cols = statusColumns(status, 'NSpid')?.map(Number);
  return cols?.length && cols.every((n) => Number.isSafeInteger(n) && n > 0) ? cols : null;
}

function nsIno(link: string): number | bigint {
  const m = /\[(\d+)\]$/.exec(link);
  if (!m) return 0;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : BigInt(m[1]!);
}

/** A numeric fingerprint of a table's contents: tables that share must have equal ones. */
function tableSig(t: RawFdTable): string {
  let sum = 0;
  for (let i = 0; i < t.n; i++) sum = (sum + t.fd[i]! * 31 + t.i32[i * 4 + 1]!) % 2147483647;
  return `${t.n}:${sum}`;
}

interface TableSrc {
  /** Task that holds the table, for kcmp and /proc paths. */
  pid: number;
  /** Process the table was read through (its netns and /proc dir). */
  procPid: number;
  netns: string;
  fds: RawFdTable;
}

/**
 * A table's fds classified, in fd order, as columns: no object per fd
 * beyond its open file, which becomes the snapshot's when it is the first
 * fd of that open file.
 */
interface Classified {
  fd: Int32Array;
  cloexec: Uint8Array;
  /** Per fd, its open file's id in the reader's BPF snapshot (RawFdTable.fileId), 0 without one; null: no such column. */
  fid: Int32Array | null;
  files: OpenFile[];
  keys: string[];
  /** Index of fd 0 of this table in link()'s entry list, -1 if not kept. */
  base: number;
}

/** link()'s entries (the fds of the kept tables), by entry number. */
interface Entries {
  /** Table source the fd is in. */
  table: Int32Array;
  /** Task that holds the fd, for kcmp. */
  pid: Int32Array;
  fd: Int32Array;
  file: OpenFile[];
  key: string[];
  /** Open file id in the BPF snapshot, 0 where there is none (Classified.fid). */
  fid: Int32Array;
}

/**
 * One kept table's fds into link()'s entries: a function per table, not a
 * loop in link(), so TurboFan compiles it after a few tables (a capture
 * runs without on-stack replacement: bin/ckpt.mjs), where link()'s own
 * loop would run all 30,000 fds in baseline code.
 */
function fillEntries(e: Entries, entries: number[], c: Classified, table: number, pid: number): void {
  for (let i = 0, g = c.base; i < c.fd.length; i++, g++) {
    e.table[g] = table;
    e.pid[g] = pid;
    e.fd[g] = c.fd[i]!;
    e.file[g] = c.files[i]!;
    e.key[g] = c.keys[i]!;
    if (c.fid) e.fid[g] = c.fid[i]!;
    entries[g] = g;
  }
}

interface Prepared {
  pid: number;
  tasks: Task[];
  /** Per task: index into tableSrcs, -1 for none. */
  taskTable: number[];
}

/** See the module comment: prepare() per process, link() once. */
export class Builder {
  private readonly prepared: Prepared[] = [];
  private readonly tableSrcs: TableSrc[] = [];
  /** Per table source, its fds classified. */
  private readonly classified: Classified[] = [];
  /** Table sources whose sharing with their threads kcmp could not prove. */
  private readonly inferredTables = new Set<number>();
  private readonly refusals: Record<string, number> = {};
  private kcmpCalls = 0;
  /** sameTable()'s answers, by tid, from tablesToRead() until prepare() takes them. */
  private readonly threadKcmp = new Map<number, KcmpResult>();
  private readonly nets = new Map<string, NetTables | null>();
  /** Files classified as the generic `socket` (no table listed them), by table source: looked up again in link(). */
  private readonly unresolved: { src: number; file: OpenFile; fd: number }[] = [];
  private readonly ownNetns = safeReadlink('/proc/self/ns/net');
  private readonly ownUserns = safeReadlink('/proc/self/ns/user');
  /** The kernel's overflowuid and overflowgid, read at the first task in another user namespace. */
  private overflowIds: [number, number] | undefined;

  /** kcmp, or null where it may not be used (noKcmp) or is not there: sharing is then inferred. */
  private readonly kcmp: Kcmp | null;

  constructor(
    private readonly procRoot: string,
    private readonly calls: SharingCalls | null,
    private readonly errors: RawError[],
  ) {
    this.kcmp = calls ? Object.assign(calls.kcmp.bind(null), { sort: calls.kcmpSort }) : null;
  }

  /** Comparisons kcmp would not answer so far. */
  refusedCount(): number {
    let n = 0;
    for (const v of Object.values(this.refusals)) n += v;
    return n;
  }

  private refuse(errno: string, n = 1): void {
    this.refusals[errno] = (this.refusals[errno] ?? 0) + n;
  }

  private readonly cursor = emptyRawFd();

  private addTable(pid: number, procPid: number, netns: string, fds: RawFdTable): number {
    const idx = this.tableSrcs.length;
    this.tableSrcs.push({ pid, procPid, netns, fds });
    const ctx = {
      pid,
      net: () => {
        let t = this.nets.get(netns);
        if (t === undefined) {
          t = readNetTables(this.procRoot, procPid, netns === this.ownNetns, this.errors);
          this.nets.set(netns, t);
        }
        return t;
      },
      sockProtoName: (p: number, fd: number) => {
        try {
          return sharingCalls().getxattr(`${this.procRoot}/${p}/fd/${fd}`, 'system.sockprotoname') ?? '';
        } catch {
          return '';
        }
      },
    };
    const n = fds.n;
    // The kernel lists fd/ in fd order, so the order is nearly always there already.
    let order: number[] | null = null;
    for (let i = 1; i < n; i++)
      if (fds.fd[i - 1]! > fds.fd[i]!) {
        order = Array.from({ length: n }, (_, j) => j).sort((a, b) => fds.fd[a]! - fds.fd[b]!);
        break;
      }
    const fileId = fds.fileId;
    const c: Classified = {
      fd: new Int32Array(n),
      cloexec: new Uint8Array(n),
      fid: fileId ? (order ? Int32Array.from(order, (j) => fileId[j]!) : fileId) : null,
      files: new Array(n),
      keys: new Array(n),
      base: -1,
    };
    for (let i = 0; i < n; i++) {
      const raw = rawFdAt(fds, order ? order[i]! : i, this.cursor);
      c.fd[i] = raw.fd;
      c.cloexec[i] = raw.flags & 0o2000000 ? 1 : 0;
      const f = (c.files[i] = classify(raw, ctx, c.keys, i));
      if (f.kind === 'socket' && alwaysListed(String(f.attrs.family ?? ''))) this.unresolved.push({ src: idx, file: f, fd: raw.fd });
    }
    this.classified.push(c);
    return idx;
  }

  /**
   * The tasks whose fd tables prepare(r) needs besides the process's own:
   * the live thread through which a process whose leader exited is read
   * (its task holds the table, see prepare()), and each thread that called
   * unshare(CLONE_FILES) (kcmp says its table is not the process's). The
   * caller reads them first, with its supervised reader (--timeout), and
   * hands them to prepare(): a statx in any table can hang on a dead NFS or
   * FUSE mount, and prepare() runs on a thread no timeout could rescue.
   */
  tablesToRead(r: RawProc): number[] {
    if (!r.stat || r.threads.length === 0) return [];
    const st = parseStat(r.stat);
    if (st.state === 'X') return [];
    const via = readVia(r, st.state);
    const leaderGone = via !== r.pid;
    // Its own table unread: prepare() gives its threads none either.
    if (!leaderGone && !r.fds) return [];
    const tids = leaderGone ? [via] : [];
    for (const th of r.threads) {
      if (th.tid === via) continue;
      const same = this.sameTable(via, th.tid);
      this.threadKcmp.set(th.tid, same);
      if (typeof same === 'number' && same !== 0) tids.push(th.tid);
    }
    return tids;
  }

  /**
   * kcmp(KCMP_FILES) of thread `tid` against `via`, the task its process is
   * read through: 0 for the same table, another number for its own, an
   * errno where kcmp refused or is not there. Asked once per thread, by
   * tablesToRead(), and the answer kept for prepare(): the two must agree,
   * or a thread that unshared in between would need a table nobody read.
   */
  private sameTable(via: number, tid: number): KcmpResult {
    if (!this.kcmp) return 'ENOSYS';
    this.kcmpCalls++;
    return this.kcmp(via, tid, KCMP_FILES, 0, 0);
  }

  /**
   * `read`: the fd tables of the tasks tablesToRead(r) named, by tid, as
   * the caller read them (fds null when they could not be, its errors
   * saying why).
   */
  prepare(r: RawProc, read?: ReadonlyMap<number, Pick<RawProc, 'fds' | 'errors'>>): void {
    const st = r.stat ? parseStat(r.stat) : null;
    // An exited leader (Z) has no fds, cwd, root or namespaces of its own:
    // that is its state, not a failure to read them. With no thread left
    // it is a zombie process, recorded so on its task; with threads still
    // running (pthread_exit) the process's are read through one of them.
    const leaderExited = st?.state === 'Z';
    for (const e of r.errors)
      if (!(leaderExited && e.pid === r.pid && zombieLacks(this.procRoot, r.pid, e.where))) this.errors.push(withListedCount(e));
    if (!st) return;
    const zombieProcess = leaderExited && r.threads.length === 0;
    /** The task whose fd table, cwd, root and namespaces are the process's. */
    const via = readVia(r, st.state);
    const leaderGone = via !== r.pid;
    const seen = leaderGone ? this.throughThread(r.pid, via, read) : r;
    const uid = statusField(r.status, 'Uid', 1);
    const gid = statusField(r.status, 'Gid', 1);
    const tgid = statusField(r.status, 'Tgid', 0) || r.pid;
    const namespaces: Namespace[] = seen.ns.map(([type, link]) => ({ type, ino: nsIno(link) }));
    const netns = seen.ns.find(([t]) => t === 'net')?.[1] ?? `unknown:${r.pid}`;
    const cmdline = splitCmdline(r.cmdline);
    const cwd = seen.cwd ? bstrFromBytes(seen.cwd) : '';
    const root = seen.root ? bstrFromBytes(seen.root) : '';
    // Threads share their process's rlimits.
    const fdLimit = parseNofile(r.nofile);
    let noTable = zombieProcess || st.state === 'X';
    // An exiting process lets go of its whole fd table at once, long before
    // it is a zombie (closing 15,000 files takes a while): its fd directory
    // lists nothing then. An empty table of a process exiting or gone by now
    // is that, not a process that holds nothing.
    // (Its fds listed but each gone when read have their records, which
    // capture.ts's exitedDuring() folds into one.)
    if (seen.fds && seen.fds.n === 0 && !noTable && !(st.flags & PF_KTHREAD) && exitingNow(this.procRoot, r.pid)) {
      noTable = true;
      if (!this.errors.some((e) => e.pid === r.pid && e.fd >= 0))
        this.errors.push({
          errno: 'ENOENT',
          pid: r.pid,
          fd: -1,
          where: `${this.procRoot}/${r.pid}/fd`,
          message: 'exited during the capture: its fds could not be read',
        });
    }
    const tableIdx = seen.fds && !noTable ? this.addTable(via, via, netns, seen.fds) : -1;
    const prep: Prepared = { pid: r.pid, tasks: [], taskTable: [] };
    prep.tasks.push({
      pid: r.pid,
      tgid,
      ppid: st.ppid,
      uid,
      gid,
      comm: bstrFromBytes(st.comm),
      cmdline,
      cwd,
      root,
      namespaces,
      fdTable: 0,
      fdLimit,
    });
    if (zombieProcess) prep.tasks[0]!.zombie = true;
    // Its pid as its own pid namespace (a container) sees it, the one its logs and tools there use.
    const nsPids = nsPidsOf(r.status);
    if (nsPids) prep.tasks[0]!.nsPids = nsPids;
    // Root of a rootless container runs as a host uid like 100000: who it is inside, too.
    const userns = seen.ns.find(([t]) => t === 'user')?.[1];
    const userNsIds =
      userns && this.ownUserns && userns !== this.ownUserns ? this.userNsIds(r.pid, leaderGone ? `task/${via}/` : '', uid, gid) : null;
    if (userNsIds) prep.tasks[0]!.userNsIds = userNsIds;
    // An exited leader's task holds no files_struct any more, but it is the
    // process to every reader of the image (its limit against its fd count,
    // lsof's PID, search's pid:, the library's process rows), as its cwd,
    // root and namespaces above, read through the same thread, are: it
    // takes the process's table, the one its threads that did not
    // unshare(CLONE_FILES) share.
    prep.taskTable.push(tableIdx);
    for (const th of r.threads) {
      const ts = th.stat ? parseStat(th.stat) : null;
      prep.tasks.push({
        pid: th.tid,
        tgid: r.pid,
        ppid: st.ppid,
        uid,
        gid,
        comm: bstrFromBytes(ts ? ts.comm : st.comm),
        cmdline,
        cwd,
        root,
        namespaces,
        fdTable: 0,
        fdLimit,
      });
      // Threads share their process's user namespace (the kernel allows no other) and so its ids there.
      if (userNsIds) prep.tasks[prep.tasks.length - 1]!.userNsIds = userNsIds;
      const thPids = this.threadNsPids(r.pid, th.tid, nsPids);
      if (thPids) prep.tasks[prep.tasks.length - 1]!.nsPids = thPids;
      if (tableIdx < 0 || th.tid === via) {
        prep.taskTable.push(tableIdx);
        continue;
      }
      // A thread normally shares its leader's table; one that called
      // unshare(CLONE_FILES) has its own, read by the caller (tablesToRead()).
      const same = this.threadKcmp.get(th.tid) ?? this.sameTable(via, th.tid);
      this.threadKcmp.delete(th.tid);
      if (same === 0 || typeof same === 'string') {
        if (typeof same === 'string') {
          this.refuse(same);
          this.inferredTables.add(tableIdx);
        }
        prep.taskTable.push(tableIdx);
        continue;
      }
      prep.taskTable.push(this.addTable(th.tid, via, netns, this.readTable(r.pid, th.tid, read) ?? NO_FDS));
    }
    this.prepared.push(prep);
  }

  /**
   * A thread's pids in its pid namespaces. The kernel keeps every thread in
   * its process's pid namespace (clone refuses CLONE_THREAD across one), so
   * for a process of the capture's own namespace it is just the tid, known
   * without a read; only a process in a nested one (a container's) has each
   * thread's status read, for the tid it has inside. null where not known
   * (the process's own NSpid not known, the thread gone meanwhile).
   */
  private threadNsPids(pid: number, tid: number, procPids: number[] | null): number[] | null {
    if (!procPids) return null;
    if (procPids.length === 1) return [tid];
    let status: string;
    try {
      status = readFileSync(`${this.procRoot}/${pid}/task/${tid}/status`, 'latin1');
    } catch {
      return null; // exited since it was listed: left out, as for a process without NSpid
    }
    const got = nsPidsOf(status);
    return got && got.length === procPids.length && got[0] === tid ? got : null;
  }

  /**
   * Effective `uid` and `gid` (as the capture sees them) of process `pid`,
   * which is in a user namespace other than the capture's, as its namespace
   * sees them, through /proc/PID/uid_map and gid_map (`sub`: the task/TID/
   * to read them through, when the leader exited). null where a map could
   * not be read (an error record says why, but for a process gone meanwhile).
   */
  private userNsIds(pid: number, sub: string, uid: number, gid: number): { uid: number; gid: number } | null {
    if (!this.overflowIds) {
      const overflow = (name: string) => {
        const v = Number(safeRead(`/proc/sys/kernel/${name}`).trim());
        return Number.isSafeInteger(v) && v >= 0 && v <= 0xffffffff ? v : 65534;
      };
      this.overflowIds = [overflow('overflowuid'), overflow('overflowgid')];
    }
    const ids: number[] = [];
    for (const [file, id, overflow] of [
      ['uid_map', uid, this.overflowIds[0]],
      ['gid_map', gid, this.overflowIds[1]],
    ] as const) {
      const where = `${this.procRoot}/${pid}/${sub}${file}`;
      let inside: number | 'not visible' | null;
      try {
        inside = insideId(readFileSync(where, 'latin1'), id, overflow);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        if (code !== 'ENOENT' && code !== 'ESRCH')
          this.errors.push({ errno: code, pid, fd: -1, where, message: 'cannot read: its ids in its user namespace are not recorded' });
        return null;
      }
      if (inside === null) {
        this.errors.push({ errno: 'EINVAL', pid, fd: -1, where, message: 'not an id map: its ids in its user namespace are not recorded' });
        return null;
      }
      // The capture's own namespace does not see this one's whole map: not known, and no fault.
      if (inside === 'not visible') return null;
      ids.push(inside);
    }
    return { uid: ids[0]!, gid: ids[1]! };
  }

  /**
   * The fd table of task `tid` of process `pid` as the caller read it
   * (tablesToRead()), its errors recorded; null when it could not be read.
   * Never read here, where a hang could not be given up on: one the caller
   * did not read is recorded as not read.
   */
  private readTable(
    pid: number,
    tid: number,
    read: ReadonlyMap<number, Pick<RawProc, 'fds' | 'errors'>> | undefined,
    as?: number,
  ): RawFdTable | null {
    const got = read?.get(tid);
    if (!got) {
      this.errors.push({
        errno: 'EIO',
        pid,
        fd: -1,
        where: `${this.procRoot}/${pid}/task/${tid}/fd`,
        message: 'not read: no table was read for this thread',
      });
      return null;
    }
    // The table of a process whose leader exited is the process's: its errors are the process's too.
    for (const e of got.errors) this.errors.push(withListedCount(as === undefined || e.pid !== tid ? e : { ...e, pid: as }));
    return got.fds;
  }

  /** What a process whose leader exited holds, read through its live thread `tid`: fd table, cwd, root, namespaces. */
  private throughThread(
    pid: number,
    tid: number,
    read: ReadonlyMap<number, Pick<RawProc, 'fds' | 'errors'>> | undefined,
  ): Pick<RawProc, 'fds' | 'cwd' | 'root' | 'ns'> {
    const dir = `${this.procRoot}/${pid}/task/${tid}`;
    const link = (name: string): Buffer | null => {
      try {
        return readlinkSync(`${dir}/${name}`, { encoding: 'buffer' });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        // ENOENT: a namespace type this kernel lacks, or the thread exited too.
        if (code !== 'ENOENT' || !name.startsWith('ns/'))
          this.errors.push({ errno: code, pid, fd: -1, where: `${dir}/${name}`, message: 'cannot read link' });
        return null;
      }
    };
    const ns: [string, string][] = [];
    for (const t of NS_TYPES) {
      const l = link(`ns/${t}`);
      if (l) ns.push([t, l.toString('latin1')]);
    }
    return { fds: this.readTable(pid, tid, read, pid), cwd: link('cwd'), root: link('root'), ns };
  }

  /**
   * Sockets no table listed when their namespace's tables were read (once,
   * at the first socket looked up there): without --freeze, one opened
   * after that, in a process read later, is not in them, nor is one closed
   * before. The tables are read once more, lazily (only those the sockets'
   * protocols name, and another namespace's only for a socket its own does
   * not have, see lateSocket); sockets found there take their kind, the
   * others (of a family the tables list) are marked `unlisted`, which their
   * description says, and one error record counts them.
   */
  private resolveLateSockets(): void {
    // Fresh tables of the socket's own namespace and of ours (a socket
    // inherited across namespaces, stdio from the parent, is in its
    // creator's), read only when a socket is looked up in them: a late
    // socket costs a dump or two, not one per namespace the capture met.
    const fresh = new Map<string, NetTables | null>();
    // Another namespace is read through a process in it, which may have
    // exited since (or its pid gone to a process elsewhere): one still in
    // it, checked now, or none (the namespace is not read again).
    const liveIn = (netns: string): number | null => {
      for (const t of this.tableSrcs)
        try {
          if (t.netns === netns && readlinkSync(`${this.procRoot}/${t.procPid}/ns/net`) === netns) return t.procPid;
        } catch {
          /* gone: the next one */
        }
      return null;
    };
    const tablesOf = (netns: string): NetTables | null => {
      if (!fresh.has(netns)) {
        const via = netns === this.ownNetns ? process.pid : liveIn(netns);
        fresh.set(netns, via === null ? null : readNetTables(this.procRoot, via, netns === this.ownNetns, this.errors));
      }
      return fresh.get(netns)!;
    };
    const example: string[] = [];
    // Each fd has its own file until link() groups them: a socket held by several fds counts once.
    const counted = new Set<string>();
    for (const u of this.unresolved) {
      const src = this.tableSrcs[u.src]!;
      const own = tablesOf(src.netns);
      const order: NetTables[] = own ? [own] : [];
      if (this.ownNetns && src.netns !== this.ownNetns) order.push(tablesOf(this.ownNetns)!);
      // Marked only when its own namespace was read again: else its absence says nothing.
      if (!lateSocket(u.file, order, own !== null) || counted.has(String(u.file.ino))) continue;
      counted.add(String(u.file.ino));
      if (example.length < 3) example.push(`pid ${src.pid} fd ${u.fd} socket:[${String(u.file.ino)}]`);
    }
    this.unresolved.length = 0;
    if (counted.size > 0)
      this.errors.push({
        errno: 'ENOENT',
        pid: -1,
        fd: -1,
        where: 'socket tables',
        message: `${counted.size} socket(s) not in the socket tables at capture time, read twice (opened or closed during the capture; e.g. ${example.join(', ')}): kept as kind socket, marked unlisted`,
      });
  }

  link(stats?: ProcCaptureStats): Snapshot {
    const { kcmp, tableSrcs } = this;
    this.prepared.sort((a, b) => a.pid - b.pid);
    if (this.unresolved.length) this.resolveLateSockets();

    // Tables shared between processes (clone(CLONE_FILES)). Up to a few
    // thousand tables, kcmp orders them all (about 1.4 n log2 n calls, ~2 ms
    // for 200): exact even when a shared table changed between the reads
    // of its two processes. Beyond, only tables with equal contents are
    // compared, which such a change would hide.
    const allInOne = tableSrcs.length <= 4096;
    const tg = groupByKernel(
      tableSrcs.map((_, i) => i),
      (i) => (allInOne ? '' : tableSig(tableSrcs[i]!.fds)),
      (i) => ({ pid: tableSrcs[i]!.pid, idx: 0 }),
      KCMP_FILES,
      kcmp,
      (i) => String(i), // without kcmp, processes are presumed not to share
    );
    this.kcmpCalls += tg.calls;
    for (const [k, v] of tg.refusals) this.refuse(k, v);
    // Number tables in task order, so equal captures give equal refs.
    const groupOf = new Array<number>(tableSrcs.length);
    tg.groups.forEach((g, gi) => g.forEach((m) => (groupOf[m] = gi)));
    const refOfGroup = new Map<number, number>();
    const fdTables: FdTable[] = [];
    const kept: number[] = [];
    const tasks: Task[] = [];
    for (const p of this.prepared) {
      p.tasks.forEach((t, i) => {
        const src = p.taskTable[i]!;
        if (src >= 0) {
          const gi = groupOf[src]!;
          let ref = refOfGroup.get(gi);
          if (ref === undefined) {
            ref = fdTables.length + 1;
            refOfGroup.set(gi, ref);
            const members = tg.groups[gi]!;
            fdTables.push({ ref, fds: [], sharingInferred: tg.inferred[gi]! || members.some((m) => this.inferredTables.has(m)) });
            kept.push(Math.min(...members));
          }
          t.fdTable = ref;
        }
        tasks.push(t);
      });
    }

    // Open files: fds with one share key are candidates, kcmp decides.
    // Entries are numbered across the kept tables; columns give each one's
    // task, fd, file and key.
    let total = 0;
    for (const k of kept) {
      this.classified[k]!.base = total;
      total += this.classified[k]!.fd.length;
    }
    const e: Entries = {
      table: new Int32Array(total),
      pid: new Int32Array(total),
      fd: new Int32Array(total),
      file: new Array(total),
      key: new Array(total),
      fid: new Int32Array(total),
    };
    const entries: number[] = new Array(total);
    for (const k of kept) fillEntries(e, entries, this.classified[k]!, k, tableSrcs[k]!.pid);
    const groupOfEntry = new Int32Array(total);
    // Per group of entries (at most one per entry): 1 where its sharing was inferred.
    const groupInferred = new Uint8Array(total);
    let groups = 0;
    // With every fd from the BPF snapshot, its open-file ids split the fds
    // first: fds with different ids are different open files, so most have
    // no candidate to compare with; those with one id are one open file
    // unless a pointer was reused between two reads, which kcmp rules out
    // (n - 1 calls for n fds of one file). Else the inode does.
    let allIds = total > 0;
    for (let g = 0; g < total && allIds; g++) allIds = e.fid[g]! > 0;
    const fg = partitionByKernel(
      entries,
      (g) => e.key[g]!,
      (g) => ({ pid: e.pid[g]!, idx: e.fd[g]! }),
      KCMP_FILE,
      kcmp,
      // Best inference: a socket inode has exactly one open file; others
      // share when everything an open file owns (pos, flags) agrees.
      (g) => {
        const f = e.file[g]!;
        return e.key[g]!.startsWith('s:') ? 's' : `${String(f.pos)}:${f.flags}:${f.mntId}`;
      },
      {
        alone: (g) => {
          groupOfEntry[g] = groups++;
        },
        group: (members, inferred) => {
          for (const g of members) groupOfEntry[g] = groups;
          groupInferred[groups++] = inferred ? 1 : 0;
        },
      },
      // fds of one open file have one id; fds with one share key have one
      // inode: the key holds it, or (an eventfd's) an id unique to one
      // eventfd, whose fds all have its inode.
      allIds
        ? (g) => e.fid[g]!
        : (g) => {
            const ino = e.file[g]!.ino;
            return typeof ino === 'number' ? ino : -1;
          },
    );
    this.kcmpCalls += fg.calls;
    for (const [k, v] of fg.refusals) this.refuse(k, v);
    const files: OpenFile[] = [];
    const refOfFileGroup = new Int32Array(groups);
    const fileOf = new Int32Array(total);
    /** Per file (ref - 1): the entry whose fdinfo its facts came from. */
    const creator = new Int32Array(total);
    const epolls: OpenFile[] = [];
    // Files are numbered in the order their first fd appears.
    kept.forEach((k, ti) => {
      const table = fdTables[ti]!;
      const c = this.classified[k]!;
      const fds: Fd[] = new Array(c.fd.length);
      table.fds = fds;
      for (let i = 0, g = c.base; i < c.fd.length; i++, g++) {
        const gi = groupOfEntry[g]!;
        let ref = refOfFileGroup[gi]!;
        if (ref === 0) {
          ref = files.length + 1;
          refOfFileGroup[gi] = ref;
          const f = e.file[g]!;
          f.ref = ref;
          f.sharingInferred = groupInferred[gi] === 1;
          creator[files.length] = g;
          files.push(f);
          if (f.kind === 'epoll') epolls.push(f);
        }
        fileOf[g] = ref;
        fds[i] = { fd: c.fd[i]!, file: ref, cloexec: c.cloexec[i] === 1 };
      }
    });

    this.resolveEpolls(epolls, creator, fileOf, e);

    if (stats) {
      stats.kcmpCalls = this.kcmpCalls;
      stats.kcmpRefused = { ...this.refusals };
    }
    const capErrors: CaptureError[] = this.errors.map((e) => ({
      errno: e.errno,
      pid: e.pid,
      fd: e.fd,
      where: e.where,
      message: e.message,
    }));
    for (const [k, v] of Object.entries(this.refusals))
      capErrors.push({
        errno: k,
        pid: -1,
        fd: -1,
        where: 'kcmp',
        message: `kcmp refused ${v} comparison(s); sharing there is inferred, not proven`,
      });
    return {
      header: {
        formatMajor: FORMAT_MAJOR,
        formatMinor: FORMAT_MINOR,
        arch: machine(),
        kernelRelease: release(),
        hostname: hostname(),
        captureTime: Date.now(),
        source: 'proc',
        frozen: false,
        options: {},
        kernelLimits: readKernelLimits(this.procRoot),
      },
      tasks,
      fdTables,
      files,
      errors: capErrors,
    };
  }

  /**
   * epoll watches: the watched open file, proven with KCMP_EPOLL_TFD. The
   * candidates are the fds of the epoll's own table on the watched inode,
   * the fd the watch was added with first.
   */
  private resolveEpolls(epolls: OpenFile[], creator: Int32Array, fileOf: Int32Array, e: Entries): void {
    const lib = this.calls;
    // Per table, its fds (entry numbers) by (ino, dev): a server's epoll may watch 10,000 fds.
    const indexes = new Map<number, Map<string, number[]>>();
    const byInode = (tableIdx: number): Map<string, number[]> => {
      let m = indexes.get(tableIdx);
      if (!m) {
        m = new Map();
        const c = this.classified[tableIdx]!;
        for (let g = c.base; g < c.base + c.fd.length; g++) {
          const k = `${String(e.file[g]!.ino)}:${String(e.file[g]!.dev)}`;
          const l = m.get(k);
          if (l) l.push(g);
          else m.set(k, [g]);
        }
        indexes.set(tableIdx, m);
      }
      return m;
    };
    for (const file of epolls) {
      const ep = creator[file.ref - 1]!;
      const index = byInode(e.table[ep]!);
      let inferred = false;
      for (const w of file.attrs.watches as AttrRecord[]) {
        const tfd = w.tfd as number;
        const cands = (index.get(`${String(w.ino)}:${String(w.sdev)}`) ?? []).filter((g) => g !== ep);
        cands.sort((a, b) => (e.fd[a] === tfd ? -1 : e.fd[b] === tfd ? 1 : e.fd[a]! - e.fd[b]!));
        for (const c of cands) {
          if (lib) {
            this.kcmpCalls++;
            const r = lib.kcmpEpoll(e.pid[c]!, e.fd[c]!, e.pid[ep]!, e.fd[ep]!, tfd, 0);
            if (r === 0) {
              w.file = fileOf[c]!;
              break;
            }
            if (r === 1 || r === 2) continue;
            this.refuse(r);
          }
          // kcmp could not say: the fd the watch was added with, if it
          // still points at that inode, is the best guess.
          if (e.fd[c] === tfd) {
            w.file = fileOf[c]!;
            inferred = true;
          }
          break;
        }
      }
      if (inferred) file.sharingInferred = true;
    }
  }
}

const NO_FDS: RawFdTable = {
  n: 0,
  fd: new Int32Array(0),
  i32: new Int32Array(0),
  f64: new Float64Array(0),
  statted: new Uint8Array(0),
  linkAscii: new Uint8Array(0),
  link: [],
  extra: [],
  big: [],
};

/**
 * The task process `r` (in stat state `state`) is read through: itself, or,
 * when its leader exited (pthread_exit; Z) while its threads run, its first
 * live thread, since /proc/PID's fd, cwd, root and ns went with the leader.
 * tablesToRead() and prepare() both ask here: they must agree.
 */
function readVia(r: RawProc, state: string): number {
  return state === 'Z' && r.threads.length > 0 ? r.threads[0]!.tid : r.pid;
}

/**
 * An fdinfo directory refused (EACCES, EPERM: /proc's ptrace read check,
 * which listing fd/ does not make: root without CAP_SYS_PTRACE, an LSM)
 * where its fd directory can still be listed: how many fds it lists is the
 * one thing known of the table, kept in the record's message ("its fd
 * directory lists 36 fds"), which show prints where the table would be.
 */
function withListedCount(e: RawError): RawError {
  if (e.fd !== -1 || (e.errno !== 'EACCES' && e.errno !== 'EPERM') || !e.where.endsWith('/fdinfo')) return e;
  let n: number;
  try {
    n = readdirSync(e.where.slice(0, -'info'.length)).length;
  } catch {
    return e;
  }
  return { ...e, message: `${e.message}; its fd directory lists ${n} fd${n === 1 ? '' : 's'}` };
}

/** task_struct flags in /proc/PID/stat (include/linux/sched.h): do_exit() has begun; a kernel thread. */
const PF_EXITING = 0x4;
const PF_KTHREAD = 0x200000;

/** A task's stat says it has exited or is exiting: Z, X, or PF_EXITING. */
function statExiting(stat: Uint8Array): boolean {
  const { state, flags } = parseStat(stat);
  return state === 'Z' || state === 'X' || (flags & PF_EXITING) !== 0;
}

/**
 * Whether process `pid` has begun exiting or is gone now: its /proc
 * directory is gone, or its leader's stat says Z, X or PF_EXITING and no
 * other thread of it runs (a leader that called pthread_exit is Z while
 * its threads run on). A directory still there whose stat cannot be read
 * says no.
 */
export function exitingNow(procRoot: string, pid: number): boolean {
  const dir = `${procRoot}/${pid}`;
  let now: Uint8Array;
  try {
    now = readFileSync(`${dir}/stat`);
  } catch {
    return !existsSync(dir);
  }
  if (!statExiting(now)) return false;
  let tids: string[];
  try {
    tids = readdirSync(`${dir}/task`);
  } catch {
    return true;
  }
  for (const t of tids) {
    if (t === String(pid)) continue;
    try {
      if (!statExiting(readFileSync(`${dir}/task/${t}/stat`))) return false;
    } catch {
      // gone: exited
    }
  }
  return true;
}

/** A zombie's /proc paths that have nothing to give: its cwd and root links, its fd and fdinfo directories, its namespaces. */
function zombieLacks(procRoot: string, pid: number, where: string): boolean {
  const base = `${procRoot}/${pid}/`;
  if (!where.startsWith(base)) return false;
  const rest = where.slice(base.length);
  return rest === 'cwd' || rest === 'root' || rest === 'fd' || rest === 'fdinfo' || rest === 'ns';
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'latin1');
  } catch {
    return '';
  }
}

function safeReadlink(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}
