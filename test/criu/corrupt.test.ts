/**
 * Bad CRIU input of every kind gives a CriuError naming the file (and the
 * byte offset where there is one): truncated and corrupt images, wrong
 * magic, missing images, huge lengths, damaged archives. Never another
 * exception, a hang, or a library row or image file half written.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshot } from '../../src-main/engine/writer.js';
import { CriuError } from '../../src-main/sources/criu/index.js';
import { dumpToSnapshot } from '../../src-main/sources/criu/dump.js';
import type { DumpFiles } from '../../src-main/sources/criu/image.js';
import { Rng } from '../../src-main/sim/builder.js';
import { ckpt } from '../cli/run.js';
import { haveCrit, writeDump } from './dump-fixture.js';

const skip = !haveCrit() && !process.env.CI;

let root: string;
let dump: string;
let images: Map<string, Uint8Array>;

beforeAll(() => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), 'ckpt-criu-bad-'));
  dump = join(root, 'checkpoint');
  writeDump(dump);
  images = new Map(readdirSync(dump).map((n) => [n, new Uint8Array(readFileSync(join(dump, n)))]));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The dump in memory, with `changes` (undefined: the file removed). */
function memDump(changes: Record<string, Uint8Array | undefined>): DumpFiles {
  return {
    where: 'mem',
    display: (n) => `mem/${n}`,
    get(n) {
      const b = n in changes ? changes[n] : images.get(n);
      return b ? { bytes: b, mtimeMs: 0 } : null;
    },
  };
}

function convertError(changes: Record<string, Uint8Array | undefined>): CriuError {
  try {
    dumpToSnapshot(memDump(changes));
  } catch (e) {
    if (e instanceof CriuError) return e;
    throw e;
  }
  throw new Error('converted without an error');
}

function withU32(b: Uint8Array, at: number, v: number): Uint8Array {
  const c = Buffer.from(b);
  c.writeUInt32LE(v >>> 0, at);
  return new Uint8Array(c);
}

