/** Shared setup for the library tests: temp homes and simulated images as bytes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate, type SimOptions } from '../../src-main/sim/index.js';
import { Store } from '../../src-main/store/index.js';

export const T0 = Date.parse('2026-11-20T10:00:00Z');

export function tempHome(): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'ckpt-store-test-'));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function simBytes(o: SimOptions): Buffer {
  return encodeSnapshot(simulate({ time: T0, ...o }));
}

/** Runs fn with a fresh library, closing and removing it afterwards. */
export function withStore<T>(fn: (s: Store, home: string) => T): T {
  const { home, cleanup } = tempHome();
  const s = Store.open(home);
  try {
    return fn(s, home);
  } finally {
    s.close();
    cleanup();
  }
}
