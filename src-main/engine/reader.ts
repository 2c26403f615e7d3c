/**
 * Decodes a v1 image into a snapshot, trusting nothing: the record order the
 * format prescribes, every objref (defined before use, of the right type,
 * never defined twice), every count against the bytes that remain. Record
 * types it does not know are skipped, so newer minor versions stay readable;
 * a newer major version is refused.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { kindByCode } from '../../src-shared/kinds/index.js';
import type {
  AttrRecord,
  CaptureError,
  Fd,
  FdLimit,
  FdTable,
  FileLock,
  ImageHeader,
  Namespace,
  OpenFile,
  Snapshot,
  SourceKind,
  Task,
  U64,
} from '../../src-shared/model/index.js';
import { FORMAT_MAJOR, LIMITS_SINCE, NSPIDS_SINCE, USERNS_SINCE } from '../../src-shared/model/index.js';
import { BodyCursor } from './body-cursor.js';
import { ImageError } from './errors.js';
import {
  FD_FLAG_CLOEXEC,
  FILE_FLAG_DELETED,
  FILE_FLAG_SHARING_INFERRED,
  HEADER_FLAG_FROZEN,
  LOCK_KINDS,
  MAGIC,
  MAX_OBJREF,
  FILE_DESC_RECORD_SPAN,
  RT,
  TABLE_FLAG_SHARING_INFERRED,
  TAIL_RECORD_SPAN,
  TASK_FLAG_FD_LIMIT,
  TASK_FLAG_ZOMBIE,
  TASK_FLAG_USERNS_IDS,
  recordName,
} from './format.js';
import { readAttrs } from './kind-codec.js';
import { RecordScanner, bufferSource, fdSource, type ScanSource } from './record-scanner.js';
import { PARALLEL_DIGEST_MIN_BYTES, startParallelDigest } from './parallel-digest.js';
import { cannotOpenText, directoryText } from '../util/open-error.js';

const SOURCES: Record<number, SourceKind> = { 1: 'proc', 2: 'sim', 3: 'criu' };
const U64_MAX = 0xffffffffffffffffn;

export interface ImageInfo {
  /** Records before the tail, image size, and the checksum the tail states. */
  records: number;
  bytes: number;
  sha256: string;
  unknownRecords: number;
}

export interface DecodeResult extends Snapshot {
  info: ImageInfo;
}

/**
 * What the decoder hands out, record by record, once each record has been
 * checked. A visitor that keeps nothing decodes in bounded memory (verify,
 * ingest); the model builder keeps everything.
 */
export interface DecodeVisitor {
  header(h: ImageHeader): void;
  task(t: Task): void;
  table(t: FdTable): void;
  fd(table: FdTable, fd: Fd): void;
  file(f: OpenFile): void;
  error(e: CaptureError): void;
}

class ModelBuilder implements DecodeVisitor {
  hdr: ImageHeader | null = null;
  readonly tasks: Task[] = [];
  readonly tables: FdTable[] = [];
  readonly files: OpenFile[] = [];
  readonly errors: CaptureError[] = [];
  header(h: ImageHeader): void {
    this.hdr = h;
  }
  task(t: Task): void {
    this.tasks.push(t);
  }
  table(t: FdTable): void {
    this.tables.push(t);
  }
  fd(table: FdTable, fd: Fd): void {
    table.fds.push(fd);
  }
  file(f: OpenFile): void {
    this.files.push(f);
  }
  error(e: CaptureError): void {
    this.errors.push(e);
  }
}

class Decoder {
  private readonly c = new BodyCursor();
  private readonly checkFileRef = (r: number): void => this.checkRef(r, 1);
  private readonly s: RecordScanner;
  /**
   * objref -> 1 for a file, 2 for an fd table. The writer numbers objects
   * from 1 in write order, so an objref never exceeds the index of the record
   * that defines it; the reader holds images to that, which bounds this table
   * by the image's own size.
   */
  private objTypes = new Uint8Array(1024);
  private pendingTask: Task | null = null;
  private openTable: FdTable | null = null;
  private openTableLeft = 0;
  /**
   * Duplicate fds in the open table. Tables are almost always written in
   * ascending fd order, which proves uniqueness by itself; the set is built
   * only once a table breaks that order.
   */
  private openTableFds: Set<number> | null = null;
  private openTableLastFd = -1;
  private openTableSeen: number[] = [];
  private unknownRecords = 0;
  /** The HEADER's minor: which later-added kind attributes the image may lack. */
  private formatMinor = 0;

