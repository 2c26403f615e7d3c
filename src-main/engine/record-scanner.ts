/**
 * Streams the records of an image from a file descriptor or a buffer with
 * bounded memory: a window of a few MiB that slides over the file, grown only
 * for a record larger than the window (and never past the bytes that remain).
 * It checks the record framing and the tail checksum; what a body means is
 * the decoder's business.
 */
import { sha256, type Sha256 } from './sha256.js';
import { readSync } from 'node:fs';
import { ImageError } from './errors.js';
import { MAGIC, MAX_RECORD_LEN, RECORD_HEADER_LEN, RT, TAIL_BODY_LEN, TAIL_RECORD_SPAN, align8, recordName } from './format.js';

const WINDOW = 4 << 20;

export interface ScanSource {
  size: number;
  /** Reads up to `length` bytes at `position` into `buf` at `offset`; returns the count. */
  read(buf: Buffer, offset: number, length: number, position: number): number;
  /** SHA-256 of bytes [0, end) computed elsewhere (parallel-digest.ts), or null: hash here. */
  digestOf?(end: number): Buffer | null;
}

export function fdSource(fd: number, size: number): ScanSource {
  return { size, read: (buf, off, len, pos) => readSync(fd, buf, off, len, pos) };
}

/** `digests`: when the caller has already hashed the bytes (imageDigests), the tail is checked against that. */
export function bufferSource(bytes: Uint8Array, digests?: ImageDigests): ScanSource {
  const src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    size: src.length,
    read: (buf, off, len, pos) => src.copy(buf, off, pos, Math.min(pos + len, src.length)),
    ...(digests && { digestOf: (end: number) => (end === digests.tailAt ? digests.beforeTail : null) }),
  };
}

export interface ImageDigests {
  /** SHA-256 of the whole image, hex: its id in the library. */
  sha256: string;
  /** Where a whole image's TAIL starts, and the SHA-256 of the bytes before it, which the TAIL states. */
  tailAt: number;
  beforeTail: Buffer;
}

/**
 * Both digests an import needs in one pass over the bytes: the whole-file
 * hash that names the image, and the hash of everything before the tail
 * that the reader checks (hand it to bufferSource so it is not hashed again).
 */
export function imageDigests(bytes: Uint8Array): ImageDigests {
  const tailAt = Math.max(0, bytes.length - TAIL_RECORD_SPAN);
  const h = sha256().update(bytes.subarray(0, tailAt));
  const beforeTail = h.digest();
  return { sha256: h.update(bytes.subarray(tailAt)).digest().toString('hex'), tailAt, beforeTail };
}

export class RecordScanner {
  buf: Buffer;
  view: DataView;
  /** The current record. */
  type = 0;
  len = 0;
  offset = 0;
  index = -1;
  /** Body bounds within buf. */
  bodyStart = 0;
  bodyEnd = 0;

  private winStart = 0; // image offset of buf[0]
  private fill = 0; // valid bytes in buf
  private next = 0; // image offset of the next record
  private hashedTo = 0; // image offset up to which the hash has seen bytes
  private readonly hash: Sha256 = sha256();
  /** False when the source computes the digest itself (in parallel). */
  private readonly hashHere: boolean;
  private done = false;
  /** SHA-256 of every byte before the tail, once the tail is reached. */
  digest: Buffer | null = null;

  constructor(private readonly src: ScanSource) {
    this.hashHere = !src.digestOf;
    this.buf = Buffer.allocUnsafe(Math.min(WINDOW, Math.max(64, src.size)));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  get size(): number {
    return this.src.size;
  }

  fail(code: ImageError['code'], detail: string, offset = this.offset): never {
    throw new ImageError(code, detail, offset, this.index, this.index >= 0 ? recordName(this.type) : undefined);
  }

  /** fail() for a record whose header could not be read: its number, no type. */
  private failUnread(code: ImageError['code'], detail: string, offset: number): never {
    throw new ImageError(code, detail, offset, this.index);
  }

  /**
   * Any file handed to a command that wants an image: say it is not one
   * before its first bytes are taken for a record length.
   */
  private checkMagic(): void {
    const need = RECORD_HEADER_LEN + MAGIC.length;
    if (this.src.size < need) throw new ImageError('not-an-image', `${this.src.size} bytes, too few for a checkpoint image`, 0, -1);
    this.window(0, need);
    let ok = this.view.getUint32(0, true) === RT.HEADER;
    for (let i = 0; ok && i < MAGIC.length; i++) ok = this.buf[RECORD_HEADER_LEN + i] === MAGIC[i];
    if (!ok)
      throw new ImageError('not-an-image', 'not a checkpoint image (it does not begin with a HEADER record and the magic number)', 0, -1);
  }

  /** Makes image bytes [from, from+n) present in buf. */
  private window(from: number, n: number): void {
    if (from >= this.winStart && from + n <= this.winStart + this.fill) return;
    // Bytes before `from` are done with: hash them before they leave the window.
    this.hashUpTo(from);
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(n);
      this.buf = bigger;
      this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
      this.winStart = from;
      this.fill = 0;
    } else {
      const keep = from >= this.winStart && from < this.winStart + this.fill ? this.winStart + this.fill - from : 0;
      if (keep > 0) this.buf.copy(this.buf, 0, from - this.winStart, from - this.winStart + keep);
      this.winStart = from;
      this.fill = keep;
    }
    while (this.fill < this.buf.length && this.winStart + this.fill < this.src.size) {
      let got: number;
      try {
        got = this.src.read(this.buf, this.fill, this.buf.length - this.fill, this.winStart + this.fill);
      } catch (e) {
        this.fail('io', `read failed: ${(e as Error).message}`, this.winStart + this.fill);
      }
      if (got <= 0) break;
      this.fill += got;
    }
    if (this.fill < n) this.fail('truncated', `image ends after ${this.winStart + this.fill} bytes, inside a record that needs ${n}`, from);
  }

