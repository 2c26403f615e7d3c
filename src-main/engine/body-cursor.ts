/**
 * Bounded reads within one record body. Every read checks the record's end,
 * so a short or lying record becomes an ImageError, never a RangeError.
 */
import { isUtf8 } from 'node:buffer';
import { ImageError, type ImageErrorCode } from './errors.js';
import { recordName } from './format.js';
import type { BStr, U64 } from '../../src-shared/model/index.js';

const TWO32 = 4294967296;

// Short strings repeat across a capture ("tcp", "ESTABLISHED", "/dev/null",
// a library path): keeping one copy of each cuts the decoded model by about
// a third. The table is bounded so unique names cannot grow it without end.
const INTERN_MAX_LEN = 48;
const INTERN_MAX_ENTRIES = 1 << 16;
let internTable = new Map<string, string>();
function intern(s: string): string {
  const hit = internTable.get(s);
  if (hit !== undefined) return hit;
  if (internTable.size >= INTERN_MAX_ENTRIES) internTable = new Map();
  internTable.set(s, s);
  return s;
}

export class BodyCursor {
  buf!: Buffer;
  view!: DataView;
  pos = 0;
  end = 0;
  /** Where the body starts in the image, for error offsets. */
  base = 0;
  recordIndex = -1;
  recordType = 0;

  reset(buf: Buffer, view: DataView, start: number, end: number, base: number, recordIndex: number, recordType: number): void {
    this.buf = buf;
    this.view = view;
    this.pos = start;
    this.end = end;
    this.base = base - start;
    this.recordIndex = recordIndex;
    this.recordType = recordType;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(code: ImageErrorCode, detail: string): never {
    throw new ImageError(code, detail, this.base + this.pos, this.recordIndex, recordName(this.recordType));
  }

  private need(n: number): void {
    if (this.pos + n > this.end) this.fail('bad-length', `record body ends ${this.end - this.pos} bytes short of a ${n}-byte field`);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): U64 {
    this.need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    // hi === 0 first: a value that fits 32 bits stays a small integer, so
    // the model's number fields keep V8's Smi representation instead of
    // boxing every one of them (80 bytes more per decoded file).
    if (hi === 0) return lo;
    return hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
  }
  /** A count of items each at least `itemSize` bytes: bounded by what remains. */
  count(itemSize: number, what: string): number {
    const n = this.u32();
    if (n * itemSize > this.end - this.pos)
      this.fail('bad-length', `${what}: count ${n} cannot fit in the ${this.end - this.pos} bytes left`);
    return n;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = new Uint8Array(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }
  bstr(): BStr {
    const n = this.u32();
    this.need(n);
    const s = this.pos;
    this.pos += n;
    const str = this.buf.toString('utf8', s, s + n);
    // U+FFFD may be a real character or a decoding repair: only then ask.
    if (str.indexOf('\uFFFD') !== -1 && !isUtf8(this.buf.subarray(s, s + n))) {
      return new Uint8Array(this.buf.subarray(s, s + n));
    }
    return str;
  }
  /** A byte string likely to repeat across files (a socket state, an address): one copy each. */
  shortBstr(): BStr {
    const b = this.bstr();
    return typeof b === 'string' && b.length <= INTERN_MAX_LEN ? intern(b) : b;
  }
  /** A byte string that must be text (header fields, errno names). */
  text(what: string): string {
    const b = this.bstr();
    if (typeof b !== 'string') this.fail('bad-value', `${what} is not valid UTF-8`);
    return b;
  }
  skipRest(): void {
    this.pos = this.end;
  }
}