  constructor(
    src: ScanSource,
    private readonly v: DecodeVisitor,
  ) {
    this.s = new RecordScanner(src);
  }

  run(): ImageInfo {
    const s = this.s;
    while (s.advance()) {
      const type = s.type;
      this.c.reset(s.buf, s.view, s.bodyStart, s.bodyEnd, s.offset + 8, s.index, type);
      if (s.index === 0 && type !== RT.HEADER)
        this.c.fail('not-an-image', 'the first record is not a HEADER (is this a checkpoint image?)');
      switch (type) {
        case RT.HEADER:
          if (s.index !== 0) this.c.fail('bad-structure', 'a second HEADER record');
          this.readHeader();
          break;
        case RT.TASK:
          this.expectNoOpen('TASK');
          this.readTask();
          break;
        case RT.TASK_OBJS:
          this.readTaskObjs();
          break;
        case RT.FILE_TABLE:
          this.expectTableClosed('FILE_TABLE');
          this.readTable();
          break;
        case RT.FILE_DESC:
          this.readFd();
          break;
        case RT.FILE:
          this.readFile();
          break;
        case RT.ERROR:
          this.readError();
          break;
        case RT.TAIL:
          this.expectNoOpen('TAIL');
          break;
        default:
          this.unknownRecords++;
      }
    }
    return { records: s.index, bytes: s.size, sha256: s.digest!.toString('hex'), unknownRecords: this.unknownRecords };
  }

  private expectTableClosed(what: string): void {
    if (this.openTableLeft > 0)
      this.c.fail('bad-structure', `${what} while fd table ${this.openTable!.ref} still expects ${this.openTableLeft} FILE_DESC records`);
  }

  private expectNoOpen(what: string): void {
    this.expectTableClosed(what);
    if (this.pendingTask) this.c.fail('bad-structure', `${what} before the TASK_OBJS of task ${this.pendingTask.pid}`);
  }

  private defineObj(objref: number, type: 1 | 2): void {
    if (objref === 0 || objref > MAX_OBJREF || objref > this.s.index)
      this.c.fail('bad-objref', `objref ${objref} is out of range (objrefs count up from 1 in write order)`);
    if (objref >= this.objTypes.length) {
      const bigger = new Uint8Array(Math.max(objref + 1, this.objTypes.length * 2));
      bigger.set(this.objTypes);
      this.objTypes = bigger;
    }
    if (this.objTypes[objref] !== 0) this.c.fail('bad-objref', `objref ${objref} is defined twice`);
    this.objTypes[objref] = type;
  }

  private checkRef(objref: number, type: 1 | 2): void {
    const t = objref < this.objTypes.length ? this.objTypes[objref] : 0;
    if (t === type) return;
    if (!t) this.c.fail('bad-objref', `objref ${objref} is referenced before any object defines it`);
    this.c.fail('bad-objref', `objref ${objref} is not ${type === 1 ? 'an open file' : 'an fd table'}`);
  }

  private readHeader(): void {
    const c = this.c;
    if (c.remaining < 8) c.fail('not-an-image', 'HEADER too short for the magic number');
    for (let i = 0; i < MAGIC.length; i++) if (c.u8() !== MAGIC[i]) c.fail('not-an-image', 'bad magic number: not a checkpoint image');
    const major = c.u16();
    const minor = c.u16();
    if (major !== FORMAT_MAJOR)
      c.fail('unsupported-version', `image format ${major}.${minor}; this version of ckpt reads format ${FORMAT_MAJOR}.x only`);
    this.formatMinor = minor;
    const flags = c.u32();
    const rawTime = c.u64();
    const time = typeof rawTime === 'number' ? rawTime : c.fail('bad-value', 'capture time out of range');
    const sourceCode = c.u16();
    c.u16();
    const source = SOURCES[sourceCode] ?? c.fail('bad-value', `unknown source kind ${sourceCode}`);
    const arch = c.text('arch');
    const kernelRelease = c.text('kernel release');
    const hostname = c.text('hostname');
    const nopts = c.count(8, 'options');
    const pairs: [string, string][] = [];
    for (let i = 0; i < nopts; i++) pairs.push([c.text('option name'), c.text('option value')]);
    // fromEntries defines own properties: an option named __proto__ stays an option.
    const options: Record<string, string> = Object.fromEntries(pairs);
    const limits: [string, U64][] = [];
    if (!this.endsBefore(LIMITS_SINCE, 'HEADER', 'kernel limits')) {
      const nlim = c.count(12, 'kernel limits');
      for (let i = 0; i < nlim; i++) limits.push([c.text('kernel limit name'), c.u64()]);
    }
    this.v.header({
      formatMajor: major,
      formatMinor: minor,
      arch,
      kernelRelease,
      hostname,
      captureTime: time,
      source,
      frozen: (flags & HEADER_FLAG_FROZEN) !== 0,
      options,
      kernelLimits: Object.fromEntries(limits),
    });
  }

