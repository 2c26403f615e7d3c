/** ckpt search --holders: who held the matching files across the library, since when, until when or now. */
import { describe, expect, it } from 'vitest';
import { FORMAT_MAJOR, FORMAT_MINOR, type Snapshot } from '../../src-shared/model/index.js';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile } from '../../src-main/sim/common.js';
import { holdersText } from '../../src-main/report/text.js';
import { ckpt } from '../cli/run.js';
import { T0, withStore } from '../store/helpers.js';

const HOUR = 3_600_000;

/** Image k (0, 1, 2) of a series an hour apart: who holds /srv/x at which fd in it. */
function image(k: number): Snapshot {
  const b = newBuilder('holders', 1);
  const a = b.process({ pid: 100, ppid: 1, comm: 'daemon', cmdline: ['daemon'] });
  openFile(a, '/srv/x', { at: 3 }); // all three: held now, since image 0
  const c = b.process({ pid: 200, ppid: 1, comm: 'batch', cmdline: ['batch'] });
  if (k < 2) openFile(c, '/srv/x', { at: 4 }); // images 0 and 1, then closed
  const d = b.process({ pid: 300, ppid: 1, comm: 'flaky', cmdline: ['flaky'] });
  if (k !== 1) openFile(d, '/srv/x', { at: 5 }); // 0 and 2: a gap
  // Rotated away (renamed) in image 1 and deleted in image 2: one file, held at fd 6 all along.
  openFile(a, k === 0 ? '/srv/app.log' : '/srv/app.log.1', { at: 6, dev: 2049, ino: 777, deleted: k === 2 });
  if (k === 2) openFile(c, '/srv/other', { at: 7 });
  return b.snapshot({
    formatMajor: FORMAT_MAJOR,
    formatMinor: FORMAT_MINOR,
    arch: 'x86_64',
    kernelRelease: '6.1',
    hostname: 'h',
    captureTime: T0 + k * HOUR,
    source: 'sim',
    frozen: false,
    options: {},
    kernelLimits: {},
  });
}

