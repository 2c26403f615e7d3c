/**
 * An image as diff reads it from the index: its processes and every fd table
 * pack laid end to end in one Int32Array (fdpack.ts), so comparing two
 * 100,000-fd images touches no rows and makes no object per fd.
 */
import type { FdLimitValue } from '../../src-shared/store-types.js';
import type { LibraryContext } from '../store/context.js';
import { StoreError } from '../store/errors.js';
import type { ImageRow } from '../store/images.js';
import { P, PACK_FIELDS, unpack } from '../store/fdpack.js';
import { fdLimitOfRow } from '../store/schema.js';

export interface Proc {
  pid: number;
  tgid: number;
  commId: number;
  cmdId: number;
  table: number;
  /** null: not recorded (an image before format 1.2, a library indexed before schema 3). */
  fdLimit: FdLimitValue | null;
}

export interface Holder {
  pid: number;
  fd: number;
}

export interface Loaded {
  row: ImageRow;
  procs: Proc[];
  pack: Int32Array;
  /** fd table ref -> [first, end) fd indexes in the pack. */
  ranges: Map<number, [number, number]>;
  tableProcs: Map<number, number[]>;
  holders: Map<number, Holder[]> | null;
}

export function load(ctx: LibraryContext, row: ImageRow): Loaded {
  const db = ctx.db;
  const tasks = db
    .prepare('SELECT pid, tgid, comm_id, cmd_id, table_ref, fd_soft, fd_hard FROM tasks WHERE image_id = ? ORDER BY pid')
    .raw()
    .all(row.id) as [number, number, number, number, number, number | null, number | null][];
  const procs: Proc[] = [];
  const tableProcs = new Map<number, number[]>();
  for (const [pid, tgid, commId, cmdId, table, soft, hard] of tasks) {
    if (pid !== tgid) continue;
    procs.push({ pid, tgid, commId, cmdId, table, fdLimit: fdLimitOfRow(soft, hard) });
    if (!table) continue;
    const l = tableProcs.get(table);
    if (l) l.push(pid);
    else tableProcs.set(table, [pid]);
  }
  // The tables' packs, one after the other, as one array with each table's range.
  const blobs = db.prepare('SELECT ref, data FROM fdtables WHERE image_id = ?').raw().all(row.id) as [number, Buffer][];
  const total = blobs.reduce((n, [, b]) => n + b.byteLength, 0) >> 2;
  if (total !== row.n_fds * PACK_FIELDS)
    throw new StoreError(
      'corrupt',
      `image ${row.sha256.slice(0, 12)}: its packed fds do not add up to its ${row.n_fds} fds (run ckpt verify --all)`,
    );
  const pack = new Int32Array(total);
  const ranges = new Map<number, [number, number]>();
  let at = 0;
  for (const [ref, b] of blobs) {
    const p = unpack(b);
    pack.set(p, at);
    ranges.set(ref, [at / PACK_FIELDS, (at + p.length) / PACK_FIELDS]);
    at += p.length;
  }
  return { row, procs, pack, ranges, tableProcs, holders: null };
}

/** Holders (pid, fd) of each open file; built only when some sharing changed. */
export function holdersOf(L: Loaded): Map<number, Holder[]> {
  if (L.holders) return L.holders;
  const h = new Map<number, Holder[]>();
  const p = L.pack;
  for (const [table, [s, e]] of L.ranges) {
    const pids = L.tableProcs.get(table);
    if (!pids) continue;
    for (let i = s; i < e; i++) {
      const file = p[i * PACK_FIELDS + P.file]!;
      let l = h.get(file);
      if (!l) h.set(file, (l = []));
      for (const pid of pids) l.push({ pid, fd: p[i * PACK_FIELDS + P.fd]! });
    }
  }
  return (L.holders = h);
}

export function fdCount(L: Loaded, p: Proc): number {
  const r = L.ranges.get(p.table);
  return r ? r[1] - r[0] : 0;
}

/** Pack indexes of one table's fds, ordered by fd number. */
export function fdOrder(L: Loaded, table: number): number[] {
  const r = L.ranges.get(table);
  if (!r) return [];
  const out: number[] = [];
  for (let i = r[0]; i < r[1]; i++) out.push(i);
  const p = L.pack;
  for (let k = 1; k < out.length; k++)
    if (p[out[k]! * PACK_FIELDS + P.fd]! < p[out[k - 1]! * PACK_FIELDS + P.fd]!) {
      out.sort((x, y) => p[x * PACK_FIELDS + P.fd]! - p[y * PACK_FIELDS + P.fd]!);
      break;
    }
  return out;
}
