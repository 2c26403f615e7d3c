/**
 * The timeline's fd limit projection: its arithmetic on series whose fit is
 * worked out by hand, when it declines to project, and the same result
 * through the store, the real CLI and the API.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIT_WINDOW, inAbout, projectLimit } from '../../src-main/query/timeline.js';
import { createBackend } from '../../src-main/api/handlers.js';
import { Store } from '../../src-main/store/index.js';
import type { Timeline, TimelinePoint } from '../../src-shared/store-types.js';
import { ckpt, leakyStepArgs } from '../cli/run.js';
import { simBytes, T0, withStore } from '../store/helpers.js';

const HOUR = 3_600_000;

/** Points at T0 + hours[i], the process's fds[i], soft limit `soft` (undefined: unknown; null: unlimited). */
function series(
  hours: number[],
  fds: number[],
  soft: number | null | undefined,
  opts: { hard?: number | null; pids?: number[] } = {},
): TimelinePoint[] {
  return hours.map((h, i) => ({
    time: T0 + h * HOUR,
    imageId: `img${i}`,
    label: '',
    total: fds[i]!,
    byKind: {},
    process: {
      pid: opts.pids?.[i] ?? 100,
      fds: fds[i]!,
      fdLimit: soft === undefined ? null : { soft, hard: opts.hard === undefined ? soft : opts.hard },
    },
  }));
}

