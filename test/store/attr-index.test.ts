/**
 * image_attrs (schema 4): socket terms and path terms matching unix socket
 * names skip the images and fd tables that hold none of the matching attrs
 * rows. The results must be exactly those of a scan: the same library with
 * the index emptied (every image scanned, as a read-only schema-3 library
 * is), a schema-3 library opened read-only, and the same one migrated.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Store } from '../../src-main/store/index.js';
import { MIGRATIONS, SCHEMA_IMAGE_ATTRS } from '../../src-main/store/schema.js';
import { unpack } from '../../src-main/store/fdpack.js';
import { olderLibrary, withTwoHomes, simBytes, tempHome, T0 } from './helpers.js';

const HOUR = 3_600_000;

const QUERIES = [
  'port:5432',
  'lport:5432',
  'rport:5432',
  'port:80,443',
  'port:>30000',
  'addr:127.0.0.1',
  'raddr:10.0.0.0/8',
  'state:listen',
  'state:close-wait',
  'state:established kind:inet',
  'state:connected',
  'state:listen port:5432',
  '-state:listen kind:socket',
  'postgresql',
  'PGSQL',
  '*.s.PGSQL*',
  'systemd',
  '/run/systemd/private',
  'kitchen',
  'run',
  'log',
  'postgresql state:listen',
  'postgresql -kind:unix',
  'run comm:systemd',
  'socket:[ port:>30000',
  'socket:[ state:close-wait -fd:3-5',
  'state:close-wait label:leak',
];
/** Small limits too: which hits a scan keeps, and its truncation flags, must not change. */
const LIMITS = [{}, { limit: 5, perImage: 2 }, { limit: 40, perImage: 7 }, { limit: 100000, perImage: 100000 }];

function fill(s: Store): void {
  let t = T0;
  const next = () => (t += HOUR);
  for (const scenario of ['web-server', 'database', 'everything', 'threads', 'pipeline'] as const)
    for (const seed of [1, 2]) s.importBytes(simBytes({ scenario, seed, time: next() }));
  for (let step = 1; step <= 5; step++) s.importBytes(simBytes({ scenario: 'leaky', step, time: next() }), { label: 'leak' });
  for (let step = 1; step <= 3; step++) s.importBytes(simBytes({ scenario: 'leaky-host', step, time: next() }), { label: 'host' });
  s.importBytes(simBytes({ scenario: 'large', processes: 6, fds: 400, seed: 1, time: next() }));
  s.importBytes(simBytes({ scenario: 'database', seed: 3, time: next() }));
}

function answers(s: Store): unknown[] {
  return QUERIES.flatMap((q) => [
    ...LIMITS.map((o) => {
      const { elapsedMs: _, ...r } = s.search(q, o);
      return r;
    }),
    // --holders walks the same candidates.
    (({ elapsedMs: _, ...r }) => r)(s.holders(q)),
  ]);
}

/** Pairs per image id, each image's sorted (ingest lists an attrs row's tables in image order, the migration in ref order). */
function pairsOf(s: Store): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [sha, b] of s.db.prepare('SELECT i.sha256, a.pairs FROM image_attrs a JOIN images i ON i.id = a.image_id').raw().all() as [
    string,
    Buffer,
  ][]) {
    const p = unpack(b);
    const l: string[] = [];
    for (let i = 0; i < p.length; i += 2) l.push(`${p[i]}:${p[i + 1]}`);
    out[sha] = l.sort();
  }
  return out;
}

describe('image_attrs', () => {
  it('gives the results of a scan, on this library, a schema-3 one read-only, and the same migrated', () => {
    withTwoHomes((a, b) => {
      const cur = Store.open(a.home);
      fill(cur);
      // A new library is at the newest schema, which has image_attrs.
      expect(cur.schema).toBe(MIGRATIONS.length);
      expect(MIGRATIONS.length).toBeGreaterThanOrEqual(SCHEMA_IMAGE_ATTRS);
      const want = answers(cur);
      // The queries do find things, and some are cut by the limits.
      const hits = QUERIES.map((q) => cur.search(q, { limit: 100000, perImage: 100000 }).hitCount);
      expect(QUERIES.filter((_, i) => hits[i] === 0)).toEqual([]);
      expect(want.some((r) => (r as { truncated: boolean }).truncated)).toBe(true);
      const indexed = pairsOf(cur);
      expect(Object.keys(indexed)).toHaveLength(cur.countImages());
      expect(cur.verifyAll().problems).toEqual([]);
      cur.close();
      olderLibrary(a.home, b.home, 3);

      // Read-only: not migrated, no image_attrs: every image is scanned.
      const ro = Store.open(b.home, { readonly: true });
      try {
        expect(ro.schema).toBe(3);
        expect(answers(ro)).toEqual(want);
        expect(ro.verifyAll().problems).toEqual([]);
      } finally {
        ro.close();
      }

      // Migrated: the index filled from the packs, as ingest writes it.
      const s = Store.open(b.home);
      try {
        expect(s.schema).toBe(MIGRATIONS.length);
        expect(pairsOf(s)).toEqual(indexed);
        expect(answers(s)).toEqual(want);
        expect(s.verifyAll().problems).toEqual([]);
      } finally {
        s.close();
      }

      // An image without a row is scanned: the index emptied gives the same.
      const raw = new Database(join(a.home, 'library.db'));
      raw.exec('DELETE FROM image_attrs');
      raw.close();
      const bare = Store.open(a.home);
      try {
        expect(answers(bare)).toEqual(want);
      } finally {
        bare.close();
      }
    });
  });

  it('is what search consults: an image whose pairs are emptied loses its socket hits, and verify says so', () => {
    const h = tempHome();
    try {
      const s = Store.open(h.home);
      try {
        const db1 = s.importBytes(simBytes({ scenario: 'database', seed: 1, time: T0 })).image.id;
        const db2 = s.importBytes(simBytes({ scenario: 'database', seed: 2, time: T0 + HOUR })).image.id;
        s.importBytes(simBytes({ scenario: 'leaky', step: 3, time: T0 + 2 * HOUR }));
        const imgs = (q: string) => s.search(q).groups.map((g) => g.image.id);
        expect(imgs('lport:5432').sort()).toEqual([db1, db2].sort());
        expect(imgs('PGSQL').sort()).toEqual([db1, db2].sort());
        s.db
          .prepare('UPDATE image_attrs SET pairs = ? WHERE image_id = (SELECT id FROM images WHERE sha256 = ?)')
          .run(Buffer.alloc(0), db1);
      } finally {
        s.close();
      }
      const t = Store.open(h.home);
      try {
        const imgs = (q: string) => t.search(q).groups.map((g) => g.image.id);
        const db2 = imgs('lport:5432');
        expect(db2).toHaveLength(1);
        expect(imgs('PGSQL')).toEqual(db2);
        const r = t.verifyAll();
        expect(r.problems).toHaveLength(1);
        expect(r.problems[0]).toMatchObject({ code: 'index-mismatch' });
        expect(r.problems[0]!.message).toContain('attrs pairs');
        // Removing an image removes its pairs.
        t.deleteImage(db2[0]!);
        expect(t.db.prepare('SELECT count(*) FROM image_attrs WHERE image_id NOT IN (SELECT id FROM images)').pluck().get()).toBe(0);
      } finally {
        t.close();
      }
    } finally {
      h.cleanup();
    }
  });
});
