/** limitReport: processes against their fd limits, the machine against its own, inotify per user. */
import { describe, expect, it } from 'vitest';
import { FORMAT_MAJOR, FORMAT_MINOR, O, limitReport, type ImageHeader } from '../../src-shared/model/index.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile } from '../../src-main/sim/common.js';
import { renderLimits, renderShow } from '../../src-main/cli/render-show.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ckpt } from '../cli/run.js';

const header = (kernelLimits: ImageHeader['kernelLimits']): ImageHeader => ({
  formatMajor: FORMAT_MAJOR,
  formatMinor: FORMAT_MINOR,
  arch: 'x86_64',
  kernelRelease: '6.1',
  hostname: 'h',
  captureTime: 0,
  source: 'sim',
  frozen: false,
  options: {},
  kernelLimits,
});

function inotify(p: ReturnType<ReturnType<typeof newBuilder>['process']>, watches: number): void {
  p.open(
    'inotify',
    {
      path: 'anon_inode:inotify',
      flags: O.O_RDONLY,
      attrs: { watches: Array.from({ length: watches }, (_, i) => ({ wd: i + 1, ino: 100 + i, sdev: 1, mask: 2, ignoredMask: 0 })) },
    },
    {},
  );
}

function scene() {
  const b = newBuilder('limits', 1);
  // 9 fds of a soft limit of 10: near it (90%); the hard limit would let it raise the soft one.
  const busy = b.process({ pid: 100, ppid: 1, comm: 'busy', cmdline: ['busy'], uid: 1000, fdLimit: { soft: 10, hard: 4096 } });
  for (let i = 0; i < 9; i++) openFile(busy, `/data/${i}`);
  // Unlimited: never near.
  const free = b.process({ pid: 200, ppid: 1, comm: 'free', cmdline: ['free'], uid: 1000, fdLimit: { soft: null, hard: null } });
  openFile(free, '/x');
  // At its limit exactly, soft = hard.
  const full = b.process({ pid: 300, ppid: 1, comm: 'full', cmdline: ['full'], uid: 0, fdLimit: { soft: 2, hard: 2 } });
  openFile(full, '/a');
  openFile(full, '/b');
  // Two inotify instances of uid 1000, with 3 and 1 watches; the child shares the first (one instance, charged once).
  inotify(busy, 3);
  inotify(free, 1);
  busy.fork({ pid: 101, comm: 'busy-child', cmdline: ['busy-child'] });
  return b;
}