describe.skipIf(skip)('bad CRIU images', () => {
  it('a files.img cut at any byte: an error naming files.img', () => {
    const whole = images.get('files.img')!;
    for (let n = 0; n < whole.length; n++) {
      const e = convertError({ 'files.img': whole.subarray(0, n) });
      // Cut inside an entry: files.img and the offset; cut between entries: the fd naming a file it no longer has.
      expect(e.message, `cut at ${n}`).toMatch(
        /^mem\/files\.img: at byte \d+: |^mem\/fdinfo-1\.img: at byte \d+: fd \d+ of pid 100 names file id \d+, which mem\/files\.img does not have$/,
      );
    }
  });

  it('every image cut short: an error naming that image and the offset', () => {
    for (const name of ['inventory.img', 'pstree.img', 'core-100.img', 'ids-100.img', 'fdinfo-1.img', 'fdinfo-2.img', 'tty-info.img']) {
      const whole = images.get(name)!;
      const e = convertError({ [name]: whole.subarray(0, whole.length - 1) });
      expect(e.file).toBe(`mem/${name}`);
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.message).toMatch(new RegExp(`^mem/${name.replace('.', '\\.')}: at byte \\d+: `));
    }
  });

  it('a wrong magic names both', () => {
    const e = convertError({ 'core-100.img': images.get('ids-100.img')! });
    // IDS is 1413685296, CORE 1426405447 (CRIU's magic.h).
    expect(e.message).toBe('mem/core-100.img: at byte 4: wrong image magic 0x54432030 (IDS), expected 0x55053847 (CORE)');
    const junk = convertError({ 'pstree.img': new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]) });
    expect(junk.message).toMatch(/^mem\/pstree\.img: at byte 0: not a CRIU image: magic 0x4030201/);
  });

  it('a huge entry length is refused before anything is allocated for it', () => {
    const e = convertError({ 'pstree.img': withU32(images.get('pstree.img')!, 8, 0xfffffff0) });
    expect(e.message).toBe('mem/pstree.img: at byte 8: entry length 4294967280 is larger than any entry can be (67108864 bytes)');
    const f = convertError({ 'pstree.img': withU32(images.get('pstree.img')!, 8, 1000) });
    expect(f.message).toMatch(/^mem\/pstree\.img: at byte 8: truncated: entry of 1000 bytes, only \d+ left in the file$/);
  });

  it('a length inside a message past its end names the field and offset', () => {
    // inventory: u32 magic, u32 entry length, then the message; make root_ids' length huge.
    const inv = Buffer.from(images.get('inventory.img')!);
    const at = inv.indexOf(0x1a, 8); // field 3, wire type 2
    inv[at + 1] = 0x7f;
    const e = convertError({ 'inventory.img': new Uint8Array(inv) });
    expect(e.message).toMatch(
      /^mem\/inventory\.img: at byte \d+: inventory_entry: field root_ids of 127 bytes runs past the end of the message/,
    );
  });

  it('missing images: inventory, pstree, files, a core, an fdinfo', () => {
    expect(convertError({ 'inventory.img': undefined }).message).toMatch(/^mem\/inventory\.img: missing: not a CRIU images directory/);
    expect(convertError({ 'pstree.img': undefined }).message).toMatch(/^mem\/pstree\.img: missing/);
    expect(convertError({ 'files.img': undefined }).message).toMatch(/^mem\/files\.img: missing/);
    expect(convertError({ 'core-200.img': undefined }).message).toBe('mem/core-200.img: missing: the state of pid 200');
    expect(convertError({ 'fdinfo-2.img': undefined }).message).toBe('mem/fdinfo-2.img: missing: the fds of files_id 2 (pid 200)');
    // The fd that names a file files.img lacks: its fdinfo image and the entry's offset.
    expect(convertError({ 'files.img': images.get('files.img')!.subarray(0, 8) }).message).toBe(
      'mem/fdinfo-1.img: at byte 8: fd 0 of pid 100 names file id 1, which mem/files.img does not have',
    );
  });

  it('random damage: a CriuError or a snapshot the writer takes, never anything else', () => {
    const rng = new Rng(20261127);
    const names = [...images.keys()];
    for (let i = 0; i < 3000; i++) {
      const name = rng.pick(names);
      const b = Buffer.from(images.get(name)!);
      const flips = rng.int(1, 4);
      for (let k = 0; k < flips; k++) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      let snap;
      try {
        snap = dumpToSnapshot(memDump({ [name]: new Uint8Array(b) }));
      } catch (e) {
        if (!(e instanceof CriuError)) throw new Error(`${name} damaged (${i}): ${String(e)}`);
        expect(e.message.startsWith('mem/')).toBe(true);
        continue;
      }
      encodeSnapshot(snap);
    }
  });
});

