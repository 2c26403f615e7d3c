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
    expect(ckpt(['export', 'image', 'abc', '-o', 'report.txt']).err).toContain('cannot tell the format from "report.txt"');
  });

  it('a --format it does not know is named as such', () => {
    const r = ckpt(['export', 'image', 'abc', '-o', 'report', '--format', 'pdf']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ckpt export: --format must be one of html, md, json, csv, got "pdf"\n/);
  });
});
