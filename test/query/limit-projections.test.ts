/**
 * The timeline's per-process fd limit projections: every process of a
 * series of whole-machine captures heading for its own soft limit, not just
 * the series' first process. Real libraries of simulated images: the
 * leaky-host scenario (the leaky service as the machine's third process)
 * and machines built here process by process.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { LIMIT_PROJECTIONS_MAX } from '../../src-main/query/timeline.js';
import { openFile, stdNull } from '../../src-main/sim/common.js';
import { simulate } from '../../src-main/sim/index.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { Store } from '../../src-main/store/index.js';
import type { FdLimit } from '../../src-shared/model/index.js';
import type { Timeline } from '../../src-shared/store-types.js';
import { ckpt } from '../cli/run.js';
import { simBytes, T0, tempHome, withStore } from '../store/helpers.js';

const HOUR = 3_600_000;

interface Spec {
  pid: number;
  cmd: string;
  /** fds beyond the three standard ones. */
  fds: number;
  /** Default: soft 100, hard 4096; null: not known. */
  limit?: FdLimit | null;
  /** Arguments after the command's first word, as bytes. */
  args?: Uint8Array[];
}

/** One capture of a machine holding these processes, in this order. */
function machine(time: number, procs: Spec[]): Buffer {
  const b = newBuilder('limit-projections', 1);
  for (const p of procs) {
    const argv = p.cmd.split(' ');
    const proc = b.process({
      pid: p.pid,
      ppid: 1,
      comm: argv[0]!.split('/').pop()!.slice(0, 15),
      cmdline: [...argv, ...(p.args ?? [])],
      fdLimit: p.limit === undefined ? { soft: 100, hard: 4096 } : p.limit,
    });
    stdNull(proc);
    for (let i = 0; i < p.fds; i++) openFile(proc, `/data/${p.pid}/${argv[0]!.split('/').pop()}/${i}`, { cloexec: true });
  }
  const header = { ...simulate({ scenario: 'pipeline' }).header, hostname: 'box', options: {}, captureTime: time };
  return encodeSnapshot(b.snapshot(header));
}

const INIT: Spec = { pid: 1, cmd: '/sbin/init', fds: 2, limit: { soft: 1073741816, hard: 1073741816 } };

