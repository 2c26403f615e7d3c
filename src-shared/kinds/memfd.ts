import { defineKind } from './schema.js';
import { displayBStr, type BStr } from '../model/bstr.js';
import { formatSize } from '../model/size-text.js';
import { memoryHeld } from '../model/disk-held.js';

/**
 * A memfd: an anonymous file in memory with only a name (the link text's
 * memfd:NAME). Its summary gives the memory it holds where the image records
 * it (format 1.8) beside its size, which ftruncate sets and which may be far
 * above it: "memfd:jit (4.0 KiB memory held, size 1.0 GiB)"; else its size.
 */
export default defineKind({
  code: 22,
  name: 'memfd',
  label: 'memfd',
  fields: [
    { name: 'name', type: 'bstr', label: 'memfd name' },
    // st_blocks of the memfd: the pages it holds (in memory or swapped out), which its size may overstate hugely.
    // Known only where a stat gave it (live captures since 1.8), never guessed from the size: see memoryHeld().
    { name: 'blocksKnown', type: 'bool', label: 'Blocks known', since: 8 },
    { name: 'blocks', type: 'u64', label: 'Blocks allocated', since: 8 },
  ],
  summary: (f) => {
    const held = memoryHeld(f)!;
    const what = !held.allocated
      ? formatSize(f.size)
      : formatSize(held.bytes) === formatSize(f.size)
        ? `${formatSize(held.bytes)} memory held`
        : `${formatSize(held.bytes)} memory held, size ${formatSize(f.size)}`;
    return `memfd:${displayBStr(f.attrs.name as BStr)} (${what})`;
  },
});