describe.skipIf(skip)('bad input through ckpt import', () => {
  function copyDump(): string {
    const d = mkdtempSync(join(root, 'dump-'));
    execFileSync('cp', ['-r', `${dump}/.`, d]);
    return d;
  }

  it('a missing fdinfo image: exit 1, an error naming it, no library row, no -o file', () => {
    const d = copyDump();
    unlinkSync(join(d, 'fdinfo-2.img'));
    const home = mkdtempSync(join(root, 'home-'));
    const r = ckpt(['import', d, '--home', home]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ckpt import: ${d}: not imported: ${d}/fdinfo-2.img: missing: the fds of files_id 2 (pid 200)\n`);
    expect(ckpt(['list', '--home', home]).out.trim()).toBe('no images in the library');
    const out = join(root, 'never.ckpt');
    const o = ckpt(['import', d, '-o', out]);
    expect(o.code).toBe(1);
    expect(existsSync(out)).toBe(false);
    // An existing file is left as it was.
    writeFileSync(out, 'keep');
    expect(ckpt(['import', d, '-o', out]).code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('keep');
  });

  it('one bad dump among good inputs: the others import, exit 1', () => {
    const d = copyDump();
    writeFileSync(join(d, 'pstree.img'), Buffer.from([0x19, 0x43, 0x56, 0x54, 0x30, 0x30, 0x27, 0x50, 0xff, 0xff]));
    const home = mkdtempSync(join(root, 'home-'));
    const r = ckpt(['import', d, dump, '--json', '--home', home]);
    expect(r.code).toBe(1);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file?: string; error?: { code: string; message: string }; image?: unknown });
    expect(lines[0]!.error).toEqual({
      name: 'StoreError',
      code: 'bad-image',
      message: `${d}: not imported: ${d}/pstree.img: at byte 8: truncated: 2 bytes where an entry's u32 length should be`,
    });
    expect(lines[1]!.image).toBeTruthy();
  });

  it('archives: truncated, not gzip inside, no images directory, two of them, a hostile member name', () => {
    const tgz = join(root, 'a.tar.gz');
    execFileSync('tar', ['czf', tgz, '-C', root, 'checkpoint']);
    const whole = readFileSync(tgz);
    writeFileSync(join(root, 'cut.tar.gz'), whole.subarray(0, whole.length >> 1));
    let r = ckpt(['import', join(root, 'cut.tar.gz'), '-o', join(root, 'x.ckpt')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cut\.tar\.gz: not imported: not valid gzip data: .*unexpected end of file/);

    const tar = join(root, 'a.tar');
    execFileSync('tar', ['cf', tar, '-C', root, 'checkpoint']);
    const t = readFileSync(tar);
    writeFileSync(join(root, 'cut.tar'), t.subarray(0, 1100));
    r = ckpt(['import', join(root, 'cut.tar'), '-o', join(root, 'x.ckpt')]);
    expect(r.err).toMatch(/cut\.tar: not imported: at byte 1100: truncated: the archive ends inside checkpoint\/\S+\.img/);
    // A damaged header: its checksum no longer matches.
    const bad = Buffer.from(t);
    bad[0] = bad[0]! ^ 0x20;
    writeFileSync(join(root, 'bad.tar'), bad);
    r = ckpt(['import', join(root, 'bad.tar'), '-o', join(root, 'x.ckpt')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.tar: -o converts a CRIU dump, and this is neither a CRIU images directory nor a checkpoint archive/);

    const other = mkdtempSync(join(root, 'other-'));
    writeFileSync(join(other, 'readme.txt'), 'hello');
    execFileSync('tar', ['czf', join(root, 'none.tgz'), '-C', other, '.']);
    r = ckpt(['import', join(root, 'none.tgz'), '-o', join(root, 'x.ckpt')]);
    expect(r.err).toMatch(/none\.tgz: not imported: no CRIU images directory in this archive \(no inventory\.img among its 1 files\)/);

    const two = mkdtempSync(join(root, 'two-'));
    execFileSync('cp', ['-r', dump, join(two, 'a')]);
    execFileSync('cp', ['-r', dump, join(two, 'b\nx\u202e')]);
    execFileSync('tar', ['cf', join(root, 'two.tar'), '-C', two, 'a', 'b\nx\u202e']);
    r = ckpt(['import', join(root, 'two.tar'), '-o', join(root, 'x.ckpt')]);
    expect(r.err).toContain('2 CRIU images directories in this archive (');
    expect(r.err).toContain('b\\nx\\u202e');
    expect(r.err.split('\n').length).toBe(2);
    expect(existsSync(join(root, 'x.ckpt'))).toBe(false);
  });

  it('a single .img file, and gzip that holds no tar', () => {
    let r = ckpt(['import', join(dump, 'files.img'), '-o', join(root, 'x.ckpt')]);
    expect(r.err).toMatch(/files\.img: not imported: a single CRIU image file: import the directory that holds it/);
    const gz = join(root, 'plain.gz');
    execFileSync('sh', ['-c', `echo hello | gzip > '${gz}'`]);
    r = ckpt(['import', gz, '-o', join(root, 'x.ckpt')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /plain\.gz: not imported: at byte 0: not a tar archive: 6 bytes, less than one tar header \(offset in the gunzipped tar\)/,
    );
  });
});

describe.skipIf(skip)('damaged archives', () => {
  it('a checkpoint archive on standard input is named as one', () => {
    const tgz = join(root, 'stdin.tar.gz');
    execFileSync('tar', ['czf', tgz, '-C', root, 'checkpoint']);
    const r = ckpt(['import', '-'], { input: readFileSync(tgz) });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'ckpt import: standard input: a gzip-compressed archive: CRIU checkpoint archives are read from a path (ckpt import FILE)\n',
    );
  });

  it('random damage to a tar and a tar.gz: a CriuError naming the archive, or a snapshot', async () => {
    const { readArchive } = await import('../../src-main/sources/criu/archive.js');
    const tar = join(root, 'fuzz.tar');
    execFileSync('tar', ['cf', tar, '-C', root, 'checkpoint']);
    const tgz = join(root, 'fuzz.tar.gz');
    execFileSync('tar', ['czf', tgz, '-C', root, 'checkpoint']);
    const rng = new Rng(7);
    for (const [src, kind] of [
      [tar, 'tar'],
      [tgz, 'gzip'],
    ] as const) {
      const whole = readFileSync(src);
      for (let i = 0; i < 150; i++) {
        const b = Buffer.from(whole);
        // Damage near the front, where the headers and the small images are.
        for (let k = rng.int(1, 3); k > 0; k--) b[rng.int(kind === 'gzip' ? 10 : 0, Math.min(b.length, 20000) - 1)] = rng.int(0, 255);
        const f = join(root, `damaged.${kind}`);
        writeFileSync(f, b);
        try {
          const a = await readArchive(f, kind);
          dumpToSnapshot(a.files);
        } catch (e) {
          if (!(e instanceof CriuError)) throw new Error(`${kind} damage ${i}: ${String(e)}`);
          expect(e.message.startsWith(f)).toBe(true);
        }
      }
    }
  });
});

describe.skipIf(skip)('hostile sizes: refused fast, naming the file and offset, never exhausting the heap', () => {
  const IMG_COMMON = 1414939417;
  const PSTREE = 1344745520;
  const FDINFO = 1445017394;
  function varint(v: number): number[] {
    const out: number[] = [];
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return out;
  }
  function image(magic: number, entries: Uint8Array[]): Uint8Array {
    const parts = [Buffer.from(new Uint32Array([IMG_COMMON, magic]).buffer)];
    for (const e of entries) parts.push(Buffer.from(new Uint32Array([e.length]).buffer), Buffer.from(e));
    return new Uint8Array(Buffer.concat(parts));
  }
  /** pstree_entry: pid, ppid 0, pgid, sid, and a packed threads list. */
  function pstree(pid: number, threads: number[]): Uint8Array {
    const packed = threads.flatMap(varint);
    return new Uint8Array([8, ...varint(pid), 16, 0, 24, ...varint(pid), 32, ...varint(pid), 42, ...varint(packed.length), ...packed]);
  }

  it('a thread id above the kernel PID_MAX_LIMIT (4194304)', () => {
    const e = convertError({ 'pstree.img': image(PSTREE, [pstree(100, [100, 4194305])]) });
    expect(e.message).toBe('mem/pstree.img: at byte 8: thread 4194305 is out of range');
  });

  it('a process claiming more than 2^21 threads: refused in the decoder, not made 4 million tasks', () => {
    const threads = Array.from({ length: (1 << 21) + 1 }, (_, i) => i + 1);
    const e = convertError({ 'pstree.img': image(PSTREE, [pstree(1, threads)]) });
    expect(e.message).toMatch(/^mem\/pstree\.img: at byte \d+: pstree_entry: field threads repeats more than 2097152 times$/);
  });

  it('an fdinfo image of more than 2^21 tiny entries: refused before one is decoded', () => {
    // fdinfo_entry: id 1, flags 0, type REG, fd i (each fd once: a table of two million fds, as far as the bytes go).
    const entries = Array.from({ length: (1 << 21) + 1 }, (_, i) => new Uint8Array([8, 1, 16, 0, 24, 1, 32, ...varint(i)]));
    const e = convertError({ 'fdinfo-1.img': image(FDINFO, entries) });
    expect(e.message).toMatch(/^mem\/fdinfo-1\.img: at byte \d+: more than 2097152 entries, more than any dump this reads$/);
  });
});
