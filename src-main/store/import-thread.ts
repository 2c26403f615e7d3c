/**
 * Imports on a worker thread with its own connection to the library, so a
 * large image (a second or more of decoding and inserting) does not hold
 * the host's event loop: the browser host and the Electron app keep
 * answering, and capture progress keeps flowing, while it runs.
 *
 * The worker runs the same Store.importBytes as the host would, in its one
 * transaction, so the result, the errors and the all-or-nothing guarantee
 * are the same; SQLite's WAL lets the host read meanwhile, and both
 * connections wait on the write lock (busy_timeout, db.ts) instead of
 * failing. The caller serializes imports (handlers.ts), so at most one job
 * is in flight.
 *
 * How the worker finds its code: it cannot be handed a function's source as
 * parallel-digest.ts does (an import needs the whole store and engine), and
 * there is no fixed file name to load either (the CLI is one esbuild bundle
 * with hashed chunks; tests run the .ts sources). So the worker module is
 * imported dynamically, which gives it a chunk of its own in a bundle, and
 * reports its own import.meta.url; a small eval'd boot script loads that URL
 * in the worker, registering tsx first when it is a .ts source.
 */
import { Worker } from 'node:worker_threads';
import type { ImportOptions, ImportResult } from '../../src-shared/store-types.js';
import { ImageError, type ImageErrorCode } from '../engine/errors.js';
import { QueryError, StoreError } from './errors.js';

export interface WorkerData {
  ckptImportWorker: 1;
  url: string;
  home: string;
  nativeBinding?: string;
  /** What the worker serves: imports (the default), or reads on a read-only connection (read-thread.ts). */
  role?: 'import' | 'read';
}

export interface WorkerJob {
  id: number;
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
  opts: ImportOptions;
  name?: string;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  /** Before the import: the image's sha256, and whether the library already held it (then finding it later proves nothing about this job). */
  | { type: 'hash'; id: number; sha256: string; preexisting: boolean }
  | { type: 'done'; id: number; result: ImportResult }
  | { type: 'error'; id: number; error: SerializedError };

// Structured clone keeps only an Error's message (and a standard name), so
// the typed errors an import throws (StoreError, ImageError) travel as their
// fields and are rebuilt with their class: the host's error mapping
// (api/errors.ts) then sees what it always saw. Any other error keeps its
// name and those fields.
// QueryError's token offsets (start, end, token) travel the same way.
const FIELDS = ['code', 'detail', 'offset', 'recordIndex', 'recordType', 'start', 'end', 'token'] as const;

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = (e as unknown as Record<string, unknown>)[f];
    if (v === undefined || v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[f] = v;
  }
  return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), fields };
}

export function deserializeError(s: SerializedError): Error {
  const f = s.fields;
  let e: Error;
  if (s.name === 'StoreError') e = new StoreError(f.code as StoreError['code'], s.message);
  else if (s.name === 'QueryError')
    e = new QueryError(f.code as QueryError['code'], String(f.detail), Number(f.start), Number(f.end), String(f.token ?? ''));
  else if (s.name === 'ImageError')
    e = new ImageError(
      f.code as ImageErrorCode,
      String(f.detail),
      Number(f.offset),
      Number(f.recordIndex),
      ...(typeof f.recordType === 'string' ? [f.recordType] : []),
    );
  else {
    e = new Error(s.message);
    e.name = s.name;
    for (const [k, v] of Object.entries(f)) if (v !== undefined) (e as unknown as Record<string, unknown>)[k] = v;
  }
  e.message = s.message;
  if (s.stack) e.stack = s.stack;
  return e;
}

