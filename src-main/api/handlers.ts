/**
 * The backend behind the API contract: one function per contract method,
 * calling the store, the engine, the simulations and live capture. Both
 * hosts (Electron IPC and the loopback HTTP host) serve exactly this table
 * through `dispatch`, which validates the argument first, so a handler only
 * ever sees arguments that passed the contract's schema.
 */
import { APP_VERSION } from '../../src-shared/version.js';
import { readFileSync } from 'node:fs';
import {
  ApiError,
  METHOD_NAMES,
  isMethodName,
  parseArgs,
  type ApiEvent,
  type MethodName,
  type ParsedArgs,
  type Reply,
  type Result,
} from '../../src-shared/api/contract.js';
import type { ImageSummary } from '../../src-shared/api/results.js';
import type { ExportRequest, HoldersResult, ImportOptions, ImportResult } from '../../src-shared/store-types.js';
import { Store } from '../store/index.js';
import { holdersPage } from '../query/holders.js';
import { SEARCH_HOLDERS_FIRST } from '../../src-shared/api/methods.js';
import { ImportThread } from '../store/import-thread.js';
import { ReadThread } from '../store/read-thread.js';
import { SCENARIOS, simulate } from '../sim/index.js';
import { encodeSnapshot } from '../engine/writer.js';
import { OpenedImage } from './opened-image.js';
import { listProcesses } from './proc-list.js';
import { toApiError } from './errors.js';
import { liveCapture, liveCaptureUnavailable } from './live-capture.js';
import { countPdfPages, printPdfWithChromium } from './pdf-chromium.js';
import { ReportCache, type BuiltReport } from './reports.js';
import { DiffCache } from './diff-view.js';
import { criuArchiveImage } from './criu-import.js';

export interface ApiContext {
  home: string;
  host: 'electron' | 'browser';
  /** Sends an event to every connected window. */
  emit(ev: ApiEvent): void;
  log?: (line: string) => void;
  /** Prints report HTML to PDF: Electron's printToPDF in the desktop app; the system Chromium otherwise. */
  printPdf?: (html: string) => Promise<Uint8Array>;
  /** Asks the user where to save a report and writes it there (Electron); null when they cancel. */
  saveReport?: (r: BuiltReport) => Promise<string | null>;
  /** Opens a report with the system's viewer (Electron); returns the file opened. */
  openReport?: (r: BuiltReport) => Promise<string>;
  /** The better-sqlite3 addon the host loads (Electron's own build); the import worker loads the same. */
  nativeBinding?: string;
  /** Images of at most this many bytes import on the host's thread; default IMPORT_INLINE_MAX_BYTES. */
  importInlineMaxBytes?: number;
  /** Libraries of at most this many fds answer search.holders on the host's thread; default HOLDERS_INLINE_MAX_FDS. */
  holdersInlineMaxFds?: number;
  /** How often to look for changes other processes made to the library (ms); default LIBRARY_POLL_MS, 0 never. */
  libraryPollMs?: number;
}

/**
 * How often the host asks SQLite whether another process (`ckpt capture
 * --store`, `ckpt import`, another window's host) committed to the library,
 * so open views refresh: a pragma that reads a counter, nothing more.
 */
export const LIBRARY_POLL_MS = 2000;

/**
 * Images up to this size import on the host's thread, larger ones on the
 * import worker. Images run 100-150 bytes per fd (sim and live alike), so
 * 1 MiB is some 7,000-10,000 fds: at ~370,000 fds/s, 20-30 ms of the event
 * loop, below what starting the worker costs (~45 ms measured from the CLI
 * bundle: loading the store and engine chunks, opening a connection) and
 * below what a click or a progress event can wait unnoticed. A host that
 * only ever imports images this small never starts the worker. Either way
 * the same Store.importBytes runs, so results and errors are the same.
 */
export const IMPORT_INLINE_MAX_BYTES = 1 << 20;

/**
 * search.holders runs on the host's thread when the whole library holds at
 * most this many fds (the sum of its images' fd counts, one cheap read of
 * the images table: no query can cover more), on the read worker otherwise
 * (store/read-thread.ts). Holders folds some 300,000-400,000 fds/s, so
 * 20,000 fds is at most ~50-60 ms of the event loop, about what starting the
 * worker costs (~45 ms): below it the worker would only make the answer
 * later. Either way the same Store.holders runs, so results and errors are
 * the same.
 */
