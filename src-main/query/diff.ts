/**
 * `ckpt diff A B` from the index (decoding two large images would cost more
 * than the whole budget). Processes are paired by pid, or by command line
 * when a restart changed the pids (fewer than half the pid pairs run the
 * same command while command pairing finds more); fds are paired by number
 * within a process pair. Sharing is judged per open file across processes.
 */
import { bstrToJson, describeFile, displayBStr, formatFlags } from '../../src-shared/model/index.js';
import type { BStr } from '../../src-shared/model/index.js';
import type {
  DiffFd,
  DiffMatching,
  DiffOptions,
  DiffResult,
  DiffTask,
  FdChange,
  FieldChange,
  SharingChange,
  TableChange,
  TaskDiff,
  U64Json,
} from '../../src-shared/store-types.js';
import type { LibraryContext } from '../store/context.js';
import { StoreError } from '../store/errors.js';
import { toSummary, type ImageRow } from '../store/images.js';
import { splitCmdline } from '../store/intern.js';
import { fileFromRow, u64FromDb } from './rows.js';

type FdRow = [tableRef: number, fd: number, fileRef: number, cloexec: number, kind: number, pathId: number, flags: number, pos: number | string, deleted: number, attrs: string | null, mode: number, size: number | string, nlink: number];

interface Proc {
  pid: number;
  tgid: number;
  commId: number;
  cmdId: number;
  table: number;
}

interface Loaded {
  row: ImageRow;
  procs: Proc[];
  byTable: Map<number, FdRow[]>;
  /** file ref -> holders (pid, fd) across processes. */
  holders: Map<number, { pid: number; fd: number }[]>;
  tableProcs: Map<number, number[]>;
}

function load(ctx: LibraryContext, row: ImageRow): Loaded {
  const db = ctx.db;
  const tasks = db.prepare('SELECT pid, tgid, comm_id, cmd_id, table_ref FROM tasks WHERE image_id = ? ORDER BY pid').raw().all(row.id) as [number, number, number, number, number][];
  const procs: Proc[] = [];
  const tableProcs = new Map<number, number[]>();
  for (const [pid, tgid, commId, cmdId, table] of tasks) {
    if (pid !== tgid) continue;
    procs.push({ pid, tgid, commId, cmdId, table });
    if (!table) continue;
    const l = tableProcs.get(table);
    if (l) l.push(pid);
    else tableProcs.set(table, [pid]);
  }
  const fds = db
    .prepare(
      'SELECT d.table_ref, d.fd, d.file_ref, d.cloexec, f.kind, f.path_id, f.flags, f.pos, f.deleted, f.attrs, f.mode, f.size, f.nlink FROM fds d JOIN files f ON f.image_id = d.image_id AND f.ref = d.file_ref WHERE d.image_id = ?',
    )
    .raw()
    .all(row.id) as FdRow[];
  const byTable = new Map<number, FdRow[]>();
  const holders = new Map<number, { pid: number; fd: number }[]>();
  for (const r of fds) {
    let l = byTable.get(r[0]);
    if (!l) byTable.set(r[0], (l = []));
    l.push(r);
    const ps = tableProcs.get(r[0]);
    if (!ps) continue;
    let h = holders.get(r[2]);
    if (!h) holders.set(r[2], (h = []));
    for (const pid of ps) h.push({ pid, fd: r[1] });
  }
  return { row, procs, byTable, holders, tableProcs };
}

function pairBy(a: Proc[], b: Proc[], key: (p: Proc) => number): [Proc, Proc][] {
  const groups = new Map<number, Proc[]>();
  for (const p of b) {
    const l = groups.get(key(p));
    if (l) l.push(p);
    else groups.set(key(p), [p]);
  }
  const out: [Proc, Proc][] = [];
  for (const p of a) {
    const l = groups.get(key(p));
    if (l && l.length) out.push([p, l.shift()!]);
  }
  return out;
}

