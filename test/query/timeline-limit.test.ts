/**
 * Leak suspects of a process that grew into its soft fd limit and then sat
 * at it: the growth is named (what grew, from what, at what rate, until
 * when), not averaged over the plateau nor lost to its wobble; a process
 * that sat at or near its limit from the start is not a suspect, and the
 * timeline says that apart.
 */
import { describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile, stdNull, tcpConn, tcpListen } from '../../src-main/sim/common.js';
import { timelineText } from '../../src-main/report/text.js';
import { timelineDoc } from '../../src-main/report/build.js';
import { simBytes, simHeader, withStore, T0 } from '../store/helpers.js';

const HOUR = 3_600_000;
const SOFT = 64;

/**
 * A server with a soft limit of 64: 3 std fds, a listener, `early` logs
 * opened in its first captures and kept, and `leaked` accepted connections
 * left in CLOSE_WAIT.
 */
function server(time: number, o: { leaked: number; early?: number; pid?: number }): Uint8Array {
  const b = newBuilder('timeline-limit', 1);
  const p = b.process({ pid: o.pid ?? 700, ppid: 1, comm: 'srv', cmdline: ['/usr/bin/srv'], fdLimit: { soft: SOFT, hard: 4096 } });
  stdNull(p);
  tcpListen(p, '0.0.0.0', 8080, 4, true);
  for (let i = 0; i < (o.early ?? 0); i++) openFile(p, `/var/log/srv/early-${i}.log`, { cloexec: true });
  for (let i = 0; i < o.leaked; i++) tcpConn(p, '127.0.0.1', 8080, '127.0.0.1', 40000 + i, 'CLOSE_WAIT');
  return encodeSnapshot(b.snapshot(simHeader(time)));
}