describe('per-process limit projections', () => {
  it("the machine's third process, the leaky service, is projected to its soft limit of 128; the program's own projection is unchanged", () => {
    withStore((s) => {
      // leaky-host at steps 1..6, an hour apart from T0 + 1 h. The leaky service (pid 5000, third process)
      // holds 11 + 4 x step fds: 15 ... 35, exactly 4 an hour. (128 - 35) / 4 = 23.25 h after the last
      // capture (T0 + 6 h = 16:00): T0 + 29.25 h = 2026-11-21 15:15 UTC.
      // The log shipper (pid 5300): 3 + step fds, 4 ... 9, 1 an hour against 1024: (1024 - 9) / 1 = 1015 h.
      for (let step = 1; step <= 6; step++)
        s.importBytes(simBytes({ scenario: 'leaky-host', step, time: T0 + step * HOUR }), { label: 'host' });
      const t = s.timeline({ label: 'host' });
      expect(t.program).toBe('/sbin/init splash');
      // The series' process is init, flat: the single projection stays as it was, none.
      expect(t.points.map((p) => p.process?.pid)).toEqual([1, 1, 1, 1, 1, 1]);
      expect(t.projection).toBeNull();
      // Flat (init, sshd), shrinking (cache-warmer, 5100) and unknown-limit (metrics-agent, 5200) processes are not listed.
      expect(t.limitProjections.map((p) => p.pid)).toEqual([5000, 5300]);
      expect(t.limitProjectionCount).toBe(2);
      const [leak, shipper] = t.limitProjections as [Timeline['limitProjections'][0], Timeline['limitProjections'][0]];
      expect(leak).toMatchObject({
        state: 'growing',
        pid: 5000,
        commText: 'leaky-svc',
        cmdline: '/usr/local/bin/leaky-svc --port 9000',
        fds: 35,
        soft: 128,
        hard: 4096,
        fitPoints: 6,
        counts: [15, 19, 23, 27, 31, 35],
        reaches: 'in about 23 h, around 2026-11-21 15:15 UTC',
      });
      expect(leak.perHour).toBeCloseTo(4, 12);
      expect(leak.hoursLeft).toBeCloseTo(23.25, 9);
      expect(leak.reachTime).toBeCloseTo(T0 + 29.25 * HOUR, 0);
      expect(leak.text).toBe(
        'process 5000 holds 35 fds, growing by 4.0 an hour: reaches its soft limit of 128 in about 23 h, around 2026-11-21 15:15 UTC (hard limit 4096: it may raise the soft one)',
      );
      expect(shipper).toMatchObject({ pid: 5300, fds: 9, soft: 1024, hard: 1024, counts: [4, 5, 6, 7, 8, 9] });
      expect(shipper.hoursLeft).toBeCloseTo(1015, 9);
      // Through JSON as the browser host sends it.
      expect(JSON.parse(JSON.stringify(t.limitProjections))).toEqual(t.limitProjections);
      // A report of the timeline: a fact and a table, earliest first; its JSON is the Timeline with the list.
      const md = s.export({ what: 'timeline', selector: { label: 'host' } }, 'md');
      // (Markdown escapes only what would be markup; the command line is a code span.)
      expect(md).toContain(
        '- **Processes heading for their fd limit**: 2, earliest first: 5000 leaky-svc (35 of 128 fds, in about 23 h, around 2026-11-21 15:15 UTC); 5300 log-shipper',
      );
      const table = md.slice(md.indexOf('## Processes heading for their fd limit (earliest first)')).split('\n');
      expect(table.slice(2, 5)).toEqual([
        '| pid | comm | command | fds | soft limit | hard limit | per hour | reaches its soft limit |',
        '|---|---|---|---|---|---|---|---|',
        '| 5000 | leaky-svc | `/usr/local/bin/leaky-svc --port 9000` | 35 | 128 | 4096 | 4.0 | in about 23 h, around 2026-11-21 15:15 UTC |',
      ]);
      expect(table[5]).toMatch(/^\| 5300 \| log-shipper \|/);
      const html = s.export({ what: 'timeline', selector: { label: 'host' } }, 'html');
      expect(html).toContain('Processes heading for their fd limit (earliest first)');
      expect((JSON.parse(s.export({ what: 'timeline', selector: { label: 'host' } }, 'json')) as Timeline).limitProjections).toEqual(
        t.limitProjections,
      );
    });
  });

  it('a pid reused by another command is another process; a restart under a new pid starts afresh', () => {
    withStore((s) => {
      // Hours 0..2: pid 700 runs worker-a, 10/20/30 extra fds. Hours 3..5: pid 700 runs worker-b, 50/52/54.
      // Joined, the six counts would fit some 7.5 fds/h; worker-b alone grows 2/h from 57 fds (54 + 3 std):
      // (100 - 57) / 2 = 21.5 h.
      // pid 800 (svc) grows 5/h over hours 0..2, restarts as pid 801 at hour 3 and grows 1/h: its last
      // three points only, 13, 14, 15 fds: (100 - 15) / 1 = 85 h. pid 800 is gone: no entry for it.
      const fds = { a: [10, 20, 30], b: [50, 52, 54] };
      for (let h = 0; h < 6; h++) {
        const procs: Spec[] = [INIT];
        procs.push(
          h < 3
            ? { pid: 700, cmd: '/usr/bin/worker-a', fds: fds.a[h]! }
            : { pid: 700, cmd: '/usr/bin/worker-b --fast', fds: fds.b[h - 3]! },
        );
        procs.push(h < 3 ? { pid: 800, cmd: '/usr/bin/svc', fds: 5 * h } : { pid: 801, cmd: '/usr/bin/svc', fds: 7 + h });
        s.importBytes(machine(T0 + h * HOUR, procs), { label: 'reuse' });
      }
      const t = s.timeline({ label: 'reuse' });
      expect(t.limitProjections.map((p) => [p.pid, p.cmdline])).toEqual([
        [700, '/usr/bin/worker-b --fast'],
        [801, '/usr/bin/svc'],
      ]);
      const [b, svc] = t.limitProjections;
      expect(b).toMatchObject({ fds: 57, fitPoints: 3, counts: [null, null, null, 53, 55, 57] });
      expect(b!.perHour).toBeCloseTo(2, 12);
      expect(b!.hoursLeft).toBeCloseTo(21.5, 9);
      expect(svc).toMatchObject({ fds: 15, fitPoints: 3, counts: [null, null, null, 13, 14, 15] });
      expect(svc!.hoursLeft).toBeCloseTo(85, 9);
    });
  });

  it('a series longer than the fit: the last 10 captures fit, the counts cover every point', () => {
    withStore((s) => {
      // 14 captures an hour apart. pid 20 holds 90 extra fds until hour 3, then closes them and leaks 2 an hour
      // from 0: hours 4..13 are exactly 2/h (the fit's 10 points), from 3 + 18 = 21 fds at the end.
      // (100 - 21) / 2 = 39.5 h. pid 21 is born at hour 8 and leaks 1 an hour: 6 points, (100 - 8) / 1 = 92 h.
      for (let h = 0; h < 14; h++) {
        const procs: Spec[] = [INIT, { pid: 20, cmd: 'grower', fds: h < 4 ? 90 : 2 * (h - 4) }];
        if (h >= 8) procs.push({ pid: 21, cmd: 'late', fds: h - 8 });
        s.importBytes(machine(T0 + h * HOUR, procs), { label: 'long' });
      }
      const t = s.timeline({ label: 'long' });
      expect(t.limitProjections.map((p) => [p.pid, p.fitPoints, p.counts])).toEqual([
        [20, 10, [93, 93, 93, 93, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21]],
        [21, 6, [null, null, null, null, null, null, null, null, 3, 4, 5, 6, 7, 8]],
      ]);
      expect(t.limitProjections[0]!.hoursLeft).toBeCloseTo(39.5, 9);
      expect(t.limitProjections[1]!.hoursLeft).toBeCloseTo(92, 9);
    });
  });

  it('flat, shrinking, churning and unknown or unlimited limits give no entry; at the limit does, first', () => {
    withStore((s) => {
      for (let h = 0; h < 5; h++)
        s.importBytes(
          machine(T0 + h * HOUR, [
            INIT,
            { pid: 10, cmd: 'flat', fds: 20 },
            { pid: 11, cmd: 'shrinking', fds: 40 - 5 * h },
            { pid: 12, cmd: 'churn', fds: 10 + (h % 2) },
            { pid: 13, cmd: 'unknown-limit', fds: 10 * h, limit: null },
            { pid: 14, cmd: 'unlimited', fds: 10 * h, limit: { soft: null, hard: null } },
            { pid: 15, cmd: 'full', fds: 97 },
            { pid: 16, cmd: 'growing', fds: 10 + 10 * h, args: [Uint8Array.from([...Buffer.from('--name=x\n\u202e'), 0xff])] },
          ]),
          { label: 'mix' },
        );
      const t = s.timeline({ label: 'mix' });
      expect(t.limitProjections.map((p) => [p.pid, p.state, p.reaches])).toEqual([
        [15, 'at-limit', 'at it now'],
        // 53 fds, 10/h: (100 - 53) / 10 = 4.7 h, after T0 + 4 h (14:00): 18:42.
        [16, 'growing', 'in about 5 h, around 2026-11-20 18:42 UTC'],
      ]);
      // A command line's bytes in their display form: a newline, a bidi override and an invalid byte escaped.
      expect(t.limitProjections[1]!.cmdline).toBe('growing --name=x\\n\\u202e\\xff');
    });
  });

  it('processes whose limits the library does not know (indexed before schema 3: NULL) have no projection, never one against 0', () => {
    const { home, cleanup } = tempHome();
    try {
      const s = Store.open(home);
      for (let step = 1; step <= 4; step++)
        s.importBytes(simBytes({ scenario: 'leaky-host', step, time: T0 + step * HOUR }), { label: 'host' });
      expect(s.timeline({ label: 'host' }).limitProjectionCount).toBe(2);
      s.close();
      // What migration 3 leaves on rows indexed before it.
      const db = new Database(join(home, 'library.db'));
      db.exec('UPDATE tasks SET fd_soft = NULL, fd_hard = NULL');
      db.close();
      const again = Store.open(home);
      try {
        const t = again.timeline({ label: 'host' });
        expect(t.limitProjections).toEqual([]);
        expect(t.limitProjectionCount).toBe(0);
        expect(t.points.every((p) => p.process?.fdLimit === null)).toBe(true);
      } finally {
        again.close();
      }
    } finally {
      cleanup();
    }
  });

  it(`earliest first, the first ${LIMIT_PROJECTIONS_MAX} of them, with the count of all`, () => {
    withStore((s) => {
      // 30 growing processes, pid 100 + k growing k + 1 fds an hour from 3 fds against 1000: the faster, the sooner,
      // except that every third one's soft limit is 200, which brings it forward.
      const N = 30;
      for (let h = 0; h < 4; h++) {
        const procs: Spec[] = [INIT];
        for (let k = 0; k < N; k++)
          procs.push({ pid: 100 + k, cmd: `/usr/bin/w${k}`, fds: (k + 1) * h, limit: { soft: k % 3 ? 1000 : 200, hard: 4096 } });
        s.importBytes(machine(T0 + h * HOUR, procs), { label: 'many' });
      }
      const t = s.timeline({ label: 'many' });
      expect(t.limitProjectionCount).toBe(N);
      expect(t.limitProjections).toHaveLength(LIMIT_PROJECTIONS_MAX);
      const hoursLeft = (k: number) => ((k % 3 ? 1000 : 200) - (3 + 3 * (k + 1))) / (k + 1);
      const want = [...Array(N).keys()].sort((a, b) => hoursLeft(a) - hoursLeft(b)).slice(0, LIMIT_PROJECTIONS_MAX);
      expect(t.limitProjections.map((p) => p.pid)).toEqual(want.map((k) => 100 + k));
      for (const [i, p] of t.limitProjections.entries()) expect(p.hoursLeft).toBeCloseTo(hoursLeft(want[i]!), 9);
    });
  });
});

