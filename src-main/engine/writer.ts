/**
 * Writes a snapshot as a v1 image, following the seed's checkpoint order:
 * for each task its TASK record, then its fd table if this is the table's
 * first reference (FILE_TABLE, and per fd the FILE object if first seen,
 * then FILE_DESC), then TASK_OBJS naming the table. Objects nobody
 * references (an open file only an epoll watches) follow the tasks, errors
 * follow those, and the TAIL seals the image with a count and a SHA-256.
 */
import { kindByName, type KindSpec } from '../../src-shared/kinds/index.js';
import { FORMAT_MINOR, type FdTable, type OpenFile, type Snapshot } from '../../src-shared/model/index.js';
import { ModelError } from './errors.js';
import {
  FD_FLAG_CLOEXEC,
  FILE_FLAG_DELETED,
  FILE_FLAG_SHARING_INFERRED,
  HEADER_FLAG_FROZEN,
  LOCK_KINDS,
  MAGIC,
  RT,
  SOURCE_CODES,
  TABLE_FLAG_SHARING_INFERRED,
  TASK_FLAG_FD_LIMIT,
  TASK_FLAG_ZOMBIE,
  TASK_FLAG_USERNS_IDS,
} from './format.js';
import { attrRefs, hasRefFields, writeAttrs } from './kind-codec.js';
import { ObjHash } from './objhash.js';
import { RefMap } from './ref-map.js';
import { RecordWriter, checkU32, setU64, type Sink } from './record-writer.js';

/** A FILE record's fixed fields: objref, kind, flags16, flags, mode, pos, dev, ino, rdev, size, mnt_id, nlink. */
const FILE_FIXED = 4 + 2 + 2 + 4 + 4 + 5 * 8 + 4 + 4;

const U64_MAX = 0xffffffffffffffffn;

export interface WriteResult {
  bytes: number;
  records: number;
  sha256: string;
}

class SnapshotWriter {
  private readonly hash: ObjHash;
  private readonly w: RecordWriter;
  /** null when the files are numbered 1..n in list order: then the list is the map. */
  private readonly files: RefMap<OpenFile> | null = null;
  private readonly tables: RefMap<FdTable>;
  private filesWritten = 0;
  /** Per kind name: its spec and whether it has objref attributes, looked up once. */
  private readonly kinds = new Map<string, { spec: KindSpec | undefined; refs: boolean }>();

  constructor(
    private readonly snap: Snapshot,
    sink: Sink,
  ) {
    this.w = new RecordWriter(sink);
    const n = snap.files.length + snap.fdTables.length;
    this.hash = new ObjHash(n);
    this.tables = new RefMap(4 * n + 1024);
    // Captures and simulations number files 1..n in order; only other
    // numberings need the map (and the check that no ref repeats).
    const files = snap.files;
    let inOrder = true;
    for (let i = 0; i < files.length && inOrder; i++) inOrder = files[i]!.ref === i + 1;
    if (!inOrder) {
      const map = new RefMap<OpenFile>(4 * n + 1024, n + 1024);
      for (const f of files) {
        if (map.has(f.ref)) throw new ModelError(`two open files share ref ${f.ref}`);
        map.set(f.ref, f);
      }
      this.files = map;
    }
    for (const t of snap.fdTables) {
      if (this.tables.has(t.ref)) throw new ModelError(`two fd tables share ref ${t.ref}`);
      this.tables.set(t.ref, t);
    }
  }

