/**
 * fd limits in the library (schema 3): what ingest records per task,
 * unlimited kept apart from unknown, images before format 1.2 indexed as
 * unknown, a schema-2 library migrated (its rows unknown, never guessed)
 * and opened read-only without migrating, and verify holding the rows to
 * the images.
 */
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Store } from '../../src-main/store/index.js';
import { FD_UNLIMITED, MIGRATIONS, SCHEMA_FD_LIMITS } from '../../src-main/store/schema.js';
import { simulate } from '../../src-main/sim/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { olderLibrary, withTwoHomes, simBytes, withStore, T0 } from './helpers.js';

const HOUR = 3_600_000;
const GOLDEN_11 = join(__dirname, '..', 'fixtures', 'golden-everything-1.1.ckpt');

type LimitRow = { pid: number; fd_soft: number | null; fd_hard: number | null };
const limitRows = (s: Store, sha: string) =>
  s.db
    .prepare('SELECT t.pid, t.fd_soft, t.fd_hard FROM tasks t JOIN images i ON i.id = t.image_id WHERE i.sha256 = ? ORDER BY t.pid')
    .all(sha) as LimitRow[];

describe('fd limits at ingest', () => {
  it('records each task soft and hard limit, unlimited as FD_UNLIMITED and unknown as NULL', () => {
    withStore((s) => {
      const plain = s.importBytes(simBytes({ scenario: 'everything' })).image.id;
      // everything: the parent keeps the builder default, the child raised its soft limit.
      expect(limitRows(s, plain)).toEqual([
        { pid: 6000, fd_soft: 1024, fd_hard: 524288 },
        { pid: 6001, fd_soft: 65536, fd_hard: 524288 },
      ]);
      expect(s.db.prepare('SELECT program_pid FROM images WHERE sha256 = ?').pluck().get(plain)).toBe(6000);

      const snap = simulate({ scenario: 'everything', time: T0 + HOUR });
      snap.tasks.find((t) => t.pid === 6000)!.fdLimit = { soft: null, hard: null };
      snap.tasks.find((t) => t.pid === 6001)!.fdLimit = null;
      const odd = s.importBytes(encodeSnapshot(snap)).image.id;
      expect(limitRows(s, odd)).toEqual([
        { pid: 6000, fd_soft: FD_UNLIMITED, fd_hard: FD_UNLIMITED },
        { pid: 6001, fd_soft: null, fd_hard: null },
      ]);
      // Back out of the index as the model says them: unlimited is null inside a known limit.
      const t = s.timeline({ ids: [odd] });
      expect(t.points[0]!.process).toEqual({ pid: 6000, fds: expect.any(Number), fdLimit: { soft: null, hard: null } });
      expect(t.projection).toBeNull();
      expect(s.verifyAll().problems).toEqual([]);
    });
  });

  it('indexes an image of format 1.1 with its limits unknown', () => {
    withStore((s) => {
      const id = s.importFile(GOLDEN_11).image.id;
      const rows = limitRows(s, id);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect([r.fd_soft, r.fd_hard]).toEqual([null, null]);
      const t = s.timeline({ ids: [id] });
      expect(t.points[0]!.process).toMatchObject({ pid: 6000, fdLimit: null });
      expect(t.projection).toBeNull();
      expect(s.verifyAll().problems).toEqual([]);
    });
  });
});

