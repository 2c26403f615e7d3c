/**
 * The native /proc reader (src-native/procfd.c, built into
 * out/native/procfd.node by scripts/build-native.mjs at install): the same
 * RawProc records as raw-read.ts, read by C threads while this thread
 * classifies the processes already read. Where the addon was not built or
 * does not load, captures use raw-read.ts and say why in `readerStatus()`.
 *
 * CKPT_CAPTURE_READER=js forces the JavaScript reader (tests compare the
 * two); =native makes a missing addon an error instead of a fallback.
 */
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { procfdAddon } from '../../util/procfd-addon.js';
import type { RawError, RawFdTable, RawProc } from './raw-read.js';
import { unixDumpRequest } from './unix-diag-request.js';

/** A RawFdTable whose strings come as one blob and offsets each. */
type NativeFds = Omit<RawFdTable, 'link' | 'extra'> & {
  linkBlob: string;
  linkOff: Int32Array;
  extraBlob: string;
  extraOff: Int32Array;
};

type NativeProc = Omit<RawProc, 'fds'> & { fds: NativeFds | null };

export interface Procfd {
  version: number;
  /** The prefault's toucher while it lives, else 0 (src-native/prefault.c); absent from older builds. */
  prefaultPid?(): number;
  /** snapshot: take the fds from a BPF snapshot where one can be taken (procfd.c's job_snapshot). */
  start(procRoot: string, pids: Int32Array, threads: number, snapshot?: boolean): object;
  /**
   * The next process; readers given up on after timeoutMs without progress;
   * { pending } when nothing came within yieldMs; null when all are accounted for.
   */
  next(
    job: object,
    timeoutMs?: number,
    yieldMs?: number,
  ): NativeProc | { timedOut: { pid: number; fd: number }[] } | { pending: true } | null;
  cancel(job: object): void;
  /** 0 equal, 1 or 2 a stable order, or an errno name. */
  kcmp(pid1: number, pid2: number, type: number, idx1: number, idx2: number): 0 | 1 | 2 | string;
  /** native.ts's KcmpSort. */
  kcmpSort(type: number, pids: Int32Array, idxs: Int32Array, order: Int32Array, same: Uint8Array, info: Int32Array): number;
  kcmpEpoll(pid1: number, fd1: number, pid2: number, efd: number, tfd: number, toff: number): 0 | 1 | 2 | string;
  getxattr(path: string, name: string): string | null;
  /** Every reply of one sock_diag dump, in the netns of nsPath (a /proc/PID/ns/net) or ours; an errno name on failure. */
  diagDump(request: Buffer, nsPath: string | null): Buffer | string;
  /** diagDump on a thread of the addon, started now; diagTake(handle) gives its result, once ("EINVAL" after). */
  diagStart(request: Buffer, nsPath: string | null): object;
  diagTake(handle: object): Buffer | string;
  /** Pids under procRoot whose reader was given up on and has not come back. */
  stuck(procRoot: string): Int32Array;
  /** null when the job's fds came from a BPF snapshot, else why not ("not asked", "not yet", a reason). */
  snapshot(job: object): string | null;
  /**
   * What a job took from its records rather than /proc: the own fdinfo
   * lines of eventfds and unix sockets (printed from the records' figures),
   * and ext4 files' stat figures. Per kind 1 when they agreed with /proc's
   * and were taken, -1 when not (read from /proc), 0 unchecked; and how
   * many fds took them.
   */
  snapshotOwn(job: object): { eventfd: number; unix: number; taken: number; stat: number; statTaken: number };
}

let loaded: Procfd | null | undefined;
let whyNot = '';

export { procfdPath } from '../../util/procfd-addon.js';

