/**
 * search.holders off the host's event loop (src-main/store/read-thread.ts),
 * through the API handlers on a real library big enough that a broad query
 * takes a good part of a second: while it runs, the library list keeps
 * being answered; the worker's result is Store.holders' own; its errors are
 * the ones the synchronous call gives; concurrent calls get their own
 * answers; and closing the host stops a call in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLDERS_INLINE_MAX_FDS, type ApiContext, type Backend } from '../../src-main/api/handlers.js';
import type { Reply } from '../../src-shared/api/contract.js';
import type { HoldersResult } from '../../src-shared/store-types.js';
import { Store } from '../../src-main/store/index.js';
import { holdersPage } from '../../src-main/query/holders.js';
import { SEARCH_HOLDERS_FIRST } from '../../src-shared/api/methods.js';
import { simBytes, T0 } from '../store/helpers.js';
import { workerBackend } from './dispatch.js';

const BROAD = 'kind:regular';
let home: string;
const backends: Backend[] = [];
/** Store.holders(BROAD) on this thread, and how long it took. */
let expected: HoldersResult;
let syncMs: number;
let libraryFds = 0;

function backend(extra: Partial<ApiContext> = {}): Backend {
  const b = workerBackend({ home, host: 'browser', emit: () => undefined, ...extra });
  backends.push(b);
  return b;
}
/** What differs between two runs of the same read: how long it took. */
const same = (r: Reply<unknown>) => (r.ok ? { ok: true, result: { ...(r.result as HoldersResult), elapsedMs: 0 } } : r);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-holders-worker-'));
  const s = Store.open(home);
  try {
    // Two captures of the large simulation, 150 processes x 1000 fds each: ~300,000 fds.
    for (const [seed, dt] of [
      [1, 0],
      [2, 60_000],
    ] as const)
      libraryFds += s.importBytes(simBytes({ scenario: 'large', seed, processes: 150, fds: 1000, time: T0 + dt })).image.fdCount;
    const t = performance.now();
    expected = s.holders(BROAD);
    syncMs = performance.now() - t;
  } finally {
    s.close();
  }
}, 60_000);
afterAll(async () => {
  for (const b of backends) await b.close();
  rmSync(home, { recursive: true, force: true });
});

describe('search.holders on the read worker', () => {
  it('the library is past the in-thread bound, and holders takes long enough to matter', () => {
    expect(libraryFds).toBeGreaterThan(HOLDERS_INLINE_MAX_FDS);
    expect(expected.holders.length).toBeGreaterThan(0);
    expect(syncMs).toBeGreaterThanOrEqual(300);
  });

  it('keeps the host answering while a broad query runs, and gives Store.holders its own result', async () => {
    const b = backend();
    await b.dispatch('library.list', {}); // the store opened, as a host's first call does
    let done = false;
    const t0 = performance.now();
    // A request due every 5 ms, each timed from when it was due: a fold on
    // this thread would show as one long wait.
    let due = performance.now() + 5;
    const running = b.dispatch('search.holders', { query: BROAD }).finally(() => (done = true));
    const answers: number[] = [];
    let worst = 0;
    while (!done) {
      await sleep(Math.max(0, due - performance.now()));
      const r = await b.dispatch('library.list', {});
      expect(r.ok).toBe(true);
      const ms = performance.now() - due;
      worst = Math.max(worst, ms);
      answers.push(ms);
      due = performance.now() + 5;
    }
    const reply = await running;
    const took = performance.now() - t0;
    console.log(
      `holders(${BROAD}) over ~300,000 fds: ${Math.round(syncMs)} ms in-thread; on the worker ${Math.round(took)} ms, ` +
        `${answers.length} library.list answered meanwhile, slowest ${worst.toFixed(1)} ms`,
    );
    expect(reply.ok).toBe(true);
    // The first page of that fold, with the total.
    expect(same(reply)).toEqual(same({ ok: true, result: holdersPage(expected, 0, SEARCH_HOLDERS_FIRST) }));
    // Answered all along: many calls, none held up behind the fold. On this
    // thread one list would wait the whole fold (syncMs, measured in the same
    // run, so a loaded machine slows both alike).
    expect(answers.length).toBeGreaterThanOrEqual(5);
    expect(worst).toBeLessThan(syncMs / 2);
  }, 20_000);

  it('answers errors as the synchronous call does: QueryError offsets, StoreError codes', async () => {
    const worker = backend();
    const inline = backend({ holdersInlineMaxFds: Number.POSITIVE_INFINITY });
    for (const query of ['deleted:yes kind:nosuchkind pipe', 'app.log "unterminated', 'kind:', 'nosuchfield:x', 'image:nosuchimage']) {
      const [a, b] = [await worker.dispatch('search.holders', { query }), await inline.dispatch('search.holders', { query })];
      expect(same(a), query).toEqual(same(b));
    }
    const e = await worker.dispatch('search.holders', { query: 'deleted:yes kind:nosuchkind pipe' });
    expect(e.ok ? null : e.error).toEqual({
      code: 'bad-argument',
      message: expect.any(String),
      details: { code: 'query-bad-value', start: 17, end: 27, token: 'nosuchkind' },
    });
  }, 20_000);

  it('gives concurrent calls each their own answer', async () => {
    const b = backend();
    const queries = [BROAD, 'pid:1000-1040 kind:regular', 'kind:socket', BROAD];
    const s = Store.open(home, { readonly: true });
    const want = queries.map((q) => s.holders(q, { limit: SEARCH_HOLDERS_FIRST }));
    s.close();
    const got = await Promise.all(queries.map((query) => b.dispatch('search.holders', { query })));
    got.forEach((r, i) => expect(same(r), queries[i]).toEqual(same({ ok: true, result: want[i]! })));
  }, 20_000);

  it("close() stops a call in flight: it answers the store's closed error, and close does not wait for the fold", async () => {
    const b = backend();
    expect((await b.dispatch('search.holders', { query: 'pid:1' })).ok).toBe(true); // the worker started
    const running = b.dispatch('search.holders', { query: BROAD });
    await sleep(syncMs / 3);
    const t = performance.now();
    await b.close();
    expect(performance.now() - t).toBeLessThan(syncMs);
    const r = await running;
    expect(r.ok ? null : r.error).toEqual({ code: 'store-error', message: 'the library is closed', details: { code: 'closed' } });
  }, 20_000);
});