  private readTask(): void {
    const c = this.c;
    const pid = c.u32();
    const tgid = c.u32();
    const ppid = c.u32();
    const uid = c.u32();
    const gid = c.u32();
    const flags = c.u32();
    const comm = c.bstr();
    const argc = c.count(4, 'cmdline');
    const cmdline = new Array(argc);
    for (let i = 0; i < argc; i++) cmdline[i] = c.bstr();
    const cwd = c.bstr();
    const root = c.bstr();
    const nns = c.count(12, 'namespaces');
    const namespaces: Namespace[] = [];
    for (let i = 0; i < nns; i++) namespaces.push({ type: c.text('namespace type'), ino: c.u64() });
    let fdLimit: FdLimit | null = null;
    if (!this.endsBefore(LIMITS_SINCE, 'TASK', 'fd limit')) {
      const soft = this.limit(c.u64(), 'soft');
      const hard = this.limit(c.u64(), 'hard');
      if (flags & TASK_FLAG_FD_LIMIT) fdLimit = { soft, hard };
    }
    const task: Task = { pid, tgid, ppid, uid, gid, comm, cmdline, cwd, root, namespaces, fdTable: 0, fdLimit };
    if (!this.endsBefore(NSPIDS_SINCE, 'TASK', 'pids in pid namespaces')) {
      const n = c.count(4, 'pids in pid namespaces');
      if (n > 0) {
        const nsPids = new Array<number>(n);
        for (let i = 0; i < n; i++) nsPids[i] = c.u32();
        task.nsPids = nsPids;
      }
    }
    if (!this.endsBefore(USERNS_SINCE, 'TASK', 'ids in its user namespace')) {
      const uid = c.u32();
      const gid = c.u32();
      if (flags & TASK_FLAG_USERNS_IDS) task.userNsIds = { uid, gid };
    }
    // Before 1.3 the bit was 0, never the opposite of a fact: set, it is one.
    if (flags & TASK_FLAG_ZOMBIE) task.zombie = true;
    this.v.task(task);
    this.pendingTask = task;
  }

  /**
   * True when the body has ended exactly where fields added in 1.`since`
   * would start and the image is older than that: they are absent, not
   * cut (the same rule as kind attributes, see readAttrs).
   */
  private endsBefore(since: number, record: string, what: string): boolean {
    if (this.c.remaining > 0) return false;
    if (this.formatMinor < since) return true;
    return this.c.fail('bad-length', `${record} ${what}: the record body ends before it (the image is format 1.${this.formatMinor})`);
  }

  /** An RLIMIT_NOFILE value: all ones is unlimited; nothing else exceeds 2^53 (the kernel caps it at fs.nr_open). */
  private limit(v: U64, which: string): number | null {
    if (typeof v === 'number') return v;
    if (v === U64_MAX) return null;
    return this.c.fail('bad-value', `TASK fd limit (${which}) ${v} is out of range`);
  }

  private readTaskObjs(): void {
    const c = this.c;
    const task = this.pendingTask ?? c.fail('bad-structure', 'TASK_OBJS without a TASK before it');
    this.expectTableClosed('TASK_OBJS');
    const ref = c.u32();
    if (ref !== 0) this.checkRef(ref, 2);
    task.fdTable = ref;
    this.pendingTask = null;
  }

  private readTable(): void {
    const c = this.c;
    const ref = c.u32();
    const nfds = c.u32();
    const flags = c.u32();
    this.defineObj(ref, 2);
    const left = this.s.size - (this.s.offset + 8);
    if (nfds * FILE_DESC_RECORD_SPAN > left)
      c.fail('bad-length', `fd table ${ref} announces ${nfds} fds, more than the ${left} bytes left can hold`);
    const table: FdTable = { ref, fds: [], sharingInferred: (flags & TABLE_FLAG_SHARING_INFERRED) !== 0 };
    this.v.table(table);
    this.openTable = table;
    this.openTableLeft = nfds;
    this.openTableFds = null;
    this.openTableLastFd = -1;
    this.openTableSeen = [];
  }

