/**
 * Long reads on a worker thread with a read-only connection of its own, so
 * a broad `search.holders` (folding up to 1,000,000 fds, seconds on a big
 * library) does not hold the host's event loop: the library list, capture
 * progress and other requests keep being answered while it runs.
 *
 * The worker is the import worker's module (import-worker.ts) started in its
 * 'read' role through the same boot (import-thread.ts, startStoreWorker). It
 * runs the same Store.holders, each call in one read transaction (one WAL
 * snapshot), so the result is what the host's own connection would have
 * read from the library as it stood when the call began; errors travel as
 * their fields and are rebuilt with their class (QueryError with its token
 * offsets, StoreError with its code), so the API answers them as before.
 *
 * One worker, started on first use; calls queue on it and each is answered
 * by its own id. It never writes, so it needs no repair when stopped: a call
 * in flight when the host closes rejects with StoreError 'closed', one in
 * flight when the worker dies with StoreError 'io'.
 */
import type { Worker } from 'node:worker_threads';
import type { Holder, HoldersResult } from '../../src-shared/store-types.js';
import { StoreError } from './errors.js';
import { deserializeError, startStoreWorker, type SerializedError } from './import-thread.js';

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

interface Pending {
  parts: Holder[][];
  resolve(r: HoldersResult): void;
  reject(e: Error): void;
}

export class ReadThread {
  private worker: Worker | null = null;
  private starting: Promise<Worker | null> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The worker could not be started: every later read runs in-thread. */
  private unavailable = false;
  private closing = false;

  constructor(
    private readonly home: string,
    private readonly opts: { nativeBinding?: string; log?: (line: string) => void } = {},
  ) {}

  /**
   * Store.holders(query) on the worker. Resolves null when no worker can be
   * started (the caller reads in-thread then, as before); after close(),
   * StoreError 'closed', as an import then.
   */
  async holders(query: string): Promise<HoldersResult | null> {
    const closed = () => new StoreError('closed', 'the library is closed');
    if (this.closing) throw closed();
    const w = await this.start();
    if (this.closing) throw closed();
    if (!w) return null;
    const id = this.nextId++;
    return new Promise<HoldersResult>((resolve, reject) => {
      this.pending.set(id, { parts: [], resolve, reject });
      w.ref();
      w.postMessage({ id, what: 'holders', query } satisfies ReadJob);
    });
  }

  /** Stops the worker; reads in flight reject with StoreError 'closed'. */
  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker ?? (await this.starting?.catch(() => null)) ?? null;
    if (w) await w.terminate();
    this.fail(new StoreError('closed', 'the library is closed'));
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
    const w = await startStoreWorker<ReadReply>(this.home, 'read', (m) => this.settle(m), {
      ...(this.opts.nativeBinding ? { nativeBinding: this.opts.nativeBinding } : {}),
      gaveUp: (why) => this.opts.log?.(`ckpt: holders run on the main thread: the read worker did not start: ${why}`),
    });
    if (!w) return null;
    let crash: string | null = null;
    w.on('error', (e) => (crash ??= e.message));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = null;
      this.fail(
        this.closing
          ? new StoreError('closed', 'the library is closed')
          : new StoreError('io', `holders failed: ${crash ?? `the read worker exited with code ${code}`}`),
      );
    });
    w.unref();
    return w;
  }

  private settle(m: ReadReply): void {
    if (m.type === 'part') {
      const p = this.pending.get(m.id);
      if (!p) return;
      p.parts.push(m.holders);
      // Other requests first: the next part once this turn of the event loop is over.
      setImmediate(() => this.worker?.postMessage({ id: m.id, what: 'more' } satisfies ReadJob));
      return;
    }
    if (m.type !== 'done' && m.type !== 'error') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (!this.pending.size) this.worker?.unref();
    if (m.type === 'done') p.resolve({ ...m.result, holders: p.parts.length ? [...p.parts, m.result.holders].flat() : m.result.holders });
    else p.reject(deserializeError(m.error));
  }

  private fail(e: StoreError): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
