/** Interner.values (the bulk read diff uses) against value(), one id at a time. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { BStr } from '../../src-shared/model/index.js';
import { Interner } from '../../src-main/store/intern.js';

function table(): { db: Database.Database; s: Interner } {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE strs (id INTEGER PRIMARY KEY, b UNIQUE NOT NULL)');
  return { db, s: new Interner(db, 'strs') };
}

// Every shape a name takes: JSON's own escapes, controls, NUL (command lines
// join arguments with it), bidi, astral, and bytes that are not UTF-8.
const SAMPLES: BStr[] = [
  '',
  '/var/log/app.log',
  'quote " back \\ slash',
  'tab\tnewline\ncr\r bell\u0007 esc\u001b del\u007f',
  'a\0b\0c',
  'bidi \u202e gnp.exe',
  'line sep \u2028 para \u2029',
  'emoji 🦀 and 中文',
  new Uint8Array([0x2f, 0xff, 0xfe, 0x00, 0x41]),
  new Uint8Array([0xc3]),
  '/tmp/' + 'x'.repeat(5000),
];

describe('Interner.values', () => {
  it('gives exactly what value() gives, for lookups and for range scans', () => {
    const { db, s } = table();
    const ids = SAMPLES.map((b) => s.id(b));
    // Sparse ids (lookups) and dense ones (a range scan): both paths.
    for (let k = 0; k < 200; k++) s.id(`/filler/${k}`);
    const far = s.id('/far/away');
    for (const want of [ids, [ids[0]!, far], [...ids, far, 999_999]]) {
      const got = new Map<number, BStr>();
      s.values(want, got);
      for (const id of want) {
        if (id === 999_999) expect(got.has(id)).toBe(false);
        else expect(got.get(id)).toEqual(s.value(id));
      }
      // A range scan must not hand back ids nobody asked for.
      for (const id of got.keys()) expect(want).toContain(id);
    }
    db.close();
  });

  it('takes an empty list', () => {
    const { db, s } = table();
    const got = new Map<number, BStr>();
    s.values([], got);
    expect(got.size).toBe(0);
    db.close();
  });
});
