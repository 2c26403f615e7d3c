/**
 * Whether a path to import is a CRIU dump, by content (docs/criu.md): light,
 * so that import of ordinary images does not load the CRIU source.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IMG_COMMON, IMG_SERVICE } from './messages.js';

export const BLOCK = 512;

/** The first bytes of a file: what kind of archive it is. */
export type ArchiveKind = 'tar' | 'gzip' | 'zstd';
export function archiveKind(head: Uint8Array): ArchiveKind | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 263 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar' && tarChecksumOk(head.subarray(0, BLOCK)))
    return 'tar';
  return null;
}

export function tarChecksumOk(h: Uint8Array): boolean {
  if (h.length < BLOCK) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  const field = Buffer.from(h.subarray(148, 156))
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  return /^[0-7]+$/.test(field) && parseInt(field, 8) === sum;
}

/** What a path to import is. */
export type InputKind = { kind: 'criu-dir' } | { kind: 'archive'; archive: ArchiveKind } | { kind: 'criu-image' } | { kind: 'other' };

/**
 * Tells a CRIU dump from anything else without guessing: a directory holding
 * inventory.img; a file whose first bytes are gzip's or zstd's magic, or a
 * tar header (ustar, with a valid checksum); a single CRIU image file (its
 * IMG_COMMON magic), which is named as such. Anything else is 'other' (a
 * checkpoint image, or not: the image reader says).
 */
export function detectInput(path: string): InputKind {
  let st;
  try {
    st = statSync(path);
  } catch {
    return { kind: 'other' };
  }
  if (st.isDirectory()) {
    try {
      return statSync(join(path, 'inventory.img')).isFile() ? { kind: 'criu-dir' } : { kind: 'other' };
    } catch {
      return { kind: 'other' };
    }
  }
  if (!st.isFile()) return { kind: 'other' };
  const head = Buffer.alloc(512);
  let n = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return { kind: 'other' };
  }
  const h = head.subarray(0, n);
  const a = archiveKind(h);
  if (a) return { kind: 'archive', archive: a };
  if (n >= 8) {
    const first = h.readUInt32LE(0);
    if (first === IMG_COMMON || first === IMG_SERVICE) return { kind: 'criu-image' };
  }
  return { kind: 'other' };
}
