/**
 * An image's limits in every export format: the facts of limitReport (each
 * process's fds against its soft and hard limit, the machine's file handles,
 * inotify per user) and its warnings; "not recorded" for an image from
 * before format 1.2, never a zero.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { simulate } from '../../src-main/sim/index.js';
import { Store } from '../../src-main/store/index.js';
import type { ImageLimits } from '../../src-shared/api/results.js';
import type { Timeline } from '../../src-shared/store-types.js';
import { timelineDoc } from '../../src-main/report/build.js';
import { tempHome, T0 } from '../store/helpers.js';
import { pressured } from '../api/limit-scenes.js';

let store: Store;
let cleanup: () => void;
const ids: Record<'kitchen' | 'pressured' | 'old', string> = { kitchen: '', pressured: '', old: '' };

beforeAll(() => {
  const h = tempHome();
  cleanup = h.cleanup;
  store = Store.open(h.home);
  ids.kitchen = store.importBytes(encodeSnapshot(simulate({ scenario: 'everything', time: T0 }))).image.id;
  ids.pressured = store.importBytes(pressured()).image.id;
  ids.old = store.importBytes(readFileSync(join(__dirname, '..', 'fixtures', 'golden-everything-1.1.ckpt'))).image.id;
});
afterAll(() => {
  store.close();
  cleanup();
});

const exp = (which: keyof typeof ids, format: 'html' | 'md' | 'json' | 'csv') => store.export({ what: 'image', id: ids[which] }, format);
/** Markdown with its backslash escapes taken off, to read it as text. */
const mdText = (which: keyof typeof ids) => exp(which, 'md').replace(/\\(.)/g, '$1');
/** RFC 4180 records: a quoted field may hold commas (epoll's 'watching 3 (fds 22, 10, 11)'); no field here holds a line break. */
const csvRows = (which: keyof typeof ids) =>
  exp(which, 'csv')
    .trimEnd()
    .split('\r\n')
    .map((l) => [...l.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"')));
/** The Markdown section between a heading and the next heading of the same level. */
function mdSection(md: string, heading: string): string {
  const at = md.indexOf(`\n${heading}\n`);
  expect(at).toBeGreaterThanOrEqual(0);
  const level = heading.split(' ')[0]!;
  const rest = md.slice(at + heading.length + 2);
  const end = rest.search(new RegExp(`\\n${level} `));
  return end < 0 ? rest : rest.slice(0, end);
}

describe('a 1.2 image with no process near its limit (sim everything)', () => {
  it('Markdown: a Limits section with the machine and inotify facts, warnings none, and a table of every process', () => {
    const md = mdText('kitchen');
    const lim = mdSection(md, '## Limits');
    expect(lim).toContain('- **Fd limits (RLIMIT_NOFILE)**: 2 process(es) with a recorded limit, 0 at 80% of their soft limit or more');
    expect(lim).toMatch(/- \*\*File handles \(fs.file-nr of fs.file-max\)\*\*: \d+ allocated of 9223372036854775807 \(0%\)/);
    expect(lim).toContain('- **fs.nr_open (highest hard fd limit)**: 1073741816');
    expect(lim).toContain('- **inotify limits per user**: fs.inotify.max_user_instances 128, fs.inotify.max_user_watches 65536');
    expect(lim).toContain('- **inotify of uid 0**: 1 instance(s) (1%), 1 watch(es) (0%)');
    expect(lim).toMatch(/### Warnings\n\nnone/);
    const table = mdSection(md, '## Fd limits');
    expect(table).toContain('| pid | comm | uid | fds | soft limit | hard limit | used | near |');
    expect(table).toMatch(/\| 6000 \| kitchen-sink \| 0 \| \d+ \| 1024 \| 524288 \| \d+% \| no \|/);
    expect(table).toMatch(/\| 6001 \| kitchen-child \| 100000 \| \d+ \| 65536 \| 524288 \| 0% \| no \|/);
  });

  it('HTML: the same section before the charts, and the table', () => {
    const html = exp('kitchen', 'html');
    const at = html.indexOf('<h2>Limits</h2>');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(html.indexOf('<figure>'));
    expect(html).toContain('<h3>Warnings</h3><p>Warnings: none.</p>');
    expect(html).toContain('<dt>fs.nr_open (highest hard fd limit)</dt><dd>1073741816</dd>');
    expect(html).toMatch(
      /<h2>Fd limits<\/h2><div class="tw"><table>.*<td>6000<\/td><td>kitchen-sink<\/td><td>0<\/td><td>\d+<\/td><td>1024<\/td><td>524288<\/td>/s,
    );
  });

  it('JSON: the limits beside the snapshot, u64s as decimal strings', () => {
    const data = JSON.parse(exp('kitchen', 'json')) as {
      limits: ImageLimits;
      snapshot: { header: { kernelLimits: Record<string, unknown> } };
    };
    expect(data.limits).toMatchObject({ recorded: true, known: 2, unknown: 0, near: 0, warnings: [], moreWarnings: 0 });
    expect(data.limits.processes.map((p) => [p.pid, p.soft, p.hard, p.near])).toEqual([
      [6000, 1024, 524288, false],
      [6001, 65536, 524288, false],
    ]);
    expect(data.limits.fileHandles.max).toBe('9223372036854775807');
    expect(data.snapshot.header.kernelLimits['fs.file-max']).toBe('9223372036854775807');
  });

  it("CSV: one table, each fd row with its process's soft and hard limit", () => {
    const rows = csvRows('kitchen');
    expect(rows[0]!.slice(-2)).toEqual(['fd soft limit', 'fd hard limit']);
    for (const r of rows) expect(r.length).toBe(rows[0]!.length);
    const of = (pid: string) => rows.filter((r) => r[0] === pid);
    expect(of('6000').length).toBeGreaterThan(10);
    for (const r of of('6000')) expect(r.slice(-2)).toEqual(['1024', '524288']);
    expect(of('6001').length).toBeGreaterThan(0);
    for (const r of of('6001')) expect(r.slice(-2)).toEqual(['65536', '524288']);
  });
});

describe('a machine under pressure', () => {
  it('every text format spells out the warnings, the machine and the user first', () => {
    const machine = 'the machine has 900 file handles allocated, 90% of fs.file-max 1000';
    const user = 'uid 1000 holds 2 inotify instances, 100% of fs.inotify.max_user_instances 2';
    const proc = 'process 300 holds 2 fds, at or over its soft limit of 2';
    const worker = 'process 200 holds 9 fds, 90% of its soft limit of 10 (hard limit 4096: it may raise the soft one)';
    const warnings = mdSection(mdText('pressured'), '### Warnings');
    expect(warnings.trim().split('\n').slice(0, 3)).toEqual([`- ${machine}`, `- ${user}`, `- ${proc}`]);
    expect(warnings).toContain(`- ${worker}`);
    // All 31 near processes: the report's cut (100) is above them.
    expect(
      warnings
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('- process ')).length,
    ).toBe(31);
    const html = exp('pressured', 'html');
    expect(html).toContain(`<ul class="warnings"><li>${machine}</li><li>${user}</li><li>${proc}</li>`);
    const data = JSON.parse(exp('pressured', 'json')) as { limits: ImageLimits };
    expect(data.limits.warnings.slice(0, 3)).toEqual([machine, user, proc]);
    expect(data.limits.near).toBe(31);
    expect(data.limits.fileHandles).toEqual({ allocated: 900, max: 1000, used: 0.9 });
  });

  it('the table marks the processes near their limit and the unlimited one', () => {
    const table = mdSection(mdText('pressured'), '## Fd limits');
    expect(table).toContain('| 300 | full | 0 | 2 | 2 | 2 | 100% | yes |');
    expect(table).toContain('| 200 | w0 | 1000 | 9 | 10 | 4096 | 90% | yes |');
    expect(table).toMatch(/\| 100 \| sup \| 1000 \| 3 \| unlimited \| unlimited \| - \| no \|/);
    const rows = csvRows('pressured');
    expect(rows.find((r) => r[0] === '100')!.slice(-2)).toEqual(['unlimited', 'unlimited']);
  });
});

describe('an image from before format 1.2', () => {
  it('says "not recorded" in every format, never a zero', () => {
    const lim = mdSection(mdText('old'), '## Limits');
    expect(lim).toContain(
      "- **Limits**: not recorded: the image is format 1.1; fd limits and the machine's file limits are recorded from format 1.2 on",
    );
    expect(lim).toContain('- **Fd limits (RLIMIT_NOFILE)**: not recorded for any of the 2 process(es)');
    expect(lim).toContain('- **File handles (fs.file-nr of fs.file-max)**: not recorded');
    expect(lim).toContain('- **fs.nr_open (highest hard fd limit)**: not recorded');
    expect(lim).toContain(
      '- **inotify limits per user**: fs.inotify.max_user_instances not recorded, fs.inotify.max_user_watches not recorded',
    );
    expect(lim).toContain('- **inotify of uid 0**: 1 instance(s), 1 watch(es)');
    expect(lim).toContain('- **fs.epoll.max_user_watches**: not recorded');
    expect(lim).not.toMatch(/: 0\b|\(0%\)/);
    expect(mdSection(mdText('old'), '## Fd limits')).toContain('(none)');

    expect(exp('old', 'html')).toContain('<dt>File handles (fs.file-nr of fs.file-max)</dt><dd>not recorded</dd>');

    const data = JSON.parse(exp('old', 'json')) as { limits: ImageLimits };
    expect(data.limits).toMatchObject({ recorded: false, format: '1.1', known: 0, unknown: 2, processes: [], kernel: {} });
    expect(data.limits.fileHandles).toEqual({ allocated: null, max: null, used: null });

    const rows = csvRows('old');
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows.slice(1)) expect(r.slice(-2)).toEqual(['not recorded', 'not recorded']);
  });
});

describe('a timeline report', () => {
  it('states the fd limit projection and charts the process against its soft limit; not for a series without limits', () => {
    const h = tempHome();
    const s = Store.open(h.home);
    try {
      // leaky: 8 + 4 x step fds, soft limit 128; steps 1-3 an hour apart: 4/h, (128 - 20) / 4 = 27 h after the last.
      for (const step of [1, 2, 3])
        s.importBytes(encodeSnapshot(simulate({ scenario: 'leaky', step, time: T0 + step * 3_600_000 })), { tags: ['lk'] });
      const md = s.export({ what: 'timeline', selector: { tag: 'lk' } }, 'md').replace(/\\(.)/g, '$1');
      expect(md).toContain(
        '- **Fd limit**: process 5000 holds 20 fds, growing by 4.0 an hour: reaches its soft limit of 128 in about 27 h',
      );
      // JSON is the Timeline itself: the projection is there as data.
      const json = JSON.parse(s.export({ what: 'timeline', selector: { tag: 'lk' } }, 'json')) as {
        projection: { state: string; hoursLeft: number | null };
      };
      expect(json.projection).toMatchObject({ state: 'growing', hoursLeft: 27 });
      const html = s.export({ what: 'timeline', selector: { tag: 'lk' } }, 'html');
      expect(html).toContain('Fds of process 5000 against its soft fd limit');
      // The chart's two series, in its legend.
      expect(html).toMatch(/<text [^>]*>fds<\/text>/);
      expect(html).toMatch(/<text [^>]*>soft fd limit<\/text>/);
      // The 1.1 golden holds no limits: no chart of them, and the fact says so.
      s.importBytes(readFileSync(join(__dirname, '..', 'fixtures', 'golden-everything-1.1.ckpt')), { tags: ['old'] });
      expect(s.export({ what: 'timeline', selector: { tag: 'old' } }, 'html')).not.toContain('against its soft fd limit');
      expect(s.export({ what: 'timeline', selector: { tag: 'old' } }, 'md').replace(/\\(.)/g, '$1')).toContain(
        '- **Fd limit**: not known for this series (images before format 1.2, or imported before the library recorded limits)',
      );
    } finally {
      s.close();
      h.cleanup();
    }
  });
});

describe('the timeline report limit chart', () => {
  it('charts only the latest process: the trailing run of points with its pid that know the limit', () => {
    const lim = { soft: 100, hard: 200 };
    const point = (i: number, pid: number, fds: number, fdLimit: typeof lim | null = lim) => ({
      time: T0 + i * 60_000,
      imageId: `i${i}`,
      label: '',
      total: fds,
      byKind: {},
      process: { pid, fds, fdLimit },
    });
    const t = (points: ReturnType<typeof point>[]): Timeline => ({
      selector: { tag: 'x' },
      program: 'p',
      points,
      kinds: [],
      suspects: [],
      projection: null,
      limitReached: null,
      limitProjections: [],
      limitProjectionCount: 0,
      elapsedMs: 0,
    });
    // A restart (pid 10 -> 20): only 20's three points.
    const chart = timelineDoc(t([point(0, 10, 50), point(1, 10, 60), point(2, 20, 5), point(3, 20, 7), point(4, 20, 9)])).charts[1]!;
    expect(chart).toMatchObject({ title: 'Fds of process 20 against its soft fd limit', x: [T0 + 120_000, T0 + 180_000, T0 + 240_000] });
    expect((chart as { series: { values: number[] }[] }).series.map((s) => s.values)).toEqual([
      [5, 7, 9],
      [100, 100, 100],
    ]);
    // An unknown limit cuts the run; a run of one point is no chart.
    expect(timelineDoc(t([point(0, 20, 5), point(1, 20, 6, null), point(2, 20, 7)])).charts).toHaveLength(1);
  });
});
