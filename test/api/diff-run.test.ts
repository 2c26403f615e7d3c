/**
 * A diff crossing a host: the store's diff is a LazyDiff whose details are a
 * getter on its prototype, which Electron's structured clone would drop (and
 * whose packs it would copy). What diff.run and diff.view send must arrive
 * whole through structured clone (Electron) and JSON (the browser host), and
 * the Diff view's kept diffs must not outlive a deleted image.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import type { DiffView, ImageSummary } from '../../src-shared/api/results.js';
import type { DiffResult } from '../../src-shared/store-types.js';
import { Store } from '../../src-main/store/index.js';
import { simBytes, T0 } from '../store/helpers.js';

let home: string;
let backend: Backend;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-diff-run-'));
  backend = createBackend({ home, host: 'electron', emit: () => undefined, log: () => undefined, libraryPollMs: 0 });
});
afterAll(async () => {
  await backend.close();
  rmSync(home, { recursive: true, force: true });
});

async function result<T>(method: string, args: unknown): Promise<T> {
  const r = await backend.dispatch(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.result as T;
}

const importSim = (scenario: string, seed: number, time: number, extra: object = {}) =>
  result<ImageSummary>('library.import', {
    name: `${scenario}-${seed}.ckpt`,
    data: Buffer.from(simBytes({ scenario, seed, time, ...extra })).toString('base64'),
  });

/** The diff as the store builds it, every detail read, as plain data. */
function storeDiff(a: string, b: string): DiffResult {
  const s = Store.open(home);
  try {
    return JSON.parse(JSON.stringify(s.diff(a, b))) as DiffResult;
  } finally {
    s.close();
  }
}
const noTime = (d: DiffResult) => ({ ...d, elapsedMs: 0 });

describe('a diff through a host', () => {
  it('diff.run arrives whole through structured clone and through JSON', async () => {
    const a = await importSim('large', 1, T0, { processes: 4, fds: 20 });
    const b = await importSim('large', 2, T0 + 1, { processes: 4, fds: 20 });
    const sent = await result<DiffResult>('diff.run', { a: a.id, b: b.id });
    expect(Object.getPrototypeOf(sent)).toBe(Object.prototype);
    // Nothing of the lazy diff's insides (its packs) goes over ipc.
    expect(Object.keys(sent).sort()).toEqual(
      ['a', 'b', 'elapsedMs', 'limits', 'matching', 'summary', 'tables', 'tasks', 'appeared', 'vanished'].sort(),
    );
    const want = noTime(storeDiff(a.id, b.id));
    expect(want.tasks.length).toBe(want.summary.tasksChanged);
    expect(want.tasks.length).toBeGreaterThan(1);
    const cloned = structuredClone(sent);
    expect(noTime(cloned)).toEqual(want);
    expect(noTime(JSON.parse(JSON.stringify(sent)) as DiffResult)).toEqual(want);
  });

  it("diff.view pages arrive whole through structured clone; a deleted image's kept diff is not served, a re-imported one is diffed again", async () => {
    const a = await importSim('leaky', 1, T0 + 10, { step: 2 });
    const b = await importSim('leaky', 1, T0 + 11, { step: 6 });
    const args = { a: a.id, b: b.id, offset: 0, limit: 5000 };
    const v = await result<DiffView>('diff.view', args);
    expect(v.rows.length).toBe(v.total);
    expect(v.rows.some((r) => r.type === 'fd')).toBe(true);
    expect(structuredClone(v)).toEqual(v);
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    const deleted = await backend.dispatch('library.delete', { ids: [b.id] });
    expect(deleted.ok).toBe(true);
    const gone = await backend.dispatch('diff.view', args);
    expect(gone.ok ? 'served' : gone.error.code).toBe('not-found');
    // Imported again (the same bytes, the same id): diffed again, the same rows, its new summary.
    const again = await importSim('leaky', 1, T0 + 11, { step: 6 });
    expect(again.id).toBe(b.id);
    const back = await result<DiffView>('diff.view', args);
    expect(back.rows).toEqual(v.rows);
    expect(back.b).toEqual(again);
  });
});