describe('ckpt timeline: processes heading for their fd limit', () => {
  it('prints the section, earliest first, before the fd limit line; --json carries the list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-limit-procs-'));
    const home = join(dir, 'home');
    try {
      // Captures of `sim` an hour apart from 11:00, stored under `label`.
      const series = (sim: string, steps: number, label: string) => {
        for (let step = 1; step <= steps; step++) {
          const r = ckpt([
            'capture',
            '--sim',
            sim,
            '--step',
            String(step),
            '--time',
            `2026-11-20T1${step}:00:00Z`,
            '--store',
            '--label',
            label,
            '--home',
            home,
          ]);
          expect(r.code, r.err).toBe(0);
        }
      };
      series('leaky-host', 4, 'host');
      // leaky-svc: 15, 19, 23, 27 fds an hour apart from 11:00: (128 - 27) / 4 = 25.25 h after 14:00.
      // log-shipper: 4 ... 7, 1/h: (1024 - 7) h = 42 d after 14:00, 2027-01-01 23:00.
      const r = ckpt(['timeline', '--label', 'host', '--home', home]);
      expect(r.code, r.err).toBe(0);
      const lines = r.out.trimEnd().split('\n');
      const at = lines.indexOf('processes heading for their fd limit (2, earliest first):');
      expect(at).toBeGreaterThan(0);
      expect(lines.slice(at + 1, at + 4)).toEqual([
        '   pid  fds/soft  per hour  reaches its soft limit                      command',
        '  5000    27/128       4.0  in about 25 h, around 2026-11-21 15:15 UTC  /usr/local/bin/leaky-svc --port 9000',
        '  5300    7/1024       1.0  in about 42 d, around 2027-01-01 23:00 UTC  /usr/bin/log-shipper --spool /var/spool/ship',
      ]);
      expect(lines.slice(at + 4)).toEqual([
        '',
        'fd limit: process 1 holds 5 fds of its soft limit of 1073741816; no growth to project from its recent captures',
      ]);
      const json = JSON.parse(ckpt(['timeline', '--label', 'host', '--json', '--home', home]).out) as Timeline;
      expect(json.limitProjectionCount).toBe(2);
      expect(json.limitProjections.map((p) => [p.pid, p.fds, p.soft, p.reachTime])).toEqual([
        [5000, 27, 128, Date.parse('2026-11-21T15:15:00Z')],
        [5300, 7, 1024, Date.parse('2026-11-20T14:00:00Z') + 1017 * HOUR],
      ]);
      // A single program's series: its one process is what the last line says; no section repeats it.
      series('leaky', 3, 'one');
      const one = ckpt(['timeline', '--label', 'one', '--home', home]).out;
      expect(one).not.toContain('processes heading for their fd limit');
      expect(JSON.parse(ckpt(['timeline', '--label', 'one', '--json', '--home', home]).out)).toMatchObject({
        limitProjectionCount: 1,
        limitProjections: [{ pid: 5000 }],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
