/**
 * Imports off the host's event loop (src-main/store/import-thread.ts),
 * through the API handlers on real libraries in temporary homes: while a
 * large import runs, other requests are answered; the worker gives the same
 * results and the same errors as an import on the host's thread; its rows
 * are visible to the host's connection by the time it resolves; and a host
 * closed mid-import leaves a whole library.
 *
 * Ordering, not timing: the import is held on SQLite's write lock by a
 * connection of the test's own (or caught mid-transaction by its temporary
 * file), so it cannot finish before the requests issued meanwhile.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_INLINE_MAX_BYTES, type ApiContext, type Backend } from '../../src-main/api/handlers.js';
import type { ApiEvent, Reply } from '../../src-shared/api/contract.js';
import type { CaptureResult, ImageSummary, LibraryList } from '../../src-shared/api/results.js';
import { Store } from '../../src-main/store/index.js';
import { simulate } from '../../src-main/sim/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { workerBackend } from './dispatch.js';

const dirs: string[] = [];
const backends: Backend[] = [];
function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'ckpt-import-worker-'));
  dirs.push(d);
  return d;
}
function backend(h: string, extra: Partial<ApiContext> = {}, events: ApiEvent[] = []): Backend {
  const b = workerBackend({ home: h, host: 'browser', emit: (e) => events.push(e), ...extra });
  backends.push(b);
  return b;
}
async function ok<T>(p: Promise<Reply<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.result as T;
}
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const turn = () => new Promise<void>((r) => setImmediate(r));
/** Summary fields that differ between two libraries by when, not what, was imported. */
const same = ({ importedTime: _t, ...rest }: ImageSummary) => rest;