describe('holders', () => {
  it('folds matches across images: since, until or now, images held in, gaps', () =>
    withStore((s) => {
      for (const k of [0, 1, 2]) s.importBytes(encodeSnapshot(image(k)), { label: `s${k}`, tags: ['series'] });
      const r = s.holders('/srv/x');
      expect(r.imagesCovered).toBe(3);
      expect(r.newest).toBe(T0 + 2 * HOUR);
      expect(r.holders.map((h) => [h.pid, h.commText, h.fd, h.firstSeen - T0, h.lastSeen - T0, h.images, h.gaps, h.now])).toEqual([
        // Held now, longest first.
        [100, 'daemon', 3, 0, 2 * HOUR, 3, 0, true],
        [300, 'flaky', 5, 0, 2 * HOUR, 2, 1, true],
        // No longer held: until image 1.
        [200, 'batch', 4, 0, HOUR, 2, 0, false],
      ]);
      expect(r.holders[2]!.lastImage).toBe(s.getImage('s1').id);
      // A file renamed and deleted while held is one holder, read as it is now.
      const log = s.holders('app.log').holders;
      expect(log.map((h) => [h.pid, h.fd, h.firstSeen - T0, h.images, h.now, h.target])).toEqual([
        [100, 6, 0, 3, true, '/srv/app.log.1 (deleted)'],
      ]);
    }));

  it('an image that did not capture the process is no gap', () =>
    withStore((s) => {
      for (const k of [0, 1, 2]) s.importBytes(encodeSnapshot(image(k)));
      // Another host's capture between images 0 and 2 (T0 + 30 min): no pid 300 in it.
      const other = newBuilder('elsewhere', 2);
      openFile(other.process({ pid: 999, ppid: 1, comm: 'other', cmdline: ['other'] }), '/elsewhere');
      const snap = other.snapshot({ ...image(0).header, hostname: 'other', captureTime: T0 + HOUR / 2 });
      s.importBytes(encodeSnapshot(snap));
      const flaky = s.holders('/srv/x').holders.find((h) => h.pid === 300)!;
      expect([flaky.images, flaky.gaps]).toEqual([2, 1]); // image 1 only, not the other host's
    }));

  it('"now" ends only with a later capture that would have seen the holder: of its process, of its pid asked for, or of every process on its host', () =>
    withStore((s) => {
      for (const k of [0, 1]) s.importBytes(encodeSnapshot(image(k)));
      // Later captures of something else: another process of the same host, another host's every process.
      const later = (pid: number, host: string, hours: number, all: boolean) => {
        const b = newBuilder('later', 3);
        openFile(b.process({ pid, ppid: 1, comm: 'other', cmdline: ['other'] }), '/elsewhere');
        s.importBytes(
          encodeSnapshot(
            b.snapshot({
              ...image(0).header,
              hostname: host,
              captureTime: T0 + hours * HOUR,
              options: all ? { all: 'true' } : { pids: String(pid) },
            }),
          ),
        );
      };
      later(999, 'h', 2, false);
      later(998, 'other-host', 3, true);
      const now = () => Object.fromEntries(s.holders('/srv/x').holders.map((h) => [h.pid, h.now]));
      // batch (200) and daemon (100) held it at their last capture, and nothing since looked at them.
      expect(now()).toEqual({ 100: true, 200: true, 300: false });
      // A capture that asked for 200 by its pid (--pid 200,996) and found only 996: 200 was gone by then.
      const asked = newBuilder('asked', 3);
      openFile(asked.process({ pid: 996, ppid: 1, comm: 'other', cmdline: ['other'] }), '/elsewhere');
      s.importBytes(
        encodeSnapshot(asked.snapshot({ ...image(0).header, hostname: 'h', captureTime: T0 + 3 * HOUR, options: { pids: '200,996' } })),
      );
      expect(now()).toEqual({ 100: true, 200: false, 300: false });
      // Every process of host h, without them: they are gone, so no longer held.
      later(997, 'h', 4, true);
      expect(now()).toEqual({ 100: false, 200: false, 300: false });
    }));

  it('"now" and gaps are about the images the query covers', () =>
    withStore((s) => {
      for (const k of [0, 1, 2]) s.importBytes(encodeSnapshot(image(k)), { label: `s${k}` });
      // Only images 0 and 1: batch still holds it in the newest of those, and flaky has no gap there.
      const r = s.holders('/srv/x label:s0,s1');
      expect(r.imagesCovered).toBe(2);
      expect(r.holders.map((h) => [h.pid, h.now, h.images, h.gaps])).toEqual([
        [100, true, 2, 0],
        [200, true, 2, 0],
        [300, false, 1, 0],
      ]);
      expect(s.holders('/nothing/like/this').holders).toEqual([]);
      expect(() => s.holders('/srv/x', { maxHits: 0 })).toThrow(/holders maxHits must be an integer/);
    }));

  it('prints a table; the CLI lists --limit of them and refuses --per-image with it', () =>
    withStore((s, home) => {
      for (const k of [0, 1, 2]) s.importBytes(encodeSnapshot(image(k)));
      const text = holdersText(s.holders('/srv/x'));
      const iso = (k: number) => new Date(T0 + k * HOUR).toISOString().slice(0, 19) + 'Z';
      expect(text.split('\n')).toEqual([
        `3 holder(s) of path:/srv/x across 3 image(s) up to ${iso(2)}`,
        '',
        `PID  COMM    FD  SINCE                 UNTIL                 IMAGES     TARGET`,
        `100  daemon   3  ${iso(0)}  now                   3          /srv/x`,
        `300  flaky    5  ${iso(0)}  now                   2 (1 gap)  /srv/x`,
        `200  batch    4  ${iso(0)}  ${iso(1)}  2          /srv/x`,
      ]);
      const cli = ckpt(['search', '--holders', '/srv/x', '--home', home]);
      expect(cli.code, cli.err).toBe(0);
      expect(cli.out.trim()).toBe(text);
      const two = ckpt(['search', '--holders', '--limit', '2', '/srv/x', '--home', home]);
      expect(two.code, two.err).toBe(0);
      const lines = two.out.trim().split('\n');
      expect(lines.slice(0, 3)).toEqual([
        `3 holder(s) of path:/srv/x across 3 image(s) up to ${iso(2)}`,
        'holders 1-2 of 3 shown (more exist; narrow the query or raise --limit)',
        '',
      ]);
      expect(lines.slice(4).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(['100 daemon 3', '300 flaky 5']);
      const bad = ckpt(['search', '--holders', '--per-image', '5', '/srv/x', '--home', home]);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('--holders folds every matching fd: --per-image does not apply');
      const noHolders = ckpt(['search', '--offset', '5', '/srv/x', '--home', home]);
      expect(noHolders.code).toBe(2);
      expect(noHolders.err).toContain('--offset pages the holders: it needs --holders');
    }));

  it('prints hundreds of thousands of holders (a broad query) without running out of stack', () => {
    const h = {
      pid: 1,
      comm: 'c',
      commText: 'c',
      fd: 3,
      kind: 'regular',
      target: '/x',
      path: '/x',
      firstSeen: T0,
      lastSeen: T0,
      images: 1,
      gaps: 0,
      now: true,
      lastImage: 'i',
    };
    const holders = Array.from({ length: 300_000 }, (_, i) => ({ ...h, fd: i }));
    const text = holdersText({
      query: 'q',
      normalized: 'q',
      holders,
      total: holders.length,
      offset: 0,
      more: false,
      imagesCovered: 1,
      newest: T0,
      truncated: false,
      elapsedMs: 0,
    });
    const lines = text.split('\n');
    expect(lines).toHaveLength(3 + 300_000);
    expect(lines.at(-1)).toBe(`  1  c     299999  ${new Date(T0).toISOString().slice(0, 19)}Z  now    1       /x`);
  });
});
