/**
 * Live capture from /proc: select processes, optionally freeze them, read
 * every task and fd (reader threads), classify each fd, ask the kernel (kcmp)
 * which fds share an open file and which tasks a table, and build the
 * snapshot. Nothing a process can do to us (exit, close an fd, refuse
 * access) aborts a capture: it becomes an error record and the capture goes
 * on.
 */
import { readFileSync } from 'node:fs';
import type { CaptureError, Snapshot } from '../../../src-shared/model/index.js';
import { Builder, exitingNow, type ProcCaptureStats } from './build.js';
import { Freezer } from './freeze.js';
import { sharingCalls, type SharingCalls } from './native.js';
import { dropEarlyUnixDump, dropReadAhead, listPids, takeReadAhead } from './procfd-reader.js';
import type { RawError, RawProc } from './raw-read.js';
import { nowMs, readProcs } from './worker-pool.js';
import {
  EmptySelectionError,
  NoSuchProcessError,
  byComm,
  byRealUid,
  commPattern,
  inCgroup,
  inNamespaceOf,
  normalizeCgroup,
  statusNumber,
  type NsType,
} from './select.js';
import { displayBStr } from '../../../src-shared/model/index.js';

export type { ProcCaptureStats } from './build.js';

export class ProcCaptureError extends Error {
  override readonly name = 'CaptureError';
}

export interface ProcCaptureOptions {
  pids?: number[];
  /** Add every descendant of the given pids. */
  tree?: boolean;
  /** Every process the caller can see (except the capture itself). */
  all?: boolean;
  /** Every process in this cgroup or below it (any hierarchy), except the capture itself. */
  cgroup?: string;
  /**
   * Every process in the `type` namespace of process `of` (it included),
   * except the capture itself; `link`: the namespace itself (as
   * /proc/PID/ns/TYPE reads), which a series resolves once.
   */
  ns?: { type: NsType; of: number; link?: string };
  /** Every process whose real uid is one of these (lsof -u), except the capture itself. */
  users?: number[];
  /** Every process whose comm is one of these, as UTF-8 bytes; `NAME*` takes names that start with NAME (lsof -c, pgrep -x). */
  comms?: string[];
  freeze?: boolean;
  /** Default "/proc". */
  procRoot?: string;
  /** Force or forbid the reader worker thread (default: by size). */
  worker?: boolean;
  /** 'js' reads with the JavaScript reader even where the native one loads. */
  reader?: 'native' | 'js';
  /**
   * Give up on a process whose reading hangs longer than this, as lsof -S
   * does (a statx on a dead NFS server or a stopped FUSE daemon never
   * returns): default 15000; 0 waits forever. Both readers (the JavaScript one then reads on worker threads only).
   */
  timeoutMs?: number;
  /** Forbid kcmp, to exercise the inference path. */
  noKcmp?: boolean;
  /** Test hook (also CKPT_TEST_HOLD_FROZEN_MS): wait this long while frozen, so a test can signal the capture. */
  holdFrozenMs?: number;
}

const NO_SUCH_PROCESS = 'no such process';

