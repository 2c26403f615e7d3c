/** How an image argument is taken: a file that exists there, else a library image; a directory is never an image. */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ckpt } from './run.js';

let dir: string;
let home: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-image-args-'));
  home = join(dir, 'home');
  for (const [sim, label] of [
    ['web-server', 'logs'],
    ['pipeline', 'other'],
  ] as const)
    expect(ckpt(['capture', '--sim', sim, '--store', '--label', label, '--home', home]).code).toBe(0);
  mkdirSync(join(dir, 'logs'));
});

describe('a directory named like a library image', () => {
  it('show logs shows the library image labelled logs, not EISDIR', () => {
    const r = ckpt(['show', 'logs', '--home', home], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('nginx');
    expect(r.out).toBe(ckpt(['show', 'logs', '--home', home]).out);
  });

  it('diff takes it from the library too, on either side', () => {
    const r = ckpt(['diff', 'logs', 'other', '--home', home, '--json'], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    const elsewhere = ckpt(['diff', 'logs', 'other', '--home', home, '--json']).out;
    expect({ ...JSON.parse(r.out), elapsedMs: 0 }).toEqual({ ...JSON.parse(elsewhere), elapsedMs: 0 });
    expect(ckpt(['diff', 'other', 'logs', '--home', home], { cwd: dir }).code).toBe(0);
  });

  it('a directory that names no image says it is a directory', () => {
    mkdirSync(join(dir, 'cores'));
    const r = ckpt(['show', 'cores', '--home', home], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^ckpt show: cores is a directory, not an image, and no image "cores" in the library/);
    const v = ckpt(['verify', 'cores'], { cwd: dir });
    expect(v.code).toBe(1);
    expect(v.err).toBe('cores is a directory, not an image\n');
  });
});
