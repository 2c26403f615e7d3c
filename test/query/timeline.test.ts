/** Timelines over the leaky series, whose growth is known: 3 CLOSE_WAIT sockets and 1 rotated log per step. */
import { describe, expect, it } from 'vitest';
import { simBytes, withStore, T0 } from '../store/helpers.js';

const HOUR = 3_600_000;

describe('timeline', () => {
  it('counts fds per kind and names the leaks with their growth rate', () =>
    withStore((s) => {
      for (let step = 1; step <= 6; step++)
        s.importBytes(simBytes({ scenario: 'leaky', step, time: T0 + step * 2 * HOUR }), { label: 'leaky' });
      // Another program in the library does not join the series.
      s.importBytes(simBytes({ scenario: 'web-server', time: T0 }), { label: 'other' });
      const program = s.listImages({ label: 'leaky' })[0]!.program;
      const t = s.timeline({ program });
      expect(t.points).toHaveLength(6);
      expect(t.points.map((p) => p.time)).toEqual([1, 2, 3, 4, 5, 6].map((k) => T0 + k * 2 * HOUR));
      const sockets = t.points.map((p) => p.byKind['inet-socket']!);
      const regular = t.points.map((p) => p.byKind.regular!);
      // listen + 3 per step + 1-4 live connections (seeded, same each step)
      for (let i = 1; i < 6; i++) {
        expect(sockets[i]! - sockets[i - 1]!).toBe(3);
        expect(regular[i]! - regular[i - 1]!).toBe(1);
        expect(t.points[i]!.total - t.points[i - 1]!.total).toBe(4);
      }
      const find = (what: string, key: string) => t.suspects.find((x) => x.what === what && x.key === key);
      const closeWait = find('socket', 'tcp CLOSE_WAIT -> 10.0.3.20:5432')!;
      expect(closeWait.counts).toEqual([3, 6, 9, 12, 15, 18]);
      expect(closeWait.perImage).toBe(3);
      expect(closeWait.perHour).toBeCloseTo(1.5, 6);
      expect(find('prefix', '/var/log/leaky/app.log.*')).toMatchObject({ first: 1, last: 6, perImage: 1 });
      expect(find('kind', 'inet-socket')).toMatchObject({ perImage: 3 });
      // Steady things are not suspects.
      expect(find('path', '/srv/leaky/config.yaml')).toBeUndefined();
      expect(find('kind', 'eventfd')).toBeUndefined();
      expect(t.suspects.some((x) => x.key.includes('LISTEN'))).toBe(false);
      // The same series by label and by explicit ids.
      expect(s.timeline({ label: 'leaky' }).points.map((p) => p.imageId)).toEqual(t.points.map((p) => p.imageId));
      expect(s.timeline({ ids: t.points.map((p) => p.imageId.slice(0, 10)).reverse() }).points.map((p) => p.imageId)).toEqual(
        t.points.map((p) => p.imageId),
      );
    }));

  it('a series that does not grow has no suspects', () =>
    withStore((s) => {
      for (let k = 0; k < 4; k++) s.importBytes(simBytes({ scenario: 'leaky', step: 2, time: T0 + k * HOUR }), { label: 'flat' });
      expect(s.timeline({ label: 'flat' }).suspects).toEqual([]);
    }));

  it('names a near miss and the selector escaped once, as names are shown, not \\x1b', () =>
    withStore((s) => {
      s.importBytes(simBytes({ scenario: 'leaky', step: 1, time: T0 }), { label: 'le\x1bak\u202e"q"' });
      // The label that contains what was asked for: ESC and the bidi control as \x1b and \u202e, its quotes as \".
      expect(() => s.timeline({ label: 'ak' })).toThrow(
        'no images match the timeline selector label "ak"; labels that contain it: "le\\x1bak\\u202e\\"q\\"" (1 image)',
      );
      // What was asked for, escaped the same way.
      expect(() => s.timeline({ label: 'x\x1b' })).toThrow('no images match the timeline selector label "x\\x1b"');
    }));

  it('explains a selector that matches nothing', () =>
    withStore((s) => {
      expect(() => s.timeline({ label: 'nope' })).toThrow(/no images match/);
      expect(() => s.timeline({})).toThrow(/selector/);
    }));
});