describe('a schema 2 library', () => {
  it('opens read-only unmigrated, and migrated with its limits unknown until new imports', () => {
    withTwoHomes((a, b) => {
      const cur = Store.open(a.home);
      for (let step = 1; step <= 4; step++)
        cur.importBytes(simBytes({ scenario: 'leaky', step, time: T0 + step * HOUR }), { label: 'leak' });
      const before = cur.timeline({ label: 'leak' });
      // The images themselves are format 1.2 and hold limits: the index of the old library will not.
      expect(before.points.every((p) => p.process?.fdLimit?.soft === 128)).toBe(true);
      cur.close();
      olderLibrary(a.home, b.home, 2);

      // Read-only: no migration (it could not write one), queries still answer, limits unknown.
      const ro = Store.open(b.home, { readonly: true });
      try {
        expect(ro.schema).toBe(2);
        const t = ro.timeline({ label: 'leak' });
        expect(t.points.map((p) => p.total)).toEqual(before.points.map((p) => p.total));
        expect(t.suspects).toEqual(before.suspects);
        expect(t.points.every((p) => p.process === null)).toBe(true);
        expect(t.projection).toBeNull();
        expect(ro.getSnapshot('leak').tasks[0]!.fdLimit).toEqual({ soft: 128, hard: 4096 });
        expect(ro.search('comm:leaky kind:regular').groups.length).toBe(4);
        expect(ro.search('limit:0%').groups).toEqual([]);
        expect(ro.diff(before.points[0]!.imageId, before.points[3]!.imageId).limits).toEqual([]);
        expect(ro.verifyAll().problems).toEqual([]);
      } finally {
        ro.close();
      }
      const raw = new Database(join(b.home, 'library.db'), { readonly: true });
      expect(raw.pragma('user_version', { simple: true })).toBe(2);
      raw.close();

      const s = Store.open(b.home);
      try {
        expect(s.schema).toBe(MIGRATIONS.length);
        expect(s.schema).toBeGreaterThanOrEqual(SCHEMA_FD_LIMITS);
        // Rows from before: nothing invented.
        expect(s.db.prepare('SELECT count(*) FROM tasks WHERE fd_soft IS NOT NULL OR fd_hard IS NOT NULL').pluck().get()).toBe(0);
        expect(s.db.prepare('SELECT count(*) FROM images WHERE program_pid IS NOT NULL').pluck().get()).toBe(0);
        const old = s.timeline({ label: 'leak' });
        expect(old.points.map((p) => p.process)).toEqual([null, null, null, null]);
        expect(old.projection).toBeNull();
        expect(s.verifyAll().problems).toEqual([]);
        // New imports carry limits; the projection fits only points that know their process.
        for (const step of [5, 6, 7]) s.importBytes(simBytes({ scenario: 'leaky', step, time: T0 + step * HOUR }), { label: 'leak' });
        const t = s.timeline({ label: 'leak' });
        expect(t.points.map((p) => p.process?.fdLimit?.soft ?? null)).toEqual([null, null, null, null, 128, 128, 128]);
        // Steps 5-7 at hours 5-7: 28, 32, 36 fds (4 a step, an hour apart): 4/h, (128 - 36) / 4 = 23 h left.
        expect(t.projection).toMatchObject({ state: 'growing', fitPoints: 3, fds: 36, soft: 128 });
        expect(t.projection!.perHour).toBeCloseTo(4, 9);
        expect(t.projection!.hoursLeft).toBeCloseTo(23, 9);
        expect(s.verifyAll().problems).toEqual([]);
      } finally {
        s.close();
      }
    });
  });

  it('verify notices limit rows that disagree with the image', () => {
    withStore((s) => {
      const id = s.importBytes(simBytes({ scenario: 'leaky', step: 2 })).image.id;
      s.db.prepare('UPDATE tasks SET fd_soft = 4096 WHERE image_id = (SELECT id FROM images WHERE sha256 = ?)').run(id);
      const p = s.verifyAll().problems;
      expect(p).toHaveLength(1);
      expect(p[0]!.message).toMatch(/fd limits that disagree with the image: image has 0, summary 0, index 1/);
    });
  });
});

describe('search by share of the fd limit', () => {
  it('limit:N% finds the fds of processes holding N% of their soft limit or more; unknown and unlimited never', () => {
    withStore((s) => {
      // leaky (seed 1): 8 + 4 x step fds, soft limit 128. Step 10: 48 (37.5%); 26: 112 (87.5%); 30: 128 (100%); 31: 132.
      for (const step of [10, 26, 30, 31])
        s.importBytes(simBytes({ scenario: 'leaky', step, time: T0 + step * HOUR }), { label: `leak ${step}` });
      s.importFile(GOLDEN_11, { label: 'old' });
      const unlimited = simulate({ scenario: 'leaky', step: 40, time: T0 + 40 * HOUR });
      unlimited.tasks[0]!.fdLimit = { soft: null, hard: null };
      s.importBytes(encodeSnapshot(unlimited), { label: 'unlimited' });
      const labels = (q: string) =>
        s
          .search(q, { perImage: 1000 })
          .groups.map((g) => g.image.label)
          .sort();
      expect(labels('limit:80%')).toEqual(['leak 26', 'leak 30', 'leak 31']);
      expect(labels('limit:100%')).toEqual(['leak 30', 'leak 31']);
      expect(labels('limit:87.5%')).toEqual(['leak 26', 'leak 30', 'leak 31']);
      expect(labels('limit:88%')).toEqual(['leak 30', 'leak 31']);
      expect(labels('-limit:80%')).toEqual(['leak 10', 'old', 'unlimited']);
      // Every fd of the process, as pid: would give.
      const hits = s.search('limit:100% label:"leak 30"', { perImage: 1000 }).groups[0]!.hits;
      expect(hits).toHaveLength(128);
      expect(new Set(hits.map((h) => h.pid))).toEqual(new Set([5000]));
      expect(s.search('limit:80% kind:socket').normalized).toBe(
        'limit:80% kind:unix-socket,inet-socket,netlink-socket,packet-socket,socket',
      );
      expect(() => s.search('limit:lots')).toThrow(/limit: expected a percentage of the soft fd limit such as 80% or 100%, got "lots"/);
      // A fraction or a bare number is not taken as a percentage: 0.8 would be 0.8%.
      expect(() => s.search('limit:0.8')).toThrow(/got "0\.8" \(did you mean 80%\?\)/);
      expect(() => s.search('limit:90')).toThrow(/got "90" \(did you mean 90%\?\)/);
      expect(() => s.search('limit:0.07')).toThrow(/got "0\.07" \(did you mean 7%\?\) \(at/);
      expect(() => s.search('limit:1')).toThrow(/got "1" \(at/); // 1% or 100%: no guess
      expect(() => s.search('limit:12345')).toThrow(/got "12345" \(at/); // a suggestion that would be refused: none
    });
  });
});