function load(): Procfd | null {
  const mode = process.env.CKPT_CAPTURE_READER;
  if (loaded !== undefined) {
    // CKPT_CAPTURE_READER=native: every use fails, not just the first.
    if (!loaded && mode === 'native') throw new Error(`native /proc reader unavailable: ${whyNot}`);
    return loaded;
  }
  loaded = null;
  if (mode === 'js') {
    whyNot = 'CKPT_CAPTURE_READER=js';
    return null;
  }
  const { addon, why } = procfdAddon();
  loaded = addon as Procfd | null;
  whyNot = why;
  if (!loaded && mode === 'native') throw new Error(`native /proc reader unavailable: ${whyNot}`);
  return loaded;
}

/** The addon, or null where it is not built or not wanted (then callers use koffi). */
export function procfd(): Procfd | null {
  return load();
}

/** Which reader captures use, and why not the native one when not. */
export function readerStatus(): { reader: 'native' | 'js'; why?: string } {
  return load() ? { reader: 'native' } : { reader: 'js', why: whyNot };
}

function toRawFds(t: NativeFds): RawFdTable {
  const link = new Array<string>(t.n);
  const extra = new Array<string>(t.n);
  const { linkOff, extraOff, linkBlob, extraBlob } = t;
  for (let i = 0; i < t.n; i++) {
    link[i] = linkBlob.slice(linkOff[i], linkOff[i + 1]);
    const a = extraOff[i]!;
    const b = extraOff[i + 1]!;
    extra[i] = a === b ? '' : extraBlob.slice(a, b);
  }
  return {
    n: t.n,
    fd: t.fd,
    i32: t.i32,
    f64: t.f64,
    statted: t.statted,
    linkAscii: t.linkAscii,
    link,
    extra,
    big: t.big,
    fileId: t.fileId,
  };
}

/**
 * Whether to ask the addon for a BPF snapshot of every fd (src-native/
 * fdsnap.bpf.c): only of the real /proc, and only for many processes: a
 * capture of a few pids reads them as fast from /proc, without loading it. CKPT_CAPTURE_SNAPSHOT=off never asks,
 * =on always does (tests hold the two paths to the same result).
 */
export function wantSnapshot(procRoot: string, npids: number): boolean {
  const env = process.env.CKPT_CAPTURE_SNAPSHOT;
  return env !== 'off' && procRoot === '/proc' && (env === 'on' || npids >= SNAPSHOT_FROM);
}

/** Processes from which a capture asks for a snapshot (bin/launch.cjs's read-ahead always does). */
const SNAPSHOT_FROM = 16;

/** The numeric entries of /proc, ascending. */
export function listPids(procRoot: string): number[] {
  const out: number[] = [];
  // Not the prefault's toucher while it lives (src-native/prefault.c): a
  // process of ours that shares our memory for a moment, no process to capture.
  const toucher = procRoot === '/proc' ? (load()?.prefaultPid?.() ?? 0) : 0;
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57 && Number(name) !== toucher) out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

interface ReadAhead {
  procRoot: string;
  pids: number[];
  job: object;
}

let ahead: ReadAhead | undefined;

/**
 * The sock_diag dump of our own namespace's unix sockets that readAheadAll
 * starts with the read-ahead: the capture's first look-up of a unix socket
 * takes it (unix-diag.ts) instead of dumping on this thread. It belongs to
 * the capture that adopts the read-ahead, which drops what it did not take
 * (dropEarlyUnixDump): a later capture must dump afresh.
 */
let earlyDiag: object | undefined;

/**
 * Starts reading every process (but this one) now, before the command that
 * wants them has even been loaded: `ckpt capture --all` calls this first
 * thing, so the kernel work overlaps loading the rest of the CLI.
 * captureProc adopts the job (takeReadAhead); nobody else does.
 */
