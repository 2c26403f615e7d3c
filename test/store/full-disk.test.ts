/**
 * An import whose temporary file cannot be written (a full disk) names the
 * file in its error and leaves no partial file in tmp/. Simulated with the
 * temporary path made a link to /dev/full (every write fails with ENOSPC);
 * as root, also on a real 200 KiB tmpfs.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, StoreError, sha256 } from '../../src-main/store/index.js';
import { simBytes, withStore } from './helpers.js';

function failure(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('did not fail');
}

describe('an import on a full disk', () => {
  it.skipIf(!existsSync('/dev/full'))('names the temporary file and removes it (ENOSPC simulated with /dev/full)', () =>
    withStore((s, home) => {
      const bytes = simBytes({ scenario: 'database' });
      const temp = join(home, 'tmp', `${sha256(bytes)}.${process.pid}.tmp`);
      symlinkSync('/dev/full', temp);
      const e = failure(() => s.importBytes(bytes, {}, undefined, 'db.ckpt'));
      expect(e.code).toBe('io');
      expect(e.message).toContain(`db.ckpt: import failed, nothing stored: cannot write ${temp}: ENOSPC`);
      expect(readdirSync(join(home, 'tmp'))).toEqual([]);
      expect(s.countImages()).toBe(0);
      // And the library still takes it once there is room.
      expect(s.importBytes(bytes).duplicate).toBe(false);
    }),
  );

  const root = process.getuid?.() === 0;
  it.skipIf(!root)('names the temporary file and removes it on a real full tmpfs (root)', () => {
    const home = mkdtempSync(join(tmpdir(), 'ckpt-full-'));
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', home]);
    if (m.status !== 0) return; // no mount here (a container without the capability)
    try {
      const s = Store.open(home);
      try {
        const big = simBytes({ scenario: 'large', processes: 2, fds: 5000 });
        const e = failure(() => s.importBytes(big, {}, undefined, 'big.ckpt'));
        expect(e.message).toMatch(
          new RegExp(`big.ckpt: import failed, nothing stored: (cannot write ${join(home, 'tmp')}/|${join(home, 'library.db')}: )`),
        );
        expect(readdirSync(join(home, 'tmp'))).toEqual([]);
      } finally {
        s.close();
      }
    } finally {
      spawnSync('umount', [home]);
      rmdirSync(home);
    }
  });
});
