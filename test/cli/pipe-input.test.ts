/** show, verify, records and import read an image from a pipe, a FIFO or standard input (-), as capture -o - writes one. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CKPT, ckpt } from './run.js';

let dir: string;
let image: Buffer;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-pipe-'));
  file = join(dir, 'web.ckpt');
  expect(ckpt(['capture', '--sim', 'web-server', '--time', '2026-11-20T10:00:00Z', '-o', file]).code).toBe(0);
  image = readFileSync(file);
});

/** A shell line with $CKPT as the CLI (unquoted: the paths hold no blanks) and the test's own library home. */
function sh(line: string) {
  const r = spawnSync('sh', ['-c', line], {
    cwd: dir,
    env: { ...process.env, CKPT: `${process.execPath} ${CKPT}`, CKPT_HOME: join(dir, 'home') },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe('an image from a pipe', () => {
  it('show - and show /dev/stdin read a shell pipe to its end', () => {
    const want = ckpt(['show', file]).out;
    const a = sh(`$CKPT capture --sim web-server --time 2026-11-20T10:00:00Z -o - | $CKPT show -`);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/^image format .* sim-web-server .*\ncaptured 2026-11-20T10:00:00\.000Z\n/);
    expect(a.out).toMatch(/^task \d+ /m);
    const b = sh(`cat web.ckpt | $CKPT show /dev/stdin`);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toBe(want);
  });

  it('verify and records read standard input (a socket from spawn), as from the file', () => {
    const v = ckpt(['verify', '-'], { input: image });
    expect(v.code, v.err).toBe(0);
    expect(v.out).toBe(ckpt(['verify', file]).out.replace(file, 'standard input'));
    const r = ckpt(['records', '-', '--json'], { input: image });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(ckpt(['records', file, '--json']).out);
    const j = ckpt(['show', '-', '--json'], { input: image });
    expect(JSON.parse(j.out)).toEqual(JSON.parse(ckpt(['show', file, '--json']).out));
  });

  it('a FIFO is read to its end, not taken for an empty file', () => {
    const r = sh(`mkfifo p && (cat web.ckpt > p &) && $CKPT verify p && (cat web.ckpt > p &) && $CKPT show p | head -1`);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^p: ok, format \d+\.\d+, \d+ records/);
    expect(r.out.split('\n')[1]).toBe(ckpt(['show', file]).out.split('\n')[0]);
  });

  it('a damaged image from a pipe is damaged, an empty pipe too few bytes', () => {
    const cut = ckpt(['verify', '-'], { input: image.subarray(0, image.length - 20) });
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(/^standard input: truncated at byte \d+ \(record #\d+ TAIL\)/);
    const none = ckpt(['verify', '-'], { input: Buffer.alloc(0) });
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/^standard input: .*0 bytes/);
  });

  it('import - stores the image from standard input', () => {
    const home = join(dir, 'import-home');
    const r = sh(`cat web.ckpt | CKPT_HOME=${home} $CKPT import - --label piped`);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^imported: [0-9a-f]{12} .* piped .*\(standard input, \d+ ms\)$/m);
    const again = ckpt(['import', file], { env: { CKPT_HOME: home } });
    expect(again.out).toMatch(/^already in library: /);
    const c = sh(`$CKPT capture --sim web-server -o - | CKPT_HOME=${home} $CKPT import -`);
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/^imported: .*\(standard input, \d+ ms\)$/m);
  });
});
