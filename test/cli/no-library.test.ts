/**
 * A --home (or CKPT_HOME) that holds no library: the commands that only
 * read it, or change images that would have to be in it, say so (exit 1)
 * and create nothing; only the ones that add images make one.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ckpt } from './run.js';
import { Store, StoreError } from '../../src-main/store/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-no-library-'));
});

const COMMANDS: string[][] = [
  ['list'],
  ['search', 'kind:socket'],
  ['search', '--holders', '/var/log/app.log'],
  ['timeline', '--label', 'nightly'],
  ['diff', 'a', 'b'],
  ['export', 'search', 'kind:socket', '-o', '-', '--format', 'csv'],
  ['export', 'image', 'abc', '-o', 'x.html'],
  ['show', 'nightly'],
  ['verify', '--all'],
  ['label', 'abc', 'x'],
  ['tag', 'abc', 'prod'],
  ['note', 'abc'],
  ['note', 'abc', 'text'],
  ['rm', 'abc'],
];

describe('no library in --home', () => {
  it.each(COMMANDS.map((c) => [c.join(' '), c]))('ckpt %s says "no library in DIR" and creates nothing', (_, args) => {
    // A directory that exists (a typo of a real one's name would not), and one that does not.
    for (const home of [join(dir, `empty-${args[0]}`), join(dir, `nowhere-${args[0]}`, 'lib')]) {
      if (home.includes('empty-')) mkdirSync(home, { recursive: true });
      const before = existsSync(home) ? readdirSync(home) : null;
      const r = ckpt([...(args as string[]), '--home', home], { cwd: dir });
      expect(r.code, r.err).toBe(1);
      expect(r.err).toBe(`ckpt ${args[0]}: no library in ${home}\n`);
      expect(r.out).toBe('');
      expect(existsSync(home) ? readdirSync(home) : null).toEqual(before);
    }
    // The same through CKPT_HOME.
    const env = join(dir, `env-${args[0]}`);
    const e = ckpt(args as string[], { env: { CKPT_HOME: env }, cwd: dir });
    expect(e.code).toBe(1);
    expect(e.err).toBe(`ckpt ${args[0]}: no library in ${env}\n`);
    expect(existsSync(env)).toBe(false);
  });

  it('import and capture --store create the library; then the others find it', () => {
    const home = join(dir, 'made');
    const c = ckpt(['capture', '--sim', 'web-server', '--store', '--label', 'nightly', '--home', home]);
    expect(c.code, c.err).toBe(0);
    expect(existsSync(join(home, 'library.db'))).toBe(true);
    expect(ckpt(['list', '--home', home]).out).toMatch(/nightly/);
    expect(ckpt(['search', 'kind:socket', '--home', home]).code).toBe(0);
    const other = join(dir, 'made-by-import');
    const file = join(dir, 'web.ckpt');
    expect(ckpt(['capture', '--sim', 'web-server', '-o', file]).code).toBe(0);
    expect(ckpt(['import', file, '--home', other]).code).toBe(0);
    expect(existsSync(join(other, 'library.db'))).toBe(true);
  });

  it('Store.open with create: false fails with not-found and makes no directory; opens one that exists', () => {
    const home = join(dir, 'store-open', 'lib');
    expect(() => Store.open(home, { create: false })).toThrow(StoreError);
    try {
      Store.open(home, { create: false });
    } catch (e) {
      expect((e as StoreError).code).toBe('not-found');
      expect((e as StoreError).message).toBe(`no library in ${home}`);
    }
    expect(existsSync(join(dir, 'store-open'))).toBe(false);
    Store.open(home).close();
    const s = Store.open(home, { create: false });
    expect(s.readOnlyReason).toBe(null);
    s.close();
  });
});
