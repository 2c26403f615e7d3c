/**
 * Runs rawRead on the main thread and on one worker at once, the two taking
 * pids from a shared counter so neither waits on the other's slow process.
 * The worker runs rawRead's own source text (the CLI is one bundle, so there
 * is no module file a worker could load). Small captures skip the worker:
 * starting it costs more than it saves.
 */
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { koffiPath, loadKoffi } from './native.js';
import { rawRead, type RawProc, type RawReadJob } from './raw-read.js';

/** Below this many processes one thread is faster than starting a worker. */
const WORKER_MIN_PIDS = 24;

function workerSource(): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const fs = require('node:fs');
var __name = (f) => f;
const rawRead = (${rawRead.toString()});
Atomics.store(workerData.job.counter, 1, 1);
parentPort.postMessage(rawRead(koffi, fs, workerData.job));
`;
}

export interface ReadOptions {
  procRoot: string;
  pids: number[];
  /** Force (true) or forbid (false) the worker; default: by size. */
  worker?: boolean;
  fdDirOverride?: Record<number, string>;
  fdsOnly?: boolean;
}

export interface ReadResult {
  procs: RawProc[];
  /** How many processes the worker thread read. */
  byWorker: number;
  /** Why the worker failed, when it did (its pids were re-read here). */
  workerError?: string;
}

export async function readProcs(opts: ReadOptions, onProc?: (p: RawProc) => void): Promise<ReadResult> {
  // [0]: next pid index; [1]: set by the worker when it starts taking pids.
  const counter = new Int32Array(new SharedArrayBuffer(8));
  const job: RawReadJob = { procRoot: opts.procRoot, pids: opts.pids, counter, fdDirOverride: opts.fdDirOverride, fdsOnly: opts.fdsOnly };
  const env = process.env.CKPT_CAPTURE_THREADS;
  const useWorker = opts.worker ?? (env === '1' ? false : env === '2' ? true : opts.pids.length >= WORKER_MIN_PIDS && availableParallelism() > 1);
  let worker: Worker | undefined;
  let fromWorker: Promise<RawProc[]> | undefined;
  let workerError: string | undefined;
  if (useWorker) {
    try {
      worker = new Worker(workerSource(), { eval: true, workerData: { koffiPath: koffiPath(), job } });
      const w = worker;
      fromWorker = new Promise<RawProc[]>((resolve) => {
        w.once('message', (m: RawProc[]) => resolve(m));
        // A worker that dies leaves its pids unread; they are re-read below.
        w.once('error', (e) => {
          workerError = e instanceof Error ? e.message : String(e);
          resolve([]);
        });
        w.once('exit', () => resolve([]));
      });
    } catch (e) {
      workerError = (e as Error).message;
      worker = undefined;
    }
  }
  const t0 = performance.now();
  const mine = rawRead(loadKoffi(), fs, job, onProc);
  const tMine = performance.now();
  let tTheirs = tMine;
  let theirs: RawProc[] = [];
  if (worker && fromWorker) {
    if (Atomics.load(counter, 1) === 0) {
      // Every pid was taken here before the worker took any: it has nothing to do.
      Atomics.store(counter, 0, opts.pids.length);
      void worker.terminate();
    } else {
      theirs = await fromWorker;
      tTheirs = performance.now();
      void worker.terminate();
      if (onProc) for (const p of theirs) onProc(p);
    }
  }
  const all = mine.concat(theirs);
  if (all.length < opts.pids.length) {
    const seen = new Set(all.map((r) => r.pid));
    const missing = opts.pids.filter((p) => !seen.has(p));
    const retry = new Int32Array(new SharedArrayBuffer(8));
    all.push(...rawRead(loadKoffi(), fs, { ...job, pids: missing, counter: retry }, onProc));
  }
  if (process.env.CKPT_CAPTURE_TIMING)
    process.stderr.write(`reader: main ${mine.length} procs done at ${(tMine - t0).toFixed(1)} ms, worker ${theirs.length} procs in at ${(tTheirs - t0).toFixed(1)} ms\n`);
  return { procs: all, byWorker: theirs.length, workerError };
}
