/**
 * search.holders keeps its last folds for the pages after the first, but a
 * new search (offset 0) folds afresh: a query with a relative time
 * (after:1m) is of the time it is asked, not of when it was first asked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackend, type Backend } from '../../src-main/api/handlers.js';
import type { ImageSummary } from '../../src-shared/api/results.js';
import type { HoldersResult } from '../../src-shared/store-types.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { stdNull, tcpListen } from '../../src-main/sim/common.js';
import { simHeader } from '../store/helpers.js';
import { dispatcher } from './dispatch.js';

let home: string;
let backend: Backend;
const { call } = dispatcher(() => backend, { asJson: true });

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-holders-fresh-'));
  backend = createBackend({ home, host: 'browser', emit: () => undefined, log: () => undefined });
  const b = newBuilder('fresh', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
  stdNull(app);
  tcpListen(app, '127.0.0.1', 8080, 4);
  const data = Buffer.from(encodeSnapshot(b.snapshot(simHeader(Date.now() - 30_000)))).toString('base64');
  await call<ImageSummary>('library.import', { name: 'fresh.ckpt', data });
});
afterAll(async () => {
  vi.useRealTimers();
  await backend?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('search.holders with a relative time', () => {
  it('a new search is of now: the same query ten minutes later finds nothing after:1m', async () => {
    const q = { query: 'kind:inet-socket after:1m' };
    expect((await call<HoldersResult>('search.holders', q)).total).toBe(1);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 });
    expect((await call<HoldersResult>('search.holders', q)).total).toBe(0);
  });
});
