/**
 * CRIU image files: IMG_COMMON (or IMG_SERVICE) then the image's own magic,
 * both u32 little-endian (inventory.img has only its own), then entries,
 * each a u32 payload length and that many bytes of one protobuf message
 * (criu/include/image.h; pycriu/images/images.py). Some images carry extra
 * bytes after an entry (pipe data, socket queues); this source reads none
 * of those images.
 */
import { CriuError } from './errors.js';
import { IMG_COMMON, IMG_SERVICE, MAGIC } from './messages.js';
import { decodeMessage, type Message, type MessageSpec } from './protobuf.js';

/** A file of a dump: its bytes and its modification time. */
export interface DumpFile {
  bytes: Uint8Array;
  mtimeMs: number;
}

/** The files of one dump: a directory, or the images directory inside an archive. */
export interface DumpFiles {
  /** Where the dump is, for the header options and messages. */
  readonly where: string;
  /** The file named `name` (e.g. `inventory.img`), or null when there is none. */
  get(name: string): DumpFile | null;
  /** Its name as a person would find it (`DIR/fdinfo-2.img`, `a.tar.gz:checkpoint/fdinfo-2.img`). */
  display(name: string): string;
}

export interface Entry {
  msg: Message;
  /** Byte offset of the entry's length field in its file. */
  offset: number;
}

/** No image this source reads has a single entry this large. */
const MAX_ENTRY = 64 << 20;
/**
 * Nor this many entries: two million fds, files or processes in one image,
 * far past any real dump, and about what a conversion holds in memory
 * (each entry decoded is a few hundred bytes). A hostile image of tiny
 * entries is refused before any is decoded, not left to exhaust the heap.
 */
export const MAX_ENTRIES = 1 << 21;

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

const MAGIC_NAMES = new Map<number, string>(Object.entries(MAGIC).map(([k, v]) => [v, k]));

/** The entries of an image file's bytes (`file` names it in errors). */
export function parseImage(file: string, b: Uint8Array, magic: number, spec: MessageSpec, opts: { first?: boolean } = {}): Entry[] {
  const inventory = magic === MAGIC.INVENTORY;
  const head = inventory ? 4 : 8;
  if (b.length < head) throw new CriuError(file, b.length, `truncated: ${b.length} bytes, too short for the image's magic`);
  let at = 0;
  if (!inventory) {
    const first = u32(b, 0);
    if (first !== IMG_COMMON && first !== IMG_SERVICE)
      throw new CriuError(file, 0, `not a CRIU image: magic 0x${first.toString(16)}, expected 0x${IMG_COMMON.toString(16)} (IMG_COMMON)`);
    at = 4;
  }
  const m = u32(b, at);
  if (m !== magic) {
    const other = MAGIC_NAMES.get(m);
    throw new CriuError(
      file,
      at,
      `wrong image magic 0x${m.toString(16)}${other ? ` (${other})` : ''}, expected 0x${magic.toString(16)} (${MAGIC_NAMES.get(magic) ?? '?'})`,
    );
  }
  at += 4;
  // First the entries' lengths alone: a truncated or oversized one, or too many, before anything is decoded.
  const starts: number[] = [];
  for (let p = at; p < b.length;) {
    if (b.length - p < 4) throw new CriuError(file, p, `truncated: ${b.length - p} bytes where an entry's u32 length should be`);
    const n = u32(b, p);
    if (n > MAX_ENTRY) throw new CriuError(file, p, `entry length ${n} is larger than any entry can be (${MAX_ENTRY} bytes)`);
    if (n > b.length - p - 4) throw new CriuError(file, p, `truncated: entry of ${n} bytes, only ${b.length - p - 4} left in the file`);
    if (starts.length === MAX_ENTRIES) throw new CriuError(file, p, `more than ${MAX_ENTRIES} entries, more than any dump this reads`);
    starts.push(p);
    p += 4 + n;
    // An image whose entry is followed by raw bytes (tcp-stream: the queues' data).
    if (opts.first) break;
  }
  return starts.map((p) => ({ msg: decodeMessage(b, spec, { file, base: 0 }, p + 4, p + 4 + u32(b, p)), offset: p }));
}

/** The entries of image `name` of the dump; null when the dump has no such file. */
export function readImage(
  files: DumpFiles,
  name: string,
  magic: number,
  spec: MessageSpec,
  opts: { first?: boolean } = {},
): Entry[] | null {
  const f = files.get(name);
  if (!f) return null;
  return parseImage(files.display(name), f.bytes, magic, spec, opts);
}

/** As readImage, but the file must be there. */
export function needImage(files: DumpFiles, name: string, magic: number, spec: MessageSpec, why: string): Entry[] {
  const e = readImage(files, name, magic, spec);
  if (!e) throw new CriuError(files.display(name), -1, `missing: ${why}`);
  return e;
}
