/** ckpt diff with CRIU dumps on either side: converted for the diff only, as show reads one. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffResult } from '../../src-shared/store-types.js';
import { ckpt } from '../cli/run.js';
import { haveCrit, writeDump, writeOtherTypesDump } from './dump-fixture.js';

const skip = !haveCrit() && !process.env.CI;
let root: string;
let dump: string;
let other: string;
let tgz: string;

beforeAll(() => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), 'ckpt-criu-diff-'));
  dump = join(root, 'checkpoint');
  writeDump(dump);
  other = join(root, 'other');
  writeOtherTypesDump(other);
  tgz = join(root, 'dump.tgz');
  execFileSync('tar', ['czf', tgz, '-C', root, 'checkpoint']);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function diff(args: string[], home?: string): DiffResult {
  const r = ckpt(['diff', ...args, '--json', ...(home ? ['--home', home] : [])]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as DiffResult;
}

describe.skipIf(skip)('ckpt diff of CRIU dumps', () => {
  it('a dump against its own archive: nothing changed', () => {
    const d = diff([dump, tgz]);
    expect(Object.values(d.summary).every((n) => n === 0)).toBe(true);
    expect(d.a.source).toBe('criu');
    expect(d.b.options['criu.archive']).toBe(tgz);
  });

  it('two different dumps: their processes appear and vanish', () => {
    const d = diff([dump, other]);
    expect(d.vanished.map((t) => t.pid)).toEqual([100, 200, 300, 400]);
    expect(d.appeared.map((t) => t.pid)).toEqual([500]);
  });

  it('a dump against a library image of itself; the library gains nothing', () => {
    const home = mkdtempSync(join(root, 'home-'));
    const r = ckpt(['import', dump, '--label', 'stored', '--home', home]);
    expect(r.code).toBe(0);
    const d = diff(['stored', dump], home);
    expect(d.summary.fdsChanged + d.summary.fdsOpened + d.summary.fdsClosed).toBe(0);
    const list = JSON.parse(ckpt(['list', '--json', '--home', home]).out) as unknown[];
    expect(list).toHaveLength(1);
  });

  it('a damaged dump is named and nothing is printed', () => {
    const r = ckpt(['diff', dump, join(root, 'no-such-dir', 'x')]);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    const bad = mkdtempSync(join(root, 'bad-'));
    execFileSync('cp', ['-r', dump, join(bad, 'checkpoint')]);
    execFileSync('truncate', ['-s', '20', join(bad, 'checkpoint', 'pstree.img')]);
    const r2 = ckpt(['diff', dump, join(bad, 'checkpoint')]);
    expect(r2.code).not.toBe(0);
    expect(r2.out).toBe('');
    expect(r2.err).toContain('pstree.img');
    expect(existsSync(join(bad, 'checkpoint', 'inventory.img'))).toBe(true);
  });
});