  run(): WriteResult {
    const { w, snap } = this;
    this.header();
    for (const task of snap.tasks) {
      w.begin(RT.TASK);
      w.u32(task.pid);
      w.u32(task.tgid);
      w.u32(task.ppid);
      w.u32(task.uid);
      w.u32(task.gid);
      const limit = task.fdLimit;
      const userNs = task.userNsIds;
      w.u32((limit ? TASK_FLAG_FD_LIMIT : 0) | (task.zombie ? TASK_FLAG_ZOMBIE : 0) | (userNs ? TASK_FLAG_USERNS_IDS : 0));
      w.bstr(task.comm);
      w.u32(task.cmdline.length);
      for (let i = 0; i < task.cmdline.length; i++) w.bstr(task.cmdline[i]!);
      w.bstr(task.cwd);
      w.bstr(task.root);
      w.u32(task.namespaces.length);
      for (let i = 0; i < task.namespaces.length; i++) {
        const ns = task.namespaces[i]!;
        w.bstr(ns.type);
        w.u64(ns.ino);
      }
      // 1.2: RLIMIT_NOFILE soft and hard, all ones for unlimited; zeros when unknown (the flag says which).
      w.u64(limit ? (limit.soft ?? U64_MAX) : 0);
      w.u64(limit ? (limit.hard ?? U64_MAX) : 0);
      // 1.5: its pids in its pid namespaces, outermost first; none when not known.
      const nsPids = task.nsPids ?? [];
      w.u32(nsPids.length);
      for (let i = 0; i < nsPids.length; i++) w.u32(nsPids[i]!);
      // 1.6: uid and gid inside its user namespace; zeros when not recorded (the flag says which).
      w.u32(userNs ? userNs.uid : 0);
      w.u32(userNs ? userNs.gid : 0);
      w.end();
      let tableRef = 0;
      if (task.fdTable !== 0) {
        const table = this.tables.get(task.fdTable);
        if (!table) throw new ModelError(`task ${task.pid} uses fd table ${task.fdTable}, which the snapshot does not hold`);
        tableRef = this.table(table);
      }
      w.begin(RT.TASK_OBJS);
      w.u32(tableRef);
      w.u32(0);
      w.end();
    }
    for (const t of snap.fdTables) this.table(t);
    // Files no fd points at (only an epoll watches them); none, usually.
    if (this.filesWritten < snap.files.length) for (const f of snap.files) this.file(f);
    for (const e of snap.errors) {
      w.begin(RT.ERROR);
      w.bstr(e.errno);
      w.i32(e.pid);
      w.i32(e.fd);
      w.bstr(e.where);
      w.bstr(e.message);
      w.end();
    }
    const records = w.recordCount;
    const sha = w.digest();
    w.begin(RT.TAIL);
    w.u64(records);
    w.bytes(sha);
    w.end();
    w.flush();
    return { bytes: w.offset, records: w.recordCount, sha256: sha.toString('hex') };
  }

  private header(): void {
    const { w } = this;
    const h = this.snap.header;
    const source = SOURCE_CODES[h.source];
    if (!source) throw new ModelError(`unknown source kind ${String(h.source)}`);
    w.begin(RT.HEADER);
    w.bytes(MAGIC);
    w.u16(h.formatMajor);
    // Re-encoding an image from a newer minor: this writer writes only the
    // attributes it knows, so it must not claim the newer minor's.
    w.u16(Math.min(h.formatMinor, FORMAT_MINOR));
    w.u32(h.frozen ? HEADER_FLAG_FROZEN : 0);
    w.u64(h.captureTime);
    w.u16(source);
    w.u16(0);
    w.bstr(h.arch);
    w.bstr(h.kernelRelease);
    w.bstr(h.hostname);
    const opts = Object.entries(h.options);
    w.u32(opts.length);
    for (const [k, v] of opts) {
      w.bstr(k);
      w.bstr(v);
    }
    // 1.2: the kernel's file limits.
    const limits = Object.entries(h.kernelLimits);
    w.u32(limits.length);
    for (const [k, v] of limits) {
      w.bstr(k);
      w.u64(v);
    }
    w.end();
  }

  private fileByRef(ref: number): OpenFile | undefined {
    return this.files ? this.files.get(ref) : ref >= 1 ? this.snap.files[ref - 1] : undefined;
  }

  private table(t: FdTable): number {
    const known = this.hash.lookup('fdtable', t.ref);
    if (known !== undefined) return known;
    const { w, hash } = this;
    // Files first seen in this table are written between FILE_DESC records,
    // each before the FILE_DESC that references it.
    const objref = this.hash.add('fdtable', t.ref);
    w.begin(RT.FILE_TABLE);
    w.u32(objref);
    w.u32(t.fds.length);
    w.u32(t.sharingInferred ? TABLE_FLAG_SHARING_INFERRED : 0);
    w.end();
    // Indexed loops here and below: until the JIT has compiled them, for-of
    // makes an iterator and a result object per step, garbage that makes
    // the collector copy the whole snapshot, which is still young.
    const fds = t.fds;
    for (let i = 0; i < fds.length; i++) {
      const fd = fds[i]!;
      let fileRef = hash.lookup('file', fd.file);
      if (fileRef === undefined) {
        const f = this.fileByRef(fd.file);
        if (!f) throw new ModelError(`fd ${fd.fd} of table ${t.ref} points at file ${fd.file}, which the snapshot does not hold`);
        fileRef = this.file(f);
      }
      w.record3(RT.FILE_DESC, fileRef, fd.fd, fd.cloexec ? FD_FLAG_CLOEXEC : 0);
    }
    return objref;
  }

