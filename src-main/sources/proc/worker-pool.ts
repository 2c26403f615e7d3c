/**
 * Picks the /proc reader: the native one (procfd-reader.ts) where the addon
 * loads, with what it could not hand over read here after it; else, with a
 * timeout, rawRead on supervised worker threads only (readSupervised);
 * else, below.
 *
 * Runs rawRead on the main thread and on one worker at once, the two taking
 * pids from a shared counter so neither waits on the other's slow process.
 * The worker sends each process as soon as it has read it, and the main
 * thread picks those up between its own reads (receiveMessageOnPort), so
 * the worker's processes are classified while reading still goes on, not
 * after it.
 *
 * The worker runs rawRead's own source text (the CLI is one bundle, so there
 * is no module file a worker could load). Small captures skip the worker:
 * starting one costs about 50 ms (once per process: it is kept).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { MessagePort, Worker } from 'node:worker_threads';
import { hardExit, koffiPath, loadKoffi } from './native.js';
import { defaultThreads, nativeReadProcs, procfd, timedOut, unreadProc } from './procfd-reader.js';
import { rawRead, type RawProc, type RawReadJob } from './raw-read.js';

/** What a reader worker posts: a process it read, why it failed, or null once it is done (workerSource). */
type ReaderMessage = RawProc | { failed: string } | null;

/** Below this many processes one thread is faster than starting a worker. */
const WORKER_MIN_PIDS = 24;