describe('timeline: growth into the fd limit', () => {
  it('names what the 400-step leaky series grew by until its limit, at the rate it grew, and since when it is at it', () =>
    withStore((s) => {
      // As `capture --sim leaky --step K --time <K hours on>` for K = 0..399: 8 -> 128 fds by step 30, then at the limit.
      for (let step = 0; step < 400; step++)
        s.importBytes(simBytes({ scenario: 'leaky', step, time: T0 + step * HOUR }), { label: 'leaky' });
      const t = s.timeline({ label: 'leaky' });
      expect(t.points).toHaveLength(400);
      const reachedAt = T0 + 30 * HOUR; // 2026-11-21 16:00 UTC
      expect(t.limitReached).toEqual({
        pid: 5000,
        soft: 128,
        from: 0,
        fromFds: 8,
        index: 30,
        time: reachedAt,
        grew: true,
        text:
          'process 5000 grew from 8 to 128 fds and reached its soft limit of 128 at 2026-11-21 16:00 UTC; ' +
          'at it since (369 later captures, the last holding 128): opens fail with EMFILE',
      });
      const find = (what: string, key: string) => t.suspects.find((x) => x.what === what && x.key === key);
      const cw = find('socket', 'tcp CLOSE_WAIT -> 10.0.3.20:5432')!;
      // The growth, not the plateau: 3 an hour (by step 31: the churning connection's slot is taken by a leak at the limit).
      expect(cw).toMatchObject({ first: 0, last: 91, untilLimit: { from: 0, to: 31, index: 30, time: reachedAt, pid: 5000, soft: 128 } });
      expect(cw.perHour).toBeCloseTo(2.99, 2);
      expect(cw.perImage).toBeCloseTo(91 / 31, 6);
      expect(cw.text).toBe(
        '0 -> 91 over 31 h (+3.0/h) until process 5000 reached its fd limit of 128 at 2026-11-21 16:00 UTC, at it since',
      );
      expect(cw.counts).toHaveLength(400);
      expect(find('prefix', '/var/log/leaky/app.log.*')).toMatchObject({ first: 0, last: 30, perHour: 1, untilLimit: { to: 30 } });
      // A rotated log that appeared once and stayed is no suspect; steady things are none either.
      expect(find('path', '/var/log/leaky/app.log.1')).toBeUndefined();
      expect(find('path', '/srv/leaky/config.yaml')).toBeUndefined();
      expect(t.suspects.every((x) => x.untilLimit)).toBe(true);
      // The socket endpoint first: the most per image.
      expect(t.suspects.slice(0, 2).map((x) => x.key)).toContain('tcp CLOSE_WAIT -> 10.0.3.20:5432');
      // As `ckpt timeline` and the reports say it.
      const text = timelineText(t).split('\n');
      expect(text).toContain(
        '  socket  tcp CLOSE_WAIT -> 10.0.3.20:5432: 0 -> 91 over 31 h (+3.0/h) until process 5000 reached its fd limit of 128 at 2026-11-21 16:00 UTC, at it since, +2.9 per image',
      );
      expect(text.at(-1)).toBe(`fd limit reached: ${t.limitReached!.text}`);
      expect(timelineDoc(t).facts).toContainEqual(['Fd limit reached', t.limitReached!.text]);
    }));

  it('keeps a leak that wobbles at the limit (a close now and then): the count drops, the growth before it still shows', () =>
    withStore((s) => {
      // 4 fixed fds (+1 log from the second capture), 3 CLOSE_WAIT more per capture to 64 fds, then 63 or 64 for 30 captures.
      const full = SOFT - 5;
      const leaked: number[] = [];
      for (let k = 0; leaked.at(-1) !== full; k++) leaked.push(Math.min(full, 3 * k));
      for (let k = 0; k < 30; k++) leaked.push(full - (k % 3 === 1 ? 1 : 0));
      leaked.forEach((n, k) => s.importBytes(server(T0 + k * HOUR, { leaked: n, early: Math.min(k, 1) }), { label: 'srv' }));
      const t = s.timeline({ label: 'srv' });
      const index = leaked.indexOf(full);
      expect(index).toBe(20);
      expect(t.limitReached).toMatchObject({ pid: 700, soft: SOFT, from: 0, fromFds: 4, index, grew: true });
      const cw = t.suspects.find((x) => x.key === 'tcp 127.0.0.1:8080 accepted connections in CLOSE_WAIT');
      expect(cw).toMatchObject({ what: 'socket', first: 0, last: 59, untilLimit: { from: 0, to: index, index } });
      expect(cw!.perImage).toBeCloseTo(59 / 20, 6);
      expect(cw!.text).toMatch(
        /^0 -> 59 over 20 h \(\+3\.0\/h\) until process 700 reached its fd limit of 64 at 2026-11-21 06:00 UTC, at it since$/,
      );
      expect(t.suspects.find((x) => x.key === 'inet-socket')).toMatchObject({ first: 1, last: 60, untilLimit: { index } });
      // The log opened at the second capture and kept did not grow into the limit.
      expect(t.suspects.find((x) => x.what === 'prefix' || x.what === 'path' || x.key === 'regular')).toBeUndefined();
      expect(t.suspects).toHaveLength(2);
    }));

  it('does not flag a process that sits at or near its limit from the start, and says so apart', () =>
    withStore((s) => {
      // At it (60 leaked: 64 fds), wobbling to 63, from the first capture.
      for (let k = 0; k < 40; k++) s.importBytes(server(T0 + k * HOUR, { leaked: 60 - (k % 4 === 3 ? 1 : 0) }), { label: 'at' });
      const at = s.timeline({ label: 'at' });
      expect(at.suspects).toEqual([]);
      expect(timelineText(at)).toContain(
        'no leak suspects: nothing only grows, nor grew into the fd limit\nfd limit reached: process 700 was at',
      );
      expect(at.limitReached).toMatchObject({ pid: 700, soft: SOFT, from: 0, fromFds: 64, index: 0, grew: false });
      expect(at.limitReached!.text).toBe(
        'process 700 was at its soft limit of 64 from its first capture (2026-11-20 10:00 UTC, 64 fds) to the last: ' +
          'no growth into it in this series (it reached the limit before the series began, or holds that many by design)',
      );
      // Just under it (60 or 61 fds of 64) from the start: near, never at it.
      for (let k = 0; k < 40; k++) s.importBytes(server(T0 + k * HOUR, { leaked: 57 - (k % 5 === 2 ? 1 : 0) }), { label: 'near' });
      // (61 is within the limit's slack of 2 only at 62: this one never counts as at it.)
      const near = s.timeline({ label: 'near' });
      expect(near.limitReached).toBeNull();
      expect(near.suspects).toEqual([]);
    }));

  it('a restart into the limit counts from the new process, and a process that grew before the series is not one that grew in it', () =>
    withStore((s) => {
      // pid 700 at 30 fds, then restarted as 701 at its limit from its first capture.
      for (let k = 0; k < 5; k++) s.importBytes(server(T0 + k * HOUR, { leaked: 20 + 3 * k }), { label: 'r' });
      for (let k = 5; k < 20; k++) s.importBytes(server(T0 + k * HOUR, { leaked: 60, pid: 701 }), { label: 'r' });
      const t = s.timeline({ label: 'r' });
      expect(t.limitReached).toMatchObject({ pid: 701, from: 5, index: 5, grew: false });
      expect(t.suspects.some((x) => x.untilLimit)).toBe(false);
    }));
});
