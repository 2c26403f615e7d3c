/**
 * The import worker's side (see import-thread.ts): a thread with its own
 * connection to the library that runs Store.importBytes for its host, so a
 * large import does not hold the host's event loop.
 *
 * This module is only ever imported dynamically. In the bundled CLI that
 * makes it a chunk of its own (esbuild splits at dynamic imports), whose
 * import.meta.url the host hands to the worker to load; under vitest it is
 * the .ts source itself. Loaded on the host's thread it only reports its
 * URL; loaded by the worker it starts serving below.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { sha256 } from './blobs.js';
import { Store, type OpenOptions } from './index.js';
import { serializeError, type WorkerData, type WorkerReply, type WorkerJob } from './import-thread.js';
import type { HoldersResult } from '../../src-shared/store-types.js';
import { READ_PART, type ReadJob, type ReadReply } from './read-thread.js';

export const IMPORT_WORKER_URL = import.meta.url;

type Port = NonNullable<typeof parentPort>;

/** The library as `opts` open it, or null once the host is told why not ('failed'). */
function open(port: Port, data: WorkerData, opts: OpenOptions): Store | null {
  try {
    return Store.open(data.home, { ...opts, ...(data.nativeBinding ? { nativeBinding: data.nativeBinding } : {}) });
  } catch (e) {
    port.postMessage({ type: 'failed', error: serializeError(e) } satisfies WorkerReply);
    return null;
  }
}

function serve(port: Port, data: WorkerData): void {
  // The host opened (and so migrated and repaired) the library already.
  const store = open(port, data, { recover: false });
  if (!store) return;
  port.on('message', (job: WorkerJob) => {
    let reply: WorkerReply;
    try {
      const bytes = new Uint8Array(job.buffer, job.byteOffset, job.byteLength);
      // Which image this is, before anything commits: if this thread is
      // stopped between its commit and its reply, the host can still find
      // what it stored (import-thread.ts, lost()). One more pass over the
      // bytes, on this thread, not the host's.
      const sha = sha256(bytes);
      const preexisting = store.db.prepare('SELECT 1 FROM images WHERE sha256 = ?').get(sha) !== undefined;
      port.postMessage({ type: 'hash', id: job.id, sha256: sha, preexisting } satisfies WorkerReply);
      // No name: importBytes's own default ('image').
      const r = store.importBytes(bytes, job.opts, undefined, job.name);
      reply = { type: 'done', id: job.id, result: r };
    } catch (e) {
      reply = { type: 'error', id: job.id, error: serializeError(e) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
}

/**
 * The read worker's side (read-thread.ts): a read-only connection answering
 * the host's long reads (Store.holders), each one consistent snapshot as on
 * the host's own connection, one after another.
 */
function serveReads(port: Port, data: WorkerData): void {
  const store = open(port, data, { readonly: true });
  if (!store) return;
  // Results past READ_PART holders go in parts, one per request of the
  // host's: it decodes each message in one go on its thread, and takes every
  // message waiting at once, so a few hundred thousand holders sent together
  // would hold it for a third of a second however they were cut.
  const outbox = new Map<number, { result: HoldersResult; sent: number }>();
  const next = (id: number) => {
    const o = outbox.get(id);
    if (!o) return;
    const { holders, ...rest } = o.result;
    const end = o.sent + READ_PART;
    if (end >= holders.length) {
      outbox.delete(id);
      port.postMessage({ type: 'done', id, result: { ...rest, holders: holders.slice(o.sent) } } satisfies ReadReply);
    } else {
      port.postMessage({ type: 'part', id, holders: holders.slice(o.sent, end) } satisfies ReadReply);
      o.sent = end;
    }
  };
  port.on('message', (job: ReadJob) => {
    if (job.what === 'more') return next(job.id);
    let result: HoldersResult;
    try {
      result = store.holders(job.query);
    } catch (e) {
      port.postMessage({ type: 'error', id: job.id, error: serializeError(e) } satisfies ReadReply);
      return;
    }
    outbox.set(job.id, { result, sent: 0 });
    next(job.id);
  });
  port.postMessage({ type: 'ready' } satisfies ReadReply);
}

const data = workerData as WorkerData | null;
if (!isMainThread && parentPort && data?.ckptImportWorker === 1) (data.role === 'read' ? serveReads : serve)(parentPort, data);
