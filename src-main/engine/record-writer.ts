/**
 * Low-level record output: a growable buffer of aligned records, flushed to
 * a sink in large chunks, with a running SHA-256 over every byte written.
 */
import { ModelError } from './errors.js';
import { sha256, type Sha256 } from './sha256.js';
import { MAX_RECORD_LEN, RECORD_HEADER_LEN, align8 } from './format.js';
import type { BStr, U64 } from '../../src-shared/model/index.js';

/** Receives the image in chunks; a chunk is only valid during the call (copy it to keep it). */
export type Sink = (chunk: Buffer) => void;

const FLUSH_AT = 1 << 20;
const TWO32 = 4294967296;

export function checkU32(v: number): void {
  if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) throw new ModelError(`value ${v} is not an unsigned 32-bit integer`);
}

/** An unsigned 64-bit value at `at`, little-endian; a ModelError for one that is not. */
export function setU64(view: DataView, at: number, v: U64): void {
  // Most values (positions, sizes, inodes, devs) fit 32 bits: no division.
  if (typeof v === 'number' && v >= 0 && v <= 0xffffffff && Number.isInteger(v)) {
    view.setUint32(at, v, true);
    view.setUint32(at + 4, 0, true);
  } else if (typeof v === 'number') {
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)))
      throw new ModelError(`value ${v} is not an unsigned 64-bit integer`);
    view.setUint32(at, v >>> 0, true);
    view.setUint32(at + 4, Math.floor(v / TWO32), true);
  } else {
    if (v < 0n || v > 0xffffffffffffffffn) throw new ModelError(`value ${v} is not an unsigned 64-bit integer`);
    view.setBigUint64(at, v, true);
  }
}

export class RecordWriter {
  private buf = Buffer.allocUnsafe(2 * FLUSH_AT);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private pos = 0;
  private recStart = -1;
  private flushedBytes = 0;
  private readonly hash: Sha256 = sha256();
  recordCount = 0;

  constructor(private readonly sink: Sink) {}

  /** Offset in the image of the next byte to be written. */
  get offset(): number {
    return this.flushedBytes + this.pos;
  }

  begin(type: number): void {
    if (this.recStart >= 0) throw new Error('record writer: begin inside a record');
    if (this.pos >= FLUSH_AT) this.flush();
    this.recStart = this.pos;
    this.ensure(RECORD_HEADER_LEN);
    this.view.setUint32(this.pos, type, true);
    this.pos += RECORD_HEADER_LEN;
  }

  end(): void {
    const len = this.pos - this.recStart;
    if (len > MAX_RECORD_LEN) throw new ModelError(`record of ${len} bytes exceeds the ${MAX_RECORD_LEN}-byte limit`);
    this.view.setUint32(this.recStart + 4, len, true);
    const padded = align8(len);
    this.ensure(padded - len);
    // At most 7 bytes: a loop beats Buffer#fill's trip into C++ on every record.
    const stop = this.recStart + padded;
    const buf = this.buf;
    for (let i = this.pos; i < stop; i++) buf[i] = 0;
    this.pos = stop;
    this.recStart = -1;
    this.recordCount++;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Flush what precedes the open record, then grow if the record needs it.
    const keepFrom = this.recStart >= 0 ? this.recStart : this.pos;
    if (keepFrom > 0) {
      this.emit(this.buf.subarray(0, keepFrom));
      this.buf.copy(this.buf, 0, keepFrom, this.pos);
      this.pos -= keepFrom;
      if (this.recStart >= 0) this.recStart = 0;
    }
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n + FLUSH_AT));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
      this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
    }
  }

  private emit(chunk: Buffer): void {
    this.hash.update(chunk);
    this.flushedBytes += chunk.length;
    this.sink(chunk);
  }

  flush(): void {
    if (this.recStart >= 0) throw new Error('record writer: flush inside a record');
    if (this.pos > 0) this.emit(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  /** SHA-256 of everything written so far; flushes first. */
  digest(): Buffer {
    this.flush();
    return this.hash.digest();
  }

  /**
   * A whole record of three u32s (FILE_DESC, one per fd): one call instead
   * of begin, three writes and end.
   */
  record3(type: number, a: number, b: number, c: number): void {
    if (this.recStart >= 0) throw new Error('record writer: begin inside a record');
    checkU32(a);
    checkU32(b);
    checkU32(c);
    if (this.pos >= FLUSH_AT) this.flush();
    this.ensure(24);
    const { view, pos } = this;
    view.setUint32(pos, type, true);
    view.setUint32(pos + 4, RECORD_HEADER_LEN + 12, true);
    view.setUint32(pos + 8, a, true);
    view.setUint32(pos + 12, b, true);
    view.setUint32(pos + 16, c, true);
    view.setUint32(pos + 20, 0, true);
    this.pos = pos + 24;
    this.recordCount++;
  }

  /**
   * Room for `n` bytes at the write position, taken: the offset in `view`
   * to write them at. A run of fixed-size fields written at it costs one
   * check for room instead of one per field (a FILE record's 64 bytes of
   * them, 27,000 times in a capture). Read `view` after the claim: making
   * room may have replaced it.
   */
  claim(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** The buffer's view, for the bytes a claim took. */
  get dataView(): DataView {
    return this.view;
  }

  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  u32(v: number): void {
    checkU32(v);
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  i32(v: number): void {
    if (!(v >= -0x80000000 && v <= 0x7fffffff && Number.isInteger(v))) throw new ModelError(`value ${v} is not a signed 32-bit integer`);
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  u64(v: U64): void {
    this.ensure(8);
    setU64(this.view, this.pos, v);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** A length-prefixed byte string. */
  bstr(s: BStr): void {
    if (typeof s !== 'string') {
      this.u32(s.length);
      this.bytes(s);
      return;
    }
    // Reserve the worst case, write, then fill in the real length.
    this.ensure(4 + s.length * 3);
    const buf = this.buf;
    const at = this.pos + 4;
    const len = s.length;
    // Most strings are short ASCII (paths, names): copying the char codes
    // beats Buffer#write's trip into C++; the first non-ASCII char hands
    // the whole string to the UTF-8 encoder.
    if (len <= 256) {
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === len) {
        this.view.setUint32(this.pos, len, true);
        this.pos = at + len;
        return;
      }
    }
    const n = buf.write(s, at, 'utf8');
    if (n !== s.length && !s.isWellFormed()) throw new ModelError(`string holds a lone surrogate: ${JSON.stringify(s.slice(0, 60))}`);
    this.view.setUint32(this.pos, n, true);
    this.pos += 4 + n;
  }
}
