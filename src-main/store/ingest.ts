/**
 * Decodes one image straight into the store's index form and writes its
 * index rows. The decoder's streaming visitor hands out each checked record;
 * the collector keeps only flat typed arrays (fds, and each file's pack
 * fields with its strings already interned), never the snapshot's objects:
 * at 100,000 fds per image, building and then collecting the model was a
 * third of an import. The caller runs collect() and write() inside the one
 * transaction that also inserts the image row, so an image is indexed
 * wholly or not at all (a decode error midway rolls its interned strings
 * back).
 */
import type Database from 'better-sqlite3';
import type { ImportProgress } from '../../src-shared/store-types.js';
import type { AttrRecord, CaptureError, Fd, FdTable, ImageHeader, OpenFile, Task } from '../../src-shared/model/index.js';
import { BIT_CLOEXEC, BIT_DELETED, BIT_SHARED, P as PF, PACK_FIELDS, lowerBound, putU64 } from './fdpack.js';

// A plain local copy: read per fd, and some module loaders turn an imported binding into a getter call.
const P = { ...PF };
import { attrsToJson, bytesToHex, displayBStr } from '../../src-shared/model/index.js';
import { kindByName } from '../../src-shared/kinds/index.js';
import { bufferSource, type ImageDigests } from '../engine/record-scanner.js';
import { visitImage, type DecodeVisitor } from '../engine/reader.js';
import type { DB } from './db.js';
import { Interner, joinCmdline } from './intern.js';
import { FD_UNLIMITED } from './schema.js';
import { attrPairs } from './attrset.js';

export function kindCode(f: { kind: string; unknownKindCode?: number }): number {
  if (f.kind === 'unknown') return f.unknownKindCode ?? 0;
  return kindByName(f.kind)?.code ?? 0;
}

/** The first process (thread group leader) of an image: the one a series is named after. */
export function programTask(s: { tasks: Task[] }): Task | undefined {
  return s.tasks.find((x) => x.pid === x.tgid) ?? s.tasks[0];
}

/** The command line of the first process, as a person reads it: what a series is keyed on. */
export function programOf(s: { tasks: Task[] }): string {
  const t = programTask(s);
  if (!t) return '';
  return t.cmdline.length ? t.cmdline.map(displayBStr).join(' ') : displayBStr(t.comm);
}

/** fd rows per INSERT: one call binding many rows costs far less than a call per row. */
const FD_BATCH = 200;
const FD_COLS = 4;
/** Per fd in Collected.fds: table index, fd number, file row, cloexec bit, file objref. */
const FD_STRIDE = 5;
/** Working arrays up to this many fds are kept between imports. */
const MAX_KEPT = 2_000_000;
/** Per file in Collected.ff: the pack's fields from P.bits on (bits holds deleted; shared is added at write). */
const FF = PACK_FIELDS - P.bits;

/** One image, decoded into what the index needs. */
export interface Collected {
  header: ImageHeader;
  tasks: Task[];
  tables: { ref: number; inferred: boolean; first: number; n: number }[];
  nfds: number;
  fds: Int32Array;
  nfiles: number;
  ff: Int32Array;
  errors: number;
}

/** Working arrays kept from one import to the next (an import is synchronous, so one set suffices). */
interface Buffers {
  fds: Int32Array<ArrayBuffer>;
  ff: Int32Array<ArrayBuffer>;
  rowOf: Int32Array<ArrayBuffer>;
}

class Collector implements DecodeVisitor {
  hdr: ImageHeader | null = null;
  readonly tasks: Task[] = [];
  readonly tables: Collected['tables'] = [];
  nfds = 0;
  fds: Int32Array<ArrayBuffer>;
  nfiles = 0;
  ff: Int32Array<ArrayBuffer>;
  /** objref -> file row + 1 (only refs defined in this image are read, so old entries do no harm). */
  rowOf: Int32Array<ArrayBuffer>;
  errors = 0;

  constructor(
    private readonly strings: Interner,
    private readonly attrTexts: Interner,
    buf: Buffers,
  ) {
    this.fds = buf.fds;
    this.ff = buf.ff;
    this.rowOf = buf.rowOf;
  }

