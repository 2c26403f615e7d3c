/**
 * "Who holds it" on a query that matches thousands of fds: a process that
 * dup()ed a listening socket 2,500 times, captured, then forked and captured
 * again (5,002 holders of kind:inet-socket). search.holders answers the
 * total and the first SEARCH_HOLDERS_FIRST, and pages through the rest in
 * the order the whole list had; the CLI prints the total and a note; the
 * export stays whole.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import { Store } from '../../src-main/store/index.js';
import { SEARCH_HOLDERS_FIRST } from '../../src-shared/api/methods.js';
import type { ImageSummary } from '../../src-shared/api/results.js';
import type { Holder, HoldersResult } from '../../src-shared/store-types.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { stdNull, tcpListen } from '../../src-main/sim/common.js';
import { simHeader, T0 } from '../store/helpers.js';
import { ckpt } from '../cli/run.js';
import { dispatcher } from './dispatch.js';

const DUPS = 2500;
const Q = 'kind:inet-socket';

/** The leak before the fork (fork: false) and after it. */
function leak(fork: boolean, time: number): Uint8Array {
  const b = newBuilder('leak', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
  stdNull(app); // 0-2
  const sock = tcpListen(app, '127.0.0.1', 8080, 4); // 3
  for (let i = 0; i < DUPS; i++) app.dup(sock);
  if (fork) app.fork({ pid: 200, comm: 'child', cmdline: ['child'] });
  return encodeSnapshot(b.snapshot(simHeader(time)));
}

let home: string;
let backend: Backend;
const { call, fail } = dispatcher(() => backend, { asJson: true });
/** Every holder, as search.holders sent them before it was paged (Store.holders without offset or limit), through JSON. */
let whole: HoldersResult;

const brief = (h: Holder) => `${h.pid}:${h.fd}:${h.images}:${h.now}`;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-holders-pages-'));
  backend = createBackend({ home, host: 'browser', emit: () => undefined, log: () => undefined });
  for (const [fork, t] of [
    [false, T0],
    [true, T0 + 60_000],
  ] as const)
    await call<ImageSummary>('library.import', { name: `leak-${String(fork)}.ckpt`, data: Buffer.from(leak(fork, t)).toString('base64') });
  const s = Store.open(home);
  try {
    whole = JSON.parse(JSON.stringify(s.holders(Q))) as HoldersResult;
  } finally {
    s.close();
  }
});
afterAll(async () => {
  await backend.close();
  rmSync(home, { recursive: true, force: true });
});

describe('search.holders of a socket held by thousands of fds', () => {
  it('the whole list: every dup in both processes, held now, the parent since the first image', () => {
    expect(whole.total).toBe(2 * (DUPS + 1));
    expect(whole.holders).toHaveLength(whole.total);
    expect(whole.offset).toBe(0);
    expect(whole.more).toBe(false);
    // Held now first, longest held first: the parent's fds (two images), then the child's (one).
    expect(whole.holders[0]).toMatchObject({ pid: 100, fd: 3, images: 2, now: true });
    expect(whole.holders[DUPS + 1]).toMatchObject({ pid: 200, fd: 3, images: 1, now: true });
    expect(whole.holders.at(-1)).toMatchObject({ pid: 200, fd: DUPS + 3 });
  });

  it('answers the total and the first SEARCH_HOLDERS_FIRST, saying more exist', async () => {
    const r = await call<HoldersResult>('search.holders', { query: Q });
    expect(r.total).toBe(whole.total);
    expect(r.offset).toBe(0);
    expect(r.more).toBe(true);
    expect(r.holders).toHaveLength(SEARCH_HOLDERS_FIRST);
    expect(r.holders).toEqual(whole.holders.slice(0, SEARCH_HOLDERS_FIRST));
    expect(r.imagesCovered).toBe(2);
    expect(r.normalized).toBe(whole.normalized);
  });

  it('pages reassemble exactly the whole list, a page ending between the two processes', async () => {
    const got: Holder[] = [];
    for (let offset = 0; offset < whole.total; offset += 777) {
      const p = await call<HoldersResult>('search.holders', { query: Q, offset, limit: 777 });
      expect(p.total).toBe(whole.total);
      expect(p.offset).toBe(offset);
      expect(p.more).toBe(offset + 777 < whole.total);
      got.push(...p.holders);
    }
    expect(got.map(brief)).toEqual(whole.holders.map(brief));
    expect(got).toEqual(whole.holders);
    const past = await call<HoldersResult>('search.holders', { query: Q, offset: whole.total + 10, limit: 5 });
    expect(past).toMatchObject({ total: whole.total, offset: whole.total + 10, more: false, holders: [] });
  });

  it('a query with few holders is whole in one answer', async () => {
    const r = await call<HoldersResult>('search.holders', { query: 'kind:chardev' });
    expect(r.total).toBe(6); // /dev/null on 0-2, in 100 and in 200
    expect(r.holders).toHaveLength(6);
    expect(r.more).toBe(false);
  });

  it('refuses a bad offset or limit', async () => {
    for (const args of [
      { query: Q, offset: -1 },
      { query: Q, offset: 1.5 },
      { query: Q, offset: '10' },
      { query: Q, limit: 0 },
      { query: Q, limit: 5001 },
      { query: Q, limit: 2.5 },
      { query: Q, offset: 0, limit: 10, page: 2 },
    ])
      expect((await fail('search.holders', args)).code).toBe('bad-argument');
    const s = Store.open(home);
    try {
      expect(() => s.holders(Q, { offset: -1 })).toThrow(/holders offset must be an integer/);
      expect(() => s.holders(Q, { limit: 0 })).toThrow(/holders limit must be an integer/);
    } finally {
      s.close();
    }
  });

  it('a page after the library changed is of the library as it is now, not of the fold kept', async () => {
    const before = await call<HoldersResult>('search.holders', { query: Q, offset: 0, limit: 10 });
    expect(before.total).toBe(whole.total);
    // A third capture, by another connection (as the CLI's would be): the child has closed every dup.
    const b = newBuilder('leak', 1);
    const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
    stdNull(app);
    tcpListen(app, '127.0.0.1', 8080, 4);
    const s = Store.open(home);
    try {
      s.importBytes(encodeSnapshot(b.snapshot(simHeader(T0 + 120_000))));
    } finally {
      s.close();
    }
    const after = await call<HoldersResult>('search.holders', { query: Q, offset: 0, limit: 10 });
    // The parent's dups are gone from the newest image; 200 was not captured there either.
    expect(after.imagesCovered).toBe(3);
    expect(after.total).toBe(whole.total);
    expect(after.holders[0]).toMatchObject({ pid: 100, fd: 3, images: 3, now: true });
    // Then the child's (not captured since: still held), then the parent's closed dups.
    expect(after.holders[1]).toMatchObject({ pid: 200, fd: 3, now: true });
    const closed = await call<HoldersResult>('search.holders', { query: Q, offset: DUPS + 2, limit: 10 });
    expect(closed.holders[0]).toMatchObject({ pid: 100, fd: 4, images: 2, now: false });
  });
});

