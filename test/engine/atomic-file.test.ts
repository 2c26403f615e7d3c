import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src-main/util/atomic-file.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('writeFileAtomic', () => {
  it('replaces a regular file whole, leaving no temporary file', () => {
    const d = mkdtempSync(join(tmpdir(), 'atomic-'));
    const f = join(d, 'a.ckpt');
    writeFileSync(f, 'old');
    writeFileAtomic(f, (w) => w(bytes('new')));
    expect(readFileSync(f, 'utf8')).toBe('new');
    expect(readdirSync(d)).toEqual(['a.ckpt']);
  });
  it('names the target, not its temporary file, when it cannot be written', () => {
    const d = mkdtempSync(join(tmpdir(), 'atomic-'));
    const f = join(d, 'missing', 'r.html');
    let err: (Error & { code?: string }) | undefined;
    try {
      writeFileAtomic(f, (w) => w(bytes('x')));
    } catch (e) {
      err = e as Error & { code?: string };
    }
    expect(err?.message).toBe(`cannot write ${f}: ENOENT (its directory does not exist)`);
    expect(err?.code).toBe('ENOENT');
    expect(readdirSync(d)).toEqual([]);
    // A directory that exists but takes no new files (procfs answers ENOENT): no wrong guess.
    expect(() => writeFileAtomic('/proc/ckpt-test.ckpt', (w) => w(bytes('x')))).toThrow(
      'cannot write /proc/ckpt-test.ckpt: ENOENT (the file system will not create it there)',
    );
  });
  it('leaves the old file when producing fails', () => {
    const d = mkdtempSync(join(tmpdir(), 'atomic-'));
    const f = join(d, 'a.ckpt');
    writeFileSync(f, 'old');
    expect(() =>
      writeFileAtomic(f, (w) => {
        w(bytes('half'));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(readFileSync(f, 'utf8')).toBe('old');
    expect(readdirSync(d)).toEqual(['a.ckpt']);
  });
  it('writes into a device in place: /dev/null stays a character device', () => {
    writeFileAtomic('/dev/null', (w) => w(bytes('discarded')));
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });
  it('follows a symlink: the file it points at is replaced, the link stays', () => {
    const d = mkdtempSync(join(tmpdir(), 'atomic-'));
    writeFileSync(join(d, 'real.ckpt'), 'old');
    symlinkSync('real.ckpt', join(d, 'link.ckpt'));
    writeFileAtomic(join(d, 'link.ckpt'), (w) => w(bytes('new')));
    expect(lstatSync(join(d, 'link.ckpt')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(d, 'link.ckpt'))).toBe('real.ckpt');
    expect(readFileSync(join(d, 'real.ckpt'), 'utf8')).toBe('new');
  });
  it('refuses a directory', () => {
    const d = mkdtempSync(join(tmpdir(), 'atomic-'));
    expect(() => writeFileAtomic(d, (w) => w(bytes('x')))).toThrow(/is a directory/);
  });
});