  header(h: ImageHeader): void {
    this.hdr = h;
  }
  task(t: Task): void {
    this.tasks.push(t);
  }
  table(t: FdTable): void {
    this.tables.push({ ref: t.ref, inferred: t.sharingInferred, first: this.nfds, n: 0 });
  }
  fd(_table: FdTable, d: Fd): void {
    // The decoder keeps a table's FILE_DESC records together, so they belong to the last table opened.
    if ((this.nfds + 1) * FD_STRIDE > this.fds.length) this.fds = grow(this.fds, (this.nfds + 1) * FD_STRIDE);
    const o = this.nfds++ * FD_STRIDE;
    const fds = this.fds;
    fds[o] = this.tables.length - 1;
    fds[o + 1] = d.fd;
    // The decoder checked that the file was defined before this fd names it.
    fds[o + 2] = this.rowOf[d.file]! - 1;
    fds[o + 3] = d.cloexec ? BIT_CLOEXEC : 0;
    fds[o + 4] = d.file;
    this.tables[this.tables.length - 1]!.n++;
  }
  file(f: OpenFile): void {
    let attrs = 0;
    if (f.kind === 'unknown')
      attrs = this.attrTexts.id(
        JSON.stringify({ unknownKindCode: f.unknownKindCode ?? 0, unknownBody: bytesToHex(f.unknownBody ?? new Uint8Array()) }),
      );
    else if (f.kind === 'regular' && f.attrs.blocksKnown !== true) {
      // A regular file without allocated blocks (images before 1.7, sims, CRIU) has nothing to say: no attrs row,
      // as none was stored before 1.7, so one file reads the same from either library.
    } else {
      // Attributes of plain values (most kinds) are their own JSON form: no converted copy per file. A memfd
      // without allocated blocks (images before 1.8, sims, CRIU) keeps the row it had before 1.8: its name.
      let any = false;
      let plain = true;
      const a: AttrRecord = f.kind === 'memfd' && f.attrs.blocksKnown !== true ? { name: f.attrs.name ?? '' } : f.attrs;
      for (const k in a) {
        any = true;
        const v = a[k];
        const t = typeof v;
        if (t !== 'string' && t !== 'number' && t !== 'boolean' && v !== null) {
          plain = false;
          break;
        }
      }
      if (any) attrs = this.attrTexts.id(JSON.stringify(plain ? a : attrsToJson(a)));
    }
    const row = this.nfiles++;
    if ((row + 1) * FF > this.ff.length) this.ff = grow(this.ff, (row + 1) * FF);
    if (f.ref >= this.rowOf.length) this.rowOf = grow(this.rowOf, f.ref + 1);
    this.rowOf[f.ref] = row + 1;
    const ff = this.ff;
    const o = row * FF - P.bits;
    ff[o + P.bits] = f.deleted ? BIT_DELETED : 0;
    ff[o + P.kind] = kindCode(f);
    ff[o + P.path] = this.strings.id(f.path);
    ff[o + P.flags] = f.flags;
    ff[o + P.attrs] = attrs;
    putU64(ff, o + P.posHi, f.pos);
    putU64(ff, o + P.inoHi, f.ino);
    putU64(ff, o + P.rdevHi, f.rdev);
    putU64(ff, o + P.sizeHi, f.size);
    putU64(ff, o + P.devHi, f.dev);
    ff[o + P.mode] = f.mode;
    ff[o + P.nlink] = f.nlink;
  }
  error(_e: CaptureError): void {
    this.errors++;
  }
}