  private file(f: OpenFile): number {
    const known = this.hash.lookup('file', f.ref);
    if (known !== undefined) return known;
    let kind = this.kinds.get(f.kind);
    if (!kind) {
      const spec = f.kind === 'unknown' ? undefined : kindByName(f.kind);
      if (!spec && f.kind !== 'unknown') throw new ModelError(`file ${f.ref} has kind "${f.kind}", which the registry does not know`);
      kind = { spec, refs: spec ? hasRefFields(spec) : false };
      this.kinds.set(f.kind, kind);
    }
    const { spec } = kind;
    if (spec && kind.refs) {
      const deps = attrRefs(spec, f.attrs);
      if (deps.length) {
        if (!this.hash.enter(f.ref)) throw new ModelError(`file ${f.ref} is part of a reference cycle`);
        for (const d of deps) {
          const dep = this.fileByRef(d);
          if (!dep) throw new ModelError(`file ${f.ref} references file ${d}, which the snapshot does not hold`);
          this.file(dep);
        }
        this.hash.leave(f.ref);
      }
    }
    const objref = this.hash.add('file', f.ref);
    this.filesWritten++;
    this.fileRecord(f, objref, spec);
    return objref;
  }

  private readonly mapRef = (ref: number, from: OpenFile): number => {
    const r = this.hash.lookup('file', ref);
    if (r === undefined) throw new ModelError(`file ${from.ref} references file ${ref} before it was written`);
    return r;
  };

  private fileRecord(f: OpenFile, objref: number, spec: KindSpec | undefined): void {
    const { w } = this;
    w.begin(RT.FILE);
    // The fixed fields in one claim (a capture writes 27,000 of these).
    checkU32(objref);
    checkU32(f.flags);
    checkU32(f.mode);
    checkU32(f.mntId);
    checkU32(f.nlink);
    const at = w.claim(FILE_FIXED);
    const v = w.dataView;
    v.setUint32(at, objref, true);
    v.setUint16(at + 4, spec ? spec.code : (f.unknownKindCode ?? 0), true);
    v.setUint16(at + 6, (f.deleted ? FILE_FLAG_DELETED : 0) | (f.sharingInferred ? FILE_FLAG_SHARING_INFERRED : 0), true);
    v.setUint32(at + 8, f.flags, true);
    v.setUint32(at + 12, f.mode, true);
    setU64(v, at + 16, f.pos);
    setU64(v, at + 24, f.dev);
    setU64(v, at + 32, f.ino);
    setU64(v, at + 40, f.rdev);
    setU64(v, at + 48, f.size);
    v.setUint32(at + 56, f.mntId, true);
    v.setUint32(at + 60, f.nlink, true);
    w.bstr(f.path);
    w.u32(f.locks.length);
    for (let i = 0; i < f.locks.length; i++) {
      const l = f.locks[i]!;
      const kind = LOCK_KINDS.indexOf(l.kind);
      if (kind < 0) throw new ModelError(`file ${f.ref}: unknown lock kind ${String(l.kind)}`);
      w.u8(kind);
      w.u8(l.write ? 1 : 0);
      w.u16(0);
      w.i32(l.pid);
      w.u64(l.start);
      w.u64(l.end === null ? U64_MAX : l.end);
    }
    if (spec) {
      if (spec.fields.length) writeAttrs(w, spec, f, this.mapRef);
    } else if (f.unknownBody) {
      w.bytes(f.unknownBody);
    }
    w.end();
  }
}

/** Encodes a snapshot, handing the bytes to `sink` in chunks as they are produced. */
export function writeSnapshot(snap: Snapshot, sink: Sink): WriteResult {
  return new SnapshotWriter(snap, sink).run();
}

export function encodeSnapshot(snap: Snapshot): Buffer {
  const chunks: Buffer[] = [];
  writeSnapshot(snap, (c) => chunks.push(Buffer.from(c)));
  return Buffer.concat(chunks);
}