describe('limitReport', () => {
  it('ranks processes by the share of their soft limit they use, and warns near it', () => {
    const b = scene();
    const r = limitReport(b.snapshot(header({})));
    // busy now holds 10 fds (9 files + its inotify) of 10; its child inherited all 10.
    expect(r.processes.map((p) => [p.pid, p.fds, p.soft, p.used])).toEqual([
      [100, 10, 10, 1],
      [101, 10, 10, 1],
      [300, 2, 2, 1],
      [200, 2, null, null],
    ]);
    expect(r.near.map((p) => p.pid)).toEqual([100, 101, 300]);
    expect(r.processWarnings).toEqual([
      'process 100 holds 10 fds, at or over its soft limit of 10 (hard limit 4096: it may raise the soft one)',
      'process 101 holds 10 fds, at or over its soft limit of 10 (hard limit 4096: it may raise the soft one)',
      'process 300 holds 2 fds, at or over its soft limit of 2',
    ]);
    expect(r.unknown).toBe(0);
  });

  it('counts inotify instances and watches per user, a shared instance once, against the user limits', () => {
    const b = scene();
    const r = limitReport(
      b.snapshot(
        header({ 'fs.inotify.max_user_instances': 2, 'fs.inotify.max_user_watches': 100, 'fs.file-nr': 950, 'fs.file-max': 1000 }),
      ),
    );
    expect(r.inotify.users).toEqual([{ uid: 1000, instances: 2, watches: 4 }]);
    expect(r.inotify.maxInstances).toBe(2);
    // Nothing on watches: 4 of 100. The machine's first, then each user's.
    expect(r.otherWarnings).toEqual([
      'the machine has 950 file handles allocated, 95% of fs.file-max 1000',
      'uid 1000 holds 2 inotify instances, 100% of fs.inotify.max_user_instances 2',
    ]);
  });

  it('says what it does not know instead of guessing', () => {
    const b = scene();
    const s = b.snapshot(header({}));
    for (const t of s.tasks) t.fdLimit = null;
    const r = limitReport(s);
    expect(r.processes).toEqual([]);
    expect(r.unknown).toBe(4);
    expect(r.fileHandles).toEqual({ allocated: null, max: null });
    expect(r.processWarnings).toEqual([]);
    expect(r.otherWarnings).toEqual([]);
  });

  it('ckpt show prints each process against its limit, the machine limits and the warnings', () => {
    const out = renderShow(
      scene().snapshot(header({ 'fs.file-nr': 950, 'fs.file-max': 9223372036854775807n, 'fs.inotify.max_user_instances': 128 })),
    );
    expect(out).toContain('task 100 ppid 1 uid 1000 fds 10 of 10 (hard 4096) busy: busy');
    expect(out).toContain('task 200 ppid 1 uid 1000 fds 2 of unlimited free: free');
    expect(out).toContain(
      'limits: 950 file handles allocated (fs.file-max 9223372036854775807); uid 1000: 2 inotify instance(s) of 128, 4 watch(es)',
    );
    expect(out).toContain('warning: process 300 holds 2 fds, at or over its soft limit of 2');
  });

  it('ckpt show --limits ranks every process; many near their limit are one warning line past ten', () => {
    const b = newBuilder('fleet', 1);
    for (let i = 0; i < 12; i++) {
      const w = b.process({ pid: 1000 + i, ppid: 1, comm: `w${i}`, cmdline: ['w'], fdLimit: { soft: 10, hard: 10 } });
      for (let k = 0; k < 9; k++) openFile(w, `/f/${i}/${k}`);
    }
    b.process({ pid: 2000, ppid: 1, comm: 'old', cmdline: ['old'] }).task.fdLimit = null;
    const s = b.snapshot(header({}));
    const out = renderLimits(s).split('\n');
    expect(out.filter((l) => l.startsWith('warning: process ')).length).toBe(10);
    expect(out).toContain('warning: 2 more process(es) at 80% of their fd limit or more (ckpt show --limits lists them all)');
    expect(out).toContain(' PID  FDS  SOFT  HARD  USED  COMM');
    expect(out).toContain('1000    9    10    10   90%  w0');
    expect(out.filter((l) => /^10\d\d /.test(l)).length).toBe(12);
    expect(out).toContain('(1 process(es) without a recorded limit)');
    expect(renderShow(s)).toContain('warning: 2 more process(es)');
  });

  it('the CLI: --limits on an image file, and on one older than 1.2; --json with it is a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-limits-cli-'));
    try {
      const img = join(dir, 'e.ckpt');
      expect(ckpt(['capture', '--sim', 'everything', '-o', img]).code).toBe(0);
      const r = ckpt(['show', '--limits', img]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^6001 +15 +65536 +524288 +0% +kitchen-child$/m);
      const old = ckpt(['show', '--limits', join(__dirname, '..', 'fixtures', 'golden-everything-1.1.ckpt')]);
      expect(old.out).toContain('(2 process(es) without a recorded limit: the image is older than format 1.2)');
      const both = ckpt(['show', '--limits', '--json', img]);
      expect(both.code).toBe(2);
      expect(both.err).toContain('--json and --limits: pick one');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ckpt show escapes the texts of the header too (a cgroup a container named, a hostname)', () => {
    const hostile = '/ctr/\x1b]0;owned\x07\u202e';
    const s = scene().snapshot({ ...header({}), hostname: 'h\x1b[2J', options: { cgroup: hostile } });
    const text = renderShow(s);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    expect(text).toContain('options: cgroup=/ctr/\\x1b]0;owned\\x07\\u202e');
    expect(text).toContain('capture of h\\x1b[2J');
  });
});
