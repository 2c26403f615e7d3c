/**
 * search.holders through the API as the browser host serves it: a real
 * store holding the `leaky` series (steps 1-4) and the `everything`
 * simulation, results passed through JSON, the expected holders worked out
 * from what the scenario opens at each step, and the errors a careless or
 * hostile caller gets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import { Store } from '../../src-main/store/index.js';
import type { CaptureResult } from '../../src-shared/api/results.js';
import type { HoldersResult, SearchResult } from '../../src-shared/store-types.js';
import { dispatcher } from './dispatch.js';

let home: string;
let backend: Backend;
const { call, fail } = dispatcher(() => backend, { asJson: true });
const raw = dispatcher(() => backend);
/** The images by label: leak 1 to leak 4, then kitchen, captured in that order. */
const cap: Record<string, CaptureResult['image']> = {};

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-api-holders-'));
  backend = createBackend({ home, host: 'browser', emit: () => undefined, log: () => undefined });
  const capture = async (args: object, label: string) => {
    cap[label] = (await call<CaptureResult>('capture.run', { source: 'sim', ...args, label })).image;
    // Distinct capture times: since/until and "now" are about capture order.
    await new Promise((ok) => setTimeout(ok, 5));
  };
  for (const step of [1, 2, 3, 4]) await capture({ scenario: 'leaky', step }, `leak ${step}`);
  await capture({ scenario: 'everything' }, 'kitchen');
});
afterAll(async () => {
  await backend.close();
  rmSync(home, { recursive: true, force: true });
});

/**
 * What leaky-svc (pid 5000) holds of /var/log/leaky/app.log*: app.log on fd 6
 * from step 1; step k opens app.log.k after three leaked connections, on fd
 * 6 + 4k; each app.log.k but the newest is deleted by the rotation.
 */
function expectedLogHolders(now: boolean) {
  return [0, 1, 2, 3, 4].map((k) => {
    const since = cap[`leak ${Math.max(1, k)}`]!;
    const name = k === 0 ? '/var/log/leaky/app.log' : `/var/log/leaky/app.log.${k}`;
    return {
      pid: 5000,
      comm: 'leaky-svc',
      fd: k === 0 ? 6 : 6 + 4 * k,
      firstSeen: since.captureTime,
      lastSeen: cap['leak 4']!.captureTime,
      images: 4 - Math.max(1, k) + 1,
      gaps: 0,
      now,
      lastImage: cap['leak 4']!.id,
      // As it reads in leak 4, the last image it was held in.
      target: k >= 1 && k <= 3 ? `${name} (deleted)` : name,
    };
  });
}
const pick = (r: HoldersResult) =>
  r.holders.map((h) => ({
    pid: h.pid,
    comm: h.comm,
    fd: h.fd,
    firstSeen: h.firstSeen,
    lastSeen: h.lastSeen,
    images: h.images,
    gaps: h.gaps,
    now: h.now,
    lastImage: h.lastImage,
    target: h.target,
  }));

describe('search.holders', () => {
  it('folds the leaky series: each log file since the step that opened it, held now in the newest image the query covers', async () => {
    const r = await call<HoldersResult>('search.holders', { query: '/var/log/leaky/app.log -label:kitchen' });
    expect(r.imagesCovered).toBe(4);
    expect(r.newest).toBe(cap['leak 4']!.captureTime);
    expect(r.truncated).toBe(false);
    // Sorted as the store sorts: held now first, longest held first, then by fd.
    expect(pick(r)).toEqual(expectedLogHolders(true));
  });

  it('"now" is not ended by a newer image of other processes (kitchen): nothing since looked at the series\' holders', async () => {
    const r = await call<HoldersResult>('search.holders', { query: '/var/log/leaky/app.log' });
    expect(r.imagesCovered).toBe(5);
    expect(r.newest).toBe(cap.kitchen!.captureTime);
    expect(pick(r)).toEqual(expectedLogHolders(true));
  });

  it('exports as a report through report.export, as the Search view does in this mode', async () => {
    const r = await call<{ text: string; suggestedName: string }>('report.export', {
      request: { what: 'holders', query: '/var/log/leaky/app.log' },
      format: 'md',
    });
    expect(r.suggestedName).toBe('holders.md');
    expect(r.text).toContain('# Who holds it: /var/log/leaky/app.log');
    expect(r.text).toContain('| pid | comm | fd | kind | since | until | images | gaps | target |');
  });

  it("is the store's answer, unchanged by the trip through JSON (a name that is not UTF-8 included)", async () => {
    const st = Store.open(home);
    try {
      for (const query of ['/var/log/leaky/app.log', 'evil', 'kind:inet-socket']) {
        const viaApi = await call<HoldersResult>('search.holders', { query });
        const direct = st.holders(query);
        expect({ ...viaApi, elapsedMs: 0 }).toEqual({ ...direct, elapsedMs: 0 });
        expect(viaApi.holders.length).toBeGreaterThan(0);
      }
    } finally {
      st.close();
    }
    // The hostile name keeps its bytes ({text, hex}) and reads as the hit list reads it.
    const h = (await call<HoldersResult>('search.holders', { query: 'evil' })).holders;
    const s = await call<SearchResult>('search.run', { query: 'evil' });
    const hit = s.groups[0]!.hits[0]!;
    expect(h).toHaveLength(1);
    expect(typeof h[0]!.path).toBe('object');
    expect(h[0]).toMatchObject({
      pid: 6000,
      fd: hit.fd,
      path: hit.path,
      target: hit.target,
      lastImage: cap.kitchen!.id,
      now: true,
      images: 1,
    });
  });

  it("a query that does not parse is bad-argument with the failing token's offsets, as search.run answers it", async () => {
    for (const query of ['deleted:yes kind:nosuchkind pipe', 'app.log "unterminated', 'kind:']) {
      const e = await fail('search.holders', { query });
      expect(e.code).toBe('bad-argument');
      expect(e).toEqual(await fail('search.run', { query }));
      const d = e.details as { start: number; end: number; token: string; code: string };
      expect(query.slice(d.start, d.end)).toBe(d.token);
    }
    expect((await fail('search.holders', { query: 'deleted:yes kind:nosuchkind pipe' })).details).toEqual({
      code: 'query-bad-value',
      start: 17,
      end: 27,
      token: 'nosuchkind',
    });
  });

  it('refuses bad arguments, with the same query bounds as search.run', async () => {
    const cases: unknown[] = [
      {},
      null,
      'app.log',
      { query: '' },
      { query: 42 },
      { query: 'x'.repeat(4001) },
      { query: 'x', limit: 0 },
      { query: 'x', limit: 5001 },
      { query: 'x', offset: -1 },
      { query: 'x', maxHits: 5 },
    ];
    for (const a of cases) {
      const e = await raw.fail('search.holders', a);
      expect(e.code, JSON.stringify(a)?.slice(0, 60)).toBe('bad-argument');
      expect(e.message).toContain('search.holders');
    }
    for (const query of ['', 'x'.repeat(4001)]) expect((await raw.fail('search.run', { query })).code).toBe('bad-argument');
    // The longest query either accepts.
    const longest = await call<HoldersResult>('search.holders', { query: 'x'.repeat(4000) });
    expect(longest.holders).toEqual([]);
    expect(longest.imagesCovered).toBe(5);
  });
});