export const HOLDERS_INLINE_MAX_FDS = 20_000;

/** Whole folds of search.holders kept for their further pages (each up to HOLDERS_MAX_HITS holders). */
const HOLDERS_KEEP = 2;

type Handlers = { [M in MethodName]: (args: ParsedArgs<M>) => Promise<Result<M>> | Result<M> };

/** Images kept decoded at once: the inspector works on one, diff on two. */
const OPEN_LIMIT = 3;

export interface Backend {
  dispatch(method: unknown, args: unknown): Promise<Reply<unknown>>;
  /** A report built by report.export (the browser host serves its bytes for download and viewing). */
  report(id: string): BuiltReport | undefined;
  /**
   * Imports an image file as Store.importFile would (no label, messages
   * naming the path), in turn with the API's imports: the Electron app's
   * file association.
   */
  importFile(path: string): Promise<ImageSummary>;
  /** Stops an import in flight (it rolls back), then closes the library. */
  close(): Promise<void>;
}

export function createBackend(ctx: ApiContext): Backend {
  // The host's connection and both workers' load the same addon (the Electron host names its own build).
  const addon = ctx.nativeBinding ? { nativeBinding: ctx.nativeBinding } : {};
  const workerOpts = { ...addon, ...(ctx.log ? { log: ctx.log } : {}) };
  let store: Store | null = null;
  /** SQLite's data_version when this host last looked (changes by other processes: the poll below). */
  let seenVersion: number | undefined;
  const getStore = (): Store => {
    if (store) return store;
    store = Store.open(ctx.home, addon);
    // The baseline is what this connection saw at opening: a commit between
    // here and the first poll is news too.
    try {
      seenVersion = store.dataVersion();
    } catch {
      seenVersion = undefined;
    }
    return store;
  };
  const thread = new ImportThread(ctx.home, {
    ...workerOpts,
    onLost: () => store?.recover(),
    stored: (sha) => {
      try {
        return store ? { image: store.getImage(sha), duplicate: false, elapsedMs: 0 } : null;
      } catch {
        return null; // not there: it rolled back
      }
    },
  });
  const inlineMax = ctx.importInlineMaxBytes ?? IMPORT_INLINE_MAX_BYTES;
  const reads = new ReadThread(ctx.home, workerOpts);
  const holdersInlineMax = ctx.holdersInlineMaxFds ?? HOLDERS_INLINE_MAX_FDS;

  /** Store.holders (every holder), on the read worker unless the library is small (HOLDERS_INLINE_MAX_FDS). */
  async function fold(query: string): Promise<HoldersResult> {
    const st = getStore();
    let fds = Infinity;
    try {
      fds = st.fdCount();
    } catch {
      // Unknown: the worker (the same call, off this thread) answers.
    }
    if (fds <= holdersInlineMax) return st.holders(query);
    return (await reads.holders(query)) ?? getStore().holders(query);
  }

  /**
   * The last HOLDERS_KEEP folds search.holders made, each of every holder,
   * newest first, by the library's state and the query: the Search view's
   * further pages are slices of the fold its first page made, not a fold of
   * their own. A change to the library (here: changed(); by another
   * connection: SQLite's data_version) makes them stale.
   */
  let folds: { key: string; whole: Promise<HoldersResult> }[] = [];
  let localChanges = 0;
  function libraryState(): string {
    let v = -1;
    try {
      v = getStore().dataVersion();
    } catch {
      // unknown: the fold is asked of the store again (as before any was kept)
      return `?${localChanges}:${Math.random()}`;
    }
    return `${v}:${localChanges}`;
  }
  async function holders(query: string, offset = 0, limit = SEARCH_HOLDERS_FIRST): Promise<HoldersResult> {
    const state = libraryState();
    const key = `${state}\u0000${query}`;
    // A new search (offset 0) folds afresh: its relative times (after:1m)
    // are of now; only the pages after it read the fold kept for them.
    let k = offset > 0 ? folds.find((f) => f.key === key) : undefined;
    if (!k) {
      const kept = { key, whole: fold(query) };
      k = kept;
      folds = [kept, ...folds.filter((f) => f.key.startsWith(`${state}\u0000`))].slice(0, HOLDERS_KEEP);
      kept.whole.catch(() => (folds = folds.filter((f) => f !== kept)));
    }
    return holdersPage(await k.whole, offset, limit);
  }

  // Imports, and the writes the API makes besides, run one at a time. Then
  // a write never waits for the worker's write lock inside SQLite's busy
  // handler, which would hold the event loop as long as the import, and the
  // worker's import never overlaps one on this thread.
  let writes: Promise<unknown> = Promise.resolve();
  function inTurn<T>(fn: () => T | Promise<T>): Promise<T> {
    const p = writes.then(fn);
    writes = p.catch(() => undefined);
    return p;
  }

  /**
   * Store.importBytes, on the worker for a large image. The rows are read
   * back through this thread's connection, so what the caller gets (and
   * anything it reads next) is what this connection sees. `owned`: the
   * caller made the bytes and lets go of them (moved to the worker, not copied).
   */
  async function importImage(bytes: Uint8Array, opts: ImportOptions, name?: string, owned = false): Promise<ImportResult> {
    const st = getStore();
    const inline = () => st.importBytes(bytes, opts, undefined, name);
    if (bytes.length <= inlineMax) return inline();
    // Pooled Buffers (under Buffer.poolSize) share their ArrayBuffer; never move those.
    const r = await thread.run(bytes, opts, name, owned && bytes.byteLength > Buffer.poolSize);
    if (!r) return inline();
    return { ...r, image: getStore().getImage(r.image.id) };
  }
  const opened = new Map<string, OpenedImage>();
  const reports = new ReportCache();
  const diffs = new DiffCache();
  const builtReport = (id: string): BuiltReport => {
    const r = reports.get(id);
    if (!r) throw new ApiError('not-found', `report ${id}: no such report (build it again; only the last few are kept)`);
    return r;
  };

  function openImage(idOrPrefix: string): OpenedImage {
    const st = getStore();
    const summary = st.getImage(idOrPrefix);
    const hit = opened.get(summary.id);
    if (hit) {
      opened.delete(summary.id);
      opened.set(summary.id, hit);
      return hit;
    }
    const img = new OpenedImage(summary, st.imageBytes(summary.id));
    opened.set(summary.id, img);
    while (opened.size > OPEN_LIMIT) opened.delete(opened.keys().next().value!);
    return img;
  }

  function changed(reason: 'import' | 'capture' | 'update' | 'delete' | 'external', ids: string[]): void {
    localChanges++;
    folds = [];
    ctx.emit({ type: 'library.changed', reason, ids });
  }

  /** What this host keeps of image `id` (its open image, the diffs built with it) after its summary changed to `s`, or it was deleted (null). */
  function renew(id: string, s: ImageSummary | null): void {
    const o = opened.get(id);
    if (!s) opened.delete(id);
    else if (o) o.summary = s;
    diffs.forget(id);
  }

  function updated(s: ImageSummary): ImageSummary {
    renew(s.id, s);
    changed('update', [s.id]);
    return s;
  }

  // Changes by other processes: SQLite's data_version moves when another
  // connection commits (this host's import worker too: its imports are then
  // announced twice, which a view takes as two reloads). Only once the
  // library is open here: a host nobody has used yet has no views to refresh.
  const pollMs = ctx.libraryPollMs ?? LIBRARY_POLL_MS;
  function pollLibrary(): void {
    if (!store) return;
    let v: number;
    try {
      v = store.dataVersion();
    } catch {
      return; // closed or busy: asked again at the next turn
    }
    const news = seenVersion !== undefined && v !== seenVersion;
    seenVersion = v;
    if (!news) return;
    // What this host keeps of images may be out of date now (a label set, an
    // image removed): each open image as an update or a delete here would
    // leave it, and every diff built, since it may be of images not open.
    for (const id of [...opened.keys()]) {
      let s: ImageSummary | null = null;
      try {
        s = store.getImage(id);
      } catch {
        // gone (or unreadable): not kept
      }
      renew(id, s);
    }
    diffs.clear();
    // From a timer: a listener that throws must not take the host down with it.
    try {
      changed('external', []);
    } catch (e) {
      ctx.log?.(`library.changed listener failed: ${String((e as Error)?.message ?? e)}`);
    }
  }
  const poll = pollMs > 0 ? setInterval(pollLibrary, pollMs) : undefined;
  poll?.unref();

  const handlers: Handlers = {
    'app.info': () => ({
      version: APP_VERSION,
      host: ctx.host,
      home: ctx.home,
      liveCapture: liveCaptureUnavailable() === null,
      features: ['library', 'capture', 'inspector', 'diff', 'search', 'timeline', 'reports'],
    }),

    'library.list': ({ limit, offset, program }) => {
      const st = getStore();
      const images = st.listImages({ sort: 'captureTime', desc: true, limit, offset, ...(program ? { program } : {}) });
      return { images, total: (limit === undefined && !offset) || program ? images.length : st.countImages() };
    },

    'library.import': ({ name, data }) => {
      const bytes = Buffer.from(data, 'base64');
      if (bytes.length === 0) throw new ApiError('bad-argument', `${name}: the file is empty`);
      let label = name.replace(/\.(ckpt|tar|tar\.gz|tgz|tar\.zst)$/i, '').slice(0, 200);
      return inTurn(async () => {
        let r;
        try {
          const criu = await criuArchiveImage(name, bytes);
          if (criu?.label) label = criu.label;
          r = await importImage(criu ? criu.bytes : bytes, {}, undefined, true);
        } catch (e) {
          const err = e as Error;
          if (err?.name === 'StoreError' || err?.name === 'ImageError') err.message = `${name}: ${err.message}`;
          throw e;
        }
        let image = r.image;
        if (!r.duplicate && !image.label && label) image = getStore().setLabel(image.id, label);
        changed('import', [image.id]);
        return image;
      });
    },

    'library.setLabel': ({ id, label }) => inTurn(() => updated(getStore().setLabel(id, label))),
    'library.setTags': ({ id, tags }) => inTurn(() => updated(getStore().setTags(id, tags))),
    'library.setNote': ({ id, note }) => inTurn(() => updated(getStore().setNote(id, note))),
    'library.delete': ({ ids }) =>
      inTurn(() => {
        const st = getStore();
        const gone: string[] = [];
        for (const id of ids) {
          const s = st.deleteImage(id);
          renew(s.id, null);
          gone.push(s.id);
        }
        changed('delete', gone);
        return { deleted: gone.length };
      }),

    'capture.scenarios': () => SCENARIOS.map((s) => ({ name: s.name, description: s.description, params: [...(s.params ?? [])] })),
    'capture.processes': () => ({ processes: listProcesses(), selfPid: process.pid, liveCaptureUnavailable: liveCaptureUnavailable() }),

    'capture.run': async (a) => {
      const captureId = a.captureId ?? `c${Date.now().toString(36)}`;
      // Simulating and encoding are synchronous (and a small import too):
      // yield after each step so its progress event leaves before the next
      // step blocks.
      const progress = async (phase: string, done: number, total: number) => {
        ctx.emit({ type: 'capture.progress', captureId, phase, done, total });
        await new Promise((r) => setImmediate(r));
      };
      let bytes: Uint8Array;
      if (a.source === 'sim') {
        await progress('simulate', 0, 3);
        const snap = simulate({ scenario: a.scenario, seed: a.seed, step: a.step, processes: a.processes, fds: a.fds });
        await progress('encode', 1, 3);
        bytes = encodeSnapshot(snap);
      } else {
        const why = liveCaptureUnavailable();
        if (why) throw new ApiError('unavailable', why);
        // The contract let through one way of selecting; pass on only that one.
        const sel = a.pids
          ? { pids: a.pids, tree: a.tree, freeze: a.freeze }
          : { cgroup: a.cgroup, ns: a.ns, user: a.user, comm: a.comm, freeze: a.freeze };
        bytes = await liveCapture(sel, (done, total) => void progress('capture', done, total));
      }
      await progress('import', 2, 3);
      const captured = bytes;
      const image = await inTurn(async () => {
        const r = await importImage(captured, a.label ? { label: a.label } : {}, undefined, true);
        let image = r.image;
        if (a.label && image.label !== a.label) image = getStore().setLabel(image.id, a.label);
        return image;
      });
      // Changed before the last progress event yields: a search asked meanwhile must not get a fold of before.
      changed('capture', [image.id]);
      await progress('done', 3, 3);
      return { image, errors: image.errorCount };
    },

    'image.open': ({ id }) => openImage(id).overview(),
    'image.task': ({ id, pid }) => openImage(id).task(pid),
    'image.fds': ({ id, table, offset, limit, query }) => openImage(id).fds(table, offset, limit, query),
    'image.limits': ({ id }) => openImage(id).limits(),
    'image.locate': ({ id, pid, fd }) => openImage(id).locate(pid, fd),
    'image.file': ({ id, ref }) => openImage(id).file(ref),
    'image.holders': ({ id, ref, offset, limit }) => openImage(id).holdersPage(ref, offset, limit),
    'image.records': ({ id, offset, limit }) => openImage(id).records(offset, limit),
    'image.recordBytes': ({ id, index }) => openImage(id).recordBytes(index),
    'search.run': ({ query, limit, perImage }) => getStore().search(query, { limit, perImage }),
    'search.holders': ({ query, offset, limit }) => holders(query, offset, limit),
    // Plain: Electron's structured clone would copy the lazy diff's internals and drop its `tasks` getter.
    'diff.run': ({ a, b, matching }) =>
      getStore()
        .diff(a, b, matching ? { matching } : {})
        .toJSON(),
    'diff.view': (args) => diffs.view(getStore(), args, openImage),
    'timeline.get': (sel) => getStore().timeline(sel),
    'report.export': async ({ request, format, preview }) => {
      const req: ExportRequest =
        request.what === 'diff'
          ? { what: 'diff', a: request.a, b: request.b, options: request.matching ? { matching: request.matching } : {} }
          : request;
      const stem =
        request.what === 'image'
          ? `image-${request.id.slice(0, 12)}`
          : request.what === 'diff'
            ? `diff-${request.a.slice(0, 8)}-${request.b.slice(0, 8)}`
            : request.what;
      const name = `${stem}.${format}`;
      if (format === 'pdf') {
        const html = getStore().export(req, 'html');
        const pdf = await (ctx.printPdf ?? printPdfWithChromium)(html);
        const r = reports.add('pdf', name, pdf);
        return { id: r.id, format, text: '', suggestedName: name, mime: r.mime, bytes: pdf.length, pages: countPdfPages(pdf) };
      }
      const text = getStore().export(req, format);
      const r = reports.add(format, name, new TextEncoder().encode(text));
      const cut = preview !== undefined && text.length > preview;
      return {
        id: r.id,
        format,
        text: cut ? text.slice(0, preview) : text,
        ...(cut ? { textTruncated: true } : {}),
        suggestedName: name,
        mime: r.mime,
        bytes: r.bytes.length,
      };
    },
    'report.save': async ({ id }) => {
      const r = builtReport(id);
      if (!ctx.saveReport) throw new ApiError('unavailable', 'the browser host saves reports by download: GET /reports/ID/NAME?download=1');
      const path = await ctx.saveReport(r);
      if (path) r.savedPath = path;
      return { path };
    },
    'report.open': async ({ id }) => {
      const r = builtReport(id);
      if (!ctx.openReport) throw new ApiError('unavailable', 'the browser host opens reports in a new tab: GET /reports/ID/NAME');
      return { path: await ctx.openReport(r) };
    },
    'image.close': ({ id }) => {
      for (const k of opened.keys()) if (k.startsWith(id)) return { closed: opened.delete(k) };
      return { closed: false };
    },
  };

  // Every contract method has a handler, and nothing else is reachable.
  for (const m of METHOD_NAMES) if (typeof handlers[m] !== 'function') throw new Error(`no handler for ${m}`);

  return {
    async dispatch(method, raw) {
      try {
        if (!isMethodName(method)) throw new ApiError('unknown-method', `no such method: ${String(method).slice(0, 100)}`);
        const args = parseArgs(method, raw);
        const fn = handlers[method] as (a: unknown) => unknown;
        return { ok: true, result: await fn(args) };
      } catch (e) {
        return { ok: false, error: toApiError(e, ctx.log) };
      }
    },
    report: (id) => reports.get(id),
    importFile: (path) =>
      inTurn(async () => {
        let bytes: Buffer;
        try {
          bytes = readFileSync(path);
        } catch {
          // Store.importFile words the read error (not-found / io).
          return getStore().importFile(path).image;
        }
        return (await importImage(bytes, {}, path, true)).image;
      }),
    async close() {
      if (poll) clearInterval(poll);
      opened.clear();
      folds = [];
      // Before the store closes: a stopped import repairs through it (onLost).
      await Promise.all([thread.close(), reads.close()]);
      store?.close();
      store = null;
    },
  };
}
