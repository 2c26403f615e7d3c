/** Shared setup for the library tests: temp homes and simulated images as bytes. */
import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate, type SimOptions } from '../../src-main/sim/index.js';
import { Store } from '../../src-main/store/index.js';
import { MIGRATIONS } from '../../src-main/store/schema.js';
import { FORMAT_MAJOR, FORMAT_MINOR } from '../../src-shared/model/index.js';
import { BIT_CLOEXEC, BIT_DELETED, BIT_SHARED, P, PACK_FIELDS, unpack } from '../../src-main/store/fdpack.js';

export const T0 = Date.parse('2026-11-20T10:00:00Z');

/** The header of a hand-built image (newBuilder(...).snapshot(header)): this writer's version, host "h", captured at `time`. */
export function simHeader(time: number) {
  return {
    formatMajor: FORMAT_MAJOR,
    formatMinor: FORMAT_MINOR,
    arch: 'x86_64',
    kernelRelease: '6.1',
    hostname: 'h',
    captureTime: time,
    source: 'sim' as const,
    frozen: false,
    options: {},
    kernelLimits: {},
  };
}

export function tempHome(): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'ckpt-store-test-'));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** `fn` with two temporary library homes (a current library and an older copy of it, say), both removed afterwards. */
export function withTwoHomes(fn: (a: { home: string }, b: { home: string }) => void): void {
  const a = tempHome();
  const b = tempHome();
  try {
    fn(a, b);
  } finally {
    a.cleanup();
    b.cleanup();
  }
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

/**
 * A library as schema `version` wrote it, from a current one's rows: the
 * first `version` migrations, then every table that version has copied
 * column by column (by name, so columns added later are left behind), and
 * the image files. For tests of opening and migrating older libraries.
 */
export function olderLibrary(from: string, to: string, version: number): void {
  const db = new Database(join(to, 'library.db'));
  for (const m of MIGRATIONS.slice(0, version)) {
    if (typeof m === 'string') db.exec(m);
    else m(db);
  }
  db.pragma(`user_version = ${version}`);
  db.exec(`ATTACH '${join(from, 'library.db')}' AS cur`);
  for (const t of ['images', 'tags', 'strs', 'attrs', 'tasks', 'fdtables', 'fds', 'image_paths', 'image_attrs']) {
    const cols = (db.prepare(`SELECT name FROM pragma_table_info('${t}', 'main')`).pluck().all() as string[]).join(', ');
    // Tables that version did not have yet, and version 1's fd rows (below).
    if (!cols || (t === 'fds' && version === 1)) continue;
    db.exec(`INSERT INTO main.${t} (${cols}) SELECT ${cols} FROM cur.${t}`);
  }
  if (version === 1) {
    // Version 1's wide fd rows, as it wrote them, from the packs.
    const ins = db.prepare('INSERT INTO fds VALUES (?,?,?,?,?,?,?,?,?,?)');
    for (const [img, data] of db.prepare('SELECT image_id, data FROM fdtables').raw().all() as [number, Buffer][]) {
      const p = unpack(data);
      for (let o = 0; o < p.length; o += PACK_FIELDS) {
        const bits = p[o + P.bits]!;
        ins.run(
          img,
          p[o + P.table],
          p[o + P.fd],
          p[o + P.kind],
          p[o + P.path],
          p[o + P.flags],
          bits & BIT_CLOEXEC ? 1 : 0,
          bits & BIT_DELETED ? 1 : 0,
          bits & BIT_SHARED ? 1 : 0,
          p[o + P.attrs],
        );
      }
    }
  }
  db.exec('DETACH cur');
  db.close();
  cpSync(join(from, 'images'), join(to, 'images'), { recursive: true });
}
