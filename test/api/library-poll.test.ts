/**
 * Views refresh when another process changes the library: the host polls
 * SQLite's data_version and emits library.changed (reason external) when
 * another connection committed, as `ckpt capture --store` from a shell does;
 * its own writes are announced as before, not twice as external.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import type { ApiEvent } from '../../src-shared/api/contract.js';
import { Store } from '../../src-main/store/index.js';
import { simBytes, T0 } from '../store/helpers.js';

let home: string;
let backend: Backend;
const events: ApiEvent[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const external = () => events.filter((e) => e.type === 'library.changed' && e.reason === 'external');

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-poll-'));
  backend = createBackend({ home, host: 'browser', emit: (e) => events.push(e), libraryPollMs: 40 });
});
afterAll(async () => {
  await backend.close();
  rmSync(home, { recursive: true, force: true });
});

describe('library changes by other processes', () => {
  it("are announced once the library is open here; the host's own imports are not taken for them", async () => {
    expect((await backend.dispatch('library.list', {})).ok).toBe(true);
    // The host's own import: announced as an import, and nothing external follows.
    const own = await backend.dispatch('library.import', {
      name: 'own.ckpt',
      data: Buffer.from(simBytes({ scenario: 'leaky', seed: 1, time: T0 })).toString('base64'),
    });
    expect(own.ok, JSON.stringify(own)).toBe(true);
    await sleep(300);
    expect(external()).toEqual([]);
    // Another connection (as another process would) imports: announced within a few polls.
    const other = Store.open(home);
    try {
      other.importBytes(simBytes({ scenario: 'leaky', seed: 2, time: T0 + 1 }), { label: 'from-a-shell' });
    } finally {
      other.close();
    }
    for (let i = 0; i < 100 && external().length === 0; i++) await sleep(20);
    expect(external()).toEqual([{ type: 'library.changed', reason: 'external', ids: [] }]);
    // Once: no change since, no more events.
    await sleep(300);
    expect(external()).toHaveLength(1);
    const list = await backend.dispatch('library.list', {});
    expect(list.ok && (list.result as { images: { label: string }[] }).images.map((i) => i.label)).toContain('from-a-shell');
  });
  it("what the host keeps of an image follows another process's change: an open image's label, a diff's", async () => {
    const list = await backend.dispatch('library.list', {});
    const [x, y] = (list.ok ? (list.result as { images: { id: string }[] }).images : []).map((i) => i.id);
    const open = async () =>
      ((await backend.dispatch('image.open', { id: x })) as { ok: true; result: { summary: { label: string } } }).result.summary.label;
    const diffA = async () =>
      (
        (await backend.dispatch('diff.view', { a: x, b: y, offset: 0, limit: 10 })) as {
          ok: true;
          result: { a: { id: string; label: string } };
        }
      ).result;
    await open();
    await diffA();
    const before = external().length;
    const other = Store.open(home);
    try {
      other.setLabel(x!, 'relabelled-elsewhere');
    } finally {
      other.close();
    }
    for (let i = 0; i < 100 && external().length === before; i++) await sleep(20);
    expect(external().length).toBe(before + 1);
    expect(await open()).toBe('relabelled-elsewhere');
    const d = await diffA();
    expect([d.a.id, d.a.label]).toEqual([x, 'relabelled-elsewhere']);
  });

  it('a listener that throws is logged, not thrown from the timer', async () => {
    const logged: string[] = [];
    const b = createBackend({
      home,
      host: 'browser',
      emit: () => {
        throw new Error('window gone');
      },
      libraryPollMs: 20,
      log: (l) => logged.push(l),
    });
    try {
      expect((await b.dispatch('library.list', {})).ok).toBe(true);
      const other = Store.open(home);
      try {
        other.importBytes(simBytes({ scenario: 'leaky', seed: 3, time: T0 + 2 }));
      } finally {
        other.close();
      }
      for (let i = 0; i < 100 && !logged.length; i++) await sleep(20);
      expect(logged).toContain('library.changed listener failed: window gone');
    } finally {
      await b.close();
    }
  });
});