function workerSource(): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const fs = require('node:fs');
var __name = (f) => f;
const rawRead = (${rawRead.toString()});
parentPort.on('message', ({ job, port }) => {
  Atomics.store(job.counter, 1, 1);
  try {
    rawRead(koffi, fs, job, (p) => port.postMessage(p));
  } catch (e) {
    // Said before the end, so the reader's failure is not lost to a race with 'error'.
    port.postMessage({ failed: String((e && e.message) || e) });
  } finally {
    port.postMessage(null);
    port.close();
  }
  // Given up on while stuck (readSupervised): this thread ends, and with it the reader's count as stuck.
  if (job.gen && Atomics.load(job.gen, job.slot) === -1) process.exit(0);
});
`;
}

/**
 * One reader worker per process, kept between captures (unref'd, so it
 * never holds a process open): a long-lived host such as the app pays its
 * start and its JIT warm-up once, not on every capture.
 */
let shared: Worker | undefined;

type WorkerThreads = typeof import('node:worker_threads');

/**
 * node:worker_threads, loaded when a worker is wanted (a capture that
 * reads /proc with the native reader never is). By require, not import():
 * the capture's bundle runs from a V8 code cache (bin/capture.cjs), whose
 * functions cannot import().
 */
function workerThreads(): WorkerThreads {
  return createRequire(import.meta.url)('node:worker_threads') as WorkerThreads;
}

function readerWorker({ Worker }: WorkerThreads): Worker {
  if (shared) return shared;
  const w = new Worker(workerSource(), { eval: true, workerData: { koffiPath: koffiPath() } });
  w.unref();
  w.on('error', () => undefined);
  w.once('exit', () => {
    if (shared === w) shared = undefined;
  });
  shared = w;
  return w;
}

export interface ReadOptions {
  procRoot: string;
  pids: number[];
  /** Force (true) or forbid (false) the worker; default: by size (CKPT_CAPTURE_THREADS=1|2 overrides). */
  worker?: boolean;
  fdDirOverride?: Record<number, string>;
  fdsOnly?: boolean;
  /** 'js' skips the native reader (tests compare the two). */
  reader?: 'native' | 'js';
  /** A native read of exactly these pids already under way (procfd-reader's read-ahead). */
  started?: object;
  /** Give up on a process whose reading takes longer than this without progress (0: wait forever). */
  timeoutMs?: number;
}

export interface ReadResult {
  procs: RawProc[];
  /** How many processes the worker thread read. */
  byWorker: number;
  /** Why the worker failed, when it did (its pids were re-read here). */
  workerError?: string;
  /** Why the native reader stopped early, when it did (the rest was read with raw-read.ts). */
  nativeError?: string;
  reader: 'native' | 'js' | 'native+js';
}

/** The pids of `opts` that `have` lacks (but those in `skip`), read on this thread with raw-read.ts. */
function readLeftover(opts: ReadOptions, have: RawProc[], onProc?: (p: RawProc) => void, skip?: Set<number>): RawProc[] {
  const seen = new Set(have.map((r) => r.pid));
  const pids = opts.pids.filter((p) => !seen.has(p) && !skip?.has(p));
  const counter = new Int32Array(new SharedArrayBuffer(8));
  return rawRead(
    loadKoffi(),
    fs,
    { procRoot: opts.procRoot, pids, counter, fdDirOverride: opts.fdDirOverride, fdsOnly: opts.fdsOnly },
    onProc,
  );
}

/**
 * Milliseconds, for timing laps: process.hrtime, since the first use of
 * performance.now() loads perf_hooks (its modules cost a CLI capture about
 * a millisecond); only CKPT_CAPTURE_TIMING's lines ask performance.
 */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export async function readProcs(opts: ReadOptions, onProc?: (p: RawProc) => void): Promise<ReadResult> {
  if (!opts.fdDirOverride && !opts.fdsOnly && opts.reader !== 'js') {
    // The native reader's threads are cheap to start: one per core but
    // this thread's, which classifies what they read meanwhile.
    const threads = opts.worker === false ? 1 : defaultThreads();
    const t0 = nowMs();
    const got = await nativeReadProcs(opts.procRoot, opts.pids, threads, onProc, opts.started, opts.timeoutMs ?? 0);
    if (got) {
      if (process.env.CKPT_CAPTURE_TIMING)
        process.stderr.write(
          `reader: native, ${threads} thread(s), ${got.procs.length} procs in ${(nowMs() - t0).toFixed(1)} ms, ` +
            `${got.snapshot === null ? 'fds from a BPF snapshot' : `no BPF snapshot (${got.snapshot})`}\n`,
        );
      if (!got.failed) return { procs: got.procs, byWorker: 0, reader: 'native' };
      // The addon gave up part way: what it did not hand over is read here,
      // but for processes its readers are stuck on (this reader has no timeout).
      const stuck = new Set(procfd()?.stuck(opts.procRoot) ?? []);
      const rest = readLeftover(opts, got.procs, onProc, stuck);
      for (const pid of stuck)
        if (opts.pids.includes(pid) && !got.procs.some((r) => r.pid === pid)) {
          const rp = timedOut(opts.procRoot, pid, -3, opts.timeoutMs ?? 0);
          rest.push(rp);
          onProc?.(rp);
        }
      return { procs: got.procs.concat(rest), byWorker: 0, reader: 'native+js', nativeError: got.failed };
    }
  }
  if ((opts.timeoutMs ?? 0) > 0 && opts.worker !== false) {
    const wt = workerThreads();
    return readSupervised(opts, wt, onProc);
  }
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const job: RawReadJob = { procRoot: opts.procRoot, pids: opts.pids, counter, fdDirOverride: opts.fdDirOverride, fdsOnly: opts.fdsOnly };
  const env = process.env.CKPT_CAPTURE_THREADS;
  const useWorker =
    opts.worker ?? (env === '1' ? false : env === '2' ? true : opts.pids.length >= WORKER_MIN_PIDS && availableParallelism() > 1);
  let worker: Worker | undefined;
  let port: MessagePort | undefined;
  let workerError: string | undefined;
  let workerDone = false;
  let workerExited = false;
  const theirs: RawProc[] = [];
  const take = (m: ReaderMessage) => {
    if (m === null) workerDone = true;
    else if ('failed' in m) workerError = m.failed;
    else {
      theirs.push(m);
      onProc?.(m);
    }
  };
  // Loaded only here: the native reader needs no worker (a few ms of start-up saved).
  const wt = useWorker ? workerThreads() : undefined;
  const drain = () => {
    if (!port || !wt) return;
    for (let m = wt.receiveMessageOnPort(port); m; m = wt.receiveMessageOnPort(port)) take(m.message as ReaderMessage);
  };
  const onError = (e: unknown) => {
    workerError = e instanceof Error ? e.message : String(e);
  };
  let wake: (() => void) | undefined;
  const onExit = () => {
    workerExited = true;
    // Messages posted just before the exit may still be queued.
    drain();
    wake?.();
  };
  if (wt) {
    try {
      const ch = new wt.MessageChannel();
      port = ch.port1;
      worker = readerWorker(wt);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ job, port: ch.port2 }, [ch.port2]);
    } catch (e) {
      workerError = (e as Error).message;
      worker = undefined;
      port = undefined;
    }
  }
  const t0 = nowMs();
  const mine = rawRead(loadKoffi(), fs, job, (p) => {
    onProc?.(p);
    drain();
  });
  const tMine = nowMs();
  if (worker && port) {
    if (Atomics.load(counter, 1) === 0) {
      // Every pid was taken here before the worker took any: it has nothing to do.
      Atomics.store(counter, 0, opts.pids.length);
    } else {
      drain();
      if (!workerDone && !workerExited) {
        const p = port;
        await new Promise<void>((resolve) => {
          const check = () => {
            if (workerDone || workerExited) resolve();
          };
          wake = check;
          p.on('message', (m: ReaderMessage) => {
            take(m);
            check();
          });
          check();
        });
        wake = undefined;
      }
    }
    port.close();
    worker.off('error', onError);
    worker.off('exit', onExit);
  }
  const tTheirs = nowMs();
  const all = mine.concat(theirs);
  // A worker that died leaves pids unread: read them here.
  if (all.length < opts.pids.length) {
    all.push(...readLeftover(opts, all, onProc));
    if (workerError) workerError += '; its processes were read on one thread instead';
  }
  if (process.env.CKPT_CAPTURE_TIMING)
    process.stderr.write(
      `reader: main ${mine.length} procs done at ${(tMine - t0).toFixed(1)} ms, worker ${theirs.length} procs all in at ${(tTheirs - t0).toFixed(1)} ms\n`,
    );
  return { procs: all, byWorker: theirs.length, workerError, reader: 'js' };
}

/** JavaScript readers given up on, by "procRoot\0pid": how many are still stuck there (their hung syscall has not returned). */
const stuckJs = new Map<string, number>();

let exitHooked = false;

/**
 * Node joins its worker threads before exiting: a stuck one would keep
 * `ckpt capture` (or the app) from ever ending. While any reader is stuck,
 * the process exits without them.
 */
function exitPastStuckReaders(): void {
  if (exitHooked) return;
  exitHooked = true;
  const hook = (code: number) => {
    if (!stuckJs.size) return;
    // The 'exit' listeners after this one would not run: run them first.
    const all = process.listeners('exit');
    for (const l of all.slice(all.indexOf(hook) + 1)) l(code);
    hardExit(Number(process.exitCode ?? code));
  };
  process.on('exit', hook);
}

/** Most readers one supervised read may start, hung ones included. */
const MAX_READERS = 64;

/**
 * The JavaScript reader with --timeout: every process is read on worker
 * threads (none on this one, which could not be rescued from a hung
 * syscall), each stamping the pid and fd it is on (raw-read.ts's seqlock);
 * a reader whose stamp is older than the timeout is given up on (its
 * process becomes an ETIMEDOUT record naming the fd, it delivers nothing
 * more, its worker is terminated once the syscall returns), and a fresh
 * reader goes on with the pids left. As the native reader does, without it.
 */
async function readSupervised(opts: ReadOptions, wt: WorkerThreads, onProc?: (p: RawProc) => void, round = 0): Promise<ReadResult> {
  const { procRoot } = opts;
  const timeoutMs = opts.timeoutMs!;
  const procs: RawProc[] = [];
  const done = new Set<number>();
  const emit = (rp: RawProc) => {
    if (done.has(rp.pid)) return; // never twice, whatever the races
    done.add(rp.pid);
    procs.push(rp);
    onProc?.(rp);
  };
  // A reader from an earlier capture still hangs on these: no new one is sent after it.
  const pids: number[] = [];
  for (const pid of opts.pids) {
    if (stuckJs.has(`${procRoot}\0${pid}`)) emit(timedOut(procRoot, pid, -3, timeoutMs));
    else pids.push(pid);
  }
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const beat = new BigInt64Array(new SharedArrayBuffer(8 * 3 * MAX_READERS));
  const gen = new Int32Array(new SharedArrayBuffer(4 * MAX_READERS));
  const base: RawReadJob = { procRoot, pids, counter, fdDirOverride: opts.fdDirOverride, fdsOnly: opts.fdsOnly, beat, gen };
  interface Reader {
    w: Worker;
    port: MessagePort;
    /** It said it is done (or failed), or exited. */
    finished: boolean;
    givenUp: boolean;
    take: (m: ReaderMessage) => void;
  }
  const readers: Reader[] = [];
  let byWorker = 0;
  let workerError: string | undefined;
  let wake: (() => void) | undefined;
  const start = (): boolean => {
    const slot = readers.length;
    if (slot >= MAX_READERS) return false;
    let w: Worker;
    const ch = new wt.MessageChannel();
    try {
      w = new wt.Worker(workerSource(), { eval: true, workerData: { koffiPath: koffiPath() } });
    } catch (e) {
      workerError = (e as Error).message;
      return false;
    }
    const r: Reader = { w, port: ch.port1, finished: false, givenUp: false, take: () => undefined };
    readers.push(r);
    w.unref();
    const finish = () => {
      r.finished = true;
      wake?.();
    };
    w.on('error', (e) => {
      workerError = e.message;
      finish();
    });
    w.once('exit', finish);
    r.take = (m: ReaderMessage) => {
      if (m === null) finish();
      else if ('failed' in m) workerError = m.failed;
      else if (!r.givenUp) {
        byWorker++;
        emit(m);
      }
    };
    ch.port1.on('message', r.take);
    w.postMessage({ job: { ...base, slot }, port: ch.port2 }, [ch.port2]);
    return true;
  };
  const n = Math.max(1, Math.min(defaultThreads(false), pids.length));
  for (let i = 0; i < n && pids.length; i++) if (!start()) break;
  const limit = BigInt(timeoutMs) * 1_000_000n;
  for (;;) {
    const live = readers.map((r, slot) => ({ r, slot })).filter(({ r }) => !r.finished && !r.givenUp);
    if (!live.length) break;
    // Woken by a reader's end, or every 50 ms to look at the stamps (the event loop runs meanwhile).
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 50);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    wake = undefined;
    const now = process.hrtime.bigint();
    for (const { r, slot } of live) {
      if (r.finished) continue;
      // A whole stamp (even and unchanged across the reads) older than the
      // timeout, and still the reader's latest when it is given up on.
      const g = Atomics.load(gen, slot);
      if (g < 0 || g % 2 === 1) continue;
      const pid = Number(Atomics.load(beat, slot * 3));
      const fd = Number(Atomics.load(beat, slot * 3 + 1));
      const at = Atomics.load(beat, slot * 3 + 2);
      if (at === 0n || now - at <= limit || Atomics.compareExchange(gen, slot, g, -1) !== g) continue;
      // What it handed over before it hung may still be queued: take it
      // first (once given up on, it can post nothing more).
      for (let m = wt.receiveMessageOnPort(r.port); m; m = wt.receiveMessageOnPort(r.port)) r.take(m.message as ReaderMessage);
      r.givenUp = true;
      r.port.close();
      exitPastStuckReaders();
      const key = `${procRoot}\0${pid}`;
      stuckJs.set(key, (stuckJs.get(key) ?? 0) + 1);
      r.w.once('exit', () => {
        const left = (stuckJs.get(key) ?? 1) - 1;
        if (left > 0) stuckJs.set(key, left);
        else stuckJs.delete(key);
      });
      // Not terminate(): it would hold this process open until the hung
      // syscall returns. Told it was given up on (gen -1), the reader ends
      // its thread itself when the syscall does return (workerSource).
      emit(timedOut(procRoot, pid, fd >= 0 ? fd : -1, timeoutMs));
      // Pids left: a fresh reader takes them (if none can start, the live ones will, or the sweep below reports them).
      if (Atomics.load(counter, 0) < pids.length) start();
    }
  }
  for (const r of readers) if (!r.givenUp) void r.w.terminate();
  // Pids no reader delivered: one that crashed (not hung) left them. A
  // fresh round reads them, on workers again (never here, where a hang
  // could not be rescued); past that, or with no reader to start, each is
  // reported.
  const missing = pids.filter((p) => !done.has(p));
  if (missing.length) {
    // No reader ever ran (a worker cannot load koffi here, say): read them
    // on this thread as the reader without a timeout does, and say so.
    const ranAny = readers.some((_, slot) => Atomics.load(gen, slot) !== 0);
    if (!ranAny) {
      workerError = `${workerError ?? 'the reader threads did not run'}; read on this thread, without a timeout`;
      for (const rp of readLeftover({ ...opts, pids: missing }, [])) emit(rp);
    } else if (round < 2) {
      const again = await readSupervised({ ...opts, pids: missing }, wt, undefined, round + 1);
      for (const rp of again.procs) emit(rp);
      byWorker += again.byWorker;
      workerError ??= again.workerError;
    }
    // Still not read: its reader failed each time (a crash, not a hang).
    for (const pid of missing)
      emit(
        unreadProc(pid, {
          errno: 'EIO',
          pid,
          fd: -1,
          where: `${procRoot}/${pid}`,
          message: `not read: its reader failed${workerError ? ` (${workerError})` : ''}`,
        }),
      );
  }
  return { procs, byWorker, reader: 'js', ...(workerError ? { workerError } : {}) };
}
