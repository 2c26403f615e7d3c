/**
 * No name reaches the terminal raw: a file name given on the command line
 * (a directory others can write to: `ckpt verify *.ckpt`) holding ESC, BEL,
 * a line break or a bidi control is shown escaped in every message, so it
 * cannot rewrite the terminal or forge a verdict.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalText } from '../../src-shared/model/index.js';
import { ckpt } from './run.js';

let dir: string;
// "ok" and a conceal sequence: on a terminal the real verdict after it would be hidden.
const FORGED = 'forged.ckpt: ok, format 1.6, 52 records\x1b[8m';
const ODD = 'odd\x07name\nline2\u202e.ckpt';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-term-'));
  writeFileSync(join(dir, FORGED), 'junk');
  writeFileSync(join(dir, ODD), 'junk');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// eslint-disable-next-line no-control-regex -- raw control characters are what must not be there
const RAW = /[\x00-\x08\x0b-\x1f\x7f\u202e]/;

describe('terminal safety', () => {
  it('terminalText escapes controls but keeps line breaks, tabs and backslashes', () => {
    expect(terminalText('a\x1b[2Jb\tc\nd\\e\u202ef\r')).toBe('a\\x1b[2Jb\tc\nd\\e\\u202ef\\r');
    expect(terminalText('plain text\n')).toBe('plain text\n');
  });

  it('verify, show, records, import and diff name a hostile file escaped, on one line each', () => {
    for (const name of [FORGED, ODD]) {
      const f = join(dir, name);
      for (const args of [
        ['verify', f],
        ['show', f],
        ['records', f],
        ['import', f, '--home', join(dir, 'home')],
        ['diff', f, f],
      ]) {
        const r = ckpt(args);
        expect(r.code).not.toBe(0);
        const text = r.out + r.err;
        expect(text).not.toMatch(RAW);
        // The name is there, escaped; its line break did not start a line of its own.
        expect(text).toContain(name === FORGED ? 'forged.ckpt: ok, format 1.6, 52 records\\x1b[8m' : 'odd\\x07name\\nline2\\u202e.ckpt');
        expect(text.split('\n').filter((l) => l.startsWith('line2'))).toEqual([]);
      }
    }
  });

  it('a note is printed escaped but for its own line breaks', () => {
    const home = join(dir, 'notes');
    expect(ckpt(['capture', '--sim', 'pipeline', '--store', '--label', 'n', '--home', home]).code).toBe(0);
    expect(ckpt(['note', 'n', 'first\x1b[2J\nsecond', '--home', home]).code).toBe(0);
    const r = ckpt(['note', 'n', '--home', home]);
    expect(r.out).toBe('first\\x1b[2J\nsecond\n');
  });
});
