/**
 * A library written with schema version 1 (one fds(path_id) index over all
 * images) opens migrated: the same searches find the same fds, and verify
 * passes. The v1 library is made from a current one's rows, column by name.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../src-main/store/index.js';
import { MIGRATIONS } from '../../src-main/store/schema.js';
import { BIT_CLOEXEC, BIT_DELETED, BIT_SHARED, P, PACK_FIELDS, unpack } from '../../src-main/store/fdpack.js';
import { simBytes, tempHome } from './helpers.js';

const QUERIES = ['/var/log', 'kind:pipe', 'comm:nginx', 'pid:1000-99999 kind:regular', 'deleted:yes', 'app.log -kind:socket', '*.so*'];

describe('schema migration', () => {
  it('opens a version 1 library migrated, with the same search results', () => {
    const a = tempHome();
    const b = tempHome();
    try {
      const cur = Store.open(a.home);
      for (const scenario of ['web-server', 'database', 'everything', 'threads'] as const) cur.importBytes(simBytes({ scenario }));
      for (let step = 1; step <= 3; step++) cur.importBytes(simBytes({ scenario: 'leaky', step }), { label: 'leak', tags: ['t'] });
      const want = QUERIES.map((q) => cur.search(q).groups.map((g) => [g.image.id, g.hits.map((h) => `${h.pid}:${h.fd}:${h.target}`)]));
      cur.close();

      const v1 = new Database(join(b.home, 'library.db'));
      v1.exec(MIGRATIONS[0] as string);
      v1.pragma('user_version = 1');
      v1.exec(`ATTACH '${join(a.home, 'library.db')}' AS cur`);
      for (const t of ['images', 'tags', 'strs', 'attrs', 'tasks', 'fdtables']) {
        const cols = (v1.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all() as string[]).join(', ');
        v1.exec(`INSERT INTO main.${t} (${cols}) SELECT ${cols} FROM cur.${t}`);
      }
      // Version 1's wide fd rows, as it wrote them, from the packs.
      const ins = v1.prepare('INSERT INTO fds VALUES (?,?,?,?,?,?,?,?,?,?)');
      for (const [img, data] of v1.prepare('SELECT image_id, data FROM fdtables').raw().all() as [number, Buffer][]) {
        const p = unpack(data);
        for (let o = 0; o < p.length; o += PACK_FIELDS) {
          const bits = p[o + P.bits]!;
          ins.run(img, p[o + P.table], p[o + P.fd], p[o + P.kind], p[o + P.path], p[o + P.flags], bits & BIT_CLOEXEC ? 1 : 0, bits & BIT_DELETED ? 1 : 0, bits & BIT_SHARED ? 1 : 0, p[o + P.attrs]);
        }
      }
      v1.exec('DETACH cur');
      v1.close();
      cpSync(join(a.home, 'images'), join(b.home, 'images'), { recursive: true });

      const s = Store.open(b.home);
      try {
        expect(s.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
        const got = QUERIES.map((q) => s.search(q).groups.map((g) => [g.image.id, g.hits.map((h) => `${h.pid}:${h.fd}:${h.target}`)]));
        expect(got).toEqual(want);
        expect(want.flat().length).toBeGreaterThan(5);
        const v = s.verifyAll();
        expect(v.problems).toEqual([]);
        expect(v.integrity).toBe('ok');
        // And it keeps working as a current library.
        s.importBytes(simBytes({ scenario: 'leaky', step: 4 }), { label: 'leak' });
        expect(s.timeline({ label: 'leak' }).points).toHaveLength(4);
      } finally {
        s.close();
      }
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });
});
