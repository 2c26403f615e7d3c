/**
 * Writes the index rows of one decoded image. The caller wraps this in the
 * transaction that also inserts the image row, so an image is indexed
 * wholly or not at all.
 */
import type Database from 'better-sqlite3';
import type { ImportProgress } from '../../src-shared/store-types.js';
import type { Snapshot } from '../../src-shared/model/index.js';
import { BIT_CLOEXEC, BIT_DELETED, BIT_SHARED, P as PF, PACK_FIELDS, putU64 } from './fdpack.js';

// A plain local copy: read per fd, and some module loaders turn an imported binding into a getter call.
const P = { ...PF };
import { attrsToJson, bytesToHex, displayBStr } from '../../src-shared/model/index.js';
import { kindByName } from '../../src-shared/kinds/index.js';
import type { DB } from './db.js';
import { Interner, joinCmdline } from './intern.js';

export function kindCode(f: { kind: string; unknownKindCode?: number }): number {
  if (f.kind === 'unknown') return f.unknownKindCode ?? 0;
  return kindByName(f.kind)?.code ?? 0;
}

/** The command line of the first process, as a person reads it: what a series is keyed on. */
export function programOf(s: Snapshot): string {
  const t = s.tasks.find((x) => x.pid === x.tgid) ?? s.tasks[0];
  if (!t) return '';
  return t.cmdline.length ? t.cmdline.map(displayBStr).join(' ') : displayBStr(t.comm);
}

export class Indexer {
  private readonly insTask: Database.Statement;
  private readonly insTable: Database.Statement;
  private readonly insFd: Database.Statement;

  constructor(
    db: DB,
    readonly strings: Interner,
    readonly attrTexts: Interner,
  ) {
    this.insTask = db.prepare('INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?)');
    this.insTable = db.prepare('INSERT INTO fdtables VALUES (?,?,?,?,?)');
    this.insFd = db.prepare('INSERT INTO fds VALUES (?,?,?,?,?,?,?,?,?,?)');
  }

  index(imageId: number, s: Snapshot, progress?: (p: ImportProgress) => void): void {
    const str = this.strings;
    const tableProcs = new Map<number, number[]>();
    for (const t of s.tasks) {
      this.insTask.run(imageId, t.pid, t.tgid, t.ppid, t.uid, t.gid, str.id(t.comm), str.id(joinCmdline(t.cmdline)), t.fdTable);
      if (!t.fdTable) continue;
      let l = tableProcs.get(t.fdTable);
      if (!l) tableProcs.set(t.fdTable, (l = []));
      if (!l.includes(t.tgid)) l.push(t.tgid);
    }
    // Distinct processes per open file: a process has one table, so its fds
    // arrive together and "last holder seen" counts each process once.
    const holders = new Map<number, number>();
    const lastHolder = new Map<number, number>();
    for (const tb of s.fdTables) {
      for (const tgid of tableProcs.get(tb.ref) ?? []) {
        for (const d of tb.fds) {
          if (lastHolder.get(d.file) === tgid) continue;
          lastHolder.set(d.file, tgid);
          holders.set(d.file, (holders.get(d.file) ?? 0) + 1);
        }
      }
    }
    // Each file's pack fields once, in one typed array (no per-file objects:
    // at 100,000 files per image the garbage was a tenth of the import).
    // Layout matches the pack from P.bits on; bits holds deleted/shared.
    const fileAt = new Map<number, number>();
    const FF = PACK_FIELDS - P.bits;
    const ff = new Int32Array(s.files.length * FF);
    s.files.forEach((f, k) => {
      let attrs = 0;
      if (f.kind === 'unknown')
        attrs = this.attrTexts.id(
          JSON.stringify({ unknownKindCode: f.unknownKindCode ?? 0, unknownBody: bytesToHex(f.unknownBody ?? new Uint8Array()) }),
        );
      else {
        for (const _k in f.attrs) {
          attrs = this.attrTexts.id(JSON.stringify(attrsToJson(f.attrs)));
          break;
        }
      }
      fileAt.set(f.ref, k * FF);
      const o = k * FF - P.bits;
      ff[o + P.bits] = (f.deleted ? BIT_DELETED : 0) | ((holders.get(f.ref) ?? 0) > 1 ? BIT_SHARED : 0);
      ff[o + P.kind] = kindCode(f);
      ff[o + P.path] = str.id(f.path);
      ff[o + P.flags] = f.flags;
      ff[o + P.attrs] = attrs;
      putU64(ff, o + P.posHi, f.pos);
      putU64(ff, o + P.inoHi, f.ino);
      putU64(ff, o + P.rdevHi, f.rdev);
      putU64(ff, o + P.sizeHi, f.size);
      putU64(ff, o + P.devHi, f.dev);
      ff[o + P.mode] = f.mode;
      ff[o + P.nlink] = f.nlink;
    });
    const total = s.fdTables.reduce((n, t) => n + t.fds.length, 0);
    let done = 0;
    let next = 50_000;
    for (const tb of s.fdTables) {
      const pack = new Int32Array(tb.fds.length * PACK_FIELDS);
      let o = 0;
      for (const d of tb.fds) {
        const at = fileAt.get(d.file)!;
        const cloexec = d.cloexec ? BIT_CLOEXEC : 0;
        const bits = ff[at]! | cloexec;
        const b = at - P.bits;
        this.insFd.run(
          imageId,
          tb.ref,
          d.fd,
          ff[b + P.kind],
          ff[b + P.path],
          ff[b + P.flags],
          cloexec,
          bits & BIT_DELETED ? 1 : 0,
          bits & BIT_SHARED ? 1 : 0,
          ff[b + P.attrs],
        );
        pack[o + P.table] = tb.ref;
        pack[o + P.fd] = d.fd;
        pack[o + P.file] = d.file;
        pack.set(ff.subarray(at, at + FF), o + P.bits);
        pack[o + P.bits] = bits;
        o += PACK_FIELDS;
      }
      this.insTable.run(
        imageId,
        tb.ref,
        tb.fds.length,
        tb.sharingInferred ? 1 : 0,
        Buffer.from(pack.buffer, pack.byteOffset, pack.byteLength),
      );
      done += tb.fds.length;
      if (progress && done >= next) {
        progress({ phase: 'index', done, total });
        next = done + 50_000;
      }
    }
  }
}
