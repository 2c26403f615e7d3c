/**
 * Live capture from /proc: select processes, optionally freeze them, read
 * every task and fd (two threads), classify each fd, ask the kernel (kcmp)
 * which fds share an open file and which tasks a table, and build the
 * snapshot. Nothing a process can do to us (exit, close an fd, refuse
 * access) aborts a capture: it becomes an error record and the capture goes
 * on.
 */
import * as fs from 'node:fs';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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
import { classify, type FileFacts } from './classify/index.js';
import { Freezer } from './freeze.js';
import { KCMP_FILE, KCMP_FILES, loadKoffi, native, type KcmpResult } from './native.js';
import { readNetTables, type NetTables } from './net-tables.js';
import { rawRead, type RawError, type RawFd, type RawProc } from './raw-read.js';
import { groupByKernel, type Kcmp } from './sharing.js';
import { readProcs } from './worker-pool.js';

export class ProcCaptureError extends Error {
  override readonly name = 'CaptureError';
}

export interface ProcCaptureOptions {
  pids?: number[];
  /** Add every descendant of the given pids. */
  tree?: boolean;
  /** Every process the caller can see (except the capture itself). */
  all?: boolean;
  freeze?: boolean;
  /** Default "/proc". */
  procRoot?: string;
  /** Force or forbid the reader worker thread (default: by size). */
  worker?: boolean;
  /** Forbid kcmp, to exercise the inference path. */
  noKcmp?: boolean;
  /** Test hook (also CKPT_TEST_HOLD_FROZEN_MS): wait this long while frozen, so a test can signal the capture. */
  holdFrozenMs?: number;
}

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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function listPids(procRoot: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

function ppidOf(procRoot: string, pid: number): number {
  try {
    const s = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

function parseStat(stat: Uint8Array): { comm: Uint8Array; state: string; ppid: number } {
  const open = stat.indexOf(40);
  const close = stat.lastIndexOf(41);
  const rest = Buffer.from(stat.buffer, stat.byteOffset + close + 2, stat.length - close - 2).toString('latin1').split(' ');
  return { comm: stat.subarray(open + 1, close), state: rest[0] ?? '?', ppid: Number(rest[1] ?? 0) };
}

function statusField(status: string | null, key: string, col: number): number {
  if (!status) return 0;
  const at = status.indexOf(`\n${key}:`);
  if (at < 0) return 0;
  const end = status.indexOf('\n', at + 1);
  const cols = status.slice(at + key.length + 2, end < 0 ? undefined : end).trim().split(/\s+/);
  return Number(cols[col] ?? 0) >>> 0;
}

function splitCmdline(b: Uint8Array | null): ReturnType<typeof bstrFromBytes>[] {
  if (!b || b.length === 0) return [];
  const out = [];
  let s = 0;
  const end = b[b.length - 1] === 0 ? b.length - 1 : b.length;
  for (let i = 0; i <= end; i++) {
    if (i === end || b[i] === 0) {
      out.push(bstrFromBytes(b.subarray(s, i)));
      s = i + 1;
    }
  }
  return out;
}

function nsIno(link: string): number | bigint {
  const m = /\[(\d+)\]$/.exec(link);
  if (!m) return 0;
  const v = Number(m[1]);
  return Number.isSafeInteger(v) ? v : BigInt(m[1]!);
}

/** A numeric fingerprint of a table's contents: tables that share must have equal ones. */
function tableSig(fds: RawFd[] | null): string {
  if (!fds) return 'none';
  let sum = 0;
  for (const f of fds) sum = (sum + f.fd * 31 + f.mntId) % 2147483647;
  return `${fds.length}:${sum}`;
}

interface TableSrc {
  /** Task that holds the table, for kcmp and /proc paths. */
  pid: number;
  /** Process the table was read through (its netns and /proc dir). */
  procPid: number;
  netns: string;
  fds: RawFd[];
}

export async function captureProc(opts: ProcCaptureOptions, stats?: ProcCaptureStats): Promise<Snapshot> {
  const procRoot = opts.procRoot ?? '/proc';
  const t0 = performance.now();
  const ms: Record<string, number> = {};
  const lap = (name: string, since: number) => (ms[name] = Math.round((performance.now() - since) * 10) / 10);
  const errors: RawError[] = [];

  // Selection.
  let selected: number[];
  if (opts.all) {
    selected = listPids(procRoot).filter((p) => p !== process.pid);
  } else {
    const asked = [...new Set(opts.pids ?? [])];
    if (asked.length === 0) throw new ProcCaptureError('nothing to capture: give pids or ask for all processes');
    const present = new Set(listPids(procRoot));
    selected = [];
    for (const p of asked) {
      if (present.has(p)) selected.push(p);
      else errors.push({ errno: 'ESRCH', pid: p, fd: -1, where: `${procRoot}/${p}`, message: 'no such process' });
    }
    if (opts.tree && selected.length) {
      const children = new Map<number, number[]>();
      for (const p of present) {
        const pp = ppidOf(procRoot, p);
        const c = children.get(pp);
        if (c) c.push(p);
        else children.set(pp, [p]);
      }
      const seen = new Set(selected);
      for (let i = 0; i < selected.length; i++)
        for (const c of children.get(selected[i]!) ?? [])
          if (!seen.has(c) && c !== process.pid) {
            seen.add(c);
            selected.push(c);
          }
    }
    selected.sort((a, b) => a - b);
  }
  lap('select', t0);

  let kcmp: Kcmp | null = null;
  if (!opts.noKcmp) {
    try {
      const n = native();
      kcmp = (a, b, t, i, j): KcmpResult => n.kcmp(a, b, t, i, j);
    } catch {
      kcmp = null;
    }
  }

  const freezer = opts.freeze ? new Freezer(procRoot) : undefined;
  try {
    if (freezer) {
      const t = performance.now();
      freezer.freeze(selected, errors);
      lap('freeze', t);
      const hold = opts.holdFrozenMs ?? (Number(process.env.CKPT_TEST_HOLD_FROZEN_MS) || 0);
      if (hold > 0) await sleep(hold);
      else await sleep(0); // let a pending SIGINT/SIGTERM run its handler now
    }

    const tRead = performance.now();
    const got = await readProcs({ procRoot, pids: selected, worker: opts.worker });
    if (got.workerError) errors.push({ errno: '', pid: -1, fd: -1, where: 'reader thread', message: `worker failed, read on one thread instead: ${got.workerError}` });
    const raws = got.procs;
    raws.sort((a, b) => a.pid - b.pid);
    lap('read', tRead);
    for (const r of raws) errors.push(...r.errors);

    const tBuild = performance.now();
    const snap = build(raws, procRoot, kcmp, errors, stats);
    lap('build', tBuild);
    snap.header.frozen = Boolean(freezer);
    const o: Record<string, string> = {};
    if (opts.all) o.all = 'true';
    if (opts.pids?.length) o.pids = opts.pids.join(',');
    if (opts.tree) o.tree = 'true';
    if (opts.freeze) o.freeze = 'true';
    o.sharing = kcmp ? 'kcmp' : 'inferred';
    snap.header.options = o;
    if (stats) {
      stats.processes = raws.length;
      stats.byWorker = got.byWorker;
      stats.tasks = snap.tasks.length;
      stats.fds = snap.fdTables.reduce((n, t) => n + t.fds.length, 0);
      stats.files = snap.files.length;
      stats.ms = ms;
    }
    return snap;
  } finally {
    freezer?.release();
    lap('total', t0);
  }
}

function build(raws: RawProc[], procRoot: string, kcmp: Kcmp | null, errors: RawError[], stats?: ProcCaptureStats): Snapshot {
  const tasks: Task[] = [];
  const tableSrcs: TableSrc[] = [];
  /** Table index per task, filled after table grouping. */
  const taskTable: (number | -1)[] = [];
  let kcmpCalls = 0;
  /** Tables whose sharing with their threads kcmp could not prove. */
  const inferredTables = new Set<number>();
  const refusals: Record<string, number> = {};
  const noteRefusals = (m: Map<string, number>) => {
    for (const [k, v] of m) refusals[k] = (refusals[k] ?? 0) + v;
  };

  // Tasks, and one table candidate per process plus per thread whose table differs.
  const threadTables: { tid: number; procPid: number; netns: string }[] = [];
  for (const r of raws) {
    if (!r.stat) continue;
    const st = parseStat(r.stat);
    const uid = statusField(r.status, 'Uid', 1);
    const gid = statusField(r.status, 'Gid', 1);
    const tgid = statusField(r.status, 'Tgid', 0) || r.pid;
    const namespaces: Namespace[] = r.ns.map(([type, link]) => ({ type, ino: nsIno(link) }));
    const netns = r.ns.find(([t]) => t === 'net')?.[1] ?? `unknown:${r.pid}`;
    const cmdline = splitCmdline(r.cmdline);
    const cwd = r.cwd ? bstrFromBytes(r.cwd) : '';
    const root = r.root ? bstrFromBytes(r.root) : '';
    const zombie = st.state === 'Z' || st.state === 'X';
    let tableIdx: number | -1 = -1;
    if (r.fds && !zombie) {
      tableIdx = tableSrcs.length;
      tableSrcs.push({ pid: r.pid, procPid: r.pid, netns, fds: r.fds });
    }
    tasks.push({ pid: r.pid, tgid, ppid: st.ppid, uid, gid, comm: bstrFromBytes(st.comm), cmdline, cwd, root, namespaces, fdTable: 0 });
    taskTable.push(tableIdx);
    for (const th of r.threads) {
      const ts = th.stat ? parseStat(th.stat) : null;
      tasks.push({ pid: th.tid, tgid: r.pid, ppid: st.ppid, uid, gid, comm: bstrFromBytes(ts ? ts.comm : st.comm), cmdline, cwd, root, namespaces, fdTable: 0 });
      if (tableIdx < 0) {
        taskTable.push(-1);
        continue;
      }
      // A thread normally shares its leader's table; one that called
      // unshare(CLONE_FILES) has its own, read separately below.
      const r2 = kcmp ? kcmp(r.pid, th.tid, KCMP_FILES, 0, 0) : 'ENOSYS';
      kcmpCalls += kcmp ? 1 : 0;
      if (r2 === 0 || typeof r2 === 'string') {
        if (typeof r2 === 'string') {
          refusals[r2] = (refusals[r2] ?? 0) + 1;
          inferredTables.add(tableIdx);
        }
        taskTable.push(tableIdx);
      } else {
        taskTable.push(-2 - threadTables.length);
        threadTables.push({ tid: th.tid, procPid: r.pid, netns });
      }
    }
  }
  // Threads with their own table: read those tables now (rare).
  if (threadTables.length) {
    const override: Record<number, string> = {};
    for (const t of threadTables) override[t.tid] = `${t.procPid}/task/${t.tid}`;
    const counter = new Int32Array(new SharedArrayBuffer(8));
    // Synchronous on purpose: a handful of tables.
    const extra = rawRead(loadKoffi(), fs, { procRoot, pids: threadTables.map((t) => t.tid), counter, fdDirOverride: override, fdsOnly: true });
    for (let i = 0; i < threadTables.length; i++) {
      const t = threadTables[i]!;
      const got = extra.find((e) => e.pid === t.tid);
      errors.push(...(got?.errors ?? []));
      const idx = tableSrcs.length;
      tableSrcs.push({ pid: t.tid, procPid: t.procPid, netns: t.netns, fds: got?.fds ?? [] });
      for (let k = 0; k < taskTable.length; k++) if (taskTable[k] === -2 - i) taskTable[k] = idx;
    }
  }

  // Tables shared between processes (clone(CLONE_FILES)): candidates have equal contents.
  const tg = groupByKernel(
    tableSrcs.map((_, i) => i),
    (i) => tableSig(tableSrcs[i]!.fds),
    (i) => ({ pid: tableSrcs[i]!.pid, idx: 0 }),
    KCMP_FILES,
    kcmp,
    (i) => String(i), // without kcmp, processes are presumed not to share
  );
  kcmpCalls += tg.calls;
  noteRefusals(tg.refusals);
  const tableRefOf = new Array<number>(tableSrcs.length);
  const fdTables: FdTable[] = [];
  const keptSrcs: TableSrc[] = [];
  for (let g = 0; g < tg.groups.length; g++) {
    const members = tg.groups[g]!.sort((a, b) => a - b);
    const ref = fdTables.length + 1;
    const inferred = tg.inferred[g]! || members.some((m) => inferredTables.has(m));
    fdTables.push({ ref, fds: [], sharingInferred: inferred });
    keptSrcs.push(tableSrcs[members[0]!]!);
    for (const m of members) tableRefOf[m] = ref;
  }
  for (let i = 0; i < tasks.length; i++) {
    const t = taskTable[i]!;
    tasks[i]!.fdTable = t >= 0 ? tableRefOf[t]! : 0;
  }

  // Classify every fd of every distinct table.
  const ownNetns = safeReadlink('/proc/self/ns/net');
  const nets = new Map<string, NetTables | null>();
  interface Entry {
    tableRef: number;
    pid: number;
    fd: number;
    cloexec: boolean;
    facts: FileFacts;
  }
  const entries: Entry[] = [];
  for (let k = 0; k < keptSrcs.length; k++) {
    const src = keptSrcs[k]!;
    const ref = k + 1;
    const ctx = {
      pid: src.pid,
      net: () => {
        let t = nets.get(src.netns);
        if (t === undefined) {
          t = readNetTables(procRoot, src.procPid, src.netns === ownNetns, errors);
          nets.set(src.netns, t);
        }
        return t;
      },
      sockProtoName: (pid: number, fd: number) => {
        try {
          return native().getxattr(`${procRoot}/${pid}/fd/${fd}`, 'system.sockprotoname') ?? '';
        } catch {
          return '';
        }
      },
    };
    for (const raw of src.fds) {
      entries.push({ tableRef: ref, pid: src.pid, fd: raw.fd, cloexec: (raw.flags & 0o2000000) !== 0, facts: classify(raw, ctx) });
    }
  }

  // Open files: fds with one share key are candidates, kcmp decides.
  const fg = groupByKernel(
    entries,
    (e) => e.facts.shareKey,
    (e) => ({ pid: e.pid, idx: e.fd }),
    KCMP_FILE,
    kcmp,
    // Best inference: a socket inode has exactly one open file; others
    // share when everything an open file owns (pos, flags) agrees.
    (e) => (e.facts.shareKey.startsWith('s:') ? 's' : `${String(e.facts.pos)}:${e.facts.flags}:${e.facts.mntId}`),
  );
  kcmpCalls += fg.calls;
  noteRefusals(fg.refusals);
  const files: OpenFile[] = [];
  const fileOf = new Map<Entry, number>();
  for (let g = 0; g < fg.groups.length; g++) {
    const members = fg.groups[g]!;
    const f = members[0]!.facts;
    const ref = files.length + 1;
    files.push({
      ref,
      kind: f.kind,
      path: f.path,
      flags: f.flags,
      mode: f.mode,
      pos: f.pos,
      mntId: f.mntId,
      dev: f.dev,
      ino: f.ino,
      rdev: f.rdev,
      size: f.size,
      nlink: f.nlink,
      deleted: f.deleted,
      sharingInferred: fg.inferred[g]!,
      locks: [],
      attrs: f.attrs,
    });
    for (const m of members) fileOf.set(m, ref);
  }
  for (const e of entries) fdTables[e.tableRef - 1]!.fds.push({ fd: e.fd, file: fileOf.get(e)!, cloexec: e.cloexec } satisfies Fd);
  for (const t of fdTables) t.fds.sort((a, b) => a.fd - b.fd);

  // epoll watches: the watched open file, proven with KCMP_EPOLL_TFD.
  const byTable = new Map<number, Entry[]>();
  for (const e of entries) {
    const l = byTable.get(e.tableRef);
    if (l) l.push(e);
    else byTable.set(e.tableRef, [e]);
  }
  const lib = kcmp ? safeNative() : null;
  const resolvedEpolls = new Set<number>();
  for (const e of entries) {
    const targets = e.facts.epollTargets;
    if (!targets || targets.length === 0) continue;
    const ref = fileOf.get(e)!;
    if (resolvedEpolls.has(ref)) continue;
    resolvedEpolls.add(ref);
    const file = files[ref - 1]!;
    const watches = file.attrs.watches as AttrRecord[];
    const peers = byTable.get(e.tableRef) ?? [];
    let inferred = false;
    targets.forEach((t, i) => {
      const cands = peers.filter((p) => p !== e && String(p.facts.ino) === String(t.ino) && Number(p.facts.dev) === t.dev);
      cands.sort((a, b) => (a.fd === t.tfd ? -1 : b.fd === t.tfd ? 1 : a.fd - b.fd));
      for (const c of cands) {
        if (lib) {
          kcmpCalls++;
          const r = lib.kcmpEpoll(c.pid, c.fd, e.pid, e.fd, t.tfd, 0);
          if (r === 0) {
            watches[i]!.file = fileOf.get(c)!;
            return;
          }
          if (r === 1 || r === 2) continue;
        }
        // kcmp could not say: the fd the watch was added with, if it still
        // points at that inode, is the best guess.
        if (c.fd === t.tfd) {
          watches[i]!.file = fileOf.get(c)!;
          inferred = true;
        }
        return;
      }
    });
    if (inferred) file.sharingInferred = true;
  }

  if (stats) {
    stats.kcmpCalls = kcmpCalls;
    stats.kcmpRefused = refusals;
  }
  const capErrors: CaptureError[] = errors.map((e) => ({ errno: e.errno, pid: e.pid, fd: e.fd, where: e.where, message: e.message }));
  for (const [k, v] of Object.entries(refusals))
    capErrors.push({ errno: k, pid: -1, fd: -1, where: 'kcmp', message: `kcmp refused ${v} comparison(s); sharing there is inferred, not proven` });
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
    },
    tasks,
    fdTables,
    files,
    errors: capErrors,
  };
}

function safeReadlink(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}

function safeNative(): ReturnType<typeof native> | null {
  try {
    return native();
  } catch {
    return null;
  }
}
