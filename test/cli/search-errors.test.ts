/**
 * What `ckpt search` (and export search, search --holders) says about a
 * query it cannot run: a usage error (exit 2) that names the offending
 * token and underlines it, never an internal error.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ckpt } from './run.js';

let home: string;
const run = (args: string[]) => ckpt(args, { env: { CKPT_HOME: home } });

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-search-errors-'));
  expect(run(['capture', '--sim', 'leaky', '--store', '--label', 'a']).code).toBe(0);
});

describe('times a Date cannot hold', () => {
  const cases: [string, string][] = [
    ['after:999999999w', '999999999w'],
    ['after:99999999999d', '99999999999d'],
    ['time:99999999999999999..', '99999999999999999'],
    ['time:..99999999999999999', '99999999999999999'],
    ['after:8640000000000001', '8640000000000001'],
  ];
  it.each(cases)('ckpt search %s is a query error naming the value, exit 2', (q, part) => {
    const r = run(['search', q]);
    expect(r.err).not.toContain('internal error');
    expect(r.code).toBe(2);
    const [msg, echo, caret] = r.err.split('\n');
    expect(msg).toContain(`"${part}" is outside the dates`);
    expect(echo).toBe(`  ${q}`);
    // The underline sits under the value, past the field name.
    expect(caret!.indexOf('^')).toBe(2 + q.indexOf(':') + 1);
    expect(caret!.trim()).toBe('^'.repeat(q.length - q.indexOf(':') - 1));
  });

  it('the last ms a Date can hold is still a date', () => {
    expect(run(['search', 'before:8640000000000000', 'kind:regular']).code).toBe(0);
  });

  it('export search and search --holders refuse it the same way', () => {
    const e = run(['export', 'search', 'after:999999999w', '-o', '-', '--format', 'json']);
    expect(e.err).toMatch(/^ckpt export: after: "999999999w" is outside the dates/);
    expect(e.code).toBe(2);
    expect(e.out).toBe('');
    const h = run(['search', '--holders', 'after:999999999w']);
    expect(h.err).toMatch(/^ckpt search: after: "999999999w" is outside the dates/);
    expect(h.code).toBe(2);
  });

  it('list --since and --until refuse it as a usage error', () => {
    for (const [k, v] of [
      ['--since', '999999999w'],
      ['--until', '99999999999999999'],
    ]) {
      const r = run(['list', k!, v!]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${k}: "${v}" is outside the dates`);
    }
  });
});

describe('option values', () => {
  it.each([
    ['--limit', '0'],
    ['--limit', '1000001'],
    ['--per-image', '0'],
  ])('search x %s %s is a usage error (exit 2), as a negative one is', (opt, v) => {
    const r = run(['search', 'x', opt, v]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `ckpt search: ${opt} must be from 1 to 1000000, got ${v}\nusage: ckpt search QUERY... [--limit N] [--per-image N] [--holders [--offset N]] [--json]\n`,
    );
  });

  it('the bounds themselves are taken', () => {
    expect(run(['search', 'kind:regular', '--limit', '1', '--per-image', '1000000']).code).toBe(0);
  });
});

describe('a long query under an error', () => {
  // Words that differ, so where the window sits in the query can be told.
  const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `w${String(from + i).padStart(4, '0')}`).join(' ');

  /** The echoed window and its underline, and the query offset the underline starts at. */
  const echoed = (err: string, query: string) => {
    const [, shown, caret] = err.split('\n');
    expect(shown!.startsWith('  ')).toBe(true);
    const text = shown!.slice(2);
    const inner = text.replace(/^\.\.\./, '').replace(/\.\.\.$/, '');
    const from = query.indexOf(inner);
    expect(from).toBeGreaterThanOrEqual(0);
    const at = caret!.indexOf('^') - 2;
    return { text, caret: caret!.slice(2), offset: from + at - (text.startsWith('...') ? 3 : 0) };
  };

  it('a 5,000-character query shows a window around the point it is cut, not the whole query', () => {
    const q = words(1000);
    expect(q.length).toBeGreaterThan(4000);
    const r = run(['search', q]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe('ckpt search: query longer than 4000 characters');
    for (const line of r.err.split('\n')) expect(line.length).toBeLessThan(120);
    const e = echoed(r.err, q);
    expect(e.text.startsWith('...') && e.text.endsWith('...')).toBe(true);
    expect(e.offset).toBe(4000);
  });

  it('the underline stays under the token in the window', () => {
    const q = `${words(300)} foo:bar ${words(300, 300)}`;
    const r = run(['search', q]);
    expect(r.code).toBe(2);
    for (const line of r.err.split('\n').slice(1)) expect(line.length).toBeLessThan(120);
    const e = echoed(r.err, q);
    expect(e.offset).toBe(q.indexOf('foo:bar'));
    expect(e.text.slice(e.caret.indexOf('^'), e.caret.indexOf('^') + 7)).toBe('foo:bar');
    expect(e.caret.trim()).toBe('^^^^^^^');
  });

  it('a control character before the token is shown escaped, and the underline still sits under the token', () => {
    const r = run(['search', 'app\x1blog kind:nosuch']);
    expect(r.code).toBe(2);
    const [, shown, caret] = r.err.split('\n');
    expect(shown).toBe('  app\\x1blog kind:nosuch');
    expect(shown!.slice(caret!.indexOf('^'), caret!.lastIndexOf('^') + 1)).toBe('nosuch');
  });

  it('a token at the end of a long query is shown with what comes before it', () => {
    const q = `${words(300)} foo:bar`;
    const e = echoed(run(['search', q]).err, q);
    expect(e.text.endsWith('foo:bar')).toBe(true);
    expect(e.offset).toBe(q.length - 'foo:bar'.length);
  });

  it('a short query is echoed whole', () => {
    const r = run(['search', 'deleted:yes flags:append,nonblok']);
    expect(r.err.split('\n').slice(1)).toEqual(['  deleted:yes flags:append,nonblok', '                           ^^^^^^^', '']);
  });
});
