/**
 * Images above PARALLEL_DIGEST_MIN_BYTES are checksummed by a worker thread
 * while the main thread parses: the same verdicts as hashing in-thread.
 */
import { appendFileSync, mkdtempSync, openSync, readFileSync, readSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readImageFile, verifyImage, withImageFile } from '../../src-main/engine/reader.js';
import { writeSnapshot, type WriteResult } from '../../src-main/engine/writer.js';
import { PARALLEL_DIGEST_MIN_BYTES, startParallelDigest } from '../../src-main/engine/parallel-digest.js';
import { TAIL_RECORD_SPAN } from '../../src-main/engine/format.js';
import { imageDigests } from '../../src-main/engine/record-scanner.js';
import { writeFileAtomic } from '../../src-main/util/atomic-file.js';
import { simulate } from '../../src-main/sim/index.js';
import { ImageError } from '../../src-main/engine/errors.js';

let dir: string;
let file: string;
let written: WriteResult;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ckpt-pdigest-'));
  file = join(dir, 'big.ckpt');
  const snap = simulate({ scenario: 'large', processes: 260, fds: 1000, time: 0 });
  written = writeFileAtomic(file, (w) => writeSnapshot(snap, w));
});

function copyWith(name: string, edit: (fd: number) => void): string {
  const p = join(dir, name);
  const src = openSync(file, 'r');
  const dst = openSync(p, 'w+');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let pos = 0; ;) {
    const n = readSync(src, buf, 0, buf.length, pos);
    if (n <= 0) break;
    writeSync(dst, buf, 0, n, pos);
    pos += n;
  }
  closeSync(src);
  edit(dst);
  closeSync(dst);
  return p;
}

describe('parallel checksum of large images', () => {
  it('is used for this image and agrees with the writer', () => {
    expect(written.bytes).toBeGreaterThan(PARALLEL_DIGEST_MIN_BYTES);
    // The worker itself: a failed worker falls back to hashing in-thread,
    // which the verdicts below could not tell apart.
    const tailAt = written.bytes - TAIL_RECORD_SPAN;
    const worker = startParallelDigest(file, tailAt)!;
    try {
      expect(worker.digestOf(tailAt)?.equals(imageDigests(readFileSync(file)).beforeTail)).toBe(true);
      expect(worker.digestOf(tailAt - 8)).toBeNull();
    } finally {
      worker.dispose();
    }
    const d = readImageFile(file);
    expect(d.info.sha256).toBe(written.sha256);
    expect(withImageFile(file, verifyImage).sha256).toBe(written.sha256);
  });

  it('catches a flipped byte in the middle of a name', () => {
    const at = Math.floor(written.bytes / 2);
    const p = copyWith('flipped.ckpt', (fd) => {
      // Find a path byte near the middle: a '/' of some file name, and change it to another printable byte.
      const buf = Buffer.alloc(4096);
      const got = readSync(fd, buf, 0, buf.length, at);
      const i = buf.subarray(0, got).indexOf('/srv/');
      expect(i).toBeGreaterThanOrEqual(0);
      writeSync(fd, Buffer.from('x'), 0, 1, at + i + 1);
    });
    expect(() => readImageFile(p)).toThrow(ImageError);
    try {
      readImageFile(p);
    } catch (e) {
      expect((e as ImageError).code).toBe('checksum-mismatch');
    }
  });

  it('bytes after the tail are still found (the tail is not where the worker assumed)', () => {
    const p = copyWith('trailing.ckpt', () => {});
    appendFileSync(p, Buffer.alloc(16));
    try {
      readImageFile(p);
      throw new Error('decoded');
    } catch (e) {
      expect((e as ImageError).code).toBe('trailing-data');
    }
  });
});
