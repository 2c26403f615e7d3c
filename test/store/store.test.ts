/** The library on real SQLite files: import, dedupe, metadata, delete, errors, recovery. */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, StoreError, resolveHome } from '../../src-main/store/index.js';
import { sha256 } from '../../src-main/store/index.js';
import { simBytes, tempHome, withStore, T0 } from './helpers.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof StoreError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('store', () => {
  it('imports an image with all its index rows, content-addressed by SHA-256', () =>
    withStore((s, home) => {
      const bytes = simBytes({ scenario: 'web-server', seed: 3 });
      const r = s.importBytes(bytes, { label: 'before', tags: ['web', 'prod'], note: 'first' });
      expect(r.duplicate).toBe(false);
      expect(r.image.id).toBe(sha256(bytes));
      expect(r.image).toMatchObject({
        label: 'before',
        tags: ['prod', 'web'],
        note: 'first',
        source: 'sim',
        host: 'sim-web-server',
        captureTime: T0,
        size: bytes.length,
      });
      expect(r.image.fdCount).toBeGreaterThan(20);
      expect(existsSync(join(home, 'images', r.image.id.slice(0, 2), r.image.id))).toBe(true);
      const db = new Database(join(home, 'library.db'), { readonly: true });
      const n = (t: string) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get();
      expect(n('fds')).toBe(r.image.fdCount);
      expect(db.prepare('SELECT sum(nfds) FROM fdtables').pluck().get()).toBe(r.image.fdCount);
      // 20 Int32 fields per packed fd (fdpack.ts).
      expect(db.prepare('SELECT sum(length(data)) FROM fdtables').pluck().get()).toBe(r.image.fdCount * 80);
      expect(n('tasks')).toBe(r.image.taskCount);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      expect(s.verifyAll()).toMatchObject({ checked: 1, ok: 1, problems: [], integrity: 'ok' });
    }));

  it('stores the same bytes once and interns repeated paths', () =>
    withStore((s, home) => {
      const a = simBytes({ scenario: 'database', seed: 1 });
      const r1 = s.importBytes(a);
      const r2 = s.importBytes(a, { label: 'again' });
      expect(r2.duplicate).toBe(true);
      expect(r2.image.id).toBe(r1.image.id);
      expect(r2.image.label).toBe('again');
      expect(s.listImages()).toHaveLength(1);
      const db = new Database(join(home, 'library.db'), { readonly: true });
      const strs1 = db.prepare('SELECT count(*) FROM strs').pluck().get() as number;
      db.close();
      // Same program, another capture time: new image, but no new path strings.
      s.importBytes(simBytes({ scenario: 'database', seed: 1, time: T0 + 1000 }));
      const db2 = new Database(join(home, 'library.db'), { readonly: true });
      expect(db2.prepare('SELECT count(*) FROM strs').pluck().get()).toBe(strs1);
      db2.close();
      expect(s.listImages()).toHaveLength(2);
    }));

  it('edits label, tags and note, resolves ids, prefixes and labels', () =>
    withStore((s) => {
      const id = s.importBytes(simBytes({ scenario: 'pipeline' })).image.id;
      expect(s.setLabel(id.slice(0, 6), 'shell <b>"x"</b>').label).toBe('shell <b>"x"</b>');
      expect(s.getImage('shell <b>"x"</b>').id).toBe(id);
      expect(s.setTags(id, ['b', 'a', 'b']).tags).toEqual(['a', 'b']);
      expect(s.setNote(id, 'line 1\nline 2').note).toBe('line 1\nline 2');
      expect(s.listImages({ tag: 'a' }).map((i) => i.id)).toEqual([id]);
      expect(s.listImages({ tag: 'zzz' })).toEqual([]);
      expect(s.listImages({ text: 'bash' })).toHaveLength(1);
      expect(code(() => s.setTags(id, ['has space']))).toBe('bad-argument');
      expect(code(() => s.setLabel(id, 'a\nb'))).toBe('bad-argument');
      expect(code(() => s.getImage('ffffffff'))).toBe('not-found');
      expect(code(() => s.getImage(''))).toBe('bad-argument');
      expect(code(() => s.listImages({ limit: -1 }))).toBe('bad-argument');
    }));

  it('reports an ambiguous id prefix and resolves unique ones', () =>
    withStore((s) => {
      const ids: string[] = [];
      for (let seed = 1; seed <= 60; seed++) ids.push(s.importBytes(simBytes({ scenario: 'pipeline', seed, time: T0 + seed })).image.id);
      const seen = new Map<string, string>();
      let shared = '';
      for (const i of ids) {
        if (seen.has(i.slice(0, 2))) shared = i.slice(0, 2);
        seen.set(i.slice(0, 2), i);
      }
      expect(shared).not.toBe('');
      expect(code(() => s.getImage(shared))).toBe('ambiguous-id');
      // The message names the images it could mean, so the next try can pick one.
      const meant = ids.filter((i) => i.startsWith(shared)).sort();
      let message = '';
      try {
        s.getImage(shared);
      } catch (e) {
        message = (e as Error).message;
      }
      for (const i of meant.slice(0, 5)) expect(message).toContain(i.slice(0, 12));
      for (const i of ids) expect(s.getImage(i.slice(0, 10)).id).toBe(i);
    }));

  it('refuses a file that is not an image and leaves nothing behind', () =>
    withStore((s, home) => {
      const good = simBytes({ scenario: 'threads' });
      const bad = Buffer.from(good);
      bad[bad.length - 5]! ^= 0xff;
      expect(code(() => s.importBytes(bad))).toBe('bad-image');
      expect(code(() => s.importBytes(Buffer.from('hello')))).toBe('bad-image');
      // A changed name with the tail intact: the one-pass digest must still disagree with the tail.
      const renamed = Buffer.from(good);
      const at = renamed.indexOf('/opt/app/app.jar');
      renamed.write('X', at + 1);
      expect(() => s.importBytes(renamed)).toThrow(/checksum-mismatch/);
      // Bytes after the tail: the tail is not where the one-pass digest assumed.
      expect(() => s.importBytes(Buffer.concat([good, Buffer.alloc(8)]))).toThrow(/trailing-data/);
      expect(code(() => s.importFile(join(home, 'nope.ckpt')))).toBe('not-found');
      expect(s.listImages()).toEqual([]);
      expect(readdirSync(join(home, 'tmp'))).toEqual([]);
      expect(readdirSync(join(home, 'images'))).toEqual([]);
    }));

  it('deletes an image: rows and bytes', () =>
    withStore((s, home) => {
      const a = s.importBytes(simBytes({ scenario: 'web-server' })).image;
      const b = s.importBytes(simBytes({ scenario: 'everything' })).image;
      s.deleteImage(a.id);
      expect(s.listImages().map((i) => i.id)).toEqual([b.id]);
      expect(existsSync(join(home, 'images', a.id.slice(0, 2), a.id))).toBe(false);
      const db = new Database(join(home, 'library.db'), { readonly: true });
      for (const t of ['fds', 'image_paths', 'image_attrs', 'tasks', 'fdtables', 'tags'])
        expect(db.prepare(`SELECT count(*) FROM ${t} WHERE image_id NOT IN (SELECT id FROM images)`).pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM fds').pluck().get()).toBe(b.fdCount);
      db.close();
      expect(code(() => s.deleteImage(a.id))).toBe('not-found');
      expect(s.verifyAll().problems).toEqual([]);
      // Re-importing deleted bytes works.
      expect(s.importBytes(simBytes({ scenario: 'web-server' })).duplicate).toBe(false);
    }));

  it('finds a damaged stored image with verify --all', () =>
    withStore((s, home) => {
      const a = s.importBytes(simBytes({ scenario: 'web-server' })).image;
      const p = join(home, 'images', a.id.slice(0, 2), a.id);
      writeFileSync(p, 'garbage');
      const r = s.verifyAll();
      expect(r.problems.map((x) => x.code)).toEqual(['hash-mismatch']);
      expect(code(() => s.getSnapshot(a.id))).toBe('corrupt');
    }));

  it('on open, finishes a committed import whose file was not yet moved, and drops leftovers', () => {
    const { home, cleanup } = tempHome();
    try {
      const s = Store.open(home);
      const a = s.importBytes(simBytes({ scenario: 'web-server' })).image;
      s.close();
      const final = join(home, 'images', a.id.slice(0, 2), a.id);
      const bytes = simBytes({ scenario: 'web-server' });
      // Simulate a kill after commit, before rename: the blob is only in tmp.
      unlinkSync(final);
      writeFileSync(join(home, 'tmp', `${a.id}.999999.tmp`), bytes);
      // And an uncommitted import's temp file and an orphan image file.
      const orphan = 'ab'.repeat(32);
      writeFileSync(join(home, 'tmp', `${orphan}.999998.tmp`), 'partial');
      mkdirSync(join(home, 'images', 'ab'), { recursive: true });
      writeFileSync(join(home, 'images', 'ab', orphan), 'orphan');
      const s2 = Store.open(home, { notice: () => {} });
      expect(existsSync(final)).toBe(true);
      expect(readdirSync(join(home, 'tmp'))).toEqual([]);
      // An image file no row names and no delete recorded is kept (orphans.test.ts).
      expect(existsSync(join(home, 'images', 'ab', orphan))).toBe(true);
      expect(s2.verifyAll()).toMatchObject({ ok: 1, problems: [{ imageId: orphan, code: 'orphan-bytes' }] });
      s2.close();
    } finally {
      cleanup();
    }
  });

  it('resolves the home: --home, then $CKPT_HOME, then XDG', () => {
    expect(resolveHome({ home: '/x/y', env: { CKPT_HOME: '/a' } })).toBe('/x/y');
    expect(resolveHome({ env: { CKPT_HOME: '/a/b' } })).toBe('/a/b');
    expect(resolveHome({ env: { XDG_DATA_HOME: '/xdg', HOME: '/h' } })).toBe('/xdg/checkpoint-studio');
    expect(resolveHome({ env: { HOME: '/h' } })).toBe('/h/.local/share/checkpoint-studio');
  });

  it('fails with closed after close', () => {
    const { home, cleanup } = tempHome();
    const s = Store.open(home);
    s.close();
    expect(code(() => s.listImages())).toBe('closed');
    cleanup();
  });
});
