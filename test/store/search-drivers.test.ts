/**
 * Search's three ways in (a process's fd tables read from their packs, a
 * path looked up image by image through each image's path set, a scan of
 * each image's rows) must agree with each other and count and truncate the
 * same way.
 */
import { describe, expect, it } from 'vitest';
import { simBytes, withStore } from './helpers.js';

describe('search drivers', () => {
  it('process-driven search truncates at the limit and agrees with the other drivers', () =>
    withStore((s) => {
      s.importBytes(simBytes({ scenario: 'large', processes: 4, fds: 300, seed: 1 }));
      s.importBytes(simBytes({ scenario: 'large', processes: 4, fds: 300, seed: 2, time: Date.parse('2026-11-21T00:00:00Z') }));
      // Every fd of the workers, by process (packs), then by kind alone (row scan).
      const byProc = s.search('comm:worker-* kind:pipe', { limit: 100000, perImage: 100000 });
      const byKind = s.search('kind:pipe', { limit: 100000, perImage: 100000 });
      const keys = (r: typeof byProc) => r.groups.flatMap((g) => g.hits.map((h) => `${g.image.id}:${h.pid}:${h.fd}`)).sort();
      expect(byProc.hitCount).toBeGreaterThan(100);
      expect(keys(byProc)).toEqual(keys(byKind).filter((k) => !k.includes(':10000:')));
      const cut = s.search('comm:worker-* kind:pipe', { limit: 50, perImage: 100000 });
      expect(cut.truncated).toBe(true);
      expect(cut.hitCount).toBe(50);
      // A path (image by image through the path sets) against a scan filtered on it.
      const byPath = s.search('/srv/data/shard-1-', { limit: 100000, perImage: 100000 });
      const scanned = s.search('kind:regular', { limit: 100000, perImage: 100000 });
      const shard = scanned.groups.flatMap((g) =>
        g.hits.filter((h) => h.target.includes('/srv/data/shard-1-')).map((h) => `${g.image.id}:${h.pid}:${h.fd}`),
      );
      expect(shard.length).toBeGreaterThan(10);
      expect(keys(byPath)).toEqual(shard.sort());
      const pathCut = s.search('/srv/data/shard-1-', { limit: 7 });
      expect(pathCut.truncated).toBe(true);
      expect(pathCut.hitCount).toBe(7);
      // Negated and combined terms filter packs as SQL filters rows.
      const neg = s.search('comm:worker-1 -/srv/data -kind:pipe fd:3-200', { limit: 100000, perImage: 100000 });
      expect(neg.hitCount).toBeGreaterThan(0);
      for (const g of neg.groups)
        for (const h of g.hits) {
          expect(h.kind).not.toBe('pipe');
          expect(h.target).not.toContain('/srv/data');
          expect(h.fd).toBeGreaterThanOrEqual(3);
          expect(h.fd).toBeLessThanOrEqual(200);
        }
    }));

  it('verify --all finds an image path set that disagrees with its fds', () =>
    withStore((s) => {
      const id = s.importBytes(simBytes({ scenario: 'web-server' })).image.id;
      expect(s.verifyAll().problems).toEqual([]);
      const ids = new Int32Array([1, 2]);
      s.db.prepare('UPDATE image_paths SET ids = ?').run(Buffer.from(ids.buffer));
      const r = s.verifyAll();
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatchObject({ imageId: id, code: 'index-mismatch' });
      expect(r.problems[0]!.message).toContain('path set');
    }));
});
