/** The library commands of the real `ckpt`, end to end on one --home. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ckpt, leakyStepArgs } from '../cli/run.js';
import type { DiffResult, ImageSummary, SearchResult, Timeline } from '../../src-shared/store-types.js';

let dir: string;
let home: string;
const lib = (args: string[]) => ckpt([...args, '--home', home]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-lib-cli-'));
  home = join(dir, 'home');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ckpt library commands', () => {
  it('capture --store, import (with dedupe), list, label, tag, note, show ID', () => {
    for (const step of [1, 2, 3]) {
      const r = lib([...leakyStepArgs(step), '--tag', 'series']);
      expect(r.code, r.err).toBe(0);
      expect(r.out.trim()).toMatch(/^[0-9a-f]{64}$/);
    }
    const file = join(dir, 'web.ckpt');
    expect(ckpt(['capture', '--sim', 'web-server', '--time', '2026-11-20T09:00:00Z', '-o', file]).code).toBe(0);
    const imp = lib(['import', file, file, '--label', 'web']);
    expect(imp.code, imp.err).toBe(0);
    expect(imp.out).toMatch(/^imported: /m);
    expect(imp.out).toMatch(/^already in library: /m);
    const bad = join(dir, 'bad.ckpt');
    const nope = lib(['import', bad]);
    expect(nope.code).toBe(1);
    expect(nope.err).toMatch(/cannot open .*: ENOENT \(no such file\)/);

    const list = JSON.parse(lib(['list', '--json']).out) as ImageSummary[];
    expect(list.map((i) => i.label)).toEqual(['leaky', 'leaky', 'leaky', 'web']);
    const web = list[3]!;
    expect(lib(['label', web.id.slice(0, 8), 'web-before']).code).toBe(0);
    expect(lib(['tag', 'web-before', 'prod', 'nginx']).out).toContain('[nginx,prod]');
    expect(lib(['tag', 'web-before', '--remove', 'nginx']).out).toContain('[prod]');
    expect(lib(['note', 'web-before', 'taken before the deploy']).code).toBe(0);
    expect(lib(['note', 'web-before']).out.trim()).toBe('taken before the deploy');
    expect(lib(['list', '--tag', 'prod']).out).toContain('web-before');
    const show = lib(['show', 'web-before']);
    expect(show.code, show.err).toBe(0);
    expect(show.out).toContain('nginx');
    const missing = lib(['show', 'no-such-image']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no image "no-such-image"/);
  });

  it('search, diff, timeline in text and JSON', () => {
    const s = lib(['search', 'kind:socket', 'CLOSE_WAIT']);
    expect(s.code, s.err).toBe(0);
    const sj = JSON.parse(lib(['search', '--json', 'deleted:yes', 'label:leaky']).out) as SearchResult;
    expect(sj.groups.map((g) => g.hits.length).sort()).toEqual([1, 2]);
    const bad = lib(['search', 'kind:sock']);
    // A query that does not parse is a usage error, as for export search.
    expect(bad.code).toBe(2);
    expect(lib(['export', 'search', 'kind:sock', '-o', '-']).code).toBe(2);
    expect(bad.err).toContain('kind:sock\n');
    expect(bad.err).toMatch(/\n\s+\^{4}/);

    const ids = (JSON.parse(lib(['list', '--json', '--label', 'leaky']).out) as ImageSummary[]).map((i) => i.id).reverse();
    const d = lib(['diff', ids[0]!, ids[2]!]);
    expect(d.code, d.err).toBe(0);
    expect(d.out.split('\n')[1]).toBe('processes paired by pid');
    expect(d.out).toMatch(/^fds: \d+ opened, \d+ closed, \d+ changed$/m);
    const dj = JSON.parse(lib(['diff', '--json', ids[0]!, ids[2]!]).out) as DiffResult;
    expect(dj.summary.fdsOpened - dj.summary.fdsClosed).toBe(8);

    // Image files, not in the library: indexed for the diff only, nothing stored, no scratch left.
    const f1 = join(dir, 'leaky-1.ckpt');
    const f3 = join(dir, 'leaky-3.ckpt');
    for (const [step, f] of [
      [1, f1],
      [3, f3],
    ] as const)
      expect(ckpt(['capture', '--sim', 'leaky', '--step', String(step), '--time', `2026-11-20T1${step}:00:00Z`, '-o', f]).code).toBe(0);
    const scratch = mkdtempSync(join(tmpdir(), 'ckpt-diff-tmp-'));
    const before = (JSON.parse(lib(['list', '--json']).out) as unknown[]).length;
    const files = JSON.parse(ckpt(['diff', '--json', f1, f3, '--home', home], { env: { TMPDIR: scratch } }).out) as DiffResult;
    expect(files.summary).toEqual(dj.summary);
    // One side from the library, the other a file.
    const mixed = JSON.parse(lib(['diff', '--json', ids[0]!, f3]).out) as DiffResult;
    expect(mixed.summary).toEqual(dj.summary);
    expect(mixed.a.id).toBe(ids[0]);
    expect((JSON.parse(lib(['list', '--json']).out) as unknown[]).length).toBe(before);
    expect(readdirSync(scratch)).toEqual([]);
    rmSync(scratch, { recursive: true });
    const missing = lib(['diff', f1, join(dir, 'nope.ckpt')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot open .*nope\.ckpt: ENOENT \(no such file\), and no image ".*nope\.ckpt" in the library/);
    // A label may look like a path: where no such file exists, it names the library image.
    expect(lib(['label', ids[0]!, 'release/1.2']).code).toBe(0);
    const byLabel = JSON.parse(lib(['diff', '--json', 'release/1.2', ids[2]!]).out) as DiffResult;
    expect(byLabel.summary).toEqual(dj.summary);
    expect(lib(['show', 'release/1.2']).out).toMatch(/^image format/);
    // Each missing image is named once, and only the one missing: not the
    // other side, found in the library, nor the same path twice.
    const nope = join(dir, 'nope.ckpt');
    const noImage = (x: string) => `no image ${JSON.stringify(x)} in the library`;
    expect(missing.err.trim()).toBe(
      `ckpt diff: cannot open ${nope}: ENOENT (no such file), and ${noImage(nope)} (give an id, an id prefix of 2+ hex digits, or a label)`,
    );
    const otherMissing = lib(['diff', 'release/1.2', 'nosuch']);
    expect(otherMissing.code).toBe(1);
    expect(otherMissing.err).not.toContain('release/1.2');
    expect(otherMissing.err).toContain(noImage('nosuch'));
    const bothPaths = lib(['diff', 'release/1.2', 'x/nosuch.ckpt']);
    expect(bothPaths.code).toBe(1);
    expect(bothPaths.err).not.toContain('release/1.2');
    expect(bothPaths.err.split('ENOENT').length).toBe(2);
    expect(bothPaths.err).toContain(`cannot open x/nosuch.ckpt: ENOENT (no such file), and ${noImage('x/nosuch.ckpt')}`);
    expect(lib(['label', ids[0]!, 'leaky']).code).toBe(0);

    const t = JSON.parse(lib(['timeline', '--json', '--tag', 'series']).out) as Timeline;
    expect(t.points.map((p) => p.total)).toEqual([12, 16, 20].map((n) => n + (t.points[0]!.total - 12)));
    expect(t.suspects[0]).toMatchObject({ what: 'socket', key: 'tcp CLOSE_WAIT -> 10.0.3.20:5432', perImage: 3 });
    expect(lib(['timeline', '--label', 'leaky']).out).toContain('leak suspects');
    expect(lib(['timeline']).code).toBe(2);
    const none = lib(['timeline', '--label', 'nosuch']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('no images match the timeline selector label "nosuch"');
    expect(none.err).not.toContain('contain it');
    // A part of a label or a program (the whole command line) is not one, but is offered.
    const part = lib(['timeline', '--label', 'eak']);
    expect(part.code).toBe(1);
    expect(part.err).toMatch(/no images match the timeline selector label "eak"; labels that contain it: "leaky" \(\d+ images?\)/);
    const program = (JSON.parse(lib(['list', '--json']).out) as { program: string }[]).map((i) => i.program).find((p) => p.length > 4)!;
    const word = program.slice(1, -1);
    const prog = lib(['timeline', '--program', word]);
    expect(prog.code).toBe(1);
    expect(prog.err).toContain(`; programs that contain it: ${JSON.stringify(program)} (`);
  });

  it('export writes each format; verify --all; rm', () => {
    for (const fmt of ['html', 'md', 'json', 'csv']) {
      const out = join(dir, `report.${fmt}`);
      const r = lib(['export', 'timeline', '--label', 'leaky', '-o', out]);
      expect(r.code, r.err).toBe(0);
      expect(readFileSync(out, 'utf8').length).toBeGreaterThan(100);
    }
    expect(lib(['export', 'diff', 'web-before', 'leaky', '--format', 'md', '-o', '-']).out).toContain('# Diff');
    expect(lib(['export', 'image', 'web-before', '-o', join(dir, 'x.pdf')]).code).toBe(2);
    const v = lib(['verify', '--all']);
    expect(v.code, v.err).toBe(0);
    expect(v.out).toMatch(/4\/4 images ok, 0 problems, database integrity: ok/);
    const web = (JSON.parse(lib(['list', '--json', '--label', 'web-before']).out) as ImageSummary[])[0]!;
    expect(lib(['rm', 'web-before']).code).toBe(0);
    expect(existsSync(join(home, 'images', web.id.slice(0, 2), web.id))).toBe(false);
    expect(lib(['rm', 'web-before']).code).toBe(1);
    expect((JSON.parse(lib(['list', '--json']).out) as unknown[]).length).toBe(3);
  });

  it('prints labels and tags escaped as names are: a bidi character would reverse the line', () => {
    const other = join(dir, 'bidi-home');
    const r = ckpt(['capture', '--sim', 'leaky', '--store', '--label', 'evil\u202eLABEL', '--tag', 't\u202ex', '--home', other]);
    expect(r.code, r.err).toBe(0);
    for (const out of [r.out + r.err, ckpt(['list', '--home', other]).out, ckpt(['search', 'kind:regular', '--home', other]).out]) {
      expect(out).not.toContain('\u202e');
      expect(out).toContain('evil\\u202eLABEL');
    }
    expect(ckpt(['list', '--home', other]).out).toContain('[t\\u202ex]');
  });

  it('search shows what a deleted file still holds of the disk, as show does', () => {
    const other = join(dir, 'deleted-home');
    expect(ckpt(['capture', '--sim', 'database', '--store', '--home', other]).code).toBe(0);
    const out = ckpt(['search', 'deleted:yes kind:regular', '--home', other]).out;
    expect(out).toMatch(/pgsql_tmp4010\.0 \(deleted, 64 MiB\)$/m);
    const hit = (
      JSON.parse(ckpt(['search', 'deleted:yes kind:regular', '--json', '--home', other]).out) as { groups: { hits: { size: number }[] }[] }
    ).groups[0]!.hits[0]!;
    expect(hit.size).toBe(64 * 1024 * 1024);
  });

  it('export holders QUERY writes who holds it, since when, in every format', () => {
    const other = join(dir, 'holders-home');
    expect(ckpt(['capture', '--sim', 'database', '--store', '--home', other]).code).toBe(0);
    const md = ckpt(['export', 'holders', 'deleted:yes', '--format', 'md', '-o', '-', '--home', other]);
    expect(md.code, md.err).toBe(0);
    expect(md.out).toContain('# Who holds it: deleted:yes');
    expect(md.out).toMatch(/^\| 4010 \| postgres \| 29 \| regular \| .* \| now \| 1 \| 0 \| `.*pgsql_tmp4010\.0 \(deleted\)` \|$/m);
    const json = JSON.parse(ckpt(['export', 'holders', 'deleted:yes', '--format', 'json', '-o', '-', '--home', other]).out) as {
      holders: unknown[];
    };
    expect(json.holders).toHaveLength(2);
  });

  it('import words a directory or a missing file as show does', () => {
    expect(lib(['import', dir]).err).toContain(`ckpt import: ${dir} is a directory, not an image`);
    expect(lib(['import', join(dir, 'no-such.ckpt')]).err).toContain(`cannot open ${join(dir, 'no-such.ckpt')}: ENOENT (no such file)`);
  });

  it('uses $CKPT_HOME when --home is not given', () => {
    const r = ckpt(['list', '--json'], { env: { CKPT_HOME: home } });
    expect((JSON.parse(r.out) as unknown[]).length).toBe(3);
  });
});