let big: Buffer;
let big2: Buffer;
let bigFds: number;
beforeAll(() => {
  // ~150,000 fds, ~9 MB: far above the in-thread limit, and long enough to import that a close lands mid-ingest.
  const snap = simulate({ scenario: 'large', seed: 1, processes: 150, fds: 1000 });
  bigFds = snap.fdTables.reduce((n, t) => n + t.fds.length, 0);
  big = encodeSnapshot(snap);
  big2 = encodeSnapshot(simulate({ scenario: 'large', seed: 2, processes: 150, fds: 1000 }));
  expect(big.length).toBeGreaterThan(IMPORT_INLINE_MAX_BYTES);
});
afterAll(async () => {
  for (const b of backends) await b.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Holds the library's write lock from a connection of the test's own until release(). */
function holdWriteLock(h: string): { release(): void } {
  const db = new Database(join(h, 'library.db'));
  db.pragma('busy_timeout = 30000');
  db.prepare('BEGIN IMMEDIATE').run();
  return {
    release() {
      db.prepare('ROLLBACK').run();
      db.close();
    },
  };
}

describe('a large import runs off the event loop', () => {
  it('library.list and app.info answer while library.import waits on the write lock; then the rows are there', async () => {
    const h = home();
    let ro: Store | null = null;
    const seenAtEvent: boolean[] = [];
    const b = backend(h, {
      // The event leaves only once the image is visible to any connection.
      emit: (e) => {
        if (e.type === 'library.changed') seenAtEvent.push(!!ro?.listImages().some((i) => e.ids.includes(i.id)));
      },
    });
    // The host opens the library first (as it does on its first request).
    expect((await ok<LibraryList>(b.dispatch('library.list', {}))).images).toEqual([]);
    ro = Store.open(h, { readonly: true });
    const lock = holdWriteLock(h);
    let settled = false;
    const imp = b.dispatch('library.import', { name: 'fleet.ckpt', data: b64(big) }).finally(() => (settled = true));
    // Several turns of the event loop: an import on this thread would have
    // blocked in SQLite's busy handler during the first, and failed.
    for (let i = 0; i < 5; i++) {
      await turn();
      const list = await ok<LibraryList>(b.dispatch('library.list', {}));
      const info = await ok<{ host: string }>(b.dispatch('app.info', {}));
      expect(list.images).toEqual([]);
      expect(info.host).toBe('browser');
      expect(settled).toBe(false);
    }
    lock.release();
    const image = await ok<ImageSummary>(imp);
    expect(image.label).toBe('fleet');
    expect(image.fdCount).toBe(bigFds);
    // Visible through the host's own connection, and to every query.
    const list = await ok<LibraryList>(b.dispatch('library.list', {}));
    expect(list.images.map((i) => i.id)).toEqual([image.id]);
    const hits = await ok<{ hitCount: number }>(b.dispatch('search.run', { query: 'kind:pipe', limit: 5 }));
    expect(hits.hitCount).toBe(5);
    expect(seenAtEvent).toEqual([true]);
    expect(readdirSync(join(h, 'tmp'))).toEqual([]);
    ro.close();
  });

  it('capture.run: progress events and app.info keep flowing while its import waits on the write lock', async () => {
    const h = home();
    const events: ApiEvent[] = [];
    const b = backend(h, {}, events);
    await ok(b.dispatch('library.list', {}));
    const lock = holdWriteLock(h);
    let settled = false;
    const cap = b
      .dispatch('capture.run', {
        source: 'sim',
        scenario: 'large',
        seed: 1,
        processes: 150,
        fds: 1000,
        label: 'fleet run',
        captureId: 'big',
      })
      .finally(() => (settled = true));
    const phases = () => events.flatMap((e) => (e.type === 'capture.progress' && e.captureId === 'big' ? [e.phase] : []));
    // Until the import step has begun (simulate and encode hold the loop, by design).
    while (!phases().includes('import')) await turn();
    for (let i = 0; i < 5; i++) {
      await turn();
      expect((await ok<{ host: string }>(b.dispatch('app.info', {}))).host).toBe('browser');
      expect(settled).toBe(false);
    }
    expect(phases()).toEqual(['simulate', 'encode', 'import']);
    lock.release();
    const r = await ok<CaptureResult>(cap);
    expect(phases()).toEqual(['simulate', 'encode', 'import', 'done']);
    expect(r.image.label).toBe('fleet run');
    expect(r.image.fdCount).toBe(bigFds);
    const list = await ok<LibraryList>(b.dispatch('library.list', {}));
    expect(list.images.map((i) => [i.id, i.label])).toEqual([[r.image.id, 'fleet run']]);
  });
});

describe('the worker and the host thread import alike', () => {
  // Every image through the worker in one library, in-thread in the other.
  let w: Backend;
  let t: Backend;
  beforeAll(() => {
    w = backend(home(), { importInlineMaxBytes: 0 });
    t = backend(home(), { importInlineMaxBytes: Infinity });
  });
  const both = async (method: string, args: unknown) => {
    const [a, b] = [await w.dispatch(method, args), await t.dispatch(method, args)];
    return [a, b] as const;
  };
  const small = encodeSnapshot(simulate({ scenario: 'web-server', seed: 5 }));

  it('imports, labels from the file name, and reports a duplicate as the same image', async () => {
    for (const name of ['web.ckpt', 'again.ckpt']) {
      const [a, b] = await both('library.import', { name, data: b64(small) });
      expect(a.ok && b.ok).toBe(true);
      expect(same((a as { result: ImageSummary }).result)).toEqual(same((b as { result: ImageSummary }).result));
      // The second import is a duplicate: it keeps the first label.
      expect((a as { result: ImageSummary }).result.label).toBe('web');
    }
    const [la, lb] = await both('library.list', {});
    expect((la as { result: LibraryList }).result.images.map(same)).toEqual((lb as { result: LibraryList }).result.images.map(same));
    expect((la as { result: LibraryList }).result.total).toBe(1);
  });

  it('refuses corrupt, truncated and foreign bytes with the same error, naming the file, and stores nothing', async () => {
    const flipped = Buffer.from(small);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x5a;
    const cases = {
      'flipped.ckpt': flipped,
      'short.ckpt': small.subarray(0, small.length - 40),
      'notes.ckpt': Buffer.from('not a checkpoint image at all\n'.repeat(100)),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const [a, b] = await both('library.import', { name, data: b64(bytes) });
      expect(a.ok || b.ok).toBe(false);
      expect(a).toEqual(b);
      expect((a as { error: { message: string } }).error.message.startsWith(`${name}: `)).toBe(true);
      expect((a as { error: { code: string } }).error.code).toBe('image-error');
    }
    const [la, lb] = await both('library.list', {});
    expect((la as { result: LibraryList }).result.total).toBe(1);
    expect((lb as { result: LibraryList }).result.total).toBe(1);
  });

  it('an empty file is refused before any import', async () => {
    const [a, b] = await both('library.import', { name: 'empty.ckpt', data: '' });
    expect(a).toEqual(b);
    expect(a.ok).toBe(false);
  });

  it('loads the better-sqlite3 addon it is told to (the Electron host names its own build)', async () => {
    const binding = join(
      createRequire(import.meta.url).resolve('better-sqlite3/package.json'),
      '..',
      'build',
      'Release',
      'better_sqlite3.node',
    );
    expect(existsSync(binding)).toBe(true);
    const b = backend(home(), { importInlineMaxBytes: 0, nativeBinding: binding });
    const img = await ok<ImageSummary>(b.dispatch('library.import', { name: 'web.ckpt', data: b64(small) }));
    expect(img.label).toBe('web');
  });
});

describe('closing the host mid-import', () => {
  it('leaves the library whole: the image entirely or not at all, no temporary file, and usable', async () => {
    const h = home();
    const b = backend(h);
    await ok(b.dispatch('library.list', {}));
    let settled = false;
    const imp = b.dispatch('library.import', { name: 'fleet2.ckpt', data: b64(big2) }).finally(() => (settled = true));
    // Its temporary copy appears inside the transaction, after decoding and before the index rows.
    const tmp = join(h, 'tmp');
    while (!settled && readdirSync(tmp).length === 0) await turn();
    expect(settled).toBe(false);
    await b.close();
    const r = await imp;
    const st = Store.open(h);
    try {
      const images = st.listImages();
      if (r.ok) {
        // It committed before the stop reached it: then it is whole.
        expect(images.map((i) => i.fdCount)).toEqual([bigFds]);
      } else {
        expect(r.error.message).toBe('fleet2.ckpt: import stopped, nothing stored: the library was closed');
        expect(images).toEqual([]);
        expect(st.db.prepare('SELECT count(*) FROM fds').pluck().get()).toBe(0);
        expect(st.db.prepare('SELECT count(*) FROM tasks').pluck().get()).toBe(0);
      }
      expect(readdirSync(tmp)).toEqual([]);
      expect(st.verifyAll().problems).toEqual([]);
      // The write lock went with the worker: a new import goes through.
      expect(st.importBytes(big).duplicate).toBe(false);
    } finally {
      st.close();
    }
  });
});
