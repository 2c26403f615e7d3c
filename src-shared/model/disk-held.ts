/**
 * What an open file holds of the disk: the one figure every "disk not freed"
 * and "held" total uses (show's deleted-files line, the reports, search hits,
 * the Inspector), so they never disagree.
 */
import type { OpenFile, U64 } from './snapshot.js';
import { formatSize } from './size-text.js';

export interface DiskHeld {
  /** Bytes: allocated blocks x 512 where the image records them, else the size. */
  bytes: U64;
  /**
   * True: `bytes` is what the file has allocated (st_blocks x 512; a sparse
   * file's is far below its size). False: the image does not record blocks
   * (older than 1.7, a CRIU dump, a simulation, a stat that gave none), and
   * `bytes` is the apparent size (st_size), which a sparse file overstates.
   */
  allocated: boolean;
}

/** The bytes `blocks` 512-byte blocks are, exact (a bigint past 2^53). */
function blockBytes(blocks: U64): U64 {
  if (typeof blocks === 'number' && blocks <= Number.MAX_SAFE_INTEGER / 512) return blocks * 512;
  const b = BigInt(blocks) * 512n;
  return b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** The disk `f` holds: see DiskHeld. Only a regular file records blocks; any other kind's is its size. */
export function diskHeld(f: Pick<OpenFile, 'kind' | 'size' | 'attrs'>): DiskHeld {
  const a = f.attrs;
  if (f.kind === 'regular' && a.blocksKnown === true && (typeof a.blocks === 'number' || typeof a.blocks === 'bigint'))
    return { bytes: blockBytes(a.blocks), allocated: true };
  return { bytes: f.size, allocated: false };
}

/**
 * What a memfd holds of memory (format 1.8): its allocated blocks x 512
 * where the image records them (a memfd is a file in memory: its st_blocks
 * are the pages it has, in memory or swapped out), else its size, which
 * ftruncate sets and which may overstate it hugely (a 1 GiB memfd with one
 * page written holds 4 KiB). Null for any other kind.
 */
export function memoryHeld(f: Pick<OpenFile, 'kind' | 'size' | 'attrs'>): DiskHeld | null {
  if (f.kind !== 'memfd') return null;
  const a = f.attrs;
  if (a.blocksKnown === true && (typeof a.blocks === 'number' || typeof a.blocks === 'bigint'))
    return { bytes: blockBytes(a.blocks), allocated: true };
  return { bytes: f.size, allocated: false };
}

/** Several files' DiskHeld summed: `apparent` of the `parts` are sizes (allocated: none is). */
export interface HeldTotal extends DiskHeld {
  parts: number;
  apparent: number;
}

/** The sum of several DiskHeld, exact (a bigint past 2^53). */
export function sumHeld(parts: DiskHeld[]): HeldTotal {
  let n = 0;
  let big = 0n;
  let apparent = 0;
  for (const p of parts) {
    if (typeof p.bytes === 'bigint') big += p.bytes;
    else n += p.bytes;
    if (!p.allocated) apparent++;
  }
  const total = big ? big + BigInt(n) : n;
  const bytes = typeof total === 'bigint' && total <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(total) : total;
  return { bytes, allocated: apparent === 0, parts: parts.length, apparent };
}

/**
 * The deleted regular files an image's fds still hold, each inode once (one
 * shared or opened twice is one file), most disk first, and their sum: show's
 * deleted-files line and the image report's table. Null when there are none.
 */
export function deletedStillOpen(
  files: readonly OpenFile[],
  held: (ref: number) => boolean,
): { files: { f: OpenFile; held: DiskHeld }[]; total: HeldTotal } | null {
  const seen = new Map<string, OpenFile>();
  for (const f of files) if (f.deleted && f.kind === 'regular' && held(f.ref)) seen.set(`${String(f.dev)}:${String(f.ino)}`, f);
  if (!seen.size) return null;
  const out = [...seen.values()].map((f) => ({ f, held: diskHeld(f) })).sort((a, b) => heldNumber(b.held) - heldNumber(a.held));
  return { files: out, total: sumHeld(out.map((x) => x.held)) };
}

/** Bytes as a number, for sorting and comparing (exact below 2^53). */
export function heldNumber(h: DiskHeld): number {
  return Number(h.bytes);
}

/**
 * The figure as a person reads it: its size where blocks are not recorded
 * (as images before 1.7 showed it; heldNote() says so where it matters),
 * the allocation where they are, with the size too when that is far above
 * it (a sparse file; pass `size`): "4.0 KiB on disk, size 50 GiB". A
 * memfd's (memoryHeld) says `where` it is held: "4.0 KiB memory held, size 1.0 GiB".
 */
export function heldText(h: DiskHeld, size?: U64, where = 'on disk'): string {
  if (h.allocated && size !== undefined && Number(size) > Number(h.bytes) && formatSize(size) !== formatSize(h.bytes))
    return `${formatSize(h.bytes)} ${where}, size ${formatSize(size)}`;
  return formatSize(h.bytes);
}

/**
 * What a figure that is in whole or in part sizes must say: "" where every
 * file's blocks are recorded, " (apparent size: the image records no
 * allocated blocks)" for one file or a sum of sizes only, " (2 of 3 files
 * by apparent size: ...)" for a sum of both.
 */
export function heldNote(h: DiskHeld | HeldTotal): string {
  if (h.allocated) return '';
  const why = 'the image records no allocated blocks';
  if ('parts' in h && h.apparent < h.parts) return ` (${h.apparent} of ${h.parts} files by apparent size: ${why} for them)`;
  return ` (apparent size: ${why})`;
}
