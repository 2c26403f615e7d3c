/** ckpt export: the report's format, from --format or the -o extension. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ckpt } from './run.js';

describe('ckpt export format', () => {
  it('an -o without an extension and no --format asks for either, not for a --format it was not given', () => {
    const r = ckpt(['export', 'image', 'abc', '-o', 'report']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^ckpt export: cannot tell the format from "report": add --format html\|md\|json\|csv or an extension \(\.html \.md \.json \.csv\)\n/,
    );
    expect(ckpt(['export', 'image', 'abc', '-o', 'report.txt']).err).toContain(
      '"report.txt": .txt is not a format export writes (html, md, json, csv; or --format)\n',
    );
    expect(ckpt(['export', 'image', 'abc', '-o', 'r.pdf']).err).toContain(
      '.pdf is not a format export writes (html, md, json, csv; or --format); a PDF is printed from the app',
    );
    expect(ckpt(['export', 'image', 'abc', '-o', '-']).err).toContain('-o - (standard output) needs --format html|md|json|csv');
  });

  it('a --format it does not know is named as such', () => {
    const r = ckpt(['export', 'image', 'abc', '-o', 'report', '--format', 'pdf']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ckpt export: --format must be one of html, md, json, csv, got "pdf"\n/);
  });

  it('exports an image file, and a diff of image files, as show and diff read them, storing nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-export-files-'));
    try {
      const [a, b, home] = [join(dir, 'a.ckpt'), join(dir, 'b.ckpt'), join(dir, 'home')];
      expect(ckpt(['capture', '--sim', 'leaky', '--step', '1', '-o', a]).code).toBe(0);
      expect(ckpt(['capture', '--sim', 'leaky', '--step', '3', '-o', b]).code).toBe(0);
      const r = ckpt(['export', 'image', a, '-o', join(dir, 'a.md'), '--home', home]);
      expect(r.err).toBe(`wrote md image report to ${join(dir, 'a.md')} (${readFileSync(join(dir, 'a.md')).length} bytes)\n`);
      expect(readFileSync(join(dir, 'a.md'), 'utf8')).toContain('leaky-svc');
      const d = ckpt(['export', 'diff', a, b, '-o', '-', '--format', 'json', '--home', home]);
      expect(d.code).toBe(0);
      const diff = JSON.parse(d.out) as { summary: { fdsOpened: number } };
      expect(diff.summary.fdsOpened).toBeGreaterThan(0);
      expect(existsSync(home)).toBe(false);
      // A file that is not there: named, with the library that does not hold it either.
      const gone = ckpt(['export', 'image', join(dir, 'gone.ckpt'), '-o', join(dir, 'g.md'), '--home', home]);
      expect(gone.code).toBe(1);
      expect(gone.err).toContain(join(dir, 'gone.ckpt'));
      expect(existsSync(join(dir, 'g.md'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
