/**
 * Long reads on a worker thread with a read-only connection of its own, so
 * a broad `search.holders` (folding up to 1,000,000 fds, seconds on a big
 * library) does not hold the host's event loop: the library list, capture
 * progress and other requests keep being answered while it runs.
 *
 * The worker is the import worker's module (import-worker.ts) started in its
 * 'read' role through the same boot and host side (import-thread.ts,
 * StoreWorkerClient). It runs the same Store.holders, each call in one read
 * transaction (one WAL snapshot), so the result is what the host's own
 * connection would have read from the library as it stood when the call
 * began; errors travel as their fields and are rebuilt with their class
 * (QueryError with its token offsets, StoreError with its code), so the API
 * answers them as before.
 *
 * One worker, started on first use; calls queue on it and each is answered
 * by its own id. It never writes, so it needs no repair when stopped: a call
 * in flight when the host closes rejects with StoreError 'closed', one in
 * flight when the worker dies with StoreError 'io'.
 */
import type { Holder, HoldersResult } from '../../src-shared/store-types.js';
import { StoreError } from './errors.js';
import { closedError, StoreWorkerClient, type SerializedError, type WorkerCall } from './import-thread.js';

export type ReadJob =
  | { id: number; what: 'holders'; query: string }
  /** The next part of job `id`'s result (ReadReply 'part'). */
  | { id: number; what: 'more' };

/**
 * Holders per message from the worker: ~5 ms for the host to decode. A
 * larger result comes in parts, each asked for by the host when it has
 * taken the last and given its event loop a turn (see import-worker.ts).
 */
export const READ_PART = 5_000;

export type ReadReply =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  /** The next READ_PART holders of a result, in order, before its 'done' (which carries the last ones). */
  | { type: 'part'; id: number; holders: Holder[] }
  | { type: 'done'; id: number; result: HoldersResult }
  | { type: 'error'; id: number; error: SerializedError };

interface PendingRead extends WorkerCall<HoldersResult> {
  parts: Holder[][];
}

export class ReadThread extends StoreWorkerClient<HoldersResult, PendingRead, ReadReply> {
  constructor(home: string, opts: { nativeBinding?: string; log?: (line: string) => void } = {}) {
    super(home, 'read', 'holders', opts);
  }

  /**
   * Store.holders(query) on the worker. Resolves null when no worker can be
   * started (the caller reads in-thread then, as before); after close(),
   * StoreError 'closed', as an import then.
   */
  async holders(query: string): Promise<HoldersResult | null> {
    const r = await this.call({ parts: [] }, (w, id) => w.postMessage({ id, what: 'holders', query } satisfies ReadJob));
    // Closed while the worker failed to start: not in-thread on a closing library either.
    if (!r && this.closing) throw closedError();
    return r;
  }

  protected progress(m: Exclude<ReadReply, { type: 'done' | 'error' }>): void {
    if (m.type !== 'part') return;
    const p = this.inFlight(m.id);
    if (!p) return;
    p.parts.push(m.holders);
    // Other requests first: the next part once this turn of the event loop is over.
    setImmediate(() => this.worker?.postMessage({ id: m.id, what: 'more' } satisfies ReadJob));
  }

  protected override finish(p: PendingRead, result: HoldersResult): HoldersResult {
    return p.parts.length ? { ...result, holders: [...p.parts, result.holders].flat() } : result;
  }

  /** It never writes, so there is nothing to repair. */
  protected lost(calls: PendingRead[], why: string): void {
    const e = this.closing ? closedError() : new StoreError('io', `holders failed: ${why}`);
    for (const p of calls) p.reject(e);
  }
}