describe('projectLimit arithmetic', () => {
  it('least squares over a noisy series, projected from the last count', () => {
    // t = 0,1,2,3 h; fds 10,12,11,15. Means: t 1.5, fds 12.
    // Sum (t - 1.5)(fds - 12) = (-1.5)(-2) + (-0.5)(0) + (0.5)(-1) + (1.5)(3) = 3 - 0.5 + 4.5 = 7
    // Sum (t - 1.5)^2 = 2.25 + 0.25 + 0.25 + 2.25 = 5  ->  slope 7/5 = 1.4 fds/h.
    // From 15 fds to 50: 35 / 1.4 = 25 h after the last capture (T0 + 3 h): T0 + 28 h = 2026-11-21 14:00 UTC.
    const p = projectLimit(series([0, 1, 2, 3], [10, 12, 11, 15], 50))!;
    expect(p.state).toBe('growing');
    expect(p.perHour).toBeCloseTo(1.4, 12);
    expect(p.hoursLeft).toBeCloseTo(25, 9);
    expect(p.reachTime).toBeCloseTo(T0 + 28 * HOUR, 0);
    expect(p).toMatchObject({ pid: 100, fds: 15, soft: 50, hard: 50, fitPoints: 4 });
    expect(p.text).toBe(
      'process 100 holds 15 fds, growing by 1.4 an hour: reaches its soft limit of 50 in about 25 h, around 2026-11-21 14:00 UTC',
    );
  });

  it('fits only the last FIT_WINDOW points: a leak that began midway is projected at its current rate', () => {
    expect(FIT_WINDOW).toBe(10);
    // Hours 0..11. The first two points (90 fds) are before a drop; hours 2..11 rise exactly 3/h from 10 to 37.
    // A fit over all twelve would slope downwards; the window's ten points are a line: 3/h.
    // From 37 to 100: 63 / 3 = 21 h after T0 + 11 h: T0 + 32 h = 2026-11-21 18:00 UTC.
    const fds = [90, 90, ...Array.from({ length: 10 }, (_, k) => 10 + 3 * k)];
    const p = projectLimit(series([...Array(12).keys()], fds, 100, { hard: 4096 }))!;
    expect(p.fitPoints).toBe(10);
    expect(p.perHour).toBeCloseTo(3, 12);
    expect(p.hoursLeft).toBeCloseTo(21, 9);
    expect(p.text).toBe(
      'process 100 holds 37 fds, growing by 3.0 an hour: reaches its soft limit of 100 in about 21 h, around 2026-11-21 18:00 UTC (hard limit 4096: it may raise the soft one)',
    );
  });

  it('a restart (another pid) starts the fit again', () => {
    // pid 1 climbs to 19 and restarts as pid 2: 5,6,7,8 at hours 4..7, 1/h. (20 - 8) / 1 = 12 h.
    const p = projectLimit(series([0, 1, 2, 3, 4, 5, 6, 7], [10, 13, 16, 19, 5, 6, 7, 8], 20, { pids: [1, 1, 1, 1, 2, 2, 2, 2] }))!;
    expect(p).toMatchObject({ pid: 2, fitPoints: 4, fds: 8 });
    expect(p.perHour).toBeCloseTo(1, 12);
    expect(p.hoursLeft).toBeCloseTo(12, 9);
    expect(p.reachTime).toBeCloseTo(T0 + 19 * HOUR, 0);
  });

  it('a soft limit raised midway starts the fit again: captures pinned at the old limit are not the new rate', () => {
    // Pinned at 64 (soft 64) for hours 0..3, raised to 128: 70, 76, 82 at hours 4..6, 6/h. (128 - 82) / 6 = 7.67 h.
    const points = series([0, 1, 2, 3, 4, 5, 6], [64, 64, 64, 64, 70, 76, 82], 128);
    for (const p of points.slice(0, 4)) p.process!.fdLimit = { soft: 64, hard: 128 };
    const p = projectLimit(points)!;
    expect(p).toMatchObject({ pid: 100, fitPoints: 3, fds: 82, soft: 128 });
    expect(p.perHour).toBeCloseTo(6, 12);
    expect(p.hoursLeft).toBeCloseTo(46 / 6, 9);
    // With one capture since the raise there is no rate yet, rather than one read across the pinned ones.
    expect(projectLimit(points.slice(0, 5))).toBeNull();
  });

  it('at or over the soft limit, whatever the trend', () => {
    expect(projectLimit(series([0, 1], [130, 128], 128, { hard: 128 }))).toMatchObject({
      state: 'at-limit',
      fds: 128,
      hoursLeft: null,
      text: 'process 100 holds 128 fds: at or over its soft limit of 128',
    });
    expect(projectLimit(series([0], [0], 0))?.state).toBe('at-limit');
  });

  it('nothing for flat, shrinking, churning, too short, unlimited or unknown', () => {
    expect(projectLimit(series([0, 1, 2, 3], [20, 20, 20, 20], 100))).toBeNull();
    expect(projectLimit(series([0, 1, 2, 3], [40, 35, 30, 25], 100))).toBeNull();
    // 10,11,10,11: slope 0.2/h (sum of products 1, of squares 5), a rise of 0.6 fd over 3 h: churn, not growth.
    expect(projectLimit(series([0, 1, 2, 3], [10, 11, 10, 11], 100))).toBeNull();
    expect(projectLimit(series([0, 1], [10, 50], 100))).toBeNull();
    expect(projectLimit(series([0, 1, 2, 3], [10, 20, 30, 40], null))).toBeNull();
    expect(projectLimit(series([0, 1, 2, 3], [10, 20, 30, 40], undefined))).toBeNull();
    // All at one instant: no rate.
    expect(projectLimit(series([0, 0, 0], [10, 20, 30], 100))).toBeNull();
    expect(projectLimit([])).toBeNull();
  });

  it('says durations as a person would', () => {
    expect(inAbout(0.25)).toBe('in about 15 min');
    // Under a minute is said so: 2 fds from the limit at 1.5 fds a second is not "about 1 min" away.
    expect(inAbout(0.001)).toBe('in less than a minute');
    expect(inAbout(1 / 60)).toBe('in about 1 min');
    expect(inAbout(3.4)).toBe('in about 3 h');
    expect(inAbout(47.4)).toBe('in about 47 h');
    expect(inAbout(48)).toBe('in about 2 d');
    expect(inAbout(24 * 400)).toBe('in about 400 d');
    expect(inAbout(24 * 365.25 * 3)).toBe('in about 3 years');
  });
});

