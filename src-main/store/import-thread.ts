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

interface Pending {
  name: string | undefined;
  /** The image's sha256, once the worker has hashed it (before it commits). */
  sha256?: string;
  /** The library held that image before this job began to store it. */
  preexisting?: boolean;
  resolve(r: ImportResult): void;
  reject(e: Error): void;
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

export class ImportThread {
  private worker: Worker | null = null;
  private starting: Promise<Worker | null> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The worker could not be started: every later import runs in-thread, as before. */
  private unavailable = false;
  private closing = false;

  constructor(
    private readonly home: string,
    private readonly opts: ImportThreadOptions = {},
  ) {}

  /**
   * Store.importBytes(bytes, opts[, undefined, name]) on the worker. Resolves
   * null when no worker can be started (the caller imports in-thread then).
   * With `transfer` the bytes' ArrayBuffer moves to the worker (no copy): the
   * caller must own all of it and not use it afterwards.
   */
  async run(bytes: Uint8Array, opts: ImportOptions, name?: string, transfer = false): Promise<ImportResult | null> {
    if (this.closing) throw new StoreError('closed', 'the library is closed');
    const w = await this.start();
    if (!w) return null;
    const id = this.nextId++;
    const job: WorkerJob = {
      id,
      buffer: bytes.buffer as ArrayBuffer,
      byteOffset: bytes.byteOffset,
      byteLength: bytes.byteLength,
      opts,
      ...(name === undefined ? {} : { name }),
    };
    return new Promise<ImportResult>((resolve, reject) => {
      this.pending.set(id, { name, resolve, reject });
      w.ref();
      if (transfer) w.postMessage(job, [job.buffer]);
      else {
        // Only the image's own bytes, not whatever else shares its ArrayBuffer.
        const copy = new Uint8Array(bytes);
        w.postMessage({ ...job, buffer: copy.buffer, byteOffset: 0 }, [copy.buffer]);
      }
    });
  }

  /** Stops the worker; a job in flight rolls back and rejects. */
  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker ?? (await this.starting?.catch(() => null)) ?? null;
    if (w) await w.terminate();
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

  private async spawn(): Promise<Worker | null> {
    const w = await startStoreWorker(this.home, 'import', (m: WorkerReply) => this.settle(m), {
      ...this.opts,
      gaveUp: (why) => this.opts.log?.(`ckpt: imports run on the main thread: the import worker did not start: ${why}`),
    });
    if (!w) return null;
    let crash: string | null = null;
    w.on('error', (e) => (crash ??= e.message));
    w.on('exit', (code) => this.lost(w, crash ?? (this.closing ? 'the library was closed' : `the import worker exited with code ${code}`)));
    w.unref();
    return w;
  }

  private settle(m: WorkerReply): void {
    if (m.type === 'hash') {
      const p = this.pending.get(m.id);
      if (p) {
        p.sha256 = m.sha256;
        p.preexisting = m.preexisting;
      }
      return;
    }
    if (m.type !== 'done' && m.type !== 'error') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (!this.pending.size) this.worker?.unref();
    if (m.type === 'done') p.resolve(m.result);
    else p.reject(deserializeError(m.error));
  }

  private lost(w: Worker, why: string): void {
    if (this.worker === w) this.worker = null;
    if (!this.pending.size) return;
    try {
      this.opts.onLost?.();
    } catch (e) {
      this.opts.log?.(`ckpt: repairing the library after a stopped import failed: ${(e as Error).message}`);
    }
    for (const p of this.pending.values()) {
      // Stopped after its commit: the repair above published it, so it is stored, whole.
      let stored: ImportResult | null = null;
      try {
        stored = p.sha256 && !p.preexisting ? (this.opts.stored?.(p.sha256) ?? null) : null;
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
    this.pending.clear();
  }
}

/**
 * Starts a worker on the worker module (import-worker.ts) serving `role`
 * for the library in `home`, and waits for it to say it is ready: the
 * worker, or null when it did not start (gaveUp is told why). Its messages
 * other than ready/failed go to onMessage, from the start.
 */
export async function startStoreWorker<R extends { type: string }>(
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