/** "3-5, 9, 12-40": fd numbers, ascending, runs folded. */
function fdRanges(fds: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < fds.length;) {
    let j = i;
    while (j + 1 < fds.length && fds[j + 1] === fds[j]! + 1) j++;
    out.push(i === j ? String(fds[i]) : `${fds[i]}-${fds[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/**
 * A process that exited while its fds were read leaves an ENOENT (ESRCH
 * once it was reaped) for each fd it still had listed (165 lines for one
 * child of a busy tree): one record says it, with the fds, where by the
 * end of the capture /proc/PID is gone, a zombie, or exiting (build.ts
 * exitingNow). A process still running keeps a record per fd closed
 * meanwhile.
 */
export function exitedDuring(errors: CaptureError[], procRoot: string): CaptureError[] {
  const byPid = new Map<number, CaptureError[]>();
  for (const e of errors)
    if (e.fd >= 0 && (e.errno === 'ENOENT' || e.errno === 'ESRCH')) {
      const l = byPid.get(e.pid);
      if (l) l.push(e);
      else byPid.set(e.pid, [e]);
    }
  const folded = new Set<CaptureError>();
  const summary = new Map<CaptureError, CaptureError>();
  for (const [pid, list] of byPid) {
    if (list.length < 2 || !exitingNow(procRoot, pid)) continue;
    const fds = [...new Set(list.map((e) => e.fd))].sort((a, b) => a - b);
    for (const e of list) folded.add(e);
    summary.set(list[0]!, {
      errno: 'ENOENT',
      pid,
      fd: -1,
      where: `${procRoot}/${pid}/fd`,
      message: `exited during the capture: ${fds.length} fds could not be read (${fdRanges(fds)})`,
    });
  }
  if (!folded.size) return errors;
  const out: CaptureError[] = [];
  for (const e of errors) {
    const sum = summary.get(e);
    if (sum) out.push(sum);
    else if (!folded.has(e)) out.push(e);
  }
  return out;
}

/** The given pids a capture did not find (each has an ESRCH error record), in the order given. */
export function missingPids(snap: Snapshot): number[] {
  return snap.errors.filter((e) => e.errno === 'ESRCH' && e.fd === -1 && e.message === NO_SUCH_PROCESS).map((e) => e.pid);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function ppidOf(procRoot: string, pid: number): number {
  try {
    const s = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

export async function captureProc(opts: ProcCaptureOptions, stats?: ProcCaptureStats): Promise<Snapshot> {
  const procRoot = opts.procRoot ?? '/proc';
  const t0 = nowMs();
  const ms: Record<string, number> = {};
  // With CKPT_CAPTURE_TIMING, the resident set after each phase too (MB): a capture holds every fd until the image is written.
  const rss: Record<string, number> = {};
  const timing = !!process.env.CKPT_CAPTURE_TIMING;
  const lap = (name: string, since: number) => {
    ms[name] = Math.round((nowMs() - since) * 10) / 10;
    if (timing) rss[name] = Math.round(process.memoryUsage.rss() / 2 ** 20);
  };
  const errors: RawError[] = [];

  // Selection.
  let selected: number[];
  let nsLink: { pids: number[]; ns: string } | undefined;
  /** The pids given (--pid), when the selection is by pid. */
  let asked: number[] | undefined;
  // `ckpt capture --all` started reading before this module was loaded.
  const ahead = opts.all && !opts.freeze && opts.reader !== 'js' ? takeReadAhead(procRoot) : undefined;
  if (!ahead) dropReadAhead();
  if (ahead) {
    selected = ahead.pids;
  } else if (opts.all) {
    selected = listPids(procRoot).filter((p) => p !== process.pid);
  } else if (opts.cgroup !== undefined || opts.ns || opts.users?.length || opts.comms?.length) {
    // Several given: the processes that every one takes.
    selected = listPids(procRoot).filter((p) => p !== process.pid);
    if (opts.ns) {
      nsLink = inNamespaceOf(procRoot, selected, opts.ns.type, opts.ns.of, errors, opts.ns.link);
      selected = nsLink.pids;
    }
    if (opts.cgroup !== undefined) selected = inCgroup(procRoot, selected, opts.cgroup);
    if (opts.users?.length) selected = byRealUid(procRoot, selected, opts.users);
    if (opts.comms?.length) selected = byComm(procRoot, selected, opts.comms.map(commPattern));
    if (selected.length === 0)
      throw new EmptySelectionError(
        `no process to capture: none ${[
          // A cgroup's name is whatever its creator chose: shown escaped, as names are.
          opts.cgroup !== undefined ? `is in cgroup ${displayBStr(normalizeCgroup(opts.cgroup))}` : '',
          opts.ns ? `is in the ${opts.ns.type} namespace ${opts.ns.link ?? `of ${opts.ns.of}`}` : '',
          opts.users?.length ? `has real uid ${opts.users.join(' or ')}` : '',
          opts.comms?.length ? `has comm ${opts.comms.map(displayBStr).join(' or ')}` : '',
        ]
          .filter(Boolean)
          .join(' and ')}${errors.length ? ` (${errors.map((e) => e.message).join('; ')})` : ''}`,
      );
  } else {
    asked = [...new Set(opts.pids ?? [])];
    if (asked.length === 0) throw new ProcCaptureError('nothing to capture: give pids or ask for all processes');
    const present = new Set(listPids(procRoot));
    selected = [];
    for (const p of asked) {
      if (present.has(p)) {
        selected.push(p);
        continue;
      }
      // A thread id is not listed in /proc but resolves there: capture its process.
      const tgid = statusNumber(procRoot, p, 'Tgid');
      if (tgid > 0 && !asked.includes(tgid)) selected.push(tgid);
      else if (tgid <= 0) errors.push({ errno: 'ESRCH', pid: p, fd: -1, where: `${procRoot}/${p}`, message: NO_SUCH_PROCESS });
    }
    selected = [...new Set(selected)];
    // Not one of them exists: an image of nothing would pass for a capture
    // of processes that held nothing.
    if (selected.length === 0) throw new NoSuchProcessError(asked);
    if (opts.tree) {
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

  let calls: SharingCalls | null = null;
  if (!opts.noKcmp) {
    try {
      calls = sharingCalls();
    } catch {
      calls = null; // no FFI and no addon: sharing is inferred, and says so
    }
  }

  const freezer = opts.freeze ? new Freezer(procRoot) : undefined;
  let frozen = false;
  try {
    if (freezer) {
      const t = nowMs();
      frozen = freezer.freeze(selected, errors) === 0;
      lap('freeze', t);
      const hold = opts.holdFrozenMs ?? (Number(process.env.CKPT_TEST_HOLD_FROZEN_MS) || 0);
      if (hold > 0) await sleep(hold);
      else await sleep(0); // let a pending SIGINT/SIGTERM run its handler now
    }

    const tRead = nowMs();
    // Each process the main thread reads is prepared (parsed, classified)
    // at once, while the worker thread goes on reading: the two cores share
    // the classification work too.
    const builder = new Builder(procRoot, calls, errors);
    const timeoutMs = opts.timeoutMs ?? 15_000;
    // The fd tables a process needs besides its own (the live thread of one
    // whose leader exited, a thread that unshared its table) are read
    // below, with the same reader and timeout as every process's: read on
    // this thread, a hung statx there could not be given up on.
    const deferred: RawProc[] = [];
    const fdDirOverride: Record<number, string> = {};
    const got = await readProcs(
      { procRoot, pids: selected, worker: opts.worker, reader: opts.reader, started: ahead?.job, timeoutMs },
      (rp) => {
        const tids = builder.tablesToRead(rp);
        for (const tid of tids) fdDirOverride[tid] = `${rp.pid}/task/${tid}`;
        if (tids.length) deferred.push(rp);
        else builder.prepare(rp);
      },
    );
    let workerError = got.workerError;
    if (deferred.length) {
      const pids = Object.keys(fdDirOverride).map(Number);
      const tables = await readProcs({ procRoot, pids, worker: opts.worker, fdDirOverride, fdsOnly: true, timeoutMs });
      workerError ??= tables.workerError;
      const byTid = new Map(tables.procs.map((p) => [p.pid, p]));
      for (const rp of deferred) builder.prepare(rp, byTid);
    }
    if (got.nativeError)
      errors.push({
        errno: '',
        pid: -1,
        fd: -1,
        where: 'native reader',
        message: `stopped early, the rest read with the JavaScript reader: ${got.nativeError}`,
      });
    if (workerError)
      errors.push({
        errno: '',
        pid: -1,
        fd: -1,
        where: 'reader thread',
        message: `a reader thread failed: ${workerError}`,
      });
    lap('read', tRead);

    const tBuild = nowMs();
    const snap = builder.link(stats);
    snap.errors = exitedDuring(snap.errors, procRoot);
    lap('build', tBuild);
    // Test hook: still frozen, busy without a turn of the event loop (as
    // reading and building are), so a test can signal the capture then.
    const busy = Number(process.env.CKPT_TEST_BUSY_FROZEN_MS) || 0;
    if (freezer && busy > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, busy);
    // Every given process exited between the selection and its reading
    // (its stat gone; not one that hung or was refused): as much "no such
    // process" as if it had gone a moment sooner.
    if (asked && snap.tasks.length === 0) {
      const gone = new Set(
        errors
          .filter((e) => e.fd === -1 && (e.errno === 'ENOENT' || e.errno === 'ESRCH') && e.where === `${procRoot}/${e.pid}/stat`)
          .map((e) => e.pid),
      );
      if (selected.every((p) => gone.has(p))) throw new NoSuchProcessError(asked);
    }
    // Frozen only when every selected process was stopped; the error
    // records name those that could not be.
    snap.header.frozen = frozen;
    const o: Record<string, string> = {};
    if (opts.all) o.all = 'true';
    if (opts.pids?.length) o.pids = opts.pids.join(',');
    if (opts.tree) o.tree = 'true';
    if (opts.cgroup !== undefined) o.cgroup = normalizeCgroup(opts.cgroup);
    if (opts.users?.length) o.user = opts.users.join(',');
    if (opts.comms?.length) o.comm = opts.comms.join(',');
    // The namespace itself, not only the pid that named it: the pid may be reused.
    if (opts.ns) o.ns = `${opts.ns.type}:${opts.ns.of} ${nsLink?.ns ?? ''}`.trim();
    if (opts.freeze) o.freeze = 'true';
    // kcmp: every sharing relation proven; kcmp+inferred: some candidates
    // refused (their files are marked); inferred: no kcmp at all.
    o.sharing = !calls ? 'inferred' : builder.refusedCount() > 0 ? 'kcmp+inferred' : 'kcmp';
    // Which /proc reader ran (native addon or the JavaScript fallback): the
    // images are the same, the speed is not, and a slow capture should say why.
    o.reader = got.reader;
    snap.header.options = o;
    if (stats) {
      stats.processes = got.procs.length;
      stats.byWorker = got.byWorker;
      stats.tasks = snap.tasks.length;
      stats.fds = snap.fdTables.reduce((n, t) => n + t.fds.length, 0);
      stats.files = snap.files.length;
      stats.ms = ms;
    }
    return snap;
  } finally {
    // The unix socket dump started with the read-ahead was this capture's
    // to take; untaken (no unix socket looked up), it must not serve the next.
    dropEarlyUnixDump();
    await freezer?.release();
    lap('total', t0);
    if (timing) {
      const end = performance.now();
      process.stderr.write(
        `capture timing (ms): started ${(end - (nowMs() - t0)).toFixed(1)} after process start, ended ${end.toFixed(1)}, ${JSON.stringify(ms)} cpu ${JSON.stringify(process.cpuUsage())} rss MB after ${JSON.stringify(rss)}\n`,
      );
    }
  }
}