describe('ckpt search --holders of thousands of holders', () => {
  it('prints the total and the first 1000 with a note, --json carrying the total; --limit and --offset page', () => {
    // The library as the API tests left it, three images; the holders list of the first two is what they paged.
    const r = ckpt(['search', '--holders', `${Q}`, 'time:..' + String(T0 + 60_000), '--home', home]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^5002 holder\(s\) of kind:inet-socket .* across 2 image\(s\) up to /);
    expect(lines[1]).toBe('holders 1-1000 of 5002 shown (more exist; narrow the query or raise --limit)');
    expect(lines).toHaveLength(4 + 1000);

    const j = ckpt(['search', '--holders', Q, 'time:..' + String(T0 + 60_000), '--json', '--home', home]);
    expect(j.code, j.err).toBe(0);
    const jr = JSON.parse(j.out) as HoldersResult;
    expect([jr.total, jr.offset, jr.more, jr.holders.length]).toEqual([5002, 0, true, 1000]);
    expect(jr.holders.map(brief)).toEqual(whole.holders.slice(0, 1000).map(brief));

    const all = ckpt(['search', '--holders', Q, 'time:..' + String(T0 + 60_000), '--limit', '1000000', '--json', '--home', home]);
    const ar = JSON.parse(all.out) as HoldersResult;
    expect([ar.total, ar.more]).toEqual([5002, false]);
    expect(ar.holders.map(brief)).toEqual(whole.holders.map(brief));
    const allText = ckpt(['search', '--holders', Q, 'time:..' + String(T0 + 60_000), '--limit', '6000', '--home', home]);
    expect(allText.out).not.toContain('more exist');
    expect(allText.out.trimEnd().split('\n')).toHaveLength(3 + 5002);

    const tail = ckpt(['search', '--holders', Q, 'time:..' + String(T0 + 60_000), '--offset', '5000', '--limit', '10', '--home', home]);
    expect(tail.code, tail.err).toBe(0);
    const tl = tail.out.trimEnd().split('\n');
    expect(tl[1]).toBe('holders 5001-5002 of 5002 shown');
    expect(tl.slice(4).map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([`200 child ${DUPS + 2}`, `200 child ${DUPS + 3}`]);
  });

  it('export holders stays whole: every holder, the total in its facts', () => {
    const out = join(home, 'holders.json');
    const r = ckpt(['export', 'holders', Q, 'time:..' + String(T0 + 60_000), '-o', out, '--home', home]);
    expect(r.code, r.err).toBe(0);
    const h = JSON.parse(readFileSync(out, 'utf8')) as HoldersResult;
    expect([h.total, h.offset, h.more, h.holders.length]).toEqual([5002, 0, false, 5002]);
    const md = ckpt(['export', 'holders', Q, 'time:..' + String(T0 + 60_000), '--format', 'md', '-o', '-', '--home', home]);
    expect(md.code, md.err).toBe(0);
    expect(md.out).toContain('5002 across 2 images covered');
    expect(md.out).not.toContain('this report lists');
  });
});