export function readAheadAll(procRoot = '/proc'): void {
  const m = load();
  // bin/ckpt.mjs may have started it already, before loading the CLI.
  const key = Symbol.for('checkpoint-studio.readAhead');
  const early = (globalThis as Record<symbol, unknown>)[key] as (ReadAhead & { module: Procfd }) | undefined;
  if (early) {
    delete (globalThis as Record<symbol, unknown>)[key];
    // The same addon (require caches it by path) of the version this code
    // speaks, or the job is of no use: stop it.
    if (m && early.module === m && !ahead) {
      ahead = { procRoot: early.procRoot, pids: early.pids, job: early.job };
      startEarlyUnixDump(m, early.procRoot);
      if (process.env.CKPT_CAPTURE_TIMING)
        process.stderr.write(`read-ahead started by the launcher, adopted at ${performance.now().toFixed(1)} ms\n`);
      return;
    }
    try {
      early.module.cancel(early.job);
    } catch {
      /* an addon of another version: its threads end with the process */
    }
  }
  if (!m || ahead) return;
  const pids = listPids(procRoot).filter((p) => p !== process.pid);
  ahead = { procRoot, pids, job: m.start(procRoot, Int32Array.from(pids), defaultThreads(), wantSnapshot(procRoot, pids.length)) };
  startEarlyUnixDump(m, procRoot);
  if (process.env.CKPT_CAPTURE_TIMING) process.stderr.write(`read-ahead started at ${performance.now().toFixed(1)} ms\n`);
}

/**
 * readAheadAll for a command line that is `capture --all` (not --freeze:
 * reading must wait for the stop; not --help or a simulation), the test
 * bin/launch.cjs's readAhead makes too. Never throws: the capture itself
 * reports what is wrong.
 */
export function readAheadForArgv(argv: string[]): void {
  if (argv[0] !== 'capture' || !argv.includes('--all')) return;
  if (argv.some((a) => a === '--freeze' || a === '--help' || a === '-h' || a.startsWith('--sim'))) return;
  try {
    readAheadAll();
  } catch {
    // the capture itself reports what is wrong
  }
}

/** Only for the real /proc: a capture of another procRoot has no sockets of ours to look up. */
function startEarlyUnixDump(m: Procfd, procRoot: string): void {
  if (procRoot !== '/proc' || earlyDiag) return;
  try {
    earlyDiag = m.diagStart(unixDumpRequest(), null);
  } catch {
    earlyDiag = undefined; // the capture dumps when it needs the table
  }
}

/** The early dump's result (what diagDump would give), once; undefined when there is none. */
export function takeEarlyUnixDump(): Buffer | string | undefined {
  const d = earlyDiag;
  earlyDiag = undefined;
  return d && loaded ? loaded.diagTake(d) : undefined;
}

/** Forgets an early dump nobody took (its thread frees it when done). */
export function dropEarlyUnixDump(): void {
  earlyDiag = undefined;
}

/** The job readAheadAll started for this procRoot, once. */
export function takeReadAhead(procRoot: string): { pids: number[]; job: object } | undefined {
  const a = ahead;
  if (!a || a.procRoot !== procRoot) return undefined;
  ahead = undefined;
  return a;
}

/** Stops a read-ahead nobody will adopt (a capture that turned out to want other pids), so it stops taking the CPU. */
export function dropReadAhead(): void {
  const a = ahead;
  ahead = undefined;
  dropEarlyUnixDump();
  if (a) loaded?.cancel(a.job);
}

/**
 * Native readers: one per core but one (at least one), since the main
 * thread, which classifies each process as it is read, is a capture's
 * bound and needs a core of its own. On 2 cores a second reader made the
 * main thread wait for a core longer than the reading took: 480 -> 462 ms
 * with one (20 alternating captures of 100 x 300 fds). bin/launch.cjs's
 * read-ahead counts the same way. The JavaScript fallback's readers
 * (`native` false) are slower than the classifying, and get every core.
 * CKPT_CAPTURE_THREADS overrides both.
 */
export function defaultThreads(native = true): number {
  const env = Number(process.env.CKPT_CAPTURE_THREADS);
  return env >= 1 ? env : Math.max(1, availableParallelism() - (native ? 1 : 0));
}