  private hashUpTo(end: number): void {
    if (end <= this.hashedTo || !this.hashHere) return;
    const s = this.hashedTo - this.winStart;
    this.hash.update(this.buf.subarray(s, end - this.winStart));
    this.hashedTo = end;
  }

  /** Advances to the next record; false after the tail has been read and checked. */
  advance(): boolean {
    if (this.done) return false;
    const at = this.next;
    this.index++;
    this.offset = at;
    this.type = 0;
    if (at === 0) this.checkMagic();
    if (at >= this.src.size) this.failUnread('truncated', 'the image ends where this record would begin, without a TAIL record', at);
    if (this.src.size - at < RECORD_HEADER_LEN)
      this.failUnread('truncated', `${this.src.size - at} bytes left, too few for a record header`, at);
    this.window(at, RECORD_HEADER_LEN);
    const p = at - this.winStart;
    const type = this.view.getUint32(p, true);
    const len = this.view.getUint32(p + 4, true);
    this.type = type;
    this.len = len;
    if (len < RECORD_HEADER_LEN) this.fail('bad-length', `record length ${len} is shorter than its header`);
    if (len > MAX_RECORD_LEN) this.fail('bad-length', `record length ${len} exceeds the ${MAX_RECORD_LEN}-byte limit`);
    const span = align8(len);
    if (span > this.src.size - at)
      this.fail('truncated', `record of ${len} bytes runs past the end of the image (${this.src.size - at} bytes left)`);
    this.window(at, span);
    const q = at - this.winStart;
    for (let i = q + len; i < q + span; i++)
      if (this.buf[i] !== 0) this.fail('bad-record', 'non-zero padding after the record', this.winStart + i);
    this.bodyStart = q + RECORD_HEADER_LEN;
    this.bodyEnd = q + len;
    this.next = at + span;
    if (type === RT.TAIL) this.tail();
    return true;
  }

  private tail(): void {
    if (this.hashHere) {
      this.hashUpTo(this.offset);
      this.digest = this.hash.digest();
    } else {
      this.digest = this.src.digestOf!(this.offset) ?? this.hashFromSource(this.offset);
    }
    if (this.len - RECORD_HEADER_LEN < TAIL_BODY_LEN)
      this.fail('bad-length', `TAIL body of ${this.len - RECORD_HEADER_LEN} bytes, expected ${TAIL_BODY_LEN}`);
    const count = this.view.getUint32(this.bodyStart, true) + this.view.getUint32(this.bodyStart + 4, true) * 4294967296;
    if (count !== this.index) this.fail('bad-structure', `TAIL counts ${count} records, the image has ${this.index} before it`);
    const want = this.buf.subarray(this.bodyStart + 8, this.bodyStart + 40);
    if (!this.digest.equals(want))
      this.fail('checksum-mismatch', `SHA-256 of the image is ${this.digest.toString('hex')}, the TAIL says ${want.toString('hex')}`);
    if (this.next !== this.src.size) this.fail('trailing-data', `${this.src.size - this.next} bytes follow the TAIL record`, this.next);
    this.done = true;
  }

  /** Hashes bytes [0, end) by reading them again: when a parallel digest was not to be had. */
  private hashFromSource(end: number): Buffer {
    const h = sha256();
    const tmp = Buffer.allocUnsafe(Math.min(WINDOW, Math.max(1, end)));
    for (let pos = 0; pos < end;) {
      let n: number;
      try {
        n = this.src.read(tmp, 0, Math.min(tmp.length, end - pos), pos);
      } catch (e) {
        this.fail('io', `read failed: ${(e as Error).message}`, pos);
      }
      if (n <= 0) this.fail('truncated', `image ends after ${pos} bytes while hashing`, pos);
      h.update(tmp.subarray(0, n));
      pos += n;
    }
    return h.digest();
  }

  /** A copy of the current record's bytes (header, body and padding). */
  recordBytes(): Buffer {
    const q = this.offset - this.winStart;
    return Buffer.from(this.buf.subarray(q, q + align8(this.len)));
  }
}
