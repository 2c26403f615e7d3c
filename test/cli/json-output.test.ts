/**
 * --json output is JSON a program can read and text a terminal can take:
 * names holding DEL, C1 controls, bidi controls or line separators come out
 * as JSON's \u escapes (the terminal escaping of plain output wrote DEL as
 * \x7f, which no JSON reader takes), and each reads back as the exact name.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { newBuilder } from '../../src-main/sim/scenarios.js';
import { openFile, stdNull } from '../../src-main/sim/common.js';
import { simHeader, T0 } from '../store/helpers.js';
import { ckpt } from './run.js';

const NAMES = ['/tmp/del\x7fname', '/tmp/c1\u0085name', '/tmp/bidi\u202ename', '/tmp/line\u2028sep', '/tmp/rlm\u200fx\u061cy\u200ez'];
// eslint-disable-next-line no-control-regex -- raw control characters are what must not be there
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

let dir: string;
let image: string;
let home: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-json-'));
  home = join(dir, 'home');
  const b = newBuilder('json', 1);
  const app = b.process({ pid: 100, ppid: 1, comm: 'app', cmdline: ['app'] });
  stdNull(app);
  for (const n of NAMES) openFile(app, n);
  image = join(dir, 'names.ckpt');
  writeFileSync(image, encodeSnapshot(b.snapshot(simHeader(T0))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parsed = (args: string[]) => {
  const r = ckpt(args, { env: { CKPT_HOME: home } });
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).not.toMatch(RAW);
  return JSON.parse(r.out) as unknown;
};

describe('--json output', () => {
  it('show --json: every name escaped for the terminal and read back exactly', () => {
    const j = parsed(['show', '--json', image]) as { files: { path: string }[] };
    expect(j.files.map((f) => f.path)).toEqual(expect.arrayContaining(NAMES));
  });

  it('search --json, diff --json, list --json and records --json of the same names', () => {
    const imp = ckpt(['import', '--json', image], { env: { CKPT_HOME: home } });
    expect(imp.code).toBe(0);
    const id = (JSON.parse(imp.out.trim().split('\n')[0]!) as { image: { id: string } }).image.id;
    const hits = parsed(['search', '--json', 'path:/tmp/']) as { groups: { hits: { path: string }[] }[] };
    expect(hits.groups[0]!.hits.map((h) => h.path)).toEqual(expect.arrayContaining(NAMES));
    parsed(['diff', '--json', id, id]);
    parsed(['list', '--json']);
    expect((parsed(['records', '--json', image]) as unknown[]).length).toBeGreaterThan(NAMES.length);
  });

  it('records --json of a damaged image: the records framed before the damage, as a whole JSON array, then the error', () => {
    const whole = readFileSync(image);
    const cut = join(dir, 'cut.ckpt');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = ckpt(['records', '--json', cut]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/cut\.ckpt/);
    const rows = JSON.parse(r.out) as { index: number }[];
    expect(rows.length).toBeGreaterThan(2);
    expect(rows.map((x) => x.index)).toEqual(rows.map((_, i) => i));
  });

  it('records --json of a file that is no image at all: an empty array, then the error', () => {
    const junk = join(dir, 'junk.ckpt');
    writeFileSync(junk, 'not an image, not even a header');
    const r = ckpt(['records', '--json', junk]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/junk\.ckpt/);
    expect(JSON.parse(r.out)).toEqual([]);
  });
});