  private readFd(): void {
    const c = this.c;
    if (this.openTableLeft === 0) c.fail('bad-structure', 'FILE_DESC outside an fd table');
    const file = c.u32();
    const fd = c.u32();
    const flags = c.u32();
    this.checkRef(file, 1);
    if (fd > 0x7fffffff) c.fail('bad-value', `fd number ${fd} out of range`);
    if (fd > this.openTableLastFd && this.openTableFds === null) {
      this.openTableLastFd = fd;
      this.openTableSeen.push(fd);
    } else {
      this.openTableFds ??= new Set(this.openTableSeen);
      if (this.openTableFds.has(fd)) c.fail('bad-value', `fd ${fd} appears twice in fd table ${this.openTable!.ref}`);
      this.openTableFds.add(fd);
    }
    const entry: Fd = { fd, file, cloexec: (flags & FD_FLAG_CLOEXEC) !== 0 };
    this.v.fd(this.openTable!, entry);
    if (--this.openTableLeft === 0) {
      this.openTableFds = null;
      this.openTableSeen = [];
    }
  }

  private readFile(): void {
    const c = this.c;
    const ref = c.u32();
    const code = c.u16();
    const fflags = c.u16();
    const flags = c.u32();
    const mode = c.u32();
    const pos = c.u64();
    const dev = c.u64();
    const ino = c.u64();
    const rdev = c.u64();
    const size = c.u64();
    const mntId = c.u32();
    const nlink = c.u32();
    const path = c.bstr();
    const nlocks = c.count(24, 'locks');
    const locks: FileLock[] = nlocks ? [] : NO_LOCKS;
    for (let i = 0; i < nlocks; i++) {
      const kind = LOCK_KINDS[c.u8()] ?? c.fail('bad-value', 'unknown lock kind');
      const write = c.u8() === 1;
      c.u16();
      const pid = c.i32();
      const start = c.u64();
      const end = c.u64();
      locks.push({ kind, write, pid, start, end: end === U64_MAX ? null : end });
    }
    this.defineObj(ref, 1);
    const spec = kindByCode(code);
    const file: OpenFile = {
      ref,
      kind: spec ? spec.name : 'unknown',
      path,
      flags,
      mode,
      pos,
      mntId,
      dev,
      ino,
      rdev,
      size,
      nlink,
      deleted: (fflags & FILE_FLAG_DELETED) !== 0,
      sharingInferred: (fflags & FILE_FLAG_SHARING_INFERRED) !== 0,
      locks,
      attrs: EMPTY_ATTRS,
    };
    if (spec) {
      if (spec.fields.length) file.attrs = readAttrs(c, spec, this.checkFileRef, this.formatMinor);
    } else {
      file.attrs = {};
      file.unknownKindCode = code;
      file.unknownBody = c.bytes(c.remaining);
    }
    this.v.file(file);
  }

  private readError(): void {
    const c = this.c;
    const errno = c.text('errno');
    const pid = c.i32();
    const fd = c.i32();
    const where = c.bstr();
    const message = c.text('message');
    this.v.error({ errno, pid, fd, where, message });
  }
}

// Most files have no locks and many kinds no attributes: one frozen empty
// value each saves two allocations per file on a million-file image.
const EMPTY_ATTRS: AttrRecord = Object.freeze({}) as AttrRecord;
const NO_LOCKS: FileLock[] = Object.freeze([]) as unknown as FileLock[];

function buildModel(src: ScanSource): DecodeResult {
  const m = new ModelBuilder();
  const info = new Decoder(src, m).run();
  return { header: m.hdr!, tasks: m.tasks, fdTables: m.tables, files: m.files, errors: m.errors, info };
}

/** Checks and decodes an image held in memory. */
export function decodeImage(bytes: Uint8Array): DecodeResult {
  return buildModel(bufferSource(bytes));
}

/** Checks and decodes an image file, streaming it. */
export function readImageFile(path: string | number): DecodeResult {
  return withImageFile(path, buildModel);
}

/** Checks an image, handing each decoded piece to `v` instead of building a model. */
export function visitImage(src: ScanSource, v: DecodeVisitor): ImageInfo {
  return new Decoder(src, v).run();
}

/** Counts of a checked image, decoded in bounded memory (what `ckpt verify` prints). */
export interface ImageCounts extends ImageInfo {
  header: ImageHeader;
  tasks: number;
  fdTables: number;
  fds: number;
  files: number;
  errors: number;
}

export function verifyImage(src: ScanSource): ImageCounts {
  let header: ImageHeader | null = null;
  const n = { tasks: 0, fdTables: 0, fds: 0, files: 0, errors: 0 };
  const info = visitImage(src, {
    header: (h) => (header = h),
    task: () => n.tasks++,
    table: () => n.fdTables++,
    fd: () => n.fds++,
    file: () => n.files++,
    error: () => n.errors++,
  });
  return { ...info, ...n, header: header! };
}