function grow(a: Int32Array, need: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class Indexer {
  private readonly insTask: Database.Statement;
  private readonly insTable: Database.Statement;
  private readonly insFd: Database.Statement;
  private readonly insFds: Database.Statement;
  private readonly insPaths: Database.Statement;
  private readonly insAttrs: Database.Statement;
  private readonly batch: number[] = new Array<number>(FD_BATCH * FD_COLS);
  private readonly buf: Buffers = { fds: new Int32Array(4096 * FD_STRIDE), ff: new Int32Array(4096 * FF), rowOf: new Int32Array(4096) };

  constructor(
    db: DB,
    readonly strings: Interner,
    readonly attrTexts: Interner,
  ) {
    this.insTask = db.prepare(
      'INSERT INTO tasks (image_id, pid, tgid, ppid, uid, gid, comm_id, cmd_id, table_ref, fd_soft, fd_hard) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
    );
    this.insTable = db.prepare('INSERT INTO fdtables VALUES (?,?,?,?,?)');
    const cols = 'INSERT INTO fds (image_id, path_id, table_ref, fd) VALUES ';
    this.insFd = db.prepare(`${cols}(?,?,?,?)`);
    this.insFds = db.prepare(cols + Array<string>(FD_BATCH).fill('(?,?,?,?)').join(','));
    this.insPaths = db.prepare('INSERT INTO image_paths VALUES (?, ?)');
    this.insAttrs = db.prepare('INSERT INTO image_attrs VALUES (?, ?)');
  }

  /**
   * Checks and decodes the image, interning its strings as they come (call
   * inside the write transaction: an ImageError midway must roll them back).
   */
  collect(bytes: Uint8Array, digests?: ImageDigests): Collected {
    const c = new Collector(this.strings, this.attrTexts, this.buf);
    try {
      visitImage(bufferSource(bytes, digests), c);
    } finally {
      // Keep what grew for the next image, unless one huge image would pin it.
      if (c.fds.length <= MAX_KEPT * FD_STRIDE) {
        this.buf.fds = c.fds;
        this.buf.ff = c.ff;
        this.buf.rowOf = c.rowOf;
      }
    }
    return { header: c.hdr!, tasks: c.tasks, tables: c.tables, nfds: c.nfds, fds: c.fds, nfiles: c.nfiles, ff: c.ff, errors: c.errors };
  }

  write(imageId: number, s: Collected, progress?: (p: ImportProgress) => void): void {
    const str = this.strings;
    const tableProcs = new Map<number, number[]>();
    for (const t of s.tasks) {
      const lim = t.fdLimit;
      this.insTask.run(
        imageId,
        t.pid,
        t.tgid,
        t.ppid,
        t.uid,
        t.gid,
        str.id(t.comm),
        str.id(joinCmdline(t.cmdline)),
        t.fdTable,
        lim ? (lim.soft ?? FD_UNLIMITED) : null,
        lim ? (lim.hard ?? FD_UNLIMITED) : null,
      );
      if (!t.fdTable) continue;
      let l = tableProcs.get(t.fdTable);
      if (!l) tableProcs.set(t.fdTable, (l = []));
      if (!l.includes(t.tgid)) l.push(t.tgid);
    }
    const { fds, ff } = s;
    // Distinct processes per open file: a process has one table, so its fds
    // arrive together and "last holder seen" counts each process once.
    const holders = new Int32Array(s.nfiles);
    const lastHolder = new Float64Array(s.nfiles).fill(-1);
    for (const tb of s.tables) {
      for (const tgid of tableProcs.get(tb.ref) ?? []) {
        for (let k = tb.first; k < tb.first + tb.n; k++) {
          const row = fds[k * FD_STRIDE + 2]!;
          if (lastHolder[row] === tgid) continue;
          lastHolder[row] = tgid;
          holders[row]!++;
        }
      }
    }
    for (let row = 0; row < s.nfiles; row++) if (holders[row]! > 1) ff[row * FF] = ff[row * FF]! | BIT_SHARED;

    const total = s.nfds;
    const pathIds = new Int32Array(total);
    let next = 50_000;
    const packs: [number, Int32Array][] = [];
    for (const tb of s.tables) {
      const pack = new Int32Array(tb.n * PACK_FIELDS);
      packs.push([tb.ref, pack]);
      let o = 0;
      for (let k = tb.first; k < tb.first + tb.n; k++) {
        const q = k * FD_STRIDE;
        const at = fds[q + 2]! * FF;
        pathIds[k] = ff[at - P.bits + P.path]!;
        pack[o + P.table] = tb.ref;
        pack[o + P.fd] = fds[q + 1]!;
        pack[o + P.file] = fds[q + 4]!;
        // A plain copy: a subarray view per fd was 100,000 short-lived objects per image.
        for (let j = 1; j < FF; j++) pack[o + P.bits + j] = ff[at + j]!;
        pack[o + P.bits] = ff[at]! | fds[q + 3]!;
        o += PACK_FIELDS;
      }
      this.insTable.run(imageId, tb.ref, tb.n, tb.inferred ? 1 : 0, Buffer.from(pack.buffer, pack.byteOffset, pack.byteLength));
    }
    const distinct = distinctSorted(pathIds.slice());
    this.insPaths.run(imageId, packIds(distinct));
    this.insAttrs.run(imageId, packIds(attrPairs(packs)));

    // fd rows in key order (path, then image order), so every insert appends.
    // A counting sort on each fd's path rank keeps image order within a path.
    const rank = new Int32Array(total);
    const start = new Int32Array(distinct.length + 1);
    for (let k = 0; k < total; k++) start[(rank[k] = lowerBound(distinct, pathIds[k]!)) + 1]!++;
    for (let r = 0; r < distinct.length; r++) start[r + 1]! += start[r]!;
    const order = new Int32Array(total);
    for (let k = 0; k < total; k++) order[start[rank[k]!]!++] = k;
    const batch = this.batch;
    let inBatch = 0;
    for (let i = 0; i < total; i++) {
      const k = order[i]!;
      const q = k * FD_STRIDE;
      const r = inBatch * FD_COLS;
      batch[r] = imageId;
      batch[r + 1] = pathIds[k]!;
      batch[r + 2] = s.tables[fds[q]!]!.ref;
      batch[r + 3] = fds[q + 1]!;
      if (++inBatch === FD_BATCH) {
        this.insFds.run(batch);
        inBatch = 0;
      }
      if (progress && i >= next) {
        progress({ phase: 'index', done: i, total });
        next = i + 50_000;
      }
    }
    for (let k = 0; k < inBatch; k++) this.insFd.run(batch.slice(k * FD_COLS, (k + 1) * FD_COLS));
  }
}

/** The ascending distinct values of a (sorted in place). */
function distinctSorted(a: Int32Array): Int32Array {
  a.sort();
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[n++] = a[i]!;
  return a.subarray(0, n);
}

function packIds(a: Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
