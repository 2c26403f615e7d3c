/** ckpt export: the report's format, from --format or the -o extension. */
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
});
