/**
 * image_attrs (schema 4): which fd tables of an image hold which kind
 * attributes rows, as Int32 pairs (attrs id, table ref) ascending by attrs
 * id, each pair once. Socket terms (port:, addr:, state:, a path term's unix
 * socket names) match a handful of attrs ids across the whole library; this
 * says which images hold any of them, and which of their tables to read,
 * without opening a pack.
 */
import { P, PACK_FIELDS } from './fdpack.js';

/**
 * pid_max is at most 2^22, so an image has fewer tables than that, and an
 * attrs id (Int32 in the pack) times 2^22 plus a table index stays below 2^53.
 */
const TABLE_SPAN = 2 ** 22;

/**
 * seen[attrs id] === stamp: that row was already taken for the current
 * table. Kept between calls (ids are dense and library-wide); a new stamp
 * per table makes clearing unnecessary.
 */
let seen = new Int32Array(1 << 16);
let stamp = 0;

/** The image's (attrs id, table ref) pairs from its tables' packs, in image order. */
export function attrPairs(tables: readonly (readonly [ref: number, pack: Int32Array])[]): Int32Array {
  let total = 0;
  for (const [, p] of tables) total += p.length / PACK_FIELDS;
  const keys = new Float64Array(total);
  let n = 0;
  for (let t = 0; t < tables.length; t++) {
    const p = tables[t]![1];
    if (stamp === 0x7fffffff) {
      seen.fill(0);
      stamp = 0;
    }
    const s = ++stamp;
    // Deduplicating per table before the sort: a worker's pipes, a listener
    // dup'd into every child, repeat their row many times.
    for (let o = P.attrs; o < p.length; o += PACK_FIELDS) {
      const a = p[o]!;
      if (a <= 0) continue;
      if (a >= seen.length) {
        const g = new Int32Array(Math.max(a + 1, seen.length * 2));
        g.set(seen);
        seen = g;
      }
      if (seen[a] === s) continue;
      seen[a] = s;
      keys[n++] = a * TABLE_SPAN + t;
    }
  }
  const sorted = keys.subarray(0, n).sort();
  const out = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const k = sorted[i]!;
    const t = k % TABLE_SPAN;
    out[2 * i] = (k - t) / TABLE_SPAN;
    out[2 * i + 1] = tables[t]![0];
  }
  return out;
}

/** The first pair index (in pairs, not Int32s) whose attrs id is v or more. */
function lowerPair(pairs: Int32Array, v: number): number {
  let lo = 0;
  let hi = pairs.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pairs[2 * mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The refs of the tables holding any of `want` (ascending attrs ids), added to `into`. */
export function tablesHolding(pairs: Int32Array, want: Int32Array, into: Set<number>): Set<number> {
  const n = pairs.length >> 1;
  if (want.length * 16 < n) {
    for (const v of want) for (let i = lowerPair(pairs, v); i < n && pairs[2 * i] === v; i++) into.add(pairs[2 * i + 1]!);
    return into;
  }
  let i = 0;
  let j = 0;
  while (i < want.length && j < n) {
    const a = want[i]!;
    const b = pairs[2 * j]!;
    if (a === b) {
      into.add(pairs[2 * j + 1]!);
      j++;
    } else if (a < b) i++;
    else j++;
  }
  return into;
}
