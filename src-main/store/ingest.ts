/**
 * Writes the index rows of one decoded image. The caller wraps this in the
 * transaction that also inserts the image row, so an image is indexed
 * wholly or not at all.
 */
import type Database from 'better-sqlite3';
import type { ImportProgress } from '../../src-shared/store-types.js';
import type { OpenFile, Snapshot } from '../../src-shared/model/index.js';
import { PACK_FIELDS, splitPos } from './fdpack.js';
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
    interface Info {
      f: OpenFile;
      kind: number;
      path: number;
      attrs: number;
      deleted: number;
      shared: number;
      pos: [number, number];
      ino: [number, number];
      rdev: [number, number];
      size: [number, number];
      dev: [number, number];
    }
    const info = new Map<number, Info>();
    for (const f of s.files) {
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
      info.set(f.ref, {
        f,
        kind: kindCode(f),
        path: str.id(f.path),
        attrs,
        deleted: f.deleted ? 1 : 0,
        shared: (holders.get(f.ref) ?? 0) > 1 ? 1 : 0,
        pos: splitPos(f.pos),
        ino: splitPos(f.ino),
        rdev: splitPos(f.rdev),
        size: splitPos(f.size),
        dev: splitPos(f.dev),
      });
    }
    const total = s.fdTables.reduce((n, t) => n + t.fds.length, 0);
    let done = 0;
    let next = 50_000;
    for (const tb of s.fdTables) {
      const pack = new Int32Array(tb.fds.length * PACK_FIELDS);
      let o = 0;
      for (const d of tb.fds) {
        const x = info.get(d.file)!;
        const f = x.f;
        const cloexec = d.cloexec ? 1 : 0;
        this.insFd.run(imageId, tb.ref, d.fd, x.kind, x.path, f.flags, cloexec, x.deleted, x.shared, x.attrs);
        pack[o] = tb.ref;
        pack[o + 1] = d.fd;
        pack[o + 2] = d.file;
        pack[o + 3] = cloexec | (x.deleted << 1) | (x.shared << 2);
        pack[o + 4] = x.kind;
        pack[o + 5] = x.path;
        pack[o + 6] = f.flags;
        pack[o + 7] = x.pos[0];
        pack[o + 8] = x.pos[1];
        pack[o + 9] = x.attrs;
        pack[o + 10] = x.ino[0];
        pack[o + 11] = x.ino[1];
        pack[o + 12] = x.rdev[0];
        pack[o + 13] = x.rdev[1];
        pack[o + 14] = x.size[0];
        pack[o + 15] = x.size[1];
        pack[o + 16] = x.dev[0];
        pack[o + 17] = x.dev[1];
        pack[o + 18] = f.mode;
        pack[o + 19] = f.nlink;
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