/** How long next() may block before JavaScript's event loop gets a turn. */
const YIELD_MS = 50;

/**
 * A process the native reader gave up on (see procfd.c's next()): not
 * captured, said so. fd -2: no reader thread could start; -3: a reader
 * from an earlier capture is still stuck on it.
 */
export function timedOut(procRoot: string, pid: number, fd: number, ms: number): RawProc {
  const where = fd >= 0 ? `${procRoot}/${pid}/fd/${fd}` : `${procRoot}/${pid}`;
  const message =
    fd === -2
      ? 'not read: no reader thread could start'
      : fd === -3
        ? 'not read: the reader of an earlier capture is still stuck on it (a hung NFS or FUSE mount?)'
        : `no answer within ${ms / 1000} s (a hung NFS or FUSE mount?): the process was not captured`;
  return unreadProc(pid, { errno: 'ETIMEDOUT', pid, fd: fd >= 0 ? fd : -1, where, message });
}

/** A process of which nothing was read: only the error record that says why. */
export function unreadProc(pid: number, error: RawError): RawProc {
  return {
    pid,
    stat: null,
    status: null,
    cmdline: null,
    nofile: null,
    cwd: null,
    root: null,
    ns: [],
    threads: [],
    fds: null,
    errors: [error],
  };
}

export interface NativeRead {
  /** What the readers handed over, in the order they finished. */
  procs: RawProc[];
  /** Why the addon stopped early (then the caller reads the pids missing from procs another way). */
  failed?: string;
  /** null: the fds came from a BPF snapshot; else why not. */
  snapshot: string | null;
}

/**
 * Reads `pids` on `threads` native threads (or adopts `job`, a read-ahead of
 * those pids); `onProc` sees each process as it arrives (in the order
 * reading finished). Null when the addon is not available: the caller reads
 * with raw-read.ts instead. An exception from `onProc` propagates; a
 * failure of the addon itself (a thread that cannot start, a process whose
 * fdinfo is too large to hand over) ends the read early with `failed` set.
 */
export async function nativeReadProcs(
  procRoot: string,
  pids: number[],
  threads: number,
  onProc?: (p: RawProc) => void,
  started?: object,
  timeoutMs = 0,
): Promise<NativeRead | null> {
  const m = load();
  if (!m) return null;
  const procs: RawProc[] = [];
  let job: object;
  try {
    job =
      started ?? m.start(procRoot, Int32Array.from(pids), Math.max(1, Math.min(threads, pids.length)), wantSnapshot(procRoot, pids.length));
  } catch (e) {
    return { procs, failed: (e as Error).message, snapshot: 'not asked' };
  }
  const snapshot = (): string | null => {
    try {
      return m.snapshot(job);
    } catch (e) {
      return (e as Error).message;
    }
  };
  try {
    for (;;) {
      let got: ReturnType<Procfd['next']>;
      try {
        got = m.next(job, timeoutMs, YIELD_MS);
      } catch (e) {
        return { procs, failed: (e as Error).message, snapshot: snapshot() };
      }
      if (!got) break;
      if ('pending' in got) {
        // Readers are slow (a big process, a hang): let the event loop run
        // (signal handlers that resume frozen processes, a host's requests).
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if ('timedOut' in got) {
        for (const t of got.timedOut) {
          const rp = timedOut(procRoot, t.pid, t.fd, timeoutMs);
          procs.push(rp);
          onProc?.(rp);
        }
        continue;
      }
      const p = got;
      const rp = p as unknown as RawProc;
      rp.fds = p.fds ? toRawFds(p.fds) : null;
      procs.push(rp);
      onProc?.(rp);
    }
  } finally {
    // After an exception anywhere: stop the readers, free what they queued.
    m.cancel(job);
  }
  return { procs, snapshot: snapshot() };
}