describe('limits in a timeline of the leaky series', () => {
  // leaky (seed 1): 8 + 4 x step fds in one process, pid 5000, soft limit 128, hard 4096.
  it('each point carries the soft limit; the projection follows the fit', () => {
    withStore((s) => {
      // Steps 1..6 every 2 h from T0 + 2 h: fds 12..32, 4 per 2 h = 2/h.
      // (128 - 32) / 2 = 48 h after T0 + 12 h: T0 + 60 h = 2026-11-22 22:00 UTC.
      for (let step = 1; step <= 6; step++)
        s.importBytes(simBytes({ scenario: 'leaky', step, time: T0 + step * 2 * HOUR }), { label: 'leaky' });
      const t = s.timeline({ label: 'leaky' });
      expect(t.points.map((p) => p.process)).toEqual(
        [12, 16, 20, 24, 28, 32].map((fds) => ({ pid: 5000, fds, fdLimit: { soft: 128, hard: 4096 } })),
      );
      expect(t.points.map((p) => p.total)).toEqual([12, 16, 20, 24, 28, 32]);
      const p = t.projection!;
      expect(p).toMatchObject({ state: 'growing', pid: 5000, fds: 32, soft: 128, hard: 4096, fitPoints: 6 });
      expect(p.perHour).toBeCloseTo(2, 12);
      expect(p.hoursLeft).toBeCloseTo(48, 9);
      expect(p.reachTime).toBeCloseTo(T0 + 60 * HOUR, 0);
      expect(p.text).toBe(
        'process 5000 holds 32 fds, growing by 2.0 an hour: reaches its soft limit of 128 in about 2 d, around 2026-11-22 22:00 UTC (hard limit 4096: it may raise the soft one)',
      );
      // Step 30: 8 + 120 = 128 fds, at the limit.
      s.importBytes(simBytes({ scenario: 'leaky', step: 30, time: T0 + 60 * HOUR }), { label: 'leaky' });
      expect(s.timeline({ label: 'leaky' }).projection).toMatchObject({ state: 'at-limit', fds: 128 });
    });
  });

  it('the CLI prints the projection; --json carries it; the API answers the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-limit-cli-'));
    const home = join(dir, 'home');
    try {
      for (const step of [1, 2, 3]) {
        const r = ckpt([...leakyStepArgs(step), '--home', home]);
        expect(r.code, r.err).toBe(0);
      }
      // 12, 16, 20 fds an hour apart: 4/h; (128 - 20) / 4 = 27 h after 13:00: 2026-11-21 16:00 UTC.
      const want =
        'fd limit: process 5000 holds 20 fds, growing by 4.0 an hour: reaches its soft limit of 128 in about 27 h, around 2026-11-21 16:00 UTC (hard limit 4096: it may raise the soft one)';
      const text = ckpt(['timeline', '--label', 'leaky', '--home', home]);
      expect(text.code, text.err).toBe(0);
      expect(text.out.trimEnd().split('\n').at(-1)).toBe(want);
      const json = JSON.parse(ckpt(['timeline', '--label', 'leaky', '--json', '--home', home]).out) as Timeline;
      expect(json.points.map((p) => p.process?.fdLimit)).toEqual([1, 2, 3].map(() => ({ soft: 128, hard: 4096 })));
      expect(json.projection).toMatchObject({ state: 'growing', hoursLeft: 27, reachTime: Date.parse('2026-11-21T16:00:00Z') });

      const backend = createBackend({ home, host: 'browser', emit: () => undefined, log: () => undefined });
      try {
        const r = await backend.dispatch('timeline.get', { label: 'leaky' });
        expect(r.ok).toBe(true);
        const t = (r as { result: Timeline }).result;
        // What the browser host sends: plain JSON, no bigint.
        expect(JSON.parse(JSON.stringify(t))).toEqual(t);
        expect(t.projection).toEqual(json.projection);
        expect(t.points.map((p) => p.process)).toEqual(json.points.map((p) => p.process));
      } finally {
        backend.close();
      }

      // A series with no growth says so; one of an image before 1.2 says the limit is not known.
      ckpt(['import', join(__dirname, '..', 'fixtures', 'golden-everything-1.1.ckpt'), '--label', 'old', '--home', home]);
      expect(ckpt(['timeline', '--label', 'old', '--home', home]).out.trimEnd().split('\n').at(-1)).toBe(
        'fd limit: not known for this series (images before format 1.2, or imported before the library recorded limits)',
      );
      expect(ckpt(['timeline', 'leaky', '--home', home]).out.trimEnd().split('\n').at(-1)).toBe(
        'fd limit: process 5000 holds 20 fds of its soft limit of 128; no growth to project from its recent captures',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a library opened read-only answers too', () => {
    withStore((s, home) => {
      for (let step = 1; step <= 3; step++) s.importBytes(simBytes({ scenario: 'leaky', step, time: T0 + step * HOUR }), { label: 'l' });
      const ro = Store.open(home, { readonly: true });
      try {
        expect(ro.timeline({ label: 'l' }).projection).toEqual(s.timeline({ label: 'l' }).projection);
      } finally {
        ro.close();
      }
    });
  });
});
