/**
 * A library written with schema version 1 (one fds(path_id) index over all
 * images) opens migrated: the same searches find the same fds, and verify
 * passes. The v1 library is made from a current one's rows (olderLibrary).
 */
import { describe, expect, it } from 'vitest';
import { Store } from '../../src-main/store/index.js';
import { MIGRATIONS } from '../../src-main/store/schema.js';
import { olderLibrary, withTwoHomes, simBytes } from './helpers.js';

const QUERIES = ['/var/log', 'kind:pipe', 'comm:nginx', 'pid:1000-99999 kind:regular', 'deleted:yes', 'app.log -kind:socket', '*.so*'];

describe('schema migration', () => {
  it('opens a version 1 library migrated, with the same search results', () => {
    withTwoHomes((a, b) => {
      const cur = Store.open(a.home);
      for (const scenario of ['web-server', 'database', 'everything', 'threads'] as const) cur.importBytes(simBytes({ scenario }));
      for (let step = 1; step <= 3; step++) cur.importBytes(simBytes({ scenario: 'leaky', step }), { label: 'leak', tags: ['t'] });
      const want = QUERIES.map((q) => cur.search(q).groups.map((g) => [g.image.id, g.hits.map((h) => `${h.pid}:${h.fd}:${h.target}`)]));
      cur.close();

      olderLibrary(a.home, b.home, 1);

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
    });
  });
});
