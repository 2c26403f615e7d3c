/**
 * The repair on open never deletes an image file it cannot prove a delete
 * meant to remove: an empty, missing or older library.db leaves every image
 * file where it is (reported, importable again); only a delete killed
 * between its transaction and its unlink (recorded in unlinks) is finished.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../src-main/store/index.js';
import { MIGRATIONS, SCHEMA_UNLINKS } from '../../src-main/store/schema.js';
import { olderLibrary, simBytes, tempHome, withTwoHomes } from './helpers.js';

function imageFiles(home: string): string[] {
  const d = join(home, 'images');
  return readdirSync(d).flatMap((sub) => readdirSync(join(d, sub)));
}

function filled(home: string): string[] {
  const s = Store.open(home);
  const ids = (['web-server', 'database', 'threads'] as const).map((scenario) => s.importBytes(simBytes({ scenario })).image.id);
  s.close();
  return ids;
}

describe('recovery keeps image files it has no record of deleting', () => {
  for (const how of ['empty', 'missing'] as const)
    it(`keeps every image file when library.db is ${how}, reports them, and they import back`, () => {
      const { home, cleanup } = tempHome();
      try {
        const ids = filled(home);
        for (const f of readdirSync(home)) if (f.startsWith('library.db-')) rmSync(join(home, f));
        if (how === 'empty') writeFileSync(join(home, 'library.db'), '');
        else rmSync(join(home, 'library.db'));
        const notices: string[] = [];
        const s = Store.open(home, { notice: (t) => notices.push(t) });
        try {
          expect(imageFiles(home).sort()).toEqual([...ids].sort());
          expect(s.orphans).toHaveLength(3);
          expect(notices).toHaveLength(1);
          expect(notices[0]).toMatch(/^3 image files in .* have no entry in the library \(kept; .*ckpt import/);
          const v = s.verifyAll();
          expect(v.problems.map((p) => p.code)).toEqual(['orphan-bytes', 'orphan-bytes', 'orphan-bytes']);
          expect(v.problems[0]!.message).toContain(join(home, 'images'));
          // Importing the kept files brings the images back.
          for (const p of s.orphans) s.importFile(p);
          expect(s.verifyAll()).toMatchObject({ ok: 3, problems: [] });
        } finally {
          s.close();
        }
        const s2 = Store.open(home, { notice: (t) => notices.push(t) });
        expect(s2.orphans).toEqual([]);
        expect(notices).toHaveLength(1);
        s2.close();
      } finally {
        cleanup();
      }
    });

  it('keeps the newer image of a library.db restored from an older backup', () => {
    const { home, cleanup } = tempHome();
    try {
      const s = Store.open(home);
      s.importBytes(simBytes({ scenario: 'web-server' }));
      s.close(); // the last close checkpoints: library.db alone is the backup
      copyFileSync(join(home, 'library.db'), join(home, 'backup.db'));
      const s1 = Store.open(home);
      const newer = s1.importBytes(simBytes({ scenario: 'database' })).image.id;
      s1.close();
      copyFileSync(join(home, 'backup.db'), join(home, 'library.db'));
      const notices: string[] = [];
      const s2 = Store.open(home, { notice: (t) => notices.push(t) });
      expect(existsSync(join(home, 'images', newer.slice(0, 2), newer))).toBe(true);
      expect(s2.orphans).toEqual([join(home, 'images', newer.slice(0, 2), newer)]);
      s2.close();
      expect(notices).toEqual([expect.stringMatching(/^1 image file in .* has no entry in the library \(kept; .*; said once\)$/)]);
      // Said once: the next opens keep it and list it, without saying it again.
      const s3 = Store.open(home, { notice: (t) => notices.push(t) });
      expect(s3.orphans).toHaveLength(1);
      s3.close();
      expect(notices).toHaveLength(1);
      // A new one is said, with the count of all.
      const db = new Database(join(home, 'library.db'));
      db.prepare('DELETE FROM images').run();
      db.close();
      const s4 = Store.open(home, { notice: (t) => notices.push(t) });
      expect(s4.orphans).toHaveLength(2);
      expect(s4.verifyAll().problems.map((p) => p.code)).toEqual(['orphan-bytes', 'orphan-bytes']);
      s4.close();
      expect(notices[1]).toMatch(/^1 more image file \(2 in all\) in .* has no entry in the library/);
    } finally {
      cleanup();
    }
  });

  it('finishes a delete killed between its transaction and its unlink, and only that', () => {
    const { home, cleanup } = tempHome();
    try {
      const [a, b] = filled(home);
      // The state rm leaves when killed after its commit: rows gone, unlinks entry, file still there.
      const db = new Database(join(home, 'library.db'));
      const id = db.prepare('SELECT id FROM images WHERE sha256 = ?').pluck().get(a) as number;
      db.transaction(() => {
        for (const t of ['fds', 'image_paths', 'image_attrs', 'fdtables', 'tasks', 'tags'])
          db.prepare(`DELETE FROM ${t} WHERE image_id = ?`).run(id);
        db.prepare('DELETE FROM images WHERE id = ?').run(id);
        db.prepare('INSERT INTO unlinks VALUES (?)').run(a);
        db.prepare('DELETE FROM images WHERE sha256 = ?').run(b); // no unlinks entry: not a delete of ours
      })();
      db.close();
      const s = Store.open(home, { notice: () => {} });
      try {
        expect(existsSync(join(home, 'images', a!.slice(0, 2), a!))).toBe(false);
        expect(existsSync(join(home, 'images', b!.slice(0, 2), b!))).toBe(true);
        expect(s.orphans).toEqual([join(home, 'images', b!.slice(0, 2), b!)]);
        expect(s.db.prepare('SELECT count(*) FROM unlinks').pluck().get()).toBe(0);
        // A plain delete leaves no entry behind.
        s.deleteImage(s.listImages()[0]!.id);
        expect(s.db.prepare('SELECT count(*) FROM unlinks').pluck().get()).toBe(0);
      } finally {
        s.close();
      }
    } finally {
      cleanup();
    }
  });

  it('migrates a schema-4 library to unlinks, keeping an image file without a row', () => {
    withTwoHomes((a, b) => {
      const ids = filled(a.home);
      olderLibrary(a.home, b.home, SCHEMA_UNLINKS - 1);
      const db = new Database(join(b.home, 'library.db'));
      db.prepare('DELETE FROM images WHERE sha256 = ?').run(ids[0]);
      db.close();
      const s = Store.open(b.home, { notice: () => {} });
      try {
        expect(s.schema).toBe(MIGRATIONS.length);
        expect(SCHEMA_UNLINKS).toBe(MIGRATIONS.length);
        expect(existsSync(join(b.home, 'images', ids[0]!.slice(0, 2), ids[0]!))).toBe(true);
        expect(s.orphans).toHaveLength(1);
        s.deleteImage(ids[1]!);
        expect(existsSync(join(b.home, 'images', ids[1]!.slice(0, 2), ids[1]!))).toBe(false);
        expect(s.verifyAll().problems.map((p) => p.code)).toEqual(['orphan-bytes']);
      } finally {
        s.close();
      }
    });
  });
});