/** Runs in the worker as a script: loads the worker module (import-worker.ts) by URL. */
const BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (/\\.[cm]?ts$/.test(workerData.url)) {
    // Running from TypeScript sources (vitest, tsx): a worker starts with
    // Node's plain loader, so give it tsx's. Its ESM API, found through
    // tsx's own exports map (require.resolve would pick the CommonJS build,
    // whose register() cannot find its loader).
    const { createRequire } = require('node:module');
    const { dirname, join } = require('node:path');
    const { pathToFileURL } = require('node:url');
    const pkg = createRequire(workerData.url).resolve('tsx/package.json');
    const api = require(pkg).exports['./esm/api'].import.default;
    (await import(pathToFileURL(join(dirname(pkg), api)).href)).register();
  }
  await import(workerData.url);
})().catch((e) => setImmediate(() => { throw e; }));
`;

export interface WorkerCall<T> {
  resolve(r: T): void;
  reject(e: Error): void;
}

export const closedError = () => new StoreError('closed', 'the library is closed');

type Settled<T> = { type: 'done'; id: number; result: T } | { type: 'error'; id: number; error: SerializedError };

/**
 * The host's side of a store worker (import-worker.ts) serving `role`: one
 * worker, started on first use through BOOT, its calls answered by id. When
 * it cannot start, every later call resolves null and the caller runs it
 * in-thread. Subclasses say what a call sends, what its other messages mean
 * (progress) and what happens to calls in flight when the worker stops (lost).
 */
export abstract class StoreWorkerClient<T, P extends WorkerCall<T>, R extends { type: string }> {
  protected worker: Worker | null = null;
  private starting: Promise<Worker | null> | null = null;
  private readonly pending = new Map<number, P>();
  private nextId = 1;
  private unavailable = false;
  protected closing = false;

  protected constructor(
    private readonly home: string,
    private readonly role: 'import' | 'read',
    /** What runs on the main thread instead when the worker does not start ('imports'), for the log line. */
    private readonly calls: string,
    private readonly opts: { nativeBinding?: string; log?: (line: string) => void },
  ) {}

  /** Stops the worker; calls in flight go to lost(). */
  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker ?? (await this.starting?.catch(() => null)) ?? null;
    if (w) await w.terminate();
  }

  /** Posts call `id` (post) with its pending state; null when no worker can be started. */
  protected async call(state: Omit<P, keyof WorkerCall<T>>, post: (w: Worker, id: number) => void): Promise<T | null> {
    if (this.closing) throw closedError();
    const w = await this.start();
    if (!w) return null;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { ...state, resolve, reject } as P);
      w.ref();
      post(w, id);
    });
  }

  private start(): Promise<Worker | null> {
    if (this.worker) return Promise.resolve(this.worker);
    if (this.unavailable) return Promise.resolve(null);
    return (this.starting ??= this.spawn().then((w) => {
      this.starting = null;
      if (w) this.worker = w;
      else this.unavailable = true;
      return w;
    }));
  }

  protected inFlight(id: number): P | undefined {
    return this.pending.get(id);
  }

  /** A message of the worker's other than a call's end. */
  protected abstract progress(m: Exclude<R, Settled<T>>): void;
  /** What call `p` resolves with, given the worker's result. */
  protected finish(_p: P, result: T): T {
    return result;
  }
  /** The worker stopped with these calls in flight (none settled yet); `why` in words. */
  protected abstract lost(calls: P[], why: string): void;

  private async spawn(): Promise<Worker | null> {
    const w = await startStoreWorker(this.home, this.role, (m: R) => this.settle(m), {
      ...(this.opts.nativeBinding ? { nativeBinding: this.opts.nativeBinding } : {}),
      gaveUp: (why) => this.opts.log?.(`ckpt: ${this.calls} run on the main thread: the ${this.role} worker did not start: ${why}`),
    });
    if (!w) return null;
    let crash: string | null = null;
    w.on('error', (e) => (crash ??= e.message));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = null;
      if (!this.pending.size) return;
      const calls = [...this.pending.values()];
      this.pending.clear();
      this.lost(calls, crash ?? (this.closing ? 'the library was closed' : `the ${this.role} worker exited with code ${code}`));
    });
    w.unref();
    return w;
  }

  private settle(m: R): void {
    if (m.type !== 'done' && m.type !== 'error') return this.progress(m as Exclude<R, Settled<T>>);
    const s = m as unknown as Settled<T>;
    const p = this.pending.get(s.id);
    if (!p) return;
    this.pending.delete(s.id);
    if (!this.pending.size) this.worker?.unref();
    if (s.type === 'done') p.resolve(this.finish(p, s.result));
    else p.reject(deserializeError(s.error));
  }
}

interface PendingImport extends WorkerCall<ImportResult> {
  name: string | undefined;
  /** The image's sha256, once the worker has hashed it (before it commits). */
  sha256?: string;
  /** The library held that image before this job began to store it. */
  preexisting?: boolean;
}

export interface ImportThreadOptions {
  nativeBinding?: string;
  log?: (line: string) => void;
  /**
   * Called after the worker stopped while a job was in flight (it crashed,
   * or close() stopped it), before that job's promise rejects. The caller
   * repairs the library there (Store.recover()): the worker's transaction
   * rolled back with its connection, but its temporary file, named by this
   * process's pid, may remain.
   */
  onLost?: () => void;
  /** After onLost: the image with this sha256 if the library holds it (the job committed before it was stopped). */
  stored?: (sha256: string) => ImportResult | null;
}

export class ImportThread extends StoreWorkerClient<ImportResult, PendingImport, WorkerReply> {
  constructor(
    home: string,
    private readonly options: ImportThreadOptions = {},
  ) {
    super(home, 'import', 'imports', options);
  }

  /**
   * Store.importBytes(bytes, opts[, undefined, name]) on the worker. Resolves
   * null when no worker can be started (the caller imports in-thread then).
   * With `transfer` the bytes' ArrayBuffer moves to the worker (no copy): the
   * caller must own all of it and not use it afterwards.
   */
  run(bytes: Uint8Array, opts: ImportOptions, name?: string, transfer = false): Promise<ImportResult | null> {
    return this.call({ name }, (w, id) => {
      const job: WorkerJob = {
        id,
        buffer: bytes.buffer as ArrayBuffer,
        byteOffset: bytes.byteOffset,
        byteLength: bytes.byteLength,
        opts,
        ...(name === undefined ? {} : { name }),
      };
      if (transfer) w.postMessage(job, [job.buffer]);
      else {
        // Only the image's own bytes, not whatever else shares its ArrayBuffer.
        const copy = new Uint8Array(bytes);
        w.postMessage({ ...job, buffer: copy.buffer, byteOffset: 0 }, [copy.buffer]);
      }
    });
  }

  protected progress(m: Exclude<WorkerReply, Settled<ImportResult>>): void {
    if (m.type !== 'hash') return;
    const p = this.inFlight(m.id);
    if (p) {
      p.sha256 = m.sha256;
      p.preexisting = m.preexisting;
    }
  }

  protected lost(calls: PendingImport[], why: string): void {
    try {
      this.options.onLost?.();
    } catch (e) {
      this.options.log?.(`ckpt: repairing the library after a stopped import failed: ${(e as Error).message}`);
    }
    for (const p of calls) {
      // Stopped after its commit: the repair above published it, so it is stored, whole.
      let stored: ImportResult | null = null;
      try {
        stored = p.sha256 && !p.preexisting ? (this.options.stored?.(p.sha256) ?? null) : null;
      } catch {
        stored = null;
      }
      if (stored) {
        p.resolve(stored);
        continue;
      }
      // The caller names the file in front (handlers.ts) when it has a name to give.
      const named = p.name ? `${p.name}: ` : '';
      p.reject(
        this.closing
          ? new StoreError('closed', `${named}import stopped, nothing stored: the library was closed`)
          : new StoreError('io', `${named}import failed, nothing stored: ${why}`),
      );
    }
  }
}

/**
 * Starts a worker on the worker module (import-worker.ts) serving `role`
 * for the library in `home`, and waits for it to say it is ready: the
 * worker, or null when it did not start (gaveUp is told why). Its messages
 * other than ready/failed go to onMessage, from the start.
 */
async function startStoreWorker<R extends { type: string }>(
  home: string,
  role: 'import' | 'read',
  onMessage: (m: R) => void,
  opts: { nativeBinding?: string; gaveUp: (why: string) => void },
): Promise<Worker | null> {
  const gaveUp = (why: string) => {
    opts.gaveUp(why);
    return null;
  };
  let w: Worker;
  try {
    const { IMPORT_WORKER_URL } = await import('./import-worker.js');
    const data: WorkerData = {
      ckptImportWorker: 1,
      url: IMPORT_WORKER_URL,
      home,
      ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
      ...(role === 'import' ? {} : { role }),
    };
    w = new Worker(BOOT, { eval: true, workerData: data });
  } catch (e) {
    return gaveUp((e as Error).message);
  }
  const started = await new Promise<true | string>((resolve) => {
    w.on('message', (m: R | { type: 'ready' } | { type: 'failed'; error: SerializedError }) => {
      if (m.type === 'ready') resolve(true);
      else if (m.type === 'failed') resolve((m as { error: SerializedError }).error.message);
      else onMessage(m as R);
    });
    w.once('error', (e) => resolve(e.message));
    w.once('exit', (code) => resolve(`it exited with code ${code}`));
  });
  if (started !== true) {
    void w.terminate();
    return gaveUp(started);
  }
  return w;
}
