/** What `ckpt list` says when it lists nothing: an empty library, or a filter none of its images matches. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ckpt } from './run.js';

let home: string;
const run = (args: string[]) => ckpt(args, { env: { CKPT_HOME: home } });

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'ckpt-list-'));
  for (const label of ['a', 'b']) expect(run(['capture', '--sim', 'leaky', '--store', '--label', label]).code).toBe(0);
});

describe('ckpt list with a filter no image matches', () => {
  it('--label: says none match it and how many the library has, not that the library is empty', () => {
    const r = run(['list', '--label', 'nonexist']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('no images match --label "nonexist" (the library has 2 images)\n');
  });

  it('--label with a control character and a bidi control: named escaped, as the store quotes what a person gave', () => {
    const r = run(['list', '--label', 'no\x1bpe\u202e"x"']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('no images match --label "no\\x1bpe\\u202e\\"x\\"" (the library has 2 images)\n');
  });

  it('--since in the future, with --tag: names each filter given', () => {
    const r = run(['list', '--since', '2030-01-01', '--tag', 'x']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('no images match --tag "x" --since "2030-01-01" (the library has 2 images)\n');
  });

  it('--limit 0, which would list nothing whatever the library holds, is a usage error', () => {
    const r = run(['list', '--limit', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ckpt list: --limit must be at least 1, got 0\nusage: ckpt list /);
  });

  it('a filter some image matches lists it', () => {
    const r = run(['list', '--label', 'b']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).toContain(' b ');
  });

  it('an empty library still says so', () => {
    const empty = mkdtempSync(join(tmpdir(), 'ckpt-list-empty-'));
    expect(ckpt(['capture', '--sim', 'leaky', '--store'], { env: { CKPT_HOME: empty } }).code).toBe(0);
    const id = (JSON.parse(ckpt(['list', '--json'], { env: { CKPT_HOME: empty } }).out) as { id: string }[])[0]!.id;
    expect(ckpt(['rm', id], { env: { CKPT_HOME: empty } }).code).toBe(0);
    expect(ckpt(['list', '--label', 'x'], { env: { CKPT_HOME: empty } }).out).toBe('no images in the library\n');
  });
});
