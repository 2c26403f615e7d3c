/**
 * One fd table's fds with their open files, packed as Int32 fields: what
 * diff compares and what search and diff show (describeFile reads ino,
 * rdev and size for some kinds), so neither touches wide rows. 64-bit values
 * are split into high and low 32 bits and stay exact.
 */
export const PACK_FIELDS = 20;
export const P = {
  table: 0,
  fd: 1,
  file: 2,
  bits: 3,
  kind: 4,
  path: 5,
  flags: 6,
  posHi: 7,
  posLo: 8,
  attrs: 9,
  inoHi: 10,
  inoLo: 11,
  rdevHi: 12,
  rdevLo: 13,
  sizeHi: 14,
  sizeLo: 15,
  devHi: 16,
  devLo: 17,
  mode: 18,
  nlink: 19,
} as const;
export const BIT_CLOEXEC = 1;
export const BIT_DELETED = 2;
export const BIT_SHARED = 4;

/** The blob as an Int32Array (copied when SQLite's buffer is not 4-byte aligned). */
export function unpack(b: Buffer | Uint8Array): Int32Array {
  if (b.byteOffset % 4 === 0) return new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Int32Array(copy.buffer, 0, b.byteLength >> 2);
}

/** A split 64-bit value back as a number, or a bigint beyond 2^53. */
export function joinU64(hi: number, lo: number): number | bigint {
  const h = hi >>> 0;
  const l = lo >>> 0;
  if (h < 0x200000) return h * 4294967296 + l;
  return (BigInt(h) << 32n) | BigInt(l);
}

/** Writes a u64 as high then low 32 bits at `at`, without allocating. */
export function putU64(a: Int32Array, at: number, v: number | bigint): void {
  if (typeof v === 'number') {
    a[at] = Math.floor(v / 4294967296) | 0;
    a[at + 1] = v >>> 0;
  } else {
    a[at] = Number((v >> 32n) & 0xffffffffn) | 0;
    a[at + 1] = Number(v & 0xffffffffn) | 0;
  }
}

/** The first index of the ascending list a whose value is v or more (a.length when none). */
export function lowerBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