export interface RecordInfo {
  index: number;
  offset: number;
  type: number;
  typeName: string;
  len: number;
  /** The objref the record defines (FILE, FILE_TABLE) or points at (FILE_DESC, TASK_OBJS), else 0. */
  objref: number;
}

/** Every record's framing, for `ckpt records` and the records pane. Calls back per record. */
export function scanRecords(src: ScanSource, each: (r: RecordInfo, scanner: RecordScanner) => void): void {
  const s = new RecordScanner(src);
  while (s.advance()) {
    let objref = 0;
    if (
      (s.type === RT.FILE || s.type === RT.FILE_TABLE || s.type === RT.FILE_DESC || s.type === RT.TASK_OBJS) &&
      s.bodyEnd - s.bodyStart >= 4
    )
      objref = s.view.getUint32(s.bodyStart, true);
    each({ index: s.index, offset: s.offset, type: s.type, typeName: recordName(s.type), len: s.len, objref }, s);
  }
}

/**
 * The most a pipe, FIFO or other file of no stated size may hold: it is read
 * into memory whole before it is checked, so it needs a bound, and this is
 * the one `ckpt import` has for any file (Node reads at most 2 GiB into one
 * buffer). A regular file has none: it is streamed, in bounded memory.
 */
const MAX_UNSIZED_IMAGE_BYTES = 2 ** 31 - 1;

/**
 * Runs `fn` on the image in `path` (or in the open file descriptor `path`,
 * such as 0 for standard input, which stays open). A regular file is
 * streamed; a pipe, FIFO or character device is read to its end first
 * (fstat gives no size for it), at most MAX_UNSIZED_IMAGE_BYTES. A directory
 * is refused as one.
 */
export function withImageFile<T>(path: string | number, fn: (src: ScanSource) => T): T {
  const name = typeof path === 'number' ? (path === 0 ? 'standard input' : `fd ${path}`) : path;
  let fd: number;
  try {
    fd = typeof path === 'number' ? path : openSync(path, 'r');
  } catch (e) {
    throw new ImageError('io', cannotOpenText(name, e as NodeJS.ErrnoException), 0, -1);
  }
  let parallel: ReturnType<typeof startParallelDigest> | null = null;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new ImageError('io', directoryText(name), 0, -1);
    let src: ScanSource;
    if (st.isFile()) {
      src = fdSource(fd, st.size);
      // A whole image ends with a 48-byte TAIL: hash what precedes it on the other core.
      parallel =
        typeof path === 'string' && st.size >= PARALLEL_DIGEST_MIN_BYTES ? startParallelDigest(path, st.size - TAIL_RECORD_SPAN) : null;
      if (parallel) src.digestOf = (end) => parallel!.digestOf(end);
    } else {
      // Read to EOF in chunks filled whole, served in place (no second copy).
      const CHUNK = 8 << 20;
      const chunks: Buffer[] = [];
      let size = 0;
      for (let fill = CHUNK; ;) {
        if (fill === CHUNK) {
          chunks.push(Buffer.allocUnsafe(CHUNK));
          fill = 0;
        }
        let n: number;
        try {
          n = readSync(fd, chunks.at(-1)!, fill, CHUNK - fill, null);
        } catch (e) {
          // A non-blocking descriptor (stdin shared with a parent) with nothing yet: wait for it.
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
            continue;
          }
          throw new ImageError('io', `cannot read ${name}: ${(e as Error).message}`, size, -1);
        }
        if (n === 0) break;
        fill += n;
        size += n;
        if (size > MAX_UNSIZED_IMAGE_BYTES)
          throw new ImageError(
            'io',
            `${name}: more than 2 GiB (${MAX_UNSIZED_IMAGE_BYTES} bytes), the most read from a pipe; save the image to a file (read in bounded memory)`,
            size,
            -1,
          );
      }
      src = {
        size,
        read: (buf, off, len, pos) => {
          let n = 0;
          while (n < len && pos + n < size) {
            const at = pos + n;
            const chunk = chunks[Math.floor(at / CHUNK)]!;
            const from = at % CHUNK;
            n += chunk.copy(buf, off + n, from, Math.min(CHUNK, from + len - n, from + size - at));
          }
          return n;
        },
      };
    }
    return fn(src);
  } finally {
    parallel?.dispose();
    if (typeof path === 'string') closeSync(fd);
  }
}
