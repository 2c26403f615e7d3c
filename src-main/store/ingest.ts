/**
 * Writes the index rows of one decoded image. The caller wraps this in the
 * transaction that also inserts the image row, so an image is indexed
 * wholly or not at all.
 */
import type Database from 'better-sqlite3';
import type { ImportProgress } from '../../src-shared/store-types.js';
import type { Snapshot, U64 } from '../../src-shared/model/index.js';
import { attrsToJson, bytesToHex, displayBStr } from '../../src-shared/model/index.js';
import { kindByName } from '../../src-shared/kinds/index.js';
import type { DB } from './db.js';
import { Interner, joinCmdline } from './intern.js';

export function u64ToDb(v: U64): number | string {
  return typeof v === 'bigint' ? v.toString() : v;
}

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
  private readonly insFile: Database.Statement;
  private readonly insFd: Database.Statement;

  constructor(
    db: DB,
    readonly strings: Interner,
  ) {
    this.insTask = db.prepare('INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?)');
    this.insTable = db.prepare('INSERT INTO fdtables VALUES (?,?,?,?)');
    this.insFile = db.prepare('INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)');
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
    const fileInfo = new Map<number, { kind: number; path: number; flags: number; deleted: number; shared: number }>();
    for (const f of s.files) {
      const kind = kindCode(f);
      const path = str.id(f.path);
      const h = holders.get(f.ref) ?? 0;
      let attrs: string | null = null;
      if (f.kind === 'unknown') attrs = JSON.stringify({ unknownKindCode: f.unknownKindCode ?? 0, unknownBody: bytesToHex(f.unknownBody ?? new Uint8Array()) });
      else {
        for (const _k in f.attrs) {
          attrs = JSON.stringify(attrsToJson(f.attrs));
          break;
        }
      }
      const deleted = f.deleted ? 1 : 0;
      this.insFile.run(imageId, f.ref, kind, path, f.flags, f.mode, u64ToDb(f.pos), u64ToDb(f.dev), u64ToDb(f.ino), u64ToDb(f.size), f.nlink, deleted, h, attrs);
      fileInfo.set(f.ref, { kind, path, flags: f.flags, deleted, shared: h > 1 ? 1 : 0 });
    }
    const total = s.fdTables.reduce((n, t) => n + t.fds.length, 0);
    let done = 0;
    let next = 50_000;
    for (const tb of s.fdTables) {
      this.insTable.run(imageId, tb.ref, tb.fds.length, tb.sharingInferred ? 1 : 0);
      for (const d of tb.fds) {
        const fi = fileInfo.get(d.file)!;
        this.insFd.run(imageId, tb.ref, d.fd, d.file, d.cloexec ? 1 : 0, fi.kind, fi.path, fi.flags, fi.deleted, fi.shared);
      }
      done += tb.fds.length;
      if (progress && done >= next) {
        progress({ phase: 'index', done, total });
        next = done + 50_000;
      }
    }
  }
}
