/**
 * Captures every process while a fixture spawns and kills processes as fast
 * as it can: each capture must finish with a valid image, and the vanishing
 * processes and fds must show up as error records, never as an exception.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureProc, type ProcCaptureStats } from '../../src-main/sources/proc/index.js';
import { decodeImage } from '../../src-main/engine/reader.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { start, type Running } from './fixture.js';

let churn: Running;

beforeAll(async () => {
  churn = await start('churn', ['40']);
});
afterAll(async () => {
  await churn?.stop();
});

it('captures --all under churn: valid images, vanished things recorded as errors', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) {
    // Alternate one thread and two, so both reader paths meet the churn.
    const stats = {} as ProcCaptureStats;
    const snap = await captureProc({ all: true, worker: i % 2 === 0 }, stats);
    if (i % 2 === 0) expect(snap.errors.filter((e) => e.where === 'reader thread')).toEqual([]);
    else expect(stats.byWorker).toBe(0);
    const back = decodeImage(encodeSnapshot(snap));
    expect(back.tasks.length).toBe(snap.tasks.length);
    expect(back.errors.length).toBe(snap.errors.length);
    for (const e of snap.errors) {
      expect(e.errno).toMatch(/^E[A-Z]+$/);
      seen.add(e.errno);
      if (e.fd >= 0) expect(e.pid).toBeGreaterThan(0);
    }
    if (seen.has('ENOENT') && i >= 3) break;
  }
  expect([...seen].some((e) => e === 'ENOENT' || e === 'ESRCH')).toBe(true);
});
