/**
 * verify --all on a library.db with damaged pages reports the damage as
 * its finding (which images, what SQLite said, exit 1), never as an
 * internal error; other reads name it as a damaged library.
 */
import { describe, expect, it } from 'vitest';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../src-main/store/index.js';
import { ckpt } from '../cli/run.js';
import { simBytes, tempHome } from './helpers.js';

/** Overwrites pages 40%-70% into the file with garbage, as `dd conv=notrunc` would. */
function damage(file: string): void {
  const size = statSync(file).size;
  const from = Math.floor((size * 0.4) / 4096) * 4096;
  const junk = Buffer.alloc(Math.floor((size * 0.3) / 4096) * 4096 || 4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 151 + 7 + (i >> 9)) & 255;
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, junk, 0, junk.length, from);
  } finally {
    closeSync(fd);
  }
}

describe('a library.db with damaged pages', () => {
  it('is reported by verify --all as its finding, exit 1, not an internal error', () => {
    const { home, cleanup } = tempHome();
    try {
      const s = Store.open(home);
      for (const scenario of ['web-server', 'database', 'threads'] as const) s.importBytes(simBytes({ scenario }));
      for (let step = 1; step <= 6; step++) s.importBytes(simBytes({ scenario: 'leaky', step }));
      s.close(); // the last close checkpoints everything into library.db
      damage(join(home, 'library.db'));

      const notices: string[] = [];
      const d = Store.open(home, { notice: (t) => notices.push(t) });
      try {
        const r = d.verifyAll();
        expect(r.integrity).not.toBe('ok');
        expect(r.integrity).toMatch(/malformed|damaged|corrupt|Tree|page/i);
      } finally {
        d.close();
      }

      const v = ckpt(['verify', '--all', '--home', home]);
      expect(v.err).not.toMatch(/internal error/);
      expect(v.code).toBe(1);
      expect(v.out).toMatch(/database integrity: (?!ok\b)/);
    } finally {
      cleanup();
    }
  }, 60_000);
});
