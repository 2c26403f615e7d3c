/**
 * The JavaScript reader with a timeout reads on worker threads. Where those
 * cannot run (here: a worker cannot load koffi, as in a packaged layout
 * that moved it), the capture still reads every process, on its own thread
 * and without a timeout, and says so; it does not report them as timed out.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeProc } from './fixture.js';

// Fault injection, not a stand-in for what is tested: the workers get a koffi path that does not exist.
vi.mock('../../src-main/sources/proc/native.js', async (orig) => ({
  ...(await orig<typeof import('../../src-main/sources/proc/native.js')>()),
  koffiPath: () => '/nonexistent/koffi',
}));

describe('a supervised JavaScript read whose reader threads cannot run', () => {
  it('reads every process on this thread and says why', async () => {
    const { captureProc } = await import('../../src-main/sources/proc/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-sup-fallback-'));
    try {
      const root = fakeProc(join(dir, 'proc'), [1, 2, 3]);
      const plain = await captureProc({ pids: [1, 2, 3], procRoot: root, timeoutMs: 0, reader: 'js' });
      const sup = await captureProc({ pids: [1, 2, 3], procRoot: root, timeoutMs: 300, reader: 'js' });
      expect(sup.tasks.map((t) => t.pid).sort()).toEqual([1, 2, 3]);
      expect(sup.fdTables).toEqual(plain.fdTables);
      expect(sup.errors.filter((e) => e.errno === 'ETIMEDOUT')).toEqual([]);
      expect(sup.errors).toContainEqual(
        expect.objectContaining({ where: 'reader thread', message: expect.stringMatching(/read on this thread, without a timeout/) }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