export function runDiff(ctx: LibraryContext, refA: string, refB: string, opts: DiffOptions = {}): DiffResult {
  const t0 = performance.now();
  if (opts.matching !== undefined && opts.matching !== 'pid' && opts.matching !== 'command')
    throw new StoreError('bad-argument', `diff matching must be "pid" or "command", got ${JSON.stringify(opts.matching)}`);
  const A = load(ctx, ctx.resolve(refA));
  const B = load(ctx, ctx.resolve(refB));
  const strCache = new Map<number, BStr>();
  const str = (id: number): BStr => {
    let v = strCache.get(id);
    if (v === undefined) strCache.set(id, (v = ctx.strings.value(id)));
    return v;
  };

  const byPid = pairBy(A.procs, B.procs, (p) => p.pid);
  let matching: DiffMatching = opts.matching ?? 'pid';
  let pairs = byPid;
  if (!opts.matching) {
    const sameCmd = byPid.filter(([x, y]) => x.cmdId === y.cmdId).length;
    const byCmd = pairBy(A.procs, B.procs, (p) => p.cmdId);
    if (sameCmd * 2 < Math.min(A.procs.length, B.procs.length) && byCmd.length > sameCmd) {
      matching = 'command';
      pairs = byCmd;
    }
  } else if (matching === 'command') pairs = pairBy(A.procs, B.procs, (p) => p.cmdId);

  const pairedA = new Set(pairs.map(([x]) => x));
  const pairedB = new Set(pairs.map(([, y]) => y));
  const fdCount = (L: Loaded, p: Proc) => L.byTable.get(p.table)?.length ?? 0;
  const task = (L: Loaded, p: Proc): DiffTask => {
    const comm = str(p.commId);
    return { pid: p.pid, tgid: p.tgid, comm: bstrToJson(comm), commText: displayBStr(comm), cmdline: splitCmdline(str(p.cmdId)).map(displayBStr).join(' '), fdCount: fdCount(L, p) };
  };
  const fdOf = (r: FdRow): DiffFd => {
    const path = str(r[5]);
    const f = fileFromRow({ ref: r[2], kind: r[4], path, flags: r[6], mode: r[10], pos: r[7], dev: 0, ino: 0, size: r[11], nlink: r[12], deleted: r[8], attrs: r[9] });
    return { fd: r[1], kind: f.kind, target: describeFile(f), path: bstrToJson(path), flags: r[6], flagNames: formatFlags(r[6]), pos: u64FromDb(r[7]), cloexec: r[3] === 1, deleted: r[8] === 1, fileRef: r[2] };
  };
  const others = (L: Loaded, fileRef: number, pid: number) => (L.holders.get(fileRef) ?? []).filter((h) => h.pid !== pid);

  const tasks: TaskDiff[] = [];
  const summary = { tasksAppeared: 0, tasksVanished: 0, tasksChanged: 0, fdsOpened: 0, fdsClosed: 0, fdsChanged: 0, sharingStarted: 0, sharingEnded: 0, tablesBecameShared: 0, tablesSplit: 0 };
  for (const [pa, pb] of pairs) {
    const fa = A.byTable.get(pa.table) ?? [];
    const fb = B.byTable.get(pb.table) ?? [];
    const mb = new Map(fb.map((r) => [r[1], r]));
    const opened: DiffFd[] = [];
    const closed: DiffFd[] = [];
    const changed: FdChange[] = [];
    const sharingStarted: SharingChange[] = [];
    const sharingEnded: SharingChange[] = [];
    for (const ra of fa) {
      const rb = mb.get(ra[1]);
      if (!rb) {
        closed.push(fdOf(ra));
        continue;
      }
      mb.delete(ra[1]);
      const sameTarget = ra[4] === rb[4] && ra[5] === rb[5] && ra[9] === rb[9];
      if (!sameTarget || ra[6] !== rb[6] || ra[7] !== rb[7] || ra[3] !== rb[3] || ra[8] !== rb[8]) {
        const before = fdOf(ra);
        const after = fdOf(rb);
        const changes: FieldChange[] = [];
        if (ra[4] !== rb[4]) changes.push({ field: 'kind', before: before.kind, after: after.kind });
        if (!sameTarget && before.target !== after.target) changes.push({ field: 'target', before: before.target, after: after.target });
        else if (!sameTarget) changes.push({ field: 'target', before: `${before.target} (${JSON.stringify(before.path)})`, after: `${after.target} (${JSON.stringify(after.path)})` });
        if (ra[6] !== rb[6]) changes.push({ field: 'flags', before: before.flagNames, after: after.flagNames });
        let posDelta: U64Json | undefined;
        if (ra[7] !== rb[7]) {
          changes.push({ field: 'pos', before: String(before.pos), after: String(after.pos) });
          const d = BigInt(rb[7]) - BigInt(ra[7]);
          posDelta = d >= -BigInt(Number.MAX_SAFE_INTEGER) && d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : d.toString();
        }
        if (ra[3] !== rb[3]) changes.push({ field: 'cloexec', before: before.cloexec ? 'yes' : 'no', after: after.cloexec ? 'yes' : 'no' });
        if (ra[8] !== rb[8]) changes.push({ field: 'deleted', before: before.deleted ? 'yes' : 'no', after: after.deleted ? 'yes' : 'no' });
        if (changes.length) changed.push(posDelta === undefined ? { fd: ra[1], before, after, changes } : { fd: ra[1], before, after, changes, posDelta });
      }
      const oa = others(A, ra[2], pa.pid);
      const ob = others(B, rb[2], pb.pid);
      if (!oa.length && ob.length) sharingStarted.push({ fd: rb[1], target: fdOf(rb).target, with: ob });
      else if (oa.length && !ob.length) sharingEnded.push({ fd: ra[1], target: fdOf(ra).target, with: oa });
    }
    for (const rb of mb.values()) opened.push(fdOf(rb));
    if (opened.length + closed.length + changed.length + sharingStarted.length + sharingEnded.length === 0) continue;
    opened.sort((x, y) => x.fd - y.fd);
    tasks.push({ before: task(A, pa), after: task(B, pb), matchedBy: matching, opened, closed, changed, sharingStarted, sharingEnded });
    summary.tasksChanged++;
    summary.fdsOpened += opened.length;
    summary.fdsClosed += closed.length;
    summary.fdsChanged += changed.length;
    summary.sharingStarted += sharingStarted.length;
    summary.sharingEnded += sharingEnded.length;
  }
  const appeared = B.procs.filter((p) => !pairedB.has(p)).map((p) => task(B, p));
  const vanished = A.procs.filter((p) => !pairedA.has(p)).map((p) => task(A, p));
  summary.tasksAppeared = appeared.length;
  summary.tasksVanished = vanished.length;

  // Tables: processes that now share one table but did not, and the reverse.
  const tables: TableChange[] = [];
  const toB = new Map(pairs.map(([x, y]) => [x.pid, y]));
  const toA = new Map(pairs.map(([x, y]) => [y.pid, x]));
  for (const pids of B.tableProcs.values()) {
    if (pids.length < 2) continue;
    const before = new Set(pids.map((p) => toA.get(p)?.table).filter((t) => t !== undefined));
    if (before.size > 1) tables.push({ change: 'became-shared', pids });
  }
  for (const pids of A.tableProcs.values()) {
    if (pids.length < 2) continue;
    const after = new Set(pids.map((p) => toB.get(p)?.table).filter((t) => t !== undefined));
    if (after.size > 1) tables.push({ change: 'split', pids });
  }
  summary.tablesBecameShared = tables.filter((t) => t.change === 'became-shared').length;
  summary.tablesSplit = tables.filter((t) => t.change === 'split').length;
  tasks.sort((x, y) => x.before.pid - y.before.pid);
  return { a: toSummary(A.row), b: toSummary(B.row), matching, summary, appeared, vanished, tasks, tables, elapsedMs: performance.now() - t0 };
}
